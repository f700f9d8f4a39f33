-- Commitments by their last charge, oldest first: those that stop before the end of the data have
-- ended (or lapsed). FOCUS 1.2 has no commitment end date column, so the last charge stands in for it.
with filtered as (
    select * from marts.commitments
    where billing_period <= $period
      and (len($providers::varchar[]) = 0 or list_contains($providers::varchar[], provider))
      and (len($accounts::varchar[]) = 0 or list_contains($accounts::varchar[], sub_account_id))
),

data_end as (
    select max(last_charge) as data_end from filtered
),

final as (
    select
        commitment_id,
        max(commitment_name) as commitment_name,
        max(commitment_type) as commitment_type,
        max(provider) as provider,
        min(first_charge) as first_charge,
        max(last_charge) as last_charge,
        sum(effective_cost) filter (where billing_period = $period)::decimal(38, 10) as effective_cost
    from filtered
    group by commitment_id
)

select
    final.*,
    date_diff('day', final.last_charge, data_end.data_end) as days_before_data_end,
    final.last_charge < data_end.data_end as ended
from final, data_end
order by final.last_charge, final.commitment_id
