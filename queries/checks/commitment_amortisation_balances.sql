-- rule: FOCUS-1.2/EffectiveCost/commitment-amortisation
-- severity: warning
-- spec: Per CommitmentDiscountId, sum(EffectiveCost) of Usage rows equals sum(BilledCost) of its Purchase rows over the term; checked per billing period for commitments whose purchases recur every period (no One-Time purchase anywhere in the dataset); tolerance 0.01 per period for rounding. Warning: a commitment whose upfront purchase predates the dataset can be reported.
-- model: focus-validator 2.2.1 model-1.2.0.1 EffectiveCost-C-012-C
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
with per_period as (
    select CommitmentDiscountId, BillingPeriodStart,
        sum(case when ChargeCategory = 'Usage' then EffectiveCost else 0 end) as amortised,
        sum(case when ChargeCategory = 'Purchase' and ChargeFrequency = 'Recurring' then BilledCost else 0 end) as recurring_purchase,
        count(*) filter (where ChargeCategory = 'Purchase' and ChargeFrequency = 'One-Time') as one_time_purchases
    from focus_check_input
    where CommitmentDiscountId is not null and ChargeClass is null
    group by all
)
select * from per_period
where one_time_purchases = 0 and recurring_purchase <> 0 and abs(amortised - recurring_purchase) > 0.01
    and CommitmentDiscountId not in (
        select CommitmentDiscountId from focus_check_all
        where ChargeCategory = 'Purchase' and ChargeFrequency = 'One-Time' and CommitmentDiscountId is not null)
