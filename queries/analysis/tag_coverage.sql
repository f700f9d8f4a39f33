-- Tag coverage per key: share of effective cost on rows that carry the key.
with source as (
    select
        *,
        coalesce(ProviderName, ServiceProviderName, x_provider) as provider,
        coalesce(SubAccountId, BillingAccountId) as sub_account_id,
        coalesce(SubAccountName, SubAccountId, BillingAccountId) as sub_account_name,
        coalesce(ServiceName, '(none)') as service_name
    from focus.cost_and_usage
    where x_billing_period = $period
),

filtered as (
    select Tags, EffectiveCost from source
    where true
      and (len($providers::varchar[]) = 0 or list_contains($providers::varchar[], provider))
      and (len($accounts::varchar[]) = 0 or list_contains($accounts::varchar[], sub_account_id))
      and (len($services::varchar[]) = 0 or list_contains($services::varchar[], service_name))
),

keys as (
    select unnest($tag_keys::varchar[]) as tag_key
)

select
    keys.tag_key,
    coalesce(sum(EffectiveCost) filter (
        where nullif(json_extract_string(Tags, '$."' || keys.tag_key || '"'), '') is not null
    ), 0)::decimal(38, 10) as tagged_cost,
    coalesce(sum(EffectiveCost), 0)::decimal(38, 10) as total_cost,
    (tagged_cost / nullif(total_cost, 0))::double as coverage
from keys, filtered
group by keys.tag_key
order by keys.tag_key
