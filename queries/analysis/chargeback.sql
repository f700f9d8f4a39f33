-- Chargeback: effective cost per sub-account and value of one tag key (long form), '(untagged)' for
-- rows without a value (marts.tag_cost: total rows of the account minus those carrying the key).
with filtered as (
    select * from marts.tag_cost
    where billing_period = $period
      and (len($providers::varchar[]) = 0 or list_contains($providers::varchar[], provider))
      and (len($accounts::varchar[]) = 0 or list_contains($accounts::varchar[], sub_account_id))
      and (len($services::varchar[]) = 0 or list_contains($services::varchar[], service_name))
),

tagged as (
    select sub_account_name, tag_value, sum(effective_cost) as effective_cost, sum(rows) as rows
    from filtered
    where tag_key = $tag_key and tag_value is not null
    group by all
),

total as (
    select sub_account_name, sum(effective_cost) as effective_cost, sum(rows) as rows
    from filtered
    where tag_key is null
    group by all
),

untagged as (
    select
        total.sub_account_name,
        '(untagged)' as tag_value,
        total.effective_cost - coalesce(sum(tagged.effective_cost), 0) as effective_cost,
        total.rows - coalesce(sum(tagged.rows), 0) as rows
    from total
    left join tagged on tagged.sub_account_name is not distinct from total.sub_account_name
    group by total.sub_account_name, total.effective_cost, total.rows
)

select sub_account_name, tag_value, sum(effective_cost)::decimal(38, 10) as effective_cost
from (
    select sub_account_name, tag_value, effective_cost from tagged
    union all
    select sub_account_name, tag_value, effective_cost from untagged where rows > 0
)
group by all  -- a tag value literally '(untagged)' joins the untagged rows, as it always did
order by sub_account_name, tag_value
