-- Source side measured on the raw rows at load time (meta.source_totals, written by the pipeline
-- with each provider's queries/reconcile/<prefix>_*.sql): the billed and effective bases per
-- provider, export, period, account and currency, with what each basis is.
select
    provider,
    export_name,
    billing_period,
    billing_account_id,
    currency,
    cast(sum(rows) as bigint) as source_rows,
    cast(sum(billed_cost) as decimal(38, 10)) as source_billed_cost,
    cast(sum(effective_cost) as decimal(38, 10)) as source_effective_cost,
    string_agg(distinct billed_basis, ', ' order by billed_basis) as billed_basis,
    string_agg(distinct effective_basis, ', ' order by effective_basis) as effective_basis
from meta.source_totals
group by provider, export_name, billing_period, billing_account_id, currency
