-- Commitment-covered effective cost per sub-account: who benefits from each commitment.
select
    sub_account_name,
    commitment_name,
    sum(effective_cost)::decimal(38, 10) as effective_cost,
    sum(list_cost - effective_cost)::decimal(38, 10) as savings
from marts.commitments
where billing_period = $period and commitment_status = 'Used'
      and (len($providers::varchar[]) = 0 or list_contains($providers::varchar[], provider))
      and (len($accounts::varchar[]) = 0 or list_contains($accounts::varchar[], sub_account_id))
group by all
having sum(effective_cost) <> 0 or sum(list_cost - effective_cost) <> 0
order by effective_cost desc, sub_account_name, commitment_name  -- names: ties in a stable order
