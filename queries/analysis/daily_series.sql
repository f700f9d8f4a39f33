-- Daily effective cost from the start of the data up to the end of $period (for anomaly windows
-- and the month-end forecast). Charges dated after the period's last day (a provider's time-zone
-- edge) are left out, so that the series never runs past the period.
select
    day,
    sum(effective_cost)::decimal(38, 10) as effective_cost
from marts.daily_cost
where billing_period <= $period
      and day <= last_day(strptime($period || '-01', '%Y-%m-%d')::date)
      and (len($providers::varchar[]) = 0 or list_contains($providers::varchar[], provider))
      and (len($accounts::varchar[]) = 0 or list_contains($accounts::varchar[], sub_account_id))
      and (len($services::varchar[]) = 0 or list_contains($services::varchar[], service_name))
group by day
order by day
