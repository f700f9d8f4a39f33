-- FOCUS 1.2 (+ the 1.3 columns) from Azure Cost Management ActualCost / AmortizedCost exports
-- (EA and MCA), staging.azure_cost.
-- requires: staging.azure_cost, staging.lookup_azure_services, staging.lookup_azure_pricing_units, staging.lookup_azure_regions
--
-- Row rules: Microsoft's "Convert Cost Management data to FOCUS" (microsoft/finops-toolkit
-- docs-mslearn/focus/convert.md, "MS rule" below; queries/focus/README.md, Azure section):
--   * Input (MS rule): every AmortizedCost row, plus the ActualCost rows whose ChargeType is Purchase
--     or Refund and PricingModel Reservation or SavingsPlan, so no usage row is counted twice. A
--     dataset (export name) that has no AmortizedCost row for a period maps all its ActualCost rows
--     instead, with EffectiveCost = BilledCost (the invoice is all there is).
--   * BilledCost 0 on commitment-covered usage (MS rule) and on unused-commitment rows (their cost is
--     the amortisation of a purchase billed on its own row); EffectiveCost 0 on commitment purchases
--     and refunds (MS rule). So Σ BilledCost = Σ ActualCost when both exports agree, Σ EffectiveCost
--     = Σ AmortizedCost (queries/reconcile/azure_cost_totals.sql).
--   * x_ tail (docs/CONTRACTS.md): the row's identity and load, x_extras = one JSON object of the
--     Azure-only extras, NULL members omitted, money as exact decimal text.
with amortized as (
    -- the datasets and periods that have AmortizedCost rows (the input rule above): a few rows,
    -- joined back. A window over the scope instead made DuckDB partition every wide row (on 1M
    -- rows 27.6 of the mapping's 71 CPU-s)
    select distinct x_provider, x_export_name, x_billing_period
    from staging.azure_cost
    where cost_type = 'AmortizedCost'
),

cost as (
    select
        staged.*,
        lower(staged.charge_type) as charge_kind,
        -- 'SavingsPlan' (exports) and 'Savings Plan' (MS docs) alike
        replace(lower(staged.pricing_model), ' ', '') as pricing_kind,
        case when amortized.x_billing_period is not null then 1 else 0 end as has_amortized
    from staging.azure_cost as staged
    left join amortized
        on amortized.x_provider = staged.x_provider
        and amortized.x_export_name = staged.x_export_name
        and amortized.x_billing_period = staged.x_billing_period
),

services as (
    -- lookups/azure_services.csv (Microsoft's Services.csv): one row per (ConsumedService,
    -- ResourceType), matched case-insensitively (the reference converter's case-sensitive join
    -- gives NULL for 'Microsoft.Storage')
    select
        lower(ConsumedService) as consumed_service_key,
        lower(ResourceType) as resource_type_key,
        min(ServiceName) as service_name,
        min(ServiceCategory) as service_category,
        min(ServiceSubcategory) as service_subcategory
    from staging.lookup_azure_services
    group by lower(ConsumedService), lower(ResourceType)
),

services_by_type as (
    -- a resource type that names one service whatever the consumed service
    select
        lower(ResourceType) as resource_type_key,
        min(ServiceName) as service_name,
        min(ServiceCategory) as service_category,
        min(ServiceSubcategory) as service_subcategory
    from staging.lookup_azure_services
    group by lower(ResourceType)
    having count(distinct ServiceName) = 1
),

services_by_consumed as (
    -- a consumed service (resource provider) that names one service whatever the resource type
    select
        lower(ConsumedService) as consumed_service_key,
        min(ServiceName) as service_name,
        min(ServiceCategory) as service_category,
        min(ServiceSubcategory) as service_subcategory
    from staging.lookup_azure_services
    where ConsumedService is not null
    group by lower(ConsumedService)
    having count(distinct ServiceName) = 1
),

service_names as (
    -- a meter category that is a Microsoft service name keeps that service's category (FOCUS: one
    -- category per ServiceName)
    select
        lower(ServiceName) as service_name_key,
        min(ServiceName) as service_name,
        min(ServiceCategory) as service_category,
        min(ServiceSubcategory) as service_subcategory
    from staging.lookup_azure_services
    group by lower(ServiceName)
),

