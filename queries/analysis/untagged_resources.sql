-- The most expensive resources that carry none of the configured tag keys.
with source as (
    select
        *,
        coalesce(ProviderName, ServiceProviderName, x_provider) as provider,
        coalesce(SubAccountId, BillingAccountId) as sub_account_id,
        coalesce(SubAccountName, SubAccountId, BillingAccountId) as sub_account_name,
        coalesce(ServiceName, '(none)') as service_name
    from focus.cost_and_usage
    where x_billing_period = $period
      and ResourceId is not null
),

filtered as (
    select * from source
    where not list_bool_or(list_transform(
        $tag_keys::varchar[],
        k -> nullif(json_extract_string(Tags, '$."' || k || '"'), '') is not null
    ))
      and (len($providers::varchar[]) = 0 or list_contains($providers::varchar[], provider))
      and (len($accounts::varchar[]) = 0 or list_contains($accounts::varchar[], sub_account_id))
      and (len($services::varchar[]) = 0 or list_contains($services::varchar[], service_name))
)

select
    ResourceId as resource_id,
    any_value(ResourceName) as resource_name,
    any_value(service_name) as service_name,
    any_value(sub_account_name) as sub_account_name,
    any_value(provider) as provider,
    sum(EffectiveCost)::decimal(38, 10) as effective_cost
from filtered
group by ResourceId
order by effective_cost desc
limit $limit
