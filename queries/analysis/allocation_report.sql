-- Allocation report: one row per value (and billing currency) of one virtual dimension in one
-- billing period, shared costs split in (marts.cost_allocation). effective_cost = rule_cost (rows a
-- rule gave the value) + shared_in (split parts of shared rules) + default_cost (rows no rule
-- matched, on the dimension's default value); the rows sum to the period's EffectiveCost.
with filtered as (
    select * from marts.cost_allocation
    where dimension = $dimension and x_billing_period = $period
      and (len($providers::varchar[]) = 0 or list_contains($providers::varchar[], ProviderName))
      and (len($accounts::varchar[]) = 0 or list_contains($accounts::varchar[], SubAccountId))
      and (len($services::varchar[]) = 0 or list_contains($services::varchar[], ServiceName))
),

per_value as (
    select
        value,
        BillingCurrency as billing_currency,
        sum(EffectiveCost) as effective_cost,
        sum(BilledCost) as billed_cost,
        coalesce(sum(EffectiveCost) filter (where rule is not null), 0) as rule_cost,
        coalesce(sum(EffectiveCost) filter (where allocated_method_id is not null), 0) as shared_in,
        coalesce(sum(EffectiveCost) filter (where rule is null and allocated_method_id is null), 0)
            as default_cost
    from filtered
    group by all
),

final as (
    select
        value,
        billing_currency,
        effective_cost::decimal(38, 10) as effective_cost,
        billed_cost::decimal(38, 10) as billed_cost,
        rule_cost::decimal(38, 10) as rule_cost,
        shared_in::decimal(38, 10) as shared_in,
        default_cost::decimal(38, 10) as default_cost,
        (effective_cost / nullif(sum(effective_cost) over (partition by billing_currency), 0))::double
            as share_of_total
    from per_value
)

select * from final
order by billing_currency, effective_cost desc, value
