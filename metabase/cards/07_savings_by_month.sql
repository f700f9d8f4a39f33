-- List -> contracted -> effective cost per month, and the effective savings rate.
select
    strftime(BillingPeriodStart, '%Y-%m') as billing_period,
    sum(ListCost) as list_cost,
    sum(ContractedCost) as contracted_cost,
    sum(EffectiveCost) as effective_cost,
    round(100 * (1 - sum(EffectiveCost) / nullif(sum(ListCost), 0)), 2) as effective_savings_rate_pct
from focus_cost_and_usage
where ChargeCategory = 'Usage'
group by all
order by billing_period
