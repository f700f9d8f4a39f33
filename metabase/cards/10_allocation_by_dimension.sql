-- Effective cost per month and value of one virtual dimension ([allocation] rules; the dimension
-- filter, default 'team'), shared costs split in, with the part that came from shared-cost rules.
select
    x_billing_period as billing_period,
    value,
    BillingCurrency as currency,
    sum(EffectiveCost) as effective_cost,
    sum(case when allocated_method_id is not null then EffectiveCost else 0 end) as shared_in
from marts_cost_allocation
where dimension = coalesce([[{{dimension}},]] 'team')
group by all
order by billing_period, currency, effective_cost desc
