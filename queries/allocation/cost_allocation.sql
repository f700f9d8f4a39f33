-- marts.cost_allocation: every virtual dimension's cost, long form. One row per dimension, value,
-- rule and group (day of ChargePeriodStart, provider, export, billing period, billing and sub
-- account, service, region, resource, charge category and class, pricing category, currency).
-- A SELECT: finops_lib.allocation.apply creates the mart from it, or replaces the rebuilt billing
-- periods in it (every split is within one billing period, so a period is computed on its own).
-- Inputs are the temp tables finops_lib.allocation.apply writes just before (rules compiled to SQL):
--   alloc_base     every dimension's grouped rows; shared rows carry shared_rule (value = default)
--   alloc_shared   (shared_rule, dimension, method, targets)
--   alloc_weights  (shared_rule, value, weight): fixed percentages
-- Shared rows are split across the dimension's values of the same billing period (the `to` list,
-- else every value but the default): even, fixed, or proportional to each value's own
-- EffectiveCost (non-shared rows, same period and currency; no own cost at all: even). Integer
-- arithmetic in units of the DECIMAL scale (1e-10), largest remainder (ties: value name) at both
-- steps: each value's ratio (the ratios of a rule, period and currency sum to exactly 1), then
-- each split row's BilledCost, EffectiveCost and ListCost times those ratios, so the parts sum to
-- the row exactly and every dimension's total per period equals focus.cost_and_usage's (the FOCUS
-- 1.3 export splits each charge by the same ratios). A shared row with no value to go to stays on
-- the default value.
with base as (
    select * from alloc_base
),

own as (
    select
        dimension,
        x_billing_period,
        BillingCurrency,
        value,
        default_value,
        sum(EffectiveCost) as own_cost
    from base
    where shared_rule is null
    group by all
),

shared as (
    select
        row_number() over () as part_of,
        base.*,
        alloc_shared.method,
        alloc_shared.targets,
        concat_ws(chr(31), base.shared_rule, base.x_billing_period, base.BillingCurrency) as scope_key
    from base
    inner join alloc_shared
        on alloc_shared.shared_rule = base.shared_rule
        and alloc_shared.dimension = base.dimension
),

scopes as (
    select distinct
        scope_key, shared_rule, dimension, method, targets, x_billing_period, BillingCurrency
    from shared
),

named as (
    -- even / proportional: the values listed in `to`
    select scopes.*, unnest(scopes.targets) as value
    from scopes
    where scopes.method <> 'fixed' and len(scopes.targets) > 0
    union all
    -- else every value of the dimension in the period (any currency) but its default
    select scopes.*, found.value
    from scopes
    inner join (
        select distinct dimension, x_billing_period, value
        from own
        where value <> default_value
    ) as found
        on found.dimension = scopes.dimension
        and found.x_billing_period = scopes.x_billing_period
    where scopes.method <> 'fixed' and len(scopes.targets) = 0
),

weighted as (
    select
        named.scope_key,
        named.value,
        case
            when named.method = 'even' then 1::hugeint
            -- micro-units of the value's own cost; a value with a negative own cost gets nothing
            else round(greatest(coalesce(own.own_cost, 0), 0) * 1000000)::hugeint
        end as weight
    from named
    left join own
        on own.dimension = named.dimension
        and own.x_billing_period = named.x_billing_period
        and own.BillingCurrency is not distinct from named.BillingCurrency
        and own.value = named.value
    union all
    select scopes.scope_key, alloc_weights.value, (alloc_weights.weight * 1000000)::hugeint
    from scopes
    inner join alloc_weights on alloc_weights.shared_rule = scopes.shared_rule
    where scopes.method = 'fixed'
),

totals as (
    select scope_key, sum(weight) as total, count(*)::hugeint as n
    from weighted
    group by scope_key
),

targets as (
    select
        weighted.scope_key,
        weighted.value,
        case when totals.total > 0 then weighted.weight else 1::hugeint end as weight,
        case when totals.total > 0 then totals.total else totals.n end as total
    from weighted
    inner join totals on totals.scope_key = weighted.scope_key
    where weighted.weight > 0 or totals.total = 0
),

