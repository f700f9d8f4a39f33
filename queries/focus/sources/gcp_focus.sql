-- FOCUS 1.2 (+ the 1.3 columns left NULL) from Google's FOCUS view over the Cloud Billing detailed
-- export, or Google's FOCUS export table (staging.gcp_focus): an export configured with
-- kind = "focus".
-- requires: staging.gcp_focus
-- Google's values pass through as delivered (typed in staging.gcp_focus): BilledCost and
-- EffectiveCost as Google computes them (its view puts every credit in both), no re-derivation
-- here; only the providers' names default to 'Google Cloud' and ServiceSubcategory (not in
-- Google's view) to 'Other (<ServiceCategory>)', as the spec allows.
-- x_ tail (docs/CONTRACTS.md): the row's identity and load; x_extras = Google's x_ columns (NULL
-- members left out, money as exact decimal text, nested ones as the JSON Google exported).
with src as (
    select * from staging.gcp_focus
),

final as (
    select
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
        src.ChargeCategory as ChargeCategory,
        src.ChargeClass as ChargeClass,
        src.ChargeDescription as ChargeDescription,
        src.ChargeFrequency as ChargeFrequency,
        src.ChargePeriodEnd as ChargePeriodEnd,
        src.ChargePeriodStart as ChargePeriodStart,
        src.CommitmentDiscountCategory as CommitmentDiscountCategory,
        src.CommitmentDiscountId as CommitmentDiscountId,
        src.CommitmentDiscountName as CommitmentDiscountName,
        src.CommitmentDiscountQuantity as CommitmentDiscountQuantity,
        src.CommitmentDiscountStatus as CommitmentDiscountStatus,
        src.CommitmentDiscountType as CommitmentDiscountType,
        src.CommitmentDiscountUnit as CommitmentDiscountUnit,
        src.ConsumedQuantity as ConsumedQuantity,
        src.ConsumedUnit as ConsumedUnit,
        src.ContractedCost as ContractedCost,
        src.ContractedUnitPrice as ContractedUnitPrice,
        src.EffectiveCost as EffectiveCost,
        src.InvoiceId as InvoiceId,
        coalesce(src.InvoiceIssuerName, 'Google Cloud') as InvoiceIssuerName,
        src.ListCost as ListCost,
        src.ListUnitPrice as ListUnitPrice,
        src.PricingCategory as PricingCategory,
        src.PricingCurrency as PricingCurrency,
        src.PricingCurrencyContractedUnitPrice as PricingCurrencyContractedUnitPrice,
        src.PricingCurrencyEffectiveCost as PricingCurrencyEffectiveCost,
        src.PricingCurrencyListUnitPrice as PricingCurrencyListUnitPrice,
        src.PricingQuantity as PricingQuantity,
        src.PricingUnit as PricingUnit,
        coalesce(src.ProviderName, 'Google Cloud') as ProviderName,
        coalesce(src.PublisherName, 'Google Cloud') as PublisherName,
        src.RegionId as RegionId,
        src.RegionName as RegionName,
        src.ResourceId as ResourceId,
        src.ResourceName as ResourceName,
        src.ResourceType as ResourceType,
        src.ServiceCategory as ServiceCategory,
        src.ServiceName as ServiceName,
        -- ServiceSubcategory (1.1+): as delivered, else Other (<category>)
        coalesce(src.ServiceSubcategory, 'Other (' || src.ServiceCategory || ')') as ServiceSubcategory,
        src.SkuId as SkuId,
        src.SkuMeter as SkuMeter,
        cast(src.SkuPriceDetails as json) as SkuPriceDetails,
        src.SkuPriceId as SkuPriceId,
        src.SubAccountId as SubAccountId,
        src.SubAccountName as SubAccountName,
        src.SubAccountType as SubAccountType,
        cast(src.Tags as json) as Tags,
        src.x_provider as x_provider,
        src.x_export_name as x_export_name,
        src.x_billing_period as x_billing_period,
        src.x_source_file as x_source_file,
        src.x_source_row as x_source_row,
        src.x_load_id as x_load_id,
        'source' as x_row_kind,
        src.x_delivery_id as x_delivery_id,
        -- x_extras: Google's x_ columns, NULL members left out (concat_ws skips NULLs)
        cast('{' || concat_ws(',',
            '"export_kind":' || to_json(src.x_export_kind),
            '"cost_type":' || to_json(src.x_CostType),
            '"export_time":' || to_json(strftime(timezone('UTC', src.x_ExportTime), '%Y-%m-%dT%H:%M:%S.%fZ')),
            '"service_id":' || to_json(src.x_ServiceId),
            '"location":' || to_json(src.x_Location),
            '"currency_conversion_rate":"' || cast(src.x_CurrencyConversionRate as varchar) || '"',
            '"credits":' || src.x_Credits,
            '"project":' || src.x_Project,
            '"labels":' || src.x_Labels,
            '"project_labels":' || src.x_ProjectLabels,
            '"system_labels":' || src.x_SystemLabels,
            '"tags":' || src.x_Tags
        ) || '}' as json) as x_extras
    from src
)

select * from final
