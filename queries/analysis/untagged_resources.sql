-- The most expensive resources that carry none of the configured tag keys, from marts.resource_cost
-- (tagged_keys: the keys with a non-empty value). No keys given: no rows, as before the mart.
-- Two steps, as in top_resources.sql: rank by cost, then name only the top ones.
with filtered as (
    select * from marts.resource_cost
    where billing_period = $period and resource_id is not null
      and len($tag_keys::varchar[]) > 0
      and not list_has_any(tagged_keys, $tag_keys::varchar[])
      and (len($providers::varchar[]) = 0 or list_contains($providers::varchar[], provider))
      and (len($accounts::varchar[]) = 0 or list_contains($accounts::varchar[], sub_account_id))
      and (len($services::varchar[]) = 0 or list_contains($services::varchar[], service_name))
),

ranked as (
    select resource_id, sum(effective_cost)::decimal(38, 10) as effective_cost
    from filtered
    group by resource_id
    order by effective_cost desc, resource_id  -- resource_id: ties in a stable order
    limit $limit
),

named as (
    select
        resource_id,
        max(resource_name) as resource_name,
        max(service_name) as service_name,
        max(sub_account_name) as sub_account_name,
        max(provider) as provider
    from filtered
    where resource_id in (select resource_id from ranked)
    group by resource_id
)

select named.*, ranked.effective_cost
from ranked
join named using (resource_id)
order by ranked.effective_cost desc, resource_id
