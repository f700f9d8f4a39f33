-- Effective and billed cost per charge category (usage, purchases, credits, refunds, tax...).
select
    charge_category,
    provider,
    sum(effective_cost)::decimal(38, 10) as effective_cost,
    sum(billed_cost)::decimal(38, 10) as billed_cost,
    sum(rows)::bigint as rows
from marts.daily_cost
where billing_period = $period
      and (len($providers::varchar[]) = 0 or list_contains($providers::varchar[], provider))
      and (len($accounts::varchar[]) = 0 or list_contains($accounts::varchar[], sub_account_id))
      and (len($services::varchar[]) = 0 or list_contains($services::varchar[], service_name))
group by all
order by charge_category, provider
