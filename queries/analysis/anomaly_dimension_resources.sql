-- Usage cost per resource on some days of some (dimension, value, currency) series: what drove a
-- dimension anomaly found by anomaly_dimension_usage.sql (the same rows). $series holds the keys
-- dimension || chr(31) || value || chr(31) || currency.
with allocated as (
    select * from marts.cost_allocation
    where ChargeCategory = 'Usage'
      and ChargeClass is null
      and list_contains($days::date[], day)
      and list_contains(
          $series::varchar[], dimension || chr(31) || value || chr(31) || BillingCurrency
      )
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
        bool_and(ChargeFrequency = 'Usage-Based') as usage_based
    from focus.cost_and_usage
    where ChargeCategory = 'Usage'
      and ChargeClass is null
      and list_contains($days::date[], cast(ChargePeriodStart as date))
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
    where coalesce(focus_kinds.usage_based, true)
)

select
    day,
    dimension || chr(31) || value || chr(31) || BillingCurrency as series,
    coalesce(ResourceId, '(no resource id)') as resource_id,
    max(coalesce(ProviderName, x_provider)) as provider,
    max(coalesce(SubAccountId, BillingAccountId)) as sub_account_id,
    max(coalesce(SubAccountName, SubAccountId, BillingAccountId)) as sub_account_name,
    max(coalesce(ServiceName, '(none)')) as service_name,
    sum(EffectiveCost)::decimal(38, 10) as effective_cost
from usage
group by day, series, resource_id
order by series, resource_id, day
