-- Effective cost of one period and the one before, grouped by one allow-listed dimension.
with filtered as (
    select
        case $dimension
            when 'provider' then provider
            when 'account' then sub_account_name
            when 'billing_account' then coalesce(billing_account_name, billing_account_id)
            when 'service' then service_name
            when 'service_category' then service_category
            when 'region' then region
            when 'charge_category' then charge_category
            when 'pricing_category' then pricing_category
        end as name,
        billing_period,
        effective_cost
    from marts.daily_cost
    where billing_period in ($period, $previous)
      and (len($providers::varchar[]) = 0 or list_contains($providers::varchar[], provider))
      and (len($accounts::varchar[]) = 0 or list_contains($accounts::varchar[], sub_account_id))
      and (len($services::varchar[]) = 0 or list_contains($services::varchar[], service_name))
),

final as (
    select
        coalesce(name, '(none)') as name,
        coalesce(sum(effective_cost) filter (where billing_period = $period), 0)::decimal(38, 10) as effective_cost,
        coalesce(sum(effective_cost) filter (where billing_period = $previous), 0)::decimal(38, 10) as previous_effective_cost
    from filtered
    group by all
)

select
    *,
    (effective_cost - previous_effective_cost)::decimal(38, 10) as change,
    case when previous_effective_cost <> 0
        then (effective_cost - previous_effective_cost) / abs(previous_effective_cost) end::double as change_pct
from final
order by effective_cost desc, name  -- name: ties in a stable order (the top N is cut from it)
