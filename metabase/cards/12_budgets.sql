-- Budgets recorded by the last build (meta.config_trees, section 'budgets': the [budgets] tables in
-- effect) against the actual EffectiveCost of their rows, per month or quarter: amount, actual and
-- percent used. Filters as in finops.example.toml: currency, providers (ProviderName or
-- x_provider), accounts (BillingAccountId or SubAccountId), services (ServiceName), each a list
-- (empty: all). Budgets on a virtual dimension are left to the budgets notebook and report, as
-- is the weekday-aware forecast. Newest period first.
with tree as (
    select cast(body as json) as body
    from meta_config_trees
    where section = 'budgets'
    order by recorded_at desc
    limit 1
),

budget as (
    select entry.key as name, entry.value as b
    from tree, json_each(tree.body) as entry
),

spec as (
    select
        name as budget,
        cast(b ->> 'amount' as decimal(38, 2)) as amount,
        coalesce(b ->> 'currency', 'USD') as currency,
        coalesce(b ->> 'period', 'monthly') as period_kind,
        case json_type(b -> 'providers')
            when 'ARRAY' then cast(b -> 'providers' as varchar[])
            when 'VARCHAR' then [b ->> 'providers']
            else []::varchar[]
        end as providers,
        case json_type(b -> 'accounts')
            when 'ARRAY' then cast(b -> 'accounts' as varchar[])
            when 'VARCHAR' then [b ->> 'accounts']
            else []::varchar[]
        end as accounts,
        case json_type(b -> 'services')
            when 'ARRAY' then cast(b -> 'services' as varchar[])
            when 'VARCHAR' then [b ->> 'services']
            else []::varchar[]
        end as services
    from budget
    where (b -> 'dimension') is null
),

costs as (
    select
        x_billing_period as billing_period,
        ProviderName,
        x_provider,
        BillingAccountId,
        SubAccountId,
        ServiceName,
        BillingCurrency,
        sum(EffectiveCost) as effective_cost
    from focus_cost_and_usage
    group by all
),

matched as (
    select
        spec.budget,
        case spec.period_kind
            when 'quarterly' then substr(costs.billing_period, 1, 4) || '-Q'
                || cast((cast(substr(costs.billing_period, 6, 2) as integer) + 2) // 3 as varchar)
            else costs.billing_period
        end as period,
        spec.currency,
        spec.amount,
        costs.effective_cost
    from spec
    join costs
        on costs.BillingCurrency = spec.currency
        and (len(spec.providers) = 0
            or list_contains(spec.providers, costs.ProviderName)
            or list_contains(spec.providers, costs.x_provider))
        and (len(spec.accounts) = 0
            or list_contains(spec.accounts, costs.BillingAccountId)
            or list_contains(spec.accounts, costs.SubAccountId))
        and (len(spec.services) = 0 or list_contains(spec.services, costs.ServiceName))
),

final as (
    select
        budget,
        period,
        currency,
        amount,
        round(sum(effective_cost), 2) as actual,
        round(100 * sum(effective_cost) / amount, 1) as percent_used
    from matched
    group by budget, period, currency, amount
)

select * from final
order by period desc, budget
