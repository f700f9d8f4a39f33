-- Billed and effective cost per charge category and class, per month.
select
    strftime(BillingPeriodStart, '%Y-%m') as billing_period,
    ChargeCategory as charge_category,
    coalesce(ChargeClass, '') as charge_class,
    sum(BilledCost) as billed_cost,
    sum(EffectiveCost) as effective_cost
from focus_cost_and_usage
group by all
order by billing_period, charge_category
