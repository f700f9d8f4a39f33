-- Side by side: FOCUS totals (recon_focus, from focus_totals.sql) vs the source totals measured on
-- the raw rows at load time (recon_source, from source_totals.sql). Exact DECIMAL; ok only when
-- both differences are 0. A scope on one side only shows NULLs on the other and is not ok.
with keys as (
    select provider, export_name, billing_period, billing_account_id, currency from recon_focus
    union
    select provider, export_name, billing_period, billing_account_id, currency from recon_source
),

joined as (
    select
        k.provider,
        k.export_name,
        k.billing_period,
        k.billing_account_id,
        k.currency,
        f.focus_source_rows,
        s.source_rows,
        f.focus_billed_cost,
        s.source_billed_cost,
        f.focus_billed_cost - s.source_billed_cost as billed_cost_diff,
        s.billed_basis,
        f.focus_effective_cost,
        s.source_effective_cost,
        f.focus_effective_cost - s.source_effective_cost as effective_cost_diff,
        s.effective_basis
    from keys as k
    left join recon_focus as f
        on k.provider is not distinct from f.provider
        and k.export_name is not distinct from f.export_name
        and k.billing_period is not distinct from f.billing_period
        and k.billing_account_id is not distinct from f.billing_account_id
        and k.currency is not distinct from f.currency
    left join recon_source as s
        on k.provider is not distinct from s.provider
        and k.export_name is not distinct from s.export_name
        and k.billing_period is not distinct from s.billing_period
        and k.billing_account_id is not distinct from s.billing_account_id
        and k.currency is not distinct from s.currency
)

select
    *,
    coalesce(billed_cost_diff = 0 and effective_cost_diff = 0, false) as ok
from joined
order by provider, export_name, billing_period, billing_account_id, currency
