-- Unit prices per SKU and pricing unit: list, contracted and effective price per pricing unit.
with filtered as (
    select
        *,
        coalesce(ProviderName, ServiceProviderName, x_provider) as provider,
        coalesce(SubAccountId, BillingAccountId) as sub_account_id,
        coalesce(SubAccountName, SubAccountId, BillingAccountId) as sub_account_name,
        coalesce(ServiceName, '(none)') as service_name
    from focus.cost_and_usage
    where x_billing_period = $period
      and ChargeCategory = 'Usage' and PricingQuantity is not null and PricingQuantity <> 0
)

select
    service_name,
    SkuId as sku_id,
    PricingUnit as pricing_unit,
    max(provider) as provider,
    sum(PricingQuantity)::decimal(38, 10) as pricing_quantity,
    (sum(ListCost) / sum(PricingQuantity))::double as list_unit_price,
    (sum(ContractedCost) / sum(PricingQuantity))::double as contracted_unit_price,
    (sum(EffectiveCost) / sum(PricingQuantity))::double as effective_unit_price,
    sum(EffectiveCost)::decimal(38, 10) as effective_cost
from filtered
where true
      and (len($providers::varchar[]) = 0 or list_contains($providers::varchar[], provider))
      and (len($accounts::varchar[]) = 0 or list_contains($accounts::varchar[], sub_account_id))
      and (len($services::varchar[]) = 0 or list_contains($services::varchar[], service_name))
group by all
order by effective_cost desc, list_unit_price desc, service_name, sku_id, pricing_unit
limit $limit
