-- Last charge per provider and export: how current the data is (marts.export_periods).
select
    provider,
    export_name,
    max(billing_period) as latest_period,
    max(last_charge_end) as last_charge_end,
    sum(rows)::bigint as rows
from marts.export_periods
group by all
order by provider, export_name
