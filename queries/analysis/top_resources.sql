-- The most expensive resources of one period.
with filtered as (
    select
        *,
        coalesce(ProviderName, ServiceProviderName, x_provider) as provider,
        coalesce(SubAccountId, BillingAccountId) as sub_account_id,
        coalesce(ServiceName, '(none)') as service_name
    from focus.cost_and_usage
    where x_billing_period = $period and ResourceId is not null
)

select
    ResourceId as resource_id,
    any_value(ResourceName) as resource_name,
    any_value(ResourceType) as resource_type,
    any_value(service_name) as service_name,
    any_value(coalesce(SubAccountName, sub_account_id)) as sub_account_name,
    any_value(provider) as provider,
    sum(EffectiveCost)::decimal(38, 10) as effective_cost,
    sum(BilledCost)::decimal(38, 10) as billed_cost
from filtered
where true
      and (len($providers::varchar[]) = 0 or list_contains($providers::varchar[], provider))
      and (len($accounts::varchar[]) = 0 or list_contains($accounts::varchar[], sub_account_id))
      and (len($services::varchar[]) = 0 or list_contains($services::varchar[], service_name))
group by ResourceId
order by effective_cost desc
limit $limit
