-- Top 15 sub accounts (AWS linked accounts, Azure subscriptions, GCP projects) in the latest period.
with periods as (select max(BillingPeriodStart) as period_start from focus_cost_and_usage)
select
    coalesce(SubAccountName, SubAccountId, '(no sub account)') as sub_account,
    ProviderName as provider,
    sum(EffectiveCost) as effective_cost
from focus_cost_and_usage, periods
where BillingPeriodStart = periods.period_start
group by all
order by effective_cost desc
limit 15