units as (
    -- lookups/azure_pricing_units.csv (Microsoft's PricingUnits.csv): UnitOfMeasure as delivered
    select
        UnitOfMeasure as unit_of_measure,
        min(cast(PricingBlockSize as decimal(38, 10))) as block_size,
        min(DistinctUnits) as distinct_units
    from staging.lookup_azure_pricing_units
    group by UnitOfMeasure
),

units_folded as (
    -- the same, for a spelling that differs only in case or surrounding blanks
    select
        lower(trim(UnitOfMeasure)) as unit_key,
        min(cast(PricingBlockSize as decimal(38, 10))) as block_size,
        min(DistinctUnits) as distinct_units
    from staging.lookup_azure_pricing_units
    group by lower(trim(UnitOfMeasure))
    having count(distinct DistinctUnits) = 1 and count(distinct PricingBlockSize) = 1
),

regions as (
    -- lookups/azure_regions.csv (Microsoft's Regions.csv): location spellings -> RegionId, RegionName
    select
        lower(OriginalValue) as location_key,
        min(RegionId) as region_id,
        min(RegionName) as region_name
    from staging.lookup_azure_regions
    group by lower(OriginalValue)
),

selected as (
    select
        cost.*,
        has_amortized = 0 as is_actual_only,
        pricing_kind in ('reservation', 'savingsplan') as is_commitment_priced,
        charge_kind in ('unusedreservation', 'unusedsavingsplan') as is_unused,
        charge_kind in ('purchase', 'refund') and pricing_kind in ('reservation', 'savingsplan')
            as is_commitment_purchase,
        lower(publisher_type) = 'marketplace' as is_marketplace,
        coalesce(resource_location, location) as location_name,
        -- ARM resource type from the resource id: namespace/type[/child type[/grandchild type]] after
        -- the last '/providers/' ('/subscriptions/s/resourceGroups/rg/providers/Microsoft.Sql/servers/
        -- a/databases/b' -> 'microsoft.sql/servers/databases'); the key of the Services lookup
        nullif(lower(
            regexp_extract(resource_id, '^.*/providers/([^/]+/[^/]+)', 1)
            || coalesce('/' || nullif(regexp_extract(
                resource_id, '^.*/providers/[^/]+/[^/]+/[^/]*/([^/]+)', 1), ''), '')
            || coalesce('/' || nullif(regexp_extract(
                resource_id, '^.*/providers/[^/]+/[^/]+/[^/]*/[^/]+/[^/]*/([^/]+)', 1), ''), '')
        ), '') as arm_type,
        -- exchange rate pricing -> billing currency (MCA); 1 when the export has none (EA)
        coalesce(nullif(exchange_rate_pricing_to_billing, 0), 1) as rate
    from cost
    where
        -- the input rule (header): amortized rows + commitment purchases/refunds of the actual export;
        -- a dataset without amortized rows for the period: all of its actual rows
        (has_amortized = 1 and (
            cost_type = 'AmortizedCost'
            or (cost_type = 'ActualCost' and charge_kind in ('purchase', 'refund')
                and pricing_kind in ('reservation', 'savingsplan'))
        ))
        or (has_amortized = 0 and cost_type = 'ActualCost')
),

classified as (
    select
        selected.*,
        -- ChargeCategory (MS rule): Usage, Purchase, Credit, Tax as delivered; UnusedReservation /
        -- UnusedSavingsPlan -> Usage; Refund -> Purchase (+ ChargeClass Correction); else Adjustment
        case
            when charge_kind in ('usage', 'unusedreservation', 'unusedsavingsplan') then 'Usage'
            when charge_kind in ('purchase', 'refund') then 'Purchase'
            when charge_kind = 'credit' then 'Credit'
            when charge_kind = 'tax' then 'Tax'
            else 'Adjustment'
        end as charge_category,
        -- CommitmentDiscountId (MS rule): BenefitId; older exports without it: the reservation id of
        -- reservation rows
        coalesce(
            benefit_id,
            case when pricing_kind = 'reservation' or charge_kind = 'unusedreservation'
                then reservation_id end
        ) as commitment_id,
        -- pricing-unit lookup (MS rule): DistinctUnits and PricingBlockSize of the UnitOfMeasure
        coalesce(units.block_size, units_folded.block_size) as block_size,
        coalesce(units.distinct_units, units_folded.distinct_units, selected.unit_of_measure)
            as distinct_units,
        -- Services lookup (MS rule) on (ConsumedService, ResourceType); then on the resource type or
        -- the consumed service alone when that names one service; then the meter category
        coalesce(
            services.service_name, services_by_type.service_name, services_by_consumed.service_name,
            service_names.service_name, selected.meter_category, selected.consumed_service, 'Azure'
        ) as service_name,
        coalesce(
            services.service_category, services_by_type.service_category,
            services_by_consumed.service_category, service_names.service_category, 'Other'
        ) as service_category,
        coalesce(
            services.service_subcategory, services_by_type.service_subcategory,
            services_by_consumed.service_subcategory, service_names.service_subcategory, 'Other (Other)'
        ) as service_subcategory,
        regions.region_id,
        regions.region_name
    from selected
    left join units on units.unit_of_measure = selected.unit_of_measure
    left join units_folded on units_folded.unit_key = lower(trim(selected.unit_of_measure))
    left join services
        on services.consumed_service_key = lower(selected.consumed_service)
        and services.resource_type_key = selected.arm_type
    left join services_by_type on services_by_type.resource_type_key = selected.arm_type
    left join services_by_consumed
        on services_by_consumed.consumed_service_key = lower(selected.consumed_service)
    left join service_names on service_names.service_name_key = lower(selected.meter_category)
    left join regions on regions.location_key = lower(selected.location_name)
),

costed as (
    select
        classified.*,
        -- BilledCost (MS rule): 0 on commitment-covered usage; 0 on unused-commitment rows too (the
        -- purchase row carries the billed amount); an actual-only dataset: CostInBillingCurrency as is
        cast(case
            when not is_actual_only and (
                (charge_kind = 'usage' and is_commitment_priced) or is_unused
            ) then 0
            else coalesce(cost_in_billing_currency, 0)
        end as decimal(38, 10)) as billed_cost,
        -- EffectiveCost (MS rule): 0 on commitment purchases and refunds (amortised onto the usage);
        -- an actual-only dataset: = BilledCost
        not is_actual_only and is_commitment_purchase as is_effective_zero,
        -- PricingQuantity (MS rule): Quantity / PricingBlockSize; NULL for Tax (FOCUS)
        case when charge_category <> 'Tax' then cast(
            quantity / coalesce(nullif(block_size, 0), 1) as decimal(38, 10)
        ) end as pricing_quantity,
        -- unit prices in the pricing currency: ListUnitPrice = PayGPrice (MS rule), a commitment
        -- purchase without a pay-as-you-go price at its own price; ContractedUnitPrice = UnitPrice
        case
            when charge_category not in ('Usage', 'Purchase') then null
            when charge_category = 'Purchase' then coalesce(nullif(payg_price, 0), unit_price)
            else payg_price
        end as pricing_list_unit_price,
        case when charge_category in ('Usage', 'Purchase') then unit_price end
            as pricing_contracted_unit_price
    from classified
),

final as (
    select
        cast(null as json) as AllocatedMethodDetails,
        cast(null as varchar) as AllocatedMethodId,
        cast(null as varchar) as AllocatedResourceId,
        cast(null as varchar) as AllocatedResourceName,
        cast(null as json) as AllocatedTags,
        availability_zone as AvailabilityZone,
        billed_cost as BilledCost,
        -- BillingAccountId / Name (MS rule): EA billing account; MCA billing profile (the invoice scope)
        case when agreement = 'MCA' then coalesce(billing_profile_id, billing_account_id)
            else coalesce(billing_account_id, billing_profile_id) end as BillingAccountId,
        case when agreement = 'MCA' then coalesce(billing_profile_name, billing_account_name)
            else coalesce(billing_account_name, billing_profile_name) end as BillingAccountName,
        -- BillingAccountType (1.2): which of the two scopes BillingAccountId is
        case
            when coalesce(billing_account_id, billing_profile_id) is null then null
            when agreement = 'MCA' then 'Billing Profile'
            else 'Billing Account'
        end as BillingAccountType,
        -- BillingCurrency (MS rule): EA BillingCurrencyCode / MCA BillingCurrency (one canonical column)
        coalesce(billing_currency, pricing_currency) as BillingCurrency,
        -- BillingPeriodEnd (MS rule): BillingPeriodEndDate + 1 day (exclusive); else from x_billing_period
        coalesce(
            billing_period_end + interval 1 day,
            cast(x_billing_period || '-01 00:00:00+00' as timestamptz) + interval 1 month
        ) as BillingPeriodEnd,
        coalesce(billing_period_start, cast(x_billing_period || '-01 00:00:00+00' as timestamptz))
            as BillingPeriodStart,
        cast(null as varchar) as CapacityReservationId,
        cast(null as varchar) as CapacityReservationStatus,
        charge_category as ChargeCategory,
        -- ChargeClass (MS rule): Refund -> Correction
        case when charge_kind = 'refund' then 'Correction' end as ChargeClass,
        -- ChargeDescription (MS rule): ProductName; else the meter name
        coalesce(product_name, meter_name) as ChargeDescription,
        -- ChargeFrequency (MS rule): OneTime -> One-Time, Recurring, UsageBased -> Usage-Based; MS's
        -- 'Other' is no FOCUS value, so an unknown frequency is Usage-Based for usage, else One-Time;
        -- a Purchase is never Usage-Based (FOCUS)
        case
            when lower(frequency) = 'recurring' then 'Recurring'
            when lower(frequency) in ('onetime', 'one-time') then 'One-Time'
            when lower(frequency) in ('usagebased', 'usage-based') and charge_category <> 'Purchase'
                then 'Usage-Based'
            when charge_category = 'Usage' then 'Usage-Based'
            else 'One-Time'
        end as ChargeFrequency,
        -- ChargePeriod (MS rule): the day of Date, end exclusive (the reference converter's bug was
        -- to start it at BillingPeriodStartDate)
        coalesce(
            charge_date + interval 1 day,
            cast(x_billing_period || '-01 00:00:00+00' as timestamptz) + interval 1 month
        ) as ChargePeriodEnd,
        coalesce(charge_date, cast(x_billing_period || '-01 00:00:00+00' as timestamptz))
            as ChargePeriodStart,
        -- CommitmentDiscountCategory / Type (MS rule): '/microsoft.capacity/' -> Usage, Reservation;
        -- '/microsoft.billingbenefits/' -> Spend, Savings Plan (case-insensitive); an id without a
        -- provider path: by the pricing model
        case
            when commitment_id is null then null
            when lower(commitment_id) like '%/microsoft.capacity/%' then 'Usage'
            when lower(commitment_id) like '%/microsoft.billingbenefits/%' then 'Spend'
            when pricing_kind = 'savingsplan' or charge_kind = 'unusedsavingsplan' then 'Spend'
            else 'Usage'
        end as CommitmentDiscountCategory,
        commitment_id as CommitmentDiscountId,
        -- CommitmentDiscountName (MS rule): BenefitName; else the reservation name, else the id's last
        -- segment
        case when commitment_id is not null then coalesce(
            benefit_name, reservation_name, nullif(regexp_extract(commitment_id, '([^/]+)/?$', 1), '')
        ) end as CommitmentDiscountName,
        cast(null as decimal(38, 10)) as CommitmentDiscountQuantity,
        -- CommitmentDiscountStatus (MS rule): Unused* -> Unused; commitment-priced usage -> Used;
        -- NULL on purchases (FOCUS requires it on Usage rows only)
        case
            when commitment_id is null then null
            when is_unused then 'Unused'
            when charge_category = 'Usage' and is_commitment_priced then 'Used'
        end as CommitmentDiscountStatus,
        case
            when commitment_id is null then null
            when lower(commitment_id) like '%/microsoft.capacity/%' then 'Reservation'
            when lower(commitment_id) like '%/microsoft.billingbenefits/%' then 'Savings Plan'
            when pricing_kind = 'savingsplan' or charge_kind = 'unusedsavingsplan' then 'Savings Plan'
            else 'Reservation'
        end as CommitmentDiscountType,
        cast(null as varchar) as CommitmentDiscountUnit,
        -- ConsumedQuantity / ConsumedUnit (MS rule): Quantity and DistinctUnits, ChargeType Usage only
        case when charge_kind = 'usage' then quantity end as ConsumedQuantity,
        case when charge_kind = 'usage' and quantity is not null
            then coalesce(distinct_units, 'Units') end as ConsumedUnit,
        cast(null as json) as ContractApplied,
        -- ContractedCost (MS rule): UnitPrice x Quantity / PricingBlockSize, in the billing currency;
        -- = BilledCost for charges without a unit price (credits, tax, adjustments). The unit price
        -- in the billing currency is ContractedUnitPrice (10 places) times the quantity: a product of
        -- three DECIMAL(38, 10) has 30 places and overflows from 10^8 (a yen or won amount), and
        -- narrowing it to 10 places cost 1.5 CPU-s per 1M rows (bench/RESULTS.md, session 17)
        cast(coalesce(
            cast(pricing_contracted_unit_price * rate as decimal(38, 10)) * pricing_quantity, billed_cost
        ) as decimal(38, 10)) as ContractedCost,
        -- ContractedUnitPrice (MS rule): UnitPrice (x the exchange rate when priced in another currency)
        cast(pricing_contracted_unit_price * rate as decimal(38, 10)) as ContractedUnitPrice,
        cast(case when is_effective_zero then 0 else billed_cost_basis end as decimal(38, 10))
            as EffectiveCost,
        -- HostProviderName (1.3): Azure hosts every charge of these exports
        'Microsoft' as HostProviderName,
        invoice_id as InvoiceId,
        -- InvoiceIssuerName (MS rule): PartnerName (CSP), else Microsoft
        coalesce(partner_name, 'Microsoft') as InvoiceIssuerName,
        -- ListCost (MS rule): MCA PaygCostInBillingCurrency; EA has none, so ListUnitPrice x
        -- PricingQuantity; = BilledCost for charges without a list price
        cast(coalesce(
            case when charge_category = 'Usage' then payg_cost_in_billing_currency end,
            cast(pricing_list_unit_price * rate as decimal(38, 10)) * pricing_quantity,
            billed_cost
        ) as decimal(38, 10)) as ListCost,
        -- ListUnitPrice (MS rule): EA PayGPrice; MCA PayGPrice x ExchangeRate
        cast(pricing_list_unit_price * rate as decimal(38, 10)) as ListUnitPrice,
        -- PricingCategory (MS rule): OnDemand -> Standard, Spot -> Dynamic, Reservation / SavingsPlan
        -- -> Committed (usage with a commitment only: FOCUS never has Committed on a purchase); NULL
        -- for tax, credits, adjustments and corrections
        case
            when charge_category not in ('Usage', 'Purchase') or charge_kind = 'refund' then null
            when charge_category = 'Usage' and commitment_id is not null
                and (is_commitment_priced or is_unused) then 'Committed'
            when pricing_kind = 'spot' then 'Dynamic'
            else 'Standard'
        end as PricingCategory,
        -- PricingCurrency (1.2): the price-list currency (MCA PricingCurrency); EA prices in the
        -- billing currency
        coalesce(pricing_currency, billing_currency) as PricingCurrency,
        cast(pricing_contracted_unit_price as decimal(38, 10)) as PricingCurrencyContractedUnitPrice,
        -- PricingCurrencyEffectiveCost: CostInPricingCurrency where EffectiveCost is the cost, else
        -- EffectiveCost / exchange rate; 0 where EffectiveCost is 0
        cast(case
            when is_effective_zero then 0
            else coalesce(cost_in_pricing_currency, billed_cost_basis / rate)
        end as decimal(38, 10)) as PricingCurrencyEffectiveCost,
        cast(pricing_list_unit_price as decimal(38, 10)) as PricingCurrencyListUnitPrice,
        pricing_quantity as PricingQuantity,
        -- PricingUnit (MS rule): DistinctUnits of the UnitOfMeasure; NULL iff PricingQuantity is NULL
        case when pricing_quantity is not null then coalesce(distinct_units, 'Units') end as PricingUnit,
        'Microsoft' as ProviderName,
        -- PublisherName (MS rule): Microsoft; Marketplace rows: the publisher (FOCUS 1.3: the seller)
        case when is_marketplace then coalesce(publisher_name, 'Marketplace') else 'Microsoft' end
            as PublisherName,
        -- RegionId / RegionName (MS rule): Regions lookup on ResourceLocation; an unknown location:
        -- as delivered, RegionId lower-cased without spaces
        case when location_name is not null
            then coalesce(region_id, lower(replace(location_name, ' ', ''))) end as RegionId,
        case when location_name is not null then coalesce(region_name, location_name) end as RegionName,
        resource_id as ResourceId,
        -- ResourceName (MS rule): EA ResourceName (none: NULL, never the id); MCA the last segment of
        -- ResourceId
        case
            when resource_id is null then null
            when agreement = 'MCA'
                then coalesce(nullif(regexp_extract(resource_id, '([^/]+)/?$', 1), ''), resource_name)
            else resource_name
        end as ResourceName,
        -- ResourceType: the ARM resource type of ResourceId (Microsoft maps it to a display name with
        -- ResourceTypes.csv, which this project does not carry); NULL iff ResourceId is NULL
        case when resource_id is not null
            then coalesce(arm_type, lower(consumed_service), 'unknown') end as ResourceType,
        service_category as ServiceCategory,
        service_name as ServiceName,
        -- ServiceProviderName (1.3): the seller, i.e. PublisherName
        case when is_marketplace then coalesce(publisher_name, 'Marketplace') else 'Microsoft' end
            as ServiceProviderName,
        -- ServiceSubcategory: Services lookup; its two non-FOCUS values mapped to the FOCUS 1.2 ones
        case
            when service_category = 'Compute' and service_subcategory = 'Quantum' then 'Quantum Compute'
            when service_category = 'Migration' and service_subcategory = 'Data Transfer'
                then 'Data Migration'
            else service_subcategory
        end as ServiceSubcategory,
        -- SkuId (MS rule): MCA ProductId; EA has none
        product_id as SkuId,
        case when product_id is not null then meter_name end as SkuMeter,
        cast(null as json) as SkuPriceDetails,
        -- SkuPriceId (MS rule): not available
        cast(null as varchar) as SkuPriceId,
        subscription_id as SubAccountId,
        case when subscription_id is not null then coalesce(subscription_name, subscription_id) end
            as SubAccountName,
        case when subscription_id is not null then 'Subscription' end as SubAccountType,
        -- Tags (MS rule): EA delivers '"k": "v","k2": "v2"' without braces: wrapped in '{...}'; valid
        -- JSON kept; text that still is no JSON object is dropped rather than failing the build
        case when json_valid(tags_object) and left(tags_object, 1) = '{' then cast(tags_object as json) end
            as Tags,
        x_provider,
        x_export_name,
        x_billing_period,
        x_source_file,
        x_source_row,
        x_load_id,
        'source' as x_row_kind,
        x_delivery_id,
        -- x_extras: the Azure-only columns, NULL members left out (concat_ws skips NULLs); money as
        -- exact decimal text
        cast('{' || concat_ws(',',
            '"cost_type":' || to_json(cost_type),
            '"schema":' || to_json(agreement),
            '"azure_export":' || to_json(azure_export),
            '"charge_type":' || to_json(charge_type),
            '"pricing_model":' || to_json(pricing_model),
            '"meter_id":' || to_json(meter_id),
            '"meter_name":' || to_json(meter_name),
            '"meter_category":' || to_json(meter_category),
            '"meter_sub_category":' || to_json(meter_sub_category),
            '"consumed_service":' || to_json(consumed_service),
            '"resource_group":' || to_json(resource_group),
            '"unit_of_measure":' || to_json(unit_of_measure),
            '"pricing_block_size":"' || cast(block_size as varchar) || '"',
            '"effective_price":"' || cast(effective_price as varchar) || '"',
            '"cost_in_billing_currency":"' || cast(cost_in_billing_currency as varchar) || '"',
            '"cost_in_usd":"' || cast(cost_in_usd as varchar) || '"',
            '"billing_account_id":' || to_json(billing_account_id),
            '"billing_profile_id":' || to_json(billing_profile_id),
            '"invoice_section_id":' || to_json(invoice_section_id),
            '"invoice_section_name":' || to_json(invoice_section_name),
            '"reservation_id":' || to_json(reservation_id),
            '"cost_center":' || to_json(cost_center)
        ) || '}' as json) as x_extras
    from (
        select
            costed.*,
            -- the amount EffectiveCost takes where it is not 0: CostInBillingCurrency (the amortized
            -- cost on amortized rows; the actual cost in an actual-only dataset)
            coalesce(cost_in_billing_currency, 0) as billed_cost_basis,
            case
                when tags is null then null
                when left(trim(tags), 1) = '{' then trim(tags)
                else '{' || trim(tags) || '}'
            end as tags_object
        from costed
    ) as prepared
)

select * from final
