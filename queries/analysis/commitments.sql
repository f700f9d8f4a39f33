-- One row per commitment discount in one period: used vs unused cost, utilisation, savings.
-- Utilisation = used / (used + unused) effective cost (FOCUS CommitmentDiscountStatus).
with filtered as (
    select * from marts.commitments
    where billing_period = $period and charge_category = 'Usage'
      and (len($providers::varchar[]) = 0 or list_contains($providers::varchar[], provider))
      and (len($accounts::varchar[]) = 0 or list_contains($accounts::varchar[], sub_account_id))
),

final as (
    select
        commitment_id,
        max(commitment_name) as commitment_name,
        max(commitment_type) as commitment_type,
        max(commitment_category) as commitment_category,
        max(provider) as provider,
        count(distinct sub_account_id) filter (where commitment_status = 'Used') as accounts,
        coalesce(sum(effective_cost) filter (where commitment_status = 'Used'), 0)::decimal(38, 10) as used_cost,
        coalesce(sum(effective_cost) filter (where commitment_status = 'Unused'), 0)::decimal(38, 10) as unused_cost,
        coalesce(sum(list_cost - effective_cost) filter (where commitment_status = 'Used'), 0)::decimal(38, 10) as savings,
        min(first_charge) as first_charge,
        max(last_charge) as last_charge
    from filtered
    group by commitment_id
)

select
    *,
    case when used_cost + unused_cost <> 0
        then used_cost / (used_cost + unused_cost) end::double as utilisation
from final
order by used_cost + unused_cost desc, commitment_id
