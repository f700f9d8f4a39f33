-- Daily usage cost per provider, sub account and service, the series anomalies are found in
-- (finops_lib/analysis/anomalies.py). Usage only: ChargeCategory 'Usage' with ChargeFrequency
-- 'Usage-Based' and no ChargeClass 'Correction', so purchases, recurring monthly fees, taxes,
-- credits and corrections never look like a jump. Days $from..$to (the period and the trailing
-- weeks of its weekday baseline), by UTC charge day. FOCUS 1.2 columns of focus.cost_and_usage.
with source as (
    select
        cast(ChargePeriodStart as date) as day,
        -- the same provider and account labels as marts.daily_cost
        coalesce(ProviderName, ServiceProviderName, x_provider) as provider,
        coalesce(SubAccountId, BillingAccountId) as sub_account_id,
        coalesce(SubAccountName, SubAccountId, BillingAccountName, BillingAccountId) as sub_account_name,
        coalesce(ServiceName, '(none)') as service_name,
        BillingCurrency as currency,
        EffectiveCost
    from focus.cost_and_usage
    where ChargeCategory = 'Usage'
      and ChargeFrequency = 'Usage-Based'
      and ChargeClass is null
      and cast(ChargePeriodStart as date) between $from and $to
),

final as (
    select
        day,
        provider,
        sub_account_id,
        max(sub_account_name) as sub_account_name,
        service_name,
        currency,
        sum(EffectiveCost)::decimal(38, 10) as effective_cost
    from source
    where (array_length($providers::varchar[]) = 0 or list_contains($providers::varchar[], provider))
      and (array_length($accounts::varchar[]) = 0 or list_contains($accounts::varchar[], sub_account_id))
      and (array_length($services::varchar[]) = 0 or list_contains($services::varchar[], service_name))
    group by day, provider, sub_account_id, service_name, currency
)

select * from final
order by provider, sub_account_id, service_name, currency, day
