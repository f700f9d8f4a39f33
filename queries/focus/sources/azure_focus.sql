-- FOCUS 1.2 (+ the 1.3 columns) from Microsoft's own FocusCost export (staging.azure_focus; FOCUS 1.0,
-- 1.0r2 or 1.2-preview columns, the ones a version lacks arrive as typed NULLs).
-- requires: staging.azure_focus, staging.lookup_azure_services
-- Microsoft's values are passed through; what 1.0 exports carry in Microsoft x_ columns moves to the
-- FOCUS 1.1/1.2 column that replaced it; enum spellings follow the spec; the 1.3 provider columns
-- are derived (ServiceProviderName = PublisherName, HostProviderName = ProviderName).
with src as (
    select * from staging.azure_focus
),

services as (
    -- one subcategory per service name (lookups/azure_services.csv, Microsoft's Services.csv)
    select
        lower(ServiceName) as service_name_key,
        min(ServiceCategory) as service_category,
        min(ServiceSubcategory) as service_subcategory
    from staging.lookup_azure_services
    group by lower(ServiceName)
),

final as (
    select
        cast(null as json) as AllocatedMethodDetails,
        cast(null as varchar) as AllocatedMethodId,
        cast(null as varchar) as AllocatedResourceId,
        cast(null as varchar) as AllocatedResourceName,
        cast(null as json) as AllocatedTags,
        src.AvailabilityZone,
        coalesce(src.BilledCost, 0) as BilledCost,
        src.BillingAccountId,
        src.BillingAccountName,
        src.BillingAccountType,
        src.BillingCurrency,
        src.BillingPeriodEnd,
        src.BillingPeriodStart,
        src.CapacityReservationId,
        case lower(src.CapacityReservationStatus)
            when 'used' then 'Used' when 'unused' then 'Unused' else src.CapacityReservationStatus
        end as CapacityReservationStatus,
        case lower(src.ChargeCategory)
            when 'usage' then 'Usage'
            when 'purchase' then 'Purchase'
            when 'tax' then 'Tax'
            when 'credit' then 'Credit'
            when 'adjustment' then 'Adjustment'
            else src.ChargeCategory
        end as ChargeCategory,
        case lower(src.ChargeClass) when 'correction' then 'Correction' else src.ChargeClass end
            as ChargeClass,
        src.ChargeDescription,
        case lower(src.ChargeFrequency)
            when 'one-time' then 'One-Time'
            when 'recurring' then 'Recurring'
            when 'usage-based' then 'Usage-Based'
            else src.ChargeFrequency
        end as ChargeFrequency,
        src.ChargePeriodEnd,
        src.ChargePeriodStart,
        case lower(src.CommitmentDiscountCategory)
            when 'spend' then 'Spend' when 'usage' then 'Usage' else src.CommitmentDiscountCategory
        end as CommitmentDiscountCategory,
        src.CommitmentDiscountId,
        src.CommitmentDiscountName,
        src.CommitmentDiscountQuantity,
        case lower(src.CommitmentDiscountStatus)
            when 'used' then 'Used' when 'unused' then 'Unused' else src.CommitmentDiscountStatus
        end as CommitmentDiscountStatus,
        src.CommitmentDiscountType,
        src.CommitmentDiscountUnit,
        src.ConsumedQuantity,
        src.ConsumedUnit,
        cast(null as json) as ContractApplied,
        coalesce(src.ContractedCost, src.BilledCost, 0) as ContractedCost,
        src.ContractedUnitPrice,
        coalesce(src.EffectiveCost, 0) as EffectiveCost,
        -- HostProviderName (1.3): the cloud hosting the charge, the 1.2 ProviderName
        src.ProviderName as HostProviderName,
        -- InvoiceId (1.2): FOCUS 1.0 exports carry it as x_InvoiceId
        coalesce(src.InvoiceId, src.x_InvoiceId) as InvoiceId,
        src.InvoiceIssuerName,
        coalesce(src.ListCost, src.BilledCost, 0) as ListCost,
        src.ListUnitPrice,
        -- PricingCategory: also the 1.0-preview names On-Demand / Commitment-Based
        case lower(src.PricingCategory)
            when 'standard' then 'Standard'
            when 'dynamic' then 'Dynamic'
            when 'committed' then 'Committed'
            when 'other' then 'Other'
            when 'on-demand' then 'Standard'
            when 'commitment-based' then 'Committed'
            else src.PricingCategory
        end as PricingCategory,
        -- PricingCurrency (1.2): FOCUS 1.0 exports carry it as x_PricingCurrency; else the billing
        -- currency
        coalesce(src.PricingCurrency, src.x_PricingCurrency, src.BillingCurrency) as PricingCurrency,
        -- PricingCurrency* (1.2): as delivered, else the billing-currency figure / x_BillingExchangeRate
        -- (pricing -> billing), the same figure when both currencies are one
        coalesce(
            src.PricingCurrencyContractedUnitPrice,
            cast(src.ContractedUnitPrice / coalesce(nullif(src.x_BillingExchangeRate, 0), 1)
                as decimal(38, 10))
        ) as PricingCurrencyContractedUnitPrice,
        coalesce(
            src.PricingCurrencyEffectiveCost,
            cast(coalesce(src.EffectiveCost, 0) / coalesce(nullif(src.x_BillingExchangeRate, 0), 1)
                as decimal(38, 10))
        ) as PricingCurrencyEffectiveCost,
        coalesce(
            src.PricingCurrencyListUnitPrice,
            cast(src.ListUnitPrice / coalesce(nullif(src.x_BillingExchangeRate, 0), 1)
                as decimal(38, 10))
        ) as PricingCurrencyListUnitPrice,
        src.PricingQuantity,
        src.PricingUnit,
        src.ProviderName,
        src.PublisherName,
        src.RegionId,
        src.RegionName,
        src.ResourceId,
        src.ResourceName,
        src.ResourceType,
        src.ServiceCategory,
        src.ServiceName,
        -- ServiceProviderName (1.3): the seller, the 1.2 PublisherName
        coalesce(src.PublisherName, src.ProviderName) as ServiceProviderName,
        -- ServiceSubcategory (1.1): as delivered, else the Services lookup by ServiceName when it
        -- belongs to the same category (its two non-FOCUS values mapped), else Other (<category>)
        coalesce(
            src.ServiceSubcategory,
            case
                when services.service_category is distinct from src.ServiceCategory then null
                when services.service_subcategory = 'Quantum' then 'Quantum Compute'
                when services.service_subcategory = 'Data Transfer' then 'Data Migration'
                else services.service_subcategory
            end,
            'Other (' || src.ServiceCategory || ')'
        ) as ServiceSubcategory,
        src.SkuId,
        -- SkuMeter (1.1): FOCUS 1.0 exports carry the meter name as x_SkuMeterName
        coalesce(src.SkuMeter, case when src.SkuId is not null then src.x_SkuMeterName end) as SkuMeter,
        -- SkuPriceDetails (1.1): as delivered (Microsoft's 1.0 x_SkuDetails keys are not FOCUS keys)
        cast(src.SkuPriceDetails as json) as SkuPriceDetails,
        src.SkuPriceId,
        src.SubAccountId,
        src.SubAccountName,
        src.SubAccountType,
        -- Tags: JSON object text as delivered; anything else dropped rather than failing the build
        case when json_valid(src.Tags) and left(trim(src.Tags), 1) = '{' then cast(src.Tags as json) end
            as Tags,
        src.x_provider,
        src.x_export_name,
        src.x_billing_period,
        src.x_source_file,
        src.x_source_row,
        src.x_load_id,
        'source' as x_row_kind,
        src.x_delivery_id,
        -- x_extras: a few of Microsoft's x_ columns and the export's version, NULL members left out
        cast('{' || concat_ws(',',
            '"cost_type":' || to_json(src.x_cost_type),
            '"focus_version":' || to_json(src.x_focus_version),
            '"resource_group":' || to_json(src.x_ResourceGroupName),
            '"billing_profile_id":' || to_json(src.x_BillingProfileId),
            '"invoice_section_id":' || to_json(src.x_InvoiceSectionId),
            '"meter_id":' || to_json(src.x_SkuMeterId),
            '"meter_category":' || to_json(src.x_SkuMeterCategory),
            '"cost_allocation_rule_name":' || to_json(src.x_CostAllocationRuleName),
            '"pricing_block_size":"' || cast(src.x_PricingBlockSize as varchar) || '"',
            '"billing_exchange_rate":"' || cast(src.x_BillingExchangeRate as varchar) || '"'
        ) || '}' as json) as x_extras
    from src
    left join services on services.service_name_key = lower(src.ServiceName)
)

select * from final
