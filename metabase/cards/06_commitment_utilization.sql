-- Commitment discount utilisation per commitment: used vs unused amortised cost, all periods.
select
    CommitmentDiscountId as commitment_id,
    any_value(CommitmentDiscountType) as commitment_type,
    sum(case when CommitmentDiscountStatus = 'Used' then EffectiveCost else 0 end) as used_cost,
    sum(case when CommitmentDiscountStatus = 'Unused' then EffectiveCost else 0 end) as unused_cost,
    round(100 * sum(case when CommitmentDiscountStatus = 'Used' then EffectiveCost else 0 end)
        / nullif(sum(case when CommitmentDiscountStatus in ('Used', 'Unused') then EffectiveCost else 0 end), 0), 1)
        as utilization_pct
from focus_cost_and_usage
where CommitmentDiscountId is not null and ChargeCategory = 'Usage'
group by all
order by unused_cost desc
