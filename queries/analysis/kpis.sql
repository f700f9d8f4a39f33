-- Headline totals for one period and the one before it.
with filtered as (
    select * from marts.daily_cost
    where billing_period in ($period, $previous)
      and (len($providers::varchar[]) = 0 or list_contains($providers::varchar[], provider))
      and (len($accounts::varchar[]) = 0 or list_contains($accounts::varchar[], sub_account_id))
      and (len($services::varchar[]) = 0 or list_contains($services::varchar[], service_name))
),

final as (
    select
        sum(effective_cost) filter (where billing_period = $period)::decimal(38, 10) as effective_cost,
        sum(billed_cost) filter (where billing_period = $period)::decimal(38, 10) as billed_cost,
        sum(list_cost) filter (where billing_period = $period)::decimal(38, 10) as list_cost,
        sum(effective_cost) filter (where billing_period = $previous)::decimal(38, 10) as previous_effective_cost,
        sum(billed_cost) filter (where billing_period = $previous)::decimal(38, 10) as previous_billed_cost,
        max(day) filter (where billing_period = $period) as last_day,
        count(distinct provider) filter (where billing_period = $period) as providers,
        count(distinct sub_account_id) filter (where billing_period = $period) as accounts,
        count(distinct service_name) filter (where billing_period = $period) as services,
        count(distinct currency) filter (where billing_period = $period) as currencies,
        string_agg(distinct currency, ', ') filter (where billing_period = $period) as currency_list
    from filtered
)

select
    *,
    (coalesce(effective_cost, 0) - coalesce(previous_effective_cost, 0))::decimal(38, 10) as change,
    case when previous_effective_cost <> 0
        then (effective_cost - previous_effective_cost) / abs(previous_effective_cost) end::double as change_pct
from final
