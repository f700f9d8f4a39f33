-- requires: raw_gcp.billing
-- Google Cloud Billing export source totals, measured on raw_gcp.billing independently of the FOCUS
-- mapping (the pipeline stores them in meta.source_totals right after each load; reconciliation
-- compares focus.cost_and_usage to them), grouped by provider, export, billing period, billing
-- account and currency:
-- * billed basis: Σ (cost + Σ credits.amount), every credit type (GCP invoices show the cost and the
--   credits; queries/focus/README.md, GCP section);
-- * effective basis: the same amount (no clamping of negative rows). The FOCUS mapping moves each
--   CUD fee from its Purchase row (EffectiveCost 0) onto the usage it covered and an Unused row,
--   part for part, so the month's Σ EffectiveCost stays cost + credits.
-- The keys are the ones queries/focus/sources/gcp_billing.sql emits: BillingAccountId =
-- billing_account_id, BillingCurrency = currency. rows = every raw row.
with source as (
    select
        x_provider,
        x_export_name,
        x_billing_period,
        nullif(billing_account_id, '') as billing_account_id,
        nullif(currency, '') as currency,
        coalesce(cost, 0) as cost,
        -- Σ credits.amount as a list sum (not a json_each subquery: the same on Spark); a single
        -- credit object (koku-nise's JSONL) counts as a one-element array
        coalesce(list_sum([cast(credit.amount as decimal(38, 10)) for credit in from_json(case
                when left(trim(credits), 1) = '{' then '[' || trim(credits) || ']'
                else coalesce(nullif(credits, ''), '[]')
            end, '[{"amount":"VARCHAR"}]')]), 0) as credits_total
    from raw_gcp.billing
)

select
    x_provider as provider,
    x_export_name as export_name,
    x_billing_period as billing_period,
    billing_account_id,
    currency,
    count(*) as rows,
    cast(sum(cost + credits_total) as decimal(38, 10)) as billed_cost,
    cast(sum(cost + credits_total) as decimal(38, 10)) as effective_cost,
    'cost + credits (all credit types)' as billed_basis,
    'cost + credits (all credit types, not clamped)' as effective_basis
from source
group by x_provider, x_export_name, x_billing_period, billing_account_id, currency
