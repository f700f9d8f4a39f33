-- Spot and preemptible usage (PricingCategory 'Dynamic') of one period per provider, sub account and
-- service: its effective cost, its list cost (the on-demand public price of the same usage) and
-- the savings against list (ListCost - EffectiveCost), with its share of the account's compute
-- usage cost (ServiceCategory 'Compute'). Usage charges only, per billing currency.
with filtered as (
    select * from marts.daily_cost
    where billing_period = $period and charge_category = 'Usage'
      and (len($providers::varchar[]) = 0 or list_contains($providers::varchar[], provider))
      and (len($accounts::varchar[]) = 0 or list_contains($accounts::varchar[], sub_account_id))
      and (len($services::varchar[]) = 0 or list_contains($services::varchar[], service_name))
),

compute as (
    select
        provider,
        sub_account_id,
        currency,
        sum(effective_cost)::decimal(38, 10) as compute_cost
    from filtered
    where service_category = 'Compute'
    group by all
),

spot as (
    select
        provider,
        sub_account_id,
        max(sub_account_name) as sub_account_name,
        service_name,
        currency,
        sum(effective_cost)::decimal(38, 10) as spot_cost,
        sum(list_cost)::decimal(38, 10) as list_cost
    from filtered
    where pricing_category = 'Dynamic'
    group by provider, sub_account_id, service_name, currency
),

final as (
    select
        spot.provider,
        spot.sub_account_id,
        spot.sub_account_name,
        spot.service_name,
        spot.currency,
        spot.spot_cost,
        spot.list_cost,
        (spot.list_cost - spot.spot_cost)::decimal(38, 10) as savings,
        case when spot.list_cost <> 0
            then (spot.list_cost - spot.spot_cost) / spot.list_cost end::double as savings_rate,
        coalesce(compute.compute_cost, 0)::decimal(38, 10) as compute_cost,
        case when compute.compute_cost <> 0
            then spot.spot_cost / compute.compute_cost end::double as share_of_compute
    from spot
    left join compute
        on compute.provider = spot.provider
        and compute.sub_account_id = spot.sub_account_id
        and compute.currency = spot.currency
)

select * from final
order by provider, currency, savings desc, sub_account_id, service_name
