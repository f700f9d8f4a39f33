-- Charges of one billing period dated outside its month (corrections of an earlier month, charges
-- on a provider's time-zone edge), one row per day, provider, account, service and charge class:
-- shown apart from the period's daily chart (daily_cost.sql keeps the days inside the month).
select
    day,
    provider,
    sub_account_name,
    service_name,
    charge_category,
    sum(effective_cost)::decimal(38, 10) as effective_cost,
    sum(billed_cost)::decimal(38, 10) as billed_cost
from marts.daily_cost
where billing_period = $period
      and (day < strptime($period || '-01', '%Y-%m-%d')::date
           or day > last_day(strptime($period || '-01', '%Y-%m-%d')::date))
      and (len($providers::varchar[]) = 0 or list_contains($providers::varchar[], provider))
      and (len($accounts::varchar[]) = 0 or list_contains($accounts::varchar[], sub_account_id))
      and (len($services::varchar[]) = 0 or list_contains($services::varchar[], service_name))
group by all
order by day, provider, sub_account_name, service_name, charge_category
