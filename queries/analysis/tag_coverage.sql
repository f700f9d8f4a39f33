-- Tag coverage per key: share of effective cost on rows that carry the key with a value
-- (marts.tag_cost; its tag_key null rows hold the total of every row). No rows: no result.
with filtered as (
    select * from marts.tag_cost
    where billing_period = $period
      and (len($providers::varchar[]) = 0 or list_contains($providers::varchar[], provider))
      and (len($accounts::varchar[]) = 0 or list_contains($accounts::varchar[], sub_account_id))
      and (len($services::varchar[]) = 0 or list_contains($services::varchar[], service_name))
),

keys as (
    select unnest($tag_keys::varchar[]) as tag_key
),

tagged as (
    select tag_key, sum(effective_cost) as effective_cost
    from filtered
    where tag_value is not null and list_contains($tag_keys::varchar[], tag_key)
    group by tag_key
),

total as (
    select sum(effective_cost) as effective_cost, sum(rows) as rows
    from filtered
    where tag_key is null
)

-- one row per listed key (a key listed twice counts twice, as the per-row query did)
select
    keys.tag_key,
    coalesce(sum(tagged.effective_cost), 0)::decimal(38, 10) as tagged_cost,
    coalesce(sum(total.effective_cost), 0)::decimal(38, 10) as total_cost,
    (tagged_cost / nullif(total_cost, 0))::double as coverage
from keys
cross join total
left join tagged on tagged.tag_key = keys.tag_key
where total.rows > 0
group by keys.tag_key
order by keys.tag_key
