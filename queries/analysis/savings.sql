-- List -> contracted -> effective for usage charges of one period, and the savings between them.
-- Effective savings rate (FinOps Foundation): (list - effective) / list.
with totals as (
    select
        sum(list_cost)::decimal(38, 10) as list_cost,
        sum(contracted_cost)::decimal(38, 10) as contracted_cost,
        sum(effective_cost)::decimal(38, 10) as effective_cost,
        sum(billed_cost)::decimal(38, 10) as billed_cost
    from marts.daily_cost
    where billing_period = $period and charge_category = 'Usage'
      and (len($providers::varchar[]) = 0 or list_contains($providers::varchar[], provider))
      and (len($accounts::varchar[]) = 0 or list_contains($accounts::varchar[], sub_account_id))
      and (len($services::varchar[]) = 0 or list_contains($services::varchar[], service_name))
)

select
    *,
    (list_cost - contracted_cost)::decimal(38, 10) as negotiated_savings,
    (contracted_cost - effective_cost)::decimal(38, 10) as commitment_savings,
    (list_cost - effective_cost)::decimal(38, 10) as total_savings,
    case when list_cost <> 0 then (list_cost - effective_cost) / list_cost end::double as effective_savings_rate
from totals
