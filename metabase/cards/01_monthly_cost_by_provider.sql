-- Monthly billed and effective cost by provider (FOCUS 1.2 columns).
select
    strftime(BillingPeriodStart, '%Y-%m') as billing_period,
    ProviderName as provider,
    sum(BilledCost) as billed_cost,
    sum(EffectiveCost) as effective_cost
from focus_cost_and_usage
where true [[and ProviderName = {{provider}}]]
group by all
order by billing_period, provider
