-- Tag keys present in one period, ranked by the effective cost of the rows carrying them.
with tagged as (
    select unnest(json_keys(Tags)) as tag_key, EffectiveCost
    from focus.cost_and_usage
    where x_billing_period = $period and Tags is not null
)

select
    tag_key,
    count(*)::bigint as rows,
    sum(EffectiveCost)::decimal(38, 10) as effective_cost
from tagged
group by tag_key
order by rows desc, tag_key
