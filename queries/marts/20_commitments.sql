-- marts.commitments: one row per commitment discount, billing period and status (Used / Unused).
-- FOCUS 1.2 CommitmentDiscount* columns; unused rows are the build's x_row_kind = 'unused_commitment'.
create schema if not exists marts;

create or replace table marts.commitments as
with source as (
    select * from focus.cost_and_usage
    where CommitmentDiscountId is not null
),

final as (
    select
        x_billing_period as billing_period,
        coalesce(ProviderName, ServiceProviderName, x_provider) as provider,
        CommitmentDiscountId as commitment_id,
        max(coalesce(CommitmentDiscountName, CommitmentDiscountId)) as commitment_name,
        max(CommitmentDiscountType) as commitment_type,
        max(CommitmentDiscountCategory) as commitment_category,
        coalesce(CommitmentDiscountStatus, '(none)') as commitment_status,
        ChargeCategory as charge_category,
        coalesce(SubAccountId, BillingAccountId) as sub_account_id,
        max(coalesce(SubAccountName, SubAccountId, BillingAccountId)) as sub_account_name,
        min(ChargePeriodStart) as first_charge,
        max(ChargePeriodEnd) as last_charge,
        sum(EffectiveCost)::decimal(38, 10) as effective_cost,
        sum(ListCost)::decimal(38, 10) as list_cost,
        sum(BilledCost)::decimal(38, 10) as billed_cost,
        count(*)::bigint as rows
    from source
    group by all
)

select * from final
