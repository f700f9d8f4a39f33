-- Daily effective (amortised) cost by service category over the last 90 days of data.
with bounds as (select max(ChargePeriodStart) as last_day from focus_cost_and_usage)
select
    date_trunc('day', ChargePeriodStart) as day,
    ServiceCategory as service_category,
    sum(EffectiveCost) as effective_cost
from focus_cost_and_usage, bounds
where ChargePeriodStart >= bounds.last_day - interval 90 day
    [[and ProviderName = {{provider}}]]
group by all
order by day, service_category
