-- Side by side: FOCUS totals vs the source (BilledCost vs unblended measured at load, or summed
-- over the raw rows when meta.source_totals has no row; EffectiveCost
-- vs the CID amortised formula on the raw rows, or the load-time amortised total when there are no
-- raw CUR rows, e.g. for AWS's own FOCUS export). Exact DECIMAL; ok only when both differences are 0.
with keys as (
    select provider, export_name, billing_period, billing_account_id, currency from recon_focus
    union
    select provider, export_name, billing_period, billing_account_id, currency from recon_source
    union
    select provider, export_name, billing_period, billing_account_id, currency from recon_cid
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
        coalesce(s.source_unblended_cost, c.raw_unblended_cost) as source_unblended_cost,
        f.focus_billed_cost - coalesce(s.source_unblended_cost, c.raw_unblended_cost) as billed_cost_diff,
        case when s.source_unblended_cost is not null then 'source_totals'
            when c.raw_unblended_cost is not null then 'raw_rows' end as unblended_basis,
        f.focus_effective_cost,
        coalesce(c.cid_amortized_cost, s.source_amortized_cost) as source_amortized_cost,
        f.focus_effective_cost - coalesce(c.cid_amortized_cost, s.source_amortized_cost)
            as effective_cost_diff,
        case when c.cid_amortized_cost is not null then 'cid_formula_on_raw'
            when s.source_amortized_cost is not null then 'source_totals' end as amortized_basis
    from keys as k
    left join recon_focus as f using (provider, export_name, billing_period, billing_account_id, currency)
    left join recon_source as s using (provider, export_name, billing_period, billing_account_id, currency)
    left join recon_cid as c using (provider, export_name, billing_period, billing_account_id, currency)
)

select
    *,
    coalesce(billed_cost_diff = 0 and effective_cost_diff = 0, false) as ok
from joined
order by provider, export_name, billing_period, billing_account_id, currency
