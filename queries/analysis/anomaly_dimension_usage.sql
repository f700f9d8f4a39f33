-- Daily usage cost per value of each virtual dimension (marts.cost_allocation), the series
-- dimension anomalies are found in: the same usage rows as anomaly_usage.sql. The allocation
-- table carries no ChargeFrequency, so a row counts as usage when the FOCUS rows it came from
-- (same export, billing period, day, sub account, service, resource, charge category, class and
-- pricing category) are usage-based usage of at most a day (an unused commitment or a subscription
-- dated day 1 that spans the month is not a jump); a row with no such FOCUS rows (a split part
-- of a shared charge moved to another value) does not count: shared costs are no team's usage.
with allocated as (
    select * from marts.cost_allocation
    where ChargeCategory = 'Usage'
      and ChargeClass is null
      and day between $from and $to
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
        PricingCategory,
        bool_and(
            ChargeFrequency = 'Usage-Based'
            and ChargePeriodEnd <= ChargePeriodStart + interval 1 day
        ) as usage_based
    from focus.cost_and_usage
    where ChargeCategory = 'Usage'
      and ChargeClass is null
      and cast(ChargePeriodStart as date) between $from and $to
    group by all
),

usage as (
    select allocated.*
    from allocated
    left join focus_kinds
        on allocated.x_provider = focus_kinds.x_provider
        and allocated.x_export_name = focus_kinds.x_export_name
        and allocated.x_billing_period = focus_kinds.x_billing_period
        and allocated.day = focus_kinds.day
        and allocated.SubAccountId is not distinct from focus_kinds.SubAccountId
        and allocated.ServiceName is not distinct from focus_kinds.ServiceName
        and allocated.ResourceId is not distinct from focus_kinds.ResourceId
        and allocated.PricingCategory is not distinct from focus_kinds.PricingCategory
    where coalesce(focus_kinds.usage_based, false)
),

final as (
    select
        day,
        dimension,
        value,
        BillingCurrency as currency,
        sum(EffectiveCost)::decimal(38, 10) as effective_cost
    from usage
    group by all
)

select * from final
order by dimension, value, currency, day
