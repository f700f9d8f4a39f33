-- Usage cost anomalies of the last 90 days of data, per provider, account and service: the
-- notebook's method (finops_lib/analysis/anomalies.py) in plain SQL. Usage only (ChargeCategory
-- Usage, ChargeFrequency Usage-Based, no correction), so fees, purchases, taxes and credits never
-- show. Expected: the median of the same weekday over the 8 weeks before (days without usage count
-- as zero once the series exists); spread: the largest of their interquartile range / 1.349,
-- 0.8 x the standard deviation of every day of those 8 weeks and (their 90th percentile - median)
-- / 1.2816, at least 5% of the expected. An anomaly rises by 3 spreads and by at least 50, and by 50 over the same
-- day of the month before (usage billed monthly as usage). Largest rise first.
with usage as (
    select
        cast(ChargePeriodStart as date) as day,
        coalesce(ProviderName, x_provider) as provider,
        coalesce(SubAccountName, SubAccountId, BillingAccountId) as account,
        coalesce(ServiceName, '(none)') as service,
        BillingCurrency as currency,
        sum(EffectiveCost) as cost
    from focus_cost_and_usage
    where ChargeCategory = 'Usage'
        and ChargeFrequency = 'Usage-Based'
        and ChargeClass is null
        [[and ProviderName = {{provider}}]]
    group by all
),

bounds as (
    select max(day) as last_day from usage
),

series as (
    select provider, account, service, currency, min(day) as first_day
    from usage
    group by all
),

calendar as (
    select
        series.provider,
        series.account,
        series.service,
        series.currency,
        cast(unnest(generate_series(series.first_day, bounds.last_day, interval 1 day)) as date) as day
    from series, bounds
),

filled as (
    select calendar.*, coalesce(usage.cost, 0) as cost
    from calendar
    left join usage using (provider, account, service, currency, day)
),

scored as (
    select
        *,
        median(cost) over same_weekday as expected,
        quantile_cont(cost, 0.75) over same_weekday
            - quantile_cont(cost, 0.25) over same_weekday as iqr,
        count(*) over same_weekday as weeks,
        stddev_pop(cost) over eight_weeks as sd,
        quantile_cont(cost, 0.9) over eight_weeks - median(cost) over eight_weeks as upper
    from filled
    window
        same_weekday as (
            partition by provider, account, service, currency, dayofweek(day)
            order by day rows between 8 preceding and 1 preceding
        ),
        eight_weeks as (
            partition by provider, account, service, currency
            order by day rows between 56 preceding and 1 preceding
        )
),

final as (
    select
        scored.day,
        scored.provider,
        scored.account,
        scored.service,
        scored.currency,
        round(scored.cost, 2) as effective_cost,
        round(scored.expected, 2) as expected,
        round(scored.cost - scored.expected, 2) as delta
    from scored
    cross join bounds
    left join filled as month_before
        on month_before.provider = scored.provider
        and month_before.account = scored.account
        and month_before.service = scored.service
        and month_before.currency = scored.currency
        and month_before.day = cast(scored.day - interval 1 month as date)
    where scored.day > bounds.last_day - interval 90 day
        and scored.weeks >= 3
        and scored.cost - scored.expected >= 50
        and scored.cost - scored.expected
            >= 3 * greatest(
                scored.iqr / 1.349, 0.8 * scored.sd, scored.upper / 1.2816, 0.05 * scored.expected
            )
        and scored.cost - coalesce(month_before.cost, 0) >= 50
)

select * from final
order by delta desc, day
