-- requires: raw_gcp.focus
-- Source totals of Google's FOCUS view / FOCUS export table (raw_gcp.focus), as delivered:
-- BilledCost and EffectiveCost summed per export, period, billing account and currency
-- (independent of queries/focus/sources/gcp_focus.sql; Google's view puts every credit in both).
select
    x_provider as provider,
    x_export_name as export_name,
    x_billing_period as billing_period,
    nullif(BillingAccountId, '') as billing_account_id,
    nullif(BillingCurrency, '') as currency,
    count(*) as rows,
    cast(sum(coalesce(BilledCost, 0)) as decimal(38, 10)) as billed_cost,
    cast(sum(coalesce(EffectiveCost, 0)) as decimal(38, 10)) as effective_cost,
    'BilledCost as exported' as billed_basis,
    'EffectiveCost as exported' as effective_basis
from raw_gcp.focus
group by x_provider, x_export_name, x_billing_period, nullif(BillingAccountId, ''),
    nullif(BillingCurrency, '')
