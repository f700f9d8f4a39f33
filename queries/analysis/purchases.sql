-- Purchase charges (commitments, marketplace, support) of one period.
with filtered as (
    select
        *,
        coalesce(ProviderName, ServiceProviderName, x_provider) as provider,
        coalesce(SubAccountId, BillingAccountId) as sub_account_id,
        coalesce(SubAccountName, SubAccountId, BillingAccountId) as sub_account_name,
        coalesce(ServiceName, '(none)') as service_name
    from focus.cost_and_usage
    where x_billing_period = $period
      and ChargeCategory = 'Purchase'
)

select
    provider,
    service_name,
    coalesce(CommitmentDiscountName, ChargeDescription) as description,
    ChargeFrequency as charge_frequency,
    sum(BilledCost)::decimal(38, 10) as billed_cost,
    sum(EffectiveCost)::decimal(38, 10) as effective_cost
from filtered
where true
      and (len($providers::varchar[]) = 0 or list_contains($providers::varchar[], provider))
      and (len($accounts::varchar[]) = 0 or list_contains($accounts::varchar[], sub_account_id))
      and (len($services::varchar[]) = 0 or list_contains($services::varchar[], service_name))
group by all
order by billed_cost desc, provider, service_name, description, charge_frequency
