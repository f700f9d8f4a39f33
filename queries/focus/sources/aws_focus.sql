-- FOCUS 1.2 (+ the 1.3 columns) from AWS's own FOCUS export (raw_aws.focus, FOCUS 1.0 or 1.2 names;
-- the 1.1/1.2 columns a 1.0 export lacks arrive as typed NULLs, docs/CONTRACTS.md).
-- requires: staging.aws_focus, staging.lookup_aws_services
-- Passes AWS's values through (typed in staging.aws_focus);
-- fills ServiceSubcategory for 1.0 exports, spells enum values as the spec does and derives the
-- 1.3 provider columns.
with src as (
    select * from staging.aws_focus
),

services as (
    -- one subcategory per display name (lookups/aws_services.csv)
    select service_name, min(service_subcategory) as service_subcategory
    from staging.lookup_aws_services
    group by service_name
),

final as (
    select
        cast(null as json) as AllocatedMethodDetails,
        cast(null as varchar) as AllocatedMethodId,
        cast(null as varchar) as AllocatedResourceId,
        cast(null as varchar) as AllocatedResourceName,
        cast(null as json) as AllocatedTags,
        src.AvailabilityZone as AvailabilityZone,
        src.BilledCost as BilledCost,
        src.BillingAccountId as BillingAccountId,
        src.BillingAccountName as BillingAccountName,
        src.BillingAccountType as BillingAccountType,
        src.BillingCurrency as BillingCurrency,
        src.BillingPeriodEnd as BillingPeriodEnd,
        src.BillingPeriodStart as BillingPeriodStart,
        src.CapacityReservationId as CapacityReservationId,
        src.CapacityReservationStatus as CapacityReservationStatus,
        -- enum columns: allowed values in the spec's spelling whatever the export's case
        case lower(src.ChargeCategory)
            when 'usage' then 'Usage'
            when 'purchase' then 'Purchase'
            when 'tax' then 'Tax'
            when 'credit' then 'Credit'
            when 'adjustment' then 'Adjustment'
            else src.ChargeCategory
        end as ChargeCategory,
        case lower(src.ChargeClass)
            when 'correction' then 'Correction'
            else src.ChargeClass
        end as ChargeClass,
        src.ChargeDescription as ChargeDescription,
        case lower(src.ChargeFrequency)
            when 'one-time' then 'One-Time'
            when 'recurring' then 'Recurring'
            when 'usage-based' then 'Usage-Based'
            else src.ChargeFrequency
        end as ChargeFrequency,
        src.ChargePeriodEnd as ChargePeriodEnd,
        src.ChargePeriodStart as ChargePeriodStart,
        case lower(src.CommitmentDiscountCategory)
            when 'spend' then 'Spend'
            when 'usage' then 'Usage'
            else src.CommitmentDiscountCategory
        end as CommitmentDiscountCategory,
        src.CommitmentDiscountId as CommitmentDiscountId,
        src.CommitmentDiscountName as CommitmentDiscountName,
        src.CommitmentDiscountQuantity as CommitmentDiscountQuantity,
        case lower(src.CommitmentDiscountStatus)
            when 'used' then 'Used'
            when 'unused' then 'Unused'
            else src.CommitmentDiscountStatus
        end as CommitmentDiscountStatus,
        src.CommitmentDiscountType as CommitmentDiscountType,
        src.CommitmentDiscountUnit as CommitmentDiscountUnit,
        src.ConsumedQuantity as ConsumedQuantity,
        src.ConsumedUnit as ConsumedUnit,
        cast(null as json) as ContractApplied,
        src.ContractedCost as ContractedCost,
        src.ContractedUnitPrice as ContractedUnitPrice,
        src.EffectiveCost as EffectiveCost,
        -- HostProviderName (1.3): the cloud hosting it, i.e. the 1.2 ProviderName
        src.ProviderName as HostProviderName,
        src.InvoiceId as InvoiceId,
        src.InvoiceIssuerName as InvoiceIssuerName,
        src.ListCost as ListCost,
        src.ListUnitPrice as ListUnitPrice,
        -- PricingCategory: also the 1.0-preview names On-Demand / Commitment-Based renamed in 1.0
        case lower(src.PricingCategory)
            when 'standard' then 'Standard'
            when 'dynamic' then 'Dynamic'
            when 'committed' then 'Committed'
            when 'other' then 'Other'
            when 'on-demand' then 'Standard'
            when 'commitment-based' then 'Committed'
            else src.PricingCategory
        end as PricingCategory,
        src.PricingCurrency as PricingCurrency,
        src.PricingCurrencyContractedUnitPrice as PricingCurrencyContractedUnitPrice,
        src.PricingCurrencyEffectiveCost as PricingCurrencyEffectiveCost,
        src.PricingCurrencyListUnitPrice as PricingCurrencyListUnitPrice,
        src.PricingQuantity as PricingQuantity,
        src.PricingUnit as PricingUnit,
        src.ProviderName as ProviderName,
        src.PublisherName as PublisherName,
        src.RegionId as RegionId,
        src.RegionName as RegionName,
        src.ResourceId as ResourceId,
        src.ResourceName as ResourceName,
        src.ResourceType as ResourceType,
        src.ServiceCategory as ServiceCategory,
        src.ServiceName as ServiceName,
        -- ServiceProviderName (1.3): the seller, i.e. the 1.2 PublisherName
        coalesce(src.PublisherName, src.ProviderName) as ServiceProviderName,
        -- ServiceSubcategory (1.1+): as delivered, else our lookup by ServiceName, else Other (<category>)
        coalesce(src.ServiceSubcategory, services.service_subcategory, 'Other (' || src.ServiceCategory || ')') as ServiceSubcategory,
        src.SkuId as SkuId,
        src.SkuMeter as SkuMeter,
        src.SkuPriceDetails as SkuPriceDetails,
        src.SkuPriceId as SkuPriceId,
        src.SubAccountId as SubAccountId,
        src.SubAccountName as SubAccountName,
        src.SubAccountType as SubAccountType,
        src.Tags as Tags,
        src.x_provider as x_provider,
        src.x_export_name as x_export_name,
        src.x_billing_period as x_billing_period,
        src.x_source_file as x_source_file,
        src.x_source_row,
        src.x_load_id as x_load_id,
        'source' as x_row_kind,
        src.x_manifest_id as x_delivery_id,
        -- provider extras: none beyond FOCUS for AWS's own FOCUS export
        cast(null as json) as x_extras
    from src
    left join services on services.service_name = src.ServiceName
)

select * from final
