-- What stays unallocated in one virtual dimension: the costliest services and resources whose rows
-- no rule matched (and no shared rule split), in one billing period (marts.cost_allocation).
with filtered as (
    select * from marts.cost_allocation
    where dimension = $dimension and x_billing_period = $period
      and rule is null and allocated_method_id is null
      and (len($providers::varchar[]) = 0 or list_contains($providers::varchar[], ProviderName))
      and (len($accounts::varchar[]) = 0 or list_contains($accounts::varchar[], SubAccountId))
      and (len($services::varchar[]) = 0 or list_contains($services::varchar[], ServiceName))
),

final as (
    select
        ProviderName as provider,
        SubAccountName as sub_account_name,
        ServiceName as service_name,
        ResourceId as resource_id,
        BillingCurrency as billing_currency,
        sum(EffectiveCost)::decimal(38, 10) as effective_cost
    from filtered
    group by all
)

select * from final
order by effective_cost desc, provider, service_name, resource_id
limit $limit
