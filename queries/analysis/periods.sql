-- Billing periods in the data, newest first. A period is complete when charges reach its last day.
select
    billing_period,
    min(day) as first_day,
    max(day) as last_day,
    max(day) >= last_day(strptime(billing_period || '-01', '%Y-%m-%d')::date) as complete,
    -- charges dated inside the month itself (a period can hold a stray charge of the month before)
    max(day) >= strptime(billing_period || '-01', '%Y-%m-%d')::date as has_days,
    sum(effective_cost)::decimal(38, 10) as effective_cost,
    sum(rows)::bigint as rows
from marts.daily_cost
group by billing_period
order by billing_period desc
