-- Daily consumed quantity and effective cost per consumed unit.
with filtered as (
    select
        *,
        coalesce(ProviderName, ServiceProviderName, x_provider) as provider,
        coalesce(SubAccountId, BillingAccountId) as sub_account_id,
        coalesce(SubAccountName, SubAccountId, BillingAccountId) as sub_account_name,
        coalesce(ServiceName, '(none)') as service_name
    from focus.cost_and_usage
    where x_billing_period = $period
      and ConsumedUnit is not null
)

select
    cast(ChargePeriodStart as date) as day,
    ConsumedUnit as consumed_unit,
    sum(ConsumedQuantity)::decimal(38, 10) as consumed_quantity,
    sum(EffectiveCost)::decimal(38, 10) as effective_cost
from filtered
where true
      and (len($providers::varchar[]) = 0 or list_contains($providers::varchar[], provider))
      and (len($accounts::varchar[]) = 0 or list_contains($accounts::varchar[], sub_account_id))
      and (len($services::varchar[]) = 0 or list_contains($services::varchar[], service_name))
group by all
order by day, consumed_unit
