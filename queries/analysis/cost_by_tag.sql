-- Effective cost per value of one tag key, '(untagged)' for rows without a value for it
-- (marts.tag_cost: untagged = the total rows of a group minus those carrying the key with a value).
with filtered as (
    select * from marts.tag_cost
    where billing_period = $period
      and (len($providers::varchar[]) = 0 or list_contains($providers::varchar[], provider))
      and (len($accounts::varchar[]) = 0 or list_contains($accounts::varchar[], sub_account_id))
      and (len($services::varchar[]) = 0 or list_contains($services::varchar[], service_name))
),

tagged as (
    select tag_value, sum(effective_cost) as effective_cost, sum(rows) as rows
    from filtered
    where tag_key = $tag_key and tag_value is not null
    group by tag_value
),

total as (
    select sum(effective_cost) as effective_cost, sum(rows) as rows
    from filtered
    where tag_key is null
),

untagged as (
    select
        '(untagged)' as tag_value,
        total.effective_cost - coalesce((select sum(effective_cost) from tagged), 0) as effective_cost,
        total.rows - coalesce((select sum(rows) from tagged), 0) as rows
    from total
),

both_kinds as (
    select tag_value, effective_cost from tagged
    union all
    select tag_value, effective_cost from untagged where rows > 0  -- some rows lack the key
),

final as (
    -- a tag whose value is literally '(untagged)' joins the untagged rows, as it always did
    select tag_value, sum(effective_cost)::decimal(38, 10) as effective_cost
    from both_kinds
    group by tag_value
)

select
    tag_value,
    effective_cost,
    (effective_cost / nullif((select effective_cost from total), 0))::double as share
from final
order by tag_value = '(untagged)', effective_cost desc, tag_value  -- tag_value: ties in a stable order
