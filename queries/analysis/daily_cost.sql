-- Daily effective and billed cost per provider and service category for one period, on the days
-- inside the period's month only: a charge of the period dated outside it (a correction of an
-- earlier month, a provider's time-zone edge) is listed apart by daily_outside_period.sql, so
-- that it never stretches the period's daily chart.
select
    day,
    provider,
    service_category,
    sum(effective_cost)::decimal(38, 10) as effective_cost,
    sum(billed_cost)::decimal(38, 10) as billed_cost
from marts.daily_cost
where billing_period = $period
      and day >= strptime($period || '-01', '%Y-%m-%d')::date
      and day <= last_day(strptime($period || '-01', '%Y-%m-%d')::date)
      and (len($providers::varchar[]) = 0 or list_contains($providers::varchar[], provider))
      and (len($accounts::varchar[]) = 0 or list_contains($accounts::varchar[], sub_account_id))
      and (len($services::varchar[]) = 0 or list_contains($services::varchar[], service_name))
group by all
order by day, provider, service_category
