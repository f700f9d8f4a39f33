-- marts.export_periods: rows and the last charge per provider, export and billing period (how current
-- the data is). One row per provider x x_export_name x x_billing_period of focus.cost_and_usage.
create schema if not exists marts;

create or replace table marts.export_periods as
with source as (
    select * from focus.cost_and_usage
),

final as (
    select
        coalesce(ProviderName, ServiceProviderName, x_provider) as provider,
        x_export_name as export_name,
        x_billing_period as billing_period,
        min(ChargePeriodStart) as first_charge_start,
        max(ChargePeriodEnd) as last_charge_end,
        count(*)::bigint as rows
    from source
    group by all
)

select * from final
