-- Rows breaking the expected ordering of the cost columns, per rule (an empty result is good).
-- ListCost >= ContractedCost on usage; ContractedCost >= EffectiveCost on usage without commitments;
-- mandatory columns present.
with source as (
    select * from focus.cost_and_usage where x_billing_period = $period
),

rules as (
    select 'ListCost < ContractedCost (usage)' as rule, count(*) filter (
        where ChargeCategory = 'Usage' and ListCost < ContractedCost) as failing_rows, count(*) as rows
    from source
    union all
    select 'ContractedCost < EffectiveCost (on-demand usage)', count(*) filter (
        where ChargeCategory = 'Usage' and CommitmentDiscountId is null and ContractedCost < EffectiveCost),
        count(*)
    from source
    union all
    select 'ServiceName missing', count(*) filter (where ServiceName is null), count(*) from source
    union all
    select 'SubAccountId missing', count(*) filter (where SubAccountId is null), count(*) from source
    union all
    select 'BillingCurrency missing', count(*) filter (where BillingCurrency is null), count(*) from source
    union all
    select 'ChargeCategory missing', count(*) filter (where ChargeCategory is null), count(*) from source
)

select *, (failing_rows / nullif(rows, 0))::double as failing_share from rules
order by failing_rows desc, rule
