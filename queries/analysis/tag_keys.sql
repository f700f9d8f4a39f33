-- Tag keys present in one period (with a value or not), ranked by the number of FOCUS rows carrying
-- them, with the effective cost of those rows (marts.tag_cost, tag_key null rows are totals).
select
    tag_key,
    sum(rows)::bigint as rows,
    sum(effective_cost)::decimal(38, 10) as effective_cost
from marts.tag_cost
where billing_period = $period and tag_key is not null
group by tag_key
order by rows desc, tag_key
