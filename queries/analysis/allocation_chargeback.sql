-- Chargeback by virtual dimension, long form: EffectiveCost per value and provider in one billing
-- period, shared costs split in (marts.cost_allocation), with the part that came from shared rules.
with filtered as (
    select * from marts.cost_allocation
    where dimension = $dimension and x_billing_period = $period
      and (len($providers::varchar[]) = 0 or list_contains($providers::varchar[], ProviderName))
      and (len($accounts::varchar[]) = 0 or list_contains($accounts::varchar[], SubAccountId))
      and (len($services::varchar[]) = 0 or list_contains($services::varchar[], ServiceName))
)

select
    value,
    ProviderName as provider,
    BillingCurrency as billing_currency,
    sum(EffectiveCost)::decimal(38, 10) as effective_cost,
    coalesce(sum(EffectiveCost) filter (where allocated_method_id is not null), 0)::decimal(38, 10)
        as shared_in
from filtered
group by all
order by value, provider, billing_currency