ratios as (
    -- each target's ratio in units of 1e-10, by largest remainder: they sum to exactly 1
    select
        scope_key,
        value,
        10000000000::hugeint * weight // total as r_q,
        10000000000::hugeint * weight - (10000000000::hugeint * weight // total) * total as r_rem
    from targets
),

ratio_units as (
    select
        scope_key,
        value,
        r_q + (
            row_number() over (partition by scope_key order by r_rem desc, value)
            <= 10000000000::hugeint - sum(r_q) over (partition by scope_key)
        )::int as ratio
    from ratios
),

parts as (
    select
        shared.*,
        ratio_units.value as target,
        ratio_units.ratio,
        (shared.BilledCost * 10000000000)::hugeint as b_units,
        (shared.EffectiveCost * 10000000000)::hugeint as e_units,
        (shared.ListCost * 10000000000)::hugeint as l_units
    from shared
    inner join ratio_units on ratio_units.scope_key = shared.scope_key
    where ratio_units.ratio > 0
),

floored as (
    -- each amount times the ratio, floored (DuckDB's // truncates towards zero) at 1e-10
    select
        parts.*,
        b_units * ratio // 10000000000 - (b_units * ratio % 10000000000 < 0)::int as b_q,
        e_units * ratio // 10000000000 - (e_units * ratio % 10000000000 < 0)::int as e_q,
        l_units * ratio // 10000000000 - (l_units * ratio % 10000000000 < 0)::int as l_q
    from parts
),

ranked as (
    -- the units the floors leave go to the largest remainders (ties: value name)
    select
        floored.*,
        b_units - sum(b_q) over w as b_left,
        e_units - sum(e_q) over w as e_left,
        l_units - sum(l_q) over w as l_left,
        row_number() over (
            partition by part_of order by b_units * ratio - b_q * 10000000000 desc, target
        ) as b_rank,
        row_number() over (
            partition by part_of order by e_units * ratio - e_q * 10000000000 desc, target
        ) as e_rank,
        row_number() over (
            partition by part_of order by l_units * ratio - l_q * 10000000000 desc, target
        ) as l_rank
    from floored
    window w as (partition by part_of)
),

split as (
    select
        dimension,
        target as value,
        x_provider,
        x_export_name,
        x_billing_period,
        ProviderName,
        BillingAccountId,
        SubAccountId,
        SubAccountName,
        ServiceName,
        ServiceCategory,
        RegionId,
        ResourceId,
        ChargeCategory,
        ChargeClass,
        PricingCategory,
        BillingCurrency,
        day,
        ((b_q + (b_rank <= b_left)::int)::decimal(38, 0) * 0.0000000001)::decimal(38, 10) as BilledCost,
        ((e_q + (e_rank <= e_left)::int)::decimal(38, 0) * 0.0000000001)::decimal(38, 10) as EffectiveCost,
        ((l_q + (l_rank <= l_left)::int)::decimal(38, 0) * 0.0000000001)::decimal(38, 10) as ListCost,
        null::varchar as rule,
        shared_rule,
        method as allocated_method_id,
        (ratio::decimal(38, 0) * 0.0000000001)::decimal(38, 10) as allocated_ratio
    from ranked
),

unsplit as (
    -- the rows of no shared rule, and shared rows with no value to go to (they stay on the default)
    select * exclude (default_value) from base where shared_rule is null
    union all
    select * exclude (part_of, default_value, method, targets, scope_key)
    from shared
    where scope_key not in (select scope_key from targets)
),

final as (
    select
        dimension, value, x_provider, x_export_name, x_billing_period, ProviderName,
        BillingAccountId, SubAccountId, SubAccountName, ServiceName, ServiceCategory, RegionId,
        ResourceId, ChargeCategory, ChargeClass, PricingCategory, BillingCurrency, day,
        BilledCost, EffectiveCost, ListCost, rule, shared_rule,
        null::varchar as allocated_method_id,
        null::decimal(38, 10) as allocated_ratio
    from unsplit
    union all
    select * from split
)

select * from final
