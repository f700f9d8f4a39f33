-- Spot and preemptible usage (PricingCategory 'Dynamic') of one period per provider and billing
-- currency: compute usage cost (ServiceCategory 'Compute'), the part of it run on spot, that
-- share, and the savings of all spot usage against its list cost (ListCost - EffectiveCost).
-- Usage charges only; a provider without compute or spot usage has no row.
with filtered as (
    select * from marts.daily_cost
    where billing_period = $period and charge_category = 'Usage'
      and (len($providers::varchar[]) = 0 or list_contains($providers::varchar[], provider))
      and (len($accounts::varchar[]) = 0 or list_contains($accounts::varchar[], sub_account_id))
      and (len($services::varchar[]) = 0 or list_contains($services::varchar[], service_name))
),

final as (
    select
        provider,
        currency,
        coalesce(sum(effective_cost) filter (where service_category = 'Compute'), 0)::decimal(38, 10)
            as compute_cost,
        coalesce(sum(effective_cost) filter (
            where service_category = 'Compute' and pricing_category = 'Dynamic'
        ), 0)::decimal(38, 10) as spot_compute_cost,
        coalesce(sum(effective_cost) filter (where pricing_category = 'Dynamic'), 0)::decimal(38, 10)
            as spot_cost,
        coalesce(sum(list_cost) filter (where pricing_category = 'Dynamic'), 0)::decimal(38, 10)
            as spot_list_cost
    from filtered
    group by provider, currency
)

select
    provider,
    currency,
    compute_cost,
    spot_compute_cost,
    case when compute_cost <> 0 then spot_compute_cost / compute_cost end::double as spot_share_of_compute,
    spot_cost,
    spot_list_cost,
    (spot_list_cost - spot_cost)::decimal(38, 10) as savings,
    case when spot_list_cost <> 0 then (spot_list_cost - spot_cost) / spot_list_cost end::double
        as savings_rate
from final
where compute_cost <> 0 or spot_cost <> 0
order by provider, currency
