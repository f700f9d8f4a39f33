-- Share of effective cost carrying a value for a tag key (the tag_key filter, default 'team'), per month.
select
    strftime(BillingPeriodStart, '%Y-%m') as billing_period,
    sum(EffectiveCost) as effective_cost,
    sum(case when json_extract_string(Tags, '$.' || coalesce([[{{tag_key}},]] 'team')) is not null
        then EffectiveCost else 0 end) as tagged_cost,
    round(100 * tagged_cost / nullif(effective_cost, 0), 1) as coverage_pct
from focus_cost_and_usage
where ChargeCategory = 'Usage'
group by all
order by billing_period
