-- requires: raw_azure.cost
-- Azure ActualCost / AmortizedCost source totals, measured on raw_azure.cost independently of the
-- FOCUS mapping (the pipeline stores them in meta.source_totals right after each load; reconciliation
-- compares focus.cost_and_usage to them), grouped by provider, export (dataset), billing period,
-- billing account and currency:
-- * billed basis: Σ CostInBillingCurrency of the ActualCost rows (what the invoice shows);
-- * effective basis: Σ CostInBillingCurrency of the AmortizedCost rows; a dataset without
--   AmortizedCost rows for the period: of the ActualCost rows (the FOCUS mapping then maps those).
-- The keys are the ones queries/focus/sources/azure_cost.sql emits: BillingAccountId = the EA billing
-- account / the MCA billing profile, BillingCurrency = billing_currency (else pricing_currency).
-- rows = every raw row, both exports.
with source as (
    select
        x_provider,
        x_export_name,
        x_billing_period,
        x_cost_type,
        case when x_schema = 'MCA'
            then coalesce(nullif(billing_profile_id, ''), nullif(billing_account_id, ''))
            else coalesce(nullif(billing_account_id, ''), nullif(billing_profile_id, ''))
        end as billing_account_id,
        coalesce(nullif(billing_currency, ''), nullif(pricing_currency, '')) as currency,
        coalesce(cost_in_billing_currency, 0) as cost,
        max(case when x_cost_type = 'AmortizedCost' then 1 else 0 end)
            over (partition by x_provider, x_export_name, x_billing_period) as has_amortized
    from raw_azure.cost
)

select
    x_provider as provider,
    x_export_name as export_name,
    x_billing_period as billing_period,
    billing_account_id,
    currency,
    count(*) as rows,
    cast(sum(case when x_cost_type = 'ActualCost' then cost else 0 end) as decimal(38, 10))
        as billed_cost,
    cast(sum(case
        when has_amortized = 1 and x_cost_type = 'AmortizedCost' then cost
        when has_amortized = 0 and x_cost_type = 'ActualCost' then cost
        else 0
    end) as decimal(38, 10)) as effective_cost,
    'CostInBillingCurrency of the ActualCost rows' as billed_basis,
    case when max(has_amortized) = 1 then 'CostInBillingCurrency of the AmortizedCost rows'
        else 'CostInBillingCurrency of the ActualCost rows (no AmortizedCost rows)'
    end as effective_basis
from source
group by x_provider, x_export_name, x_billing_period, billing_account_id, currency
