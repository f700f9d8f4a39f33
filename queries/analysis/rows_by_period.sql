-- Rows and cost per provider, export, billing period and row kind in focus.cost_and_usage.
select
    coalesce(ProviderName, ServiceProviderName, x_provider) as provider,
    x_export_name as export_name,
    x_billing_period as billing_period,
    x_row_kind as row_kind,
    count(*)::bigint as rows,
    count(distinct x_source_file)::bigint as files,
    sum(BilledCost)::decimal(38, 10) as billed_cost,
    sum(EffectiveCost)::decimal(38, 10) as effective_cost,
    min(ChargePeriodStart) as first_charge,
    max(ChargePeriodEnd) as last_charge
from focus.cost_and_usage
group by all
order by billing_period desc, provider, export_name, row_kind
