-- Top 15 services by effective cost in a billing period (latest when no filter is set).
with periods as (
    select coalesce([[max(case when strftime(BillingPeriodStart, '%Y-%m') = {{period}} then BillingPeriodStart end),]] max(BillingPeriodStart)) as period_start
    from focus_cost_and_usage
)
select ServiceName as service, ServiceCategory as service_category, sum(EffectiveCost) as effective_cost
from focus_cost_and_usage, periods
where BillingPeriodStart = periods.period_start
group by all
order by effective_cost desc
limit 15
