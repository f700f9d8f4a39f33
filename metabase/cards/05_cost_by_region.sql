-- Effective cost by region in the latest period.
with periods as (select max(BillingPeriodStart) as period_start from focus_cost_and_usage)
select coalesce(RegionName, RegionId, '(global)') as region, sum(EffectiveCost) as effective_cost
from focus_cost_and_usage, periods
where BillingPeriodStart = periods.period_start
group by all
order by effective_cost desc
