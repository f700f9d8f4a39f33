-- Daily EffectiveCost of one budget's rows when it filters on a virtual dimension value: the same
-- columns and filters as budgets/daily.sql, read from marts.cost_allocation (one row set per
-- dimension, summing exactly to focus.cost_and_usage), restricted to $dimension and $dim_values.
-- marts.cost_allocation carries no ChargeFrequency: each row takes the kind of the FOCUS rows it
-- came from (same export, billing period, day, sub account, service, resource, charge category,
-- class and pricing category); a row with no such FOCUS rows (a shared-cost split part is one) is
-- classed by its ChargeCategory alone.
with allocated as (
    select * from marts.cost_allocation
    where dimension = $dimension
      and list_contains($dim_values::varchar[], value)
      and BillingCurrency = $currency
      and x_billing_period <= $last_period
      and (x_billing_period >= $first_period or day >= $from)
      and (array_length($providers::varchar[]) = 0
           or list_contains($providers::varchar[], ProviderName)
           or list_contains($providers::varchar[], x_provider))
      and (array_length($accounts::varchar[]) = 0
           or list_contains($accounts::varchar[], BillingAccountId)
           or list_contains($accounts::varchar[], SubAccountId))
      and (array_length($services::varchar[]) = 0
           or list_contains($services::varchar[], ServiceName))
),

focus_kinds as (
    select
        x_provider,
        x_export_name,
        x_billing_period,
        cast(ChargePeriodStart as date) as day,
        SubAccountId,
        ServiceName,
        ResourceId,
        ChargeCategory,
        ChargeClass,
        PricingCategory,
        -- the kind carrying most of the cost when one key holds several
        arg_max(
            case
                when ChargeClass = 'Correction' then 'one_time'
                when ChargeCategory = 'Usage' and ChargeFrequency = 'Usage-Based' then 'usage'
                when ChargeFrequency = 'One-Time' then 'one_time'
                else 'monthly'
            end,
            abs(EffectiveCost)
        ) as kind
    from focus.cost_and_usage
    where BillingCurrency = $currency
      and x_billing_period <= $last_period
      and (x_billing_period >= $first_period or cast(ChargePeriodStart as date) >= $from)
    group by all
),

final as (
    select
        allocated.x_billing_period as billing_period,
        allocated.day,
        coalesce(
            focus_kinds.kind,
            case
                when allocated.ChargeClass = 'Correction' then 'one_time'
                when allocated.ChargeCategory = 'Usage' then 'usage'
                when allocated.ChargeCategory = 'Purchase' then 'one_time'
                else 'monthly'
            end
        ) as kind,
        sum(allocated.EffectiveCost)::decimal(38, 10) as effective_cost
    from allocated
    left join focus_kinds
        on allocated.x_provider = focus_kinds.x_provider
        and allocated.x_export_name = focus_kinds.x_export_name
        and allocated.x_billing_period = focus_kinds.x_billing_period
        and allocated.day = focus_kinds.day
        and allocated.SubAccountId is not distinct from focus_kinds.SubAccountId
        and allocated.ServiceName is not distinct from focus_kinds.ServiceName
        and allocated.ResourceId is not distinct from focus_kinds.ResourceId
        and allocated.ChargeCategory is not distinct from focus_kinds.ChargeCategory
        and allocated.ChargeClass is not distinct from focus_kinds.ChargeClass
        and allocated.PricingCategory is not distinct from focus_kinds.PricingCategory
    group by all
)

select * from final
order by day, billing_period, kind
