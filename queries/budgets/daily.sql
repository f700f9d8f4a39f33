-- Daily EffectiveCost of one budget's rows, by billing period, charge day and how the charge
-- recurs (finops_lib/budgets.py). FOCUS 1.2 columns of focus.cost_and_usage.
-- Filter (docs: finops.example.toml [budgets]): BillingCurrency = $currency; providers match
-- ProviderName or x_provider, accounts BillingAccountId or SubAccountId, services ServiceName; an
-- empty list does not filter. Rows: the billing periods $first_period..$last_period (the budget's
-- period, for the actual) and every day from $from (the trailing weeks of the weekday baseline).
-- kind: 'usage' (ChargeCategory Usage, ChargeFrequency Usage-Based: the daily pattern the forecast
-- extends), 'monthly' (Recurring fees, taxes, usage-based credits posted once a month: expected
-- again in each month still to come), 'one_time' (purchases, one-time credits, corrections
-- (ChargeClass Correction): counted in the actual, never forecast).
with source as (
    select * from focus.cost_and_usage
    where BillingCurrency = $currency
      and x_billing_period <= $last_period
      and (x_billing_period >= $first_period or cast(ChargePeriodStart as date) >= $from)
      and (array_length($providers::varchar[]) = 0
           or list_contains($providers::varchar[], ProviderName)
           or list_contains($providers::varchar[], x_provider))
      and (array_length($accounts::varchar[]) = 0
           or list_contains($accounts::varchar[], BillingAccountId)
           or list_contains($accounts::varchar[], SubAccountId))
      and (array_length($services::varchar[]) = 0
           or list_contains($services::varchar[], ServiceName))
),

final as (
    select
        x_billing_period as billing_period,
        cast(ChargePeriodStart as date) as day,
        case
            when ChargeClass = 'Correction' then 'one_time'
            when ChargeCategory = 'Usage' and ChargeFrequency = 'Usage-Based' then 'usage'
            when ChargeFrequency = 'One-Time' then 'one_time'
            else 'monthly'
        end as kind,
        sum(EffectiveCost)::decimal(38, 10) as effective_cost
    from source
    group by all
)

select * from final
order by day, billing_period, kind
