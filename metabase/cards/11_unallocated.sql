-- What stays unallocated in one virtual dimension (the dimension filter, default 'team'): the
-- costliest services and accounts whose rows no rule matched and no shared rule split, in the
-- three latest billing periods.
select
    x_billing_period as billing_period,
    ProviderName as provider,
    SubAccountName as sub_account,
    ServiceName as service,
    BillingCurrency as currency,
    sum(EffectiveCost) as unallocated_cost
from marts_cost_allocation
where dimension = coalesce([[{{dimension}},]] 'team')
    and rule is null
    and allocated_method_id is null
    and x_billing_period in (
        select distinct x_billing_period from marts_cost_allocation order by 1 desc limit 3
    )
group by all
order by billing_period desc, unallocated_cost desc
limit 100
