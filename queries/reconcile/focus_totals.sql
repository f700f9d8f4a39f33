-- FOCUS side of the reconciliation: totals of focus.cost_and_usage per provider, export, billing
-- period, billing account and currency (FOCUS 1.2 BilledCost / EffectiveCost).
select
    x_provider as provider,
    x_export_name as export_name,
    x_billing_period as billing_period,
    BillingAccountId as billing_account_id,
    BillingCurrency as currency,
    count(*) filter (where x_row_kind = 'source') as focus_source_rows,
    cast(sum(BilledCost) as decimal(38, 10)) as focus_billed_cost,
    cast(sum(EffectiveCost) as decimal(38, 10)) as focus_effective_cost
from focus.cost_and_usage
group by all
