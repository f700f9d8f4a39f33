-- marts.daily_cost: cost per UTC day and the dimensions the notebooks filter and group by.
-- FOCUS 1.2 columns from focus.cost_and_usage; one row per day x dimension combination.
create schema if not exists marts;

create or replace table marts.daily_cost as
with source as (
    select * from focus.cost_and_usage
),

final as (
    select
        cast(ChargePeriodStart as date) as day,
        x_billing_period as billing_period,
        -- ProviderName (FOCUS 1.2, deprecated in 1.3) else ServiceProviderName, else the loader's tag
        coalesce(ProviderName, ServiceProviderName, x_provider) as provider,
        BillingAccountId as billing_account_id,
        max(BillingAccountName) as billing_account_name,
        coalesce(SubAccountId, BillingAccountId) as sub_account_id,
        max(coalesce(SubAccountName, SubAccountId, BillingAccountName, BillingAccountId)) as sub_account_name,
        coalesce(ServiceCategory, 'Other') as service_category,
        coalesce(ServiceName, '(none)') as service_name,
        coalesce(RegionId, '(global)') as region,
        ChargeCategory as charge_category,
        coalesce(PricingCategory, '(none)') as pricing_category,
        coalesce(CommitmentDiscountStatus, '(none)') as commitment_status,
        BillingCurrency as currency,
        sum(BilledCost)::decimal(38, 10) as billed_cost,
        sum(EffectiveCost)::decimal(38, 10) as effective_cost,
        sum(ListCost)::decimal(38, 10) as list_cost,
        sum(ContractedCost)::decimal(38, 10) as contracted_cost,
        count(*)::bigint as rows
    from source
    group by all
)

select * from final
