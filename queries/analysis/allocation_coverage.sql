-- Allocation coverage: per virtual dimension (and billing currency) in one billing period, the
-- EffectiveCost a rule allocated, the shared costs split across values, and what stayed on the
-- default value (marts.cost_allocation); coverage = (by_rule + shared) / total.
with filtered as (
    select * from marts.cost_allocation
    where x_billing_period = $period
      and (len($providers::varchar[]) = 0 or list_contains($providers::varchar[], ProviderName))
      and (len($accounts::varchar[]) = 0 or list_contains($accounts::varchar[], SubAccountId))
      and (len($services::varchar[]) = 0 or list_contains($services::varchar[], ServiceName))
),

final as (
    select
        dimension,
        BillingCurrency as billing_currency,
        sum(EffectiveCost)::decimal(38, 10) as total_cost,
        coalesce(sum(EffectiveCost) filter (where rule is not null), 0)::decimal(38, 10) as by_rule,
        coalesce(sum(EffectiveCost) filter (where allocated_method_id is not null), 0)::decimal(38, 10)
            as shared,
        coalesce(sum(EffectiveCost) filter (where rule is null and allocated_method_id is null), 0)
            ::decimal(38, 10) as unallocated,
        count(distinct value) filter (where rule is not null or allocated_method_id is not null)
            as allocated_values
    from filtered
    group by all
)

select
    *,
    dimension || ' (' || billing_currency || ')' as label,
    ((by_rule + shared) / nullif(total_cost, 0))::double as coverage
from final
order by dimension, billing_currency
