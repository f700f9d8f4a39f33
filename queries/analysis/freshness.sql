-- Last charge per provider and export: how current the data is.
select
    coalesce(ProviderName, ServiceProviderName, x_provider) as provider,
    x_export_name as export_name,
    max(x_billing_period) as latest_period,
    max(ChargePeriodEnd) as last_charge_end,
    count(*)::bigint as rows
from focus.cost_and_usage
group by all
order by provider, export_name
