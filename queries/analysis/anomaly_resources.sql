-- Usage cost per resource on some days of some (provider, sub account, service, currency) series:
-- what drove an anomaly found by anomaly_usage.sql (the same rows), on its day and its baseline
-- days. $series holds the keys provider || chr(31) || sub account || chr(31) || service ||
-- chr(31) || currency; rows without a ResourceId count as '(no resource id)'.
with source as (
    select
        cast(ChargePeriodStart as date) as day,
        coalesce(ProviderName, ServiceProviderName, x_provider) as provider,
        coalesce(SubAccountId, BillingAccountId) as sub_account_id,
        coalesce(ServiceName, '(none)') as service_name,
        BillingCurrency as currency,
        coalesce(ResourceId, '(no resource id)') as resource_id,
        ResourceName,
        EffectiveCost
    from focus.cost_and_usage
    where ChargeCategory = 'Usage'
      and ChargeFrequency = 'Usage-Based'
      and ChargeClass is null
      and list_contains($days::date[], cast(ChargePeriodStart as date))
)

select
    day,
    provider || chr(31) || sub_account_id || chr(31) || service_name || chr(31) || currency as series,
    resource_id,
    max(ResourceName) as resource_name,
    sum(EffectiveCost)::decimal(38, 10) as effective_cost
from source
where list_contains(
    $series::varchar[],
    provider || chr(31) || sub_account_id || chr(31) || service_name || chr(31) || currency
)
group by day, series, resource_id
order by series, resource_id, day
