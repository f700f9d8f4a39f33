-- Coverage per service category: commitment-covered usage / (covered + on-demand usage),
-- measured on effective cost of usage charges (PricingCategory Committed vs Standard).
with filtered as (
    select * from marts.daily_cost
    where billing_period = $period and charge_category = 'Usage'
      and (len($providers::varchar[]) = 0 or list_contains($providers::varchar[], provider))
      and (len($accounts::varchar[]) = 0 or list_contains($accounts::varchar[], sub_account_id))
      and (len($services::varchar[]) = 0 or list_contains($services::varchar[], service_name))
),

final as (
    select
        service_category,
        coalesce(sum(effective_cost) filter (where commitment_status = 'Used'), 0)::decimal(38, 10) as covered_cost,
        coalesce(sum(effective_cost) filter (where commitment_status = '(none)' and pricing_category in ('Standard', '(none)')), 0)::decimal(38, 10) as on_demand_cost
    from filtered
    group by all
)

select
    *,
    case when covered_cost + on_demand_cost <> 0
        then covered_cost / (covered_cost + on_demand_cost) end::double as coverage
from final
where covered_cost <> 0 or on_demand_cost <> 0
order by covered_cost + on_demand_cost desc, service_category
