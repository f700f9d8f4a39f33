-- Source side measured while reading the files (meta.source_totals, written by ingestion):
-- unblended (BilledCost's basis) and the amortised total per provider, export, period, account.
select
    provider,
    export_name,
    billing_period,
    billing_account_id,
    currency,
    cast(sum(rows) as bigint) as source_rows,
    cast(sum(unblended_cost) as decimal(38, 10)) as source_unblended_cost,
    cast(sum(amortized_cost) as decimal(38, 10)) as source_amortized_cost
from meta.source_totals
group by all
