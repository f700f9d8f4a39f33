-- FOCUS 1.2 (+ the 1.3 columns) from the Google Cloud Billing export (standard and detailed),
-- staging.gcp_billing.
-- requires: staging.gcp_billing, staging.lookup_gcp_services
--
-- Row rules (queries/focus/README.md, GCP section; FOCUS supporting content for GCP;
-- the reference converter focus_converters c799bf96, its bugs fixed):
--   * One FOCUS row per export row. Credits stay on the row they reduce (no separate Credit rows):
--     BilledCost = EffectiveCost = cost + Σ credits.amount, every credit type, never clamped at 0
--     (the reference converter clamps; GCP invoices list cost and credits, so all credits are billed).
--   * Committed use discounts: a COMMITTED_USAGE_DISCOUNT(_DOLLAR_BASE) credit makes the row
--     commitment-covered usage (CommitmentDiscountId from the credit, Status Used, PricingCategory
--     Committed); the monthly CUD fee SKUs ("Commitment v1: ...", "Commitment - dollar based ...")
--     are Purchase / Recurring at their cost (a monthly fee for that month, not a prepayment of
--     future charges, so EffectiveCost is not 0; the export does not link a fee to its commitment).
--   * BillingPeriod = invoice.month in America/Los_Angeles (Google's invoice months are Pacific
--     time), converted to UTC, end exclusive: 202609 -> [2026-09-01T07:00Z, 2026-10-01T07:00Z).
--   * x_ tail (docs/CONTRACTS.md): the row's identity and load, x_extras = one JSON object of the
--     GCP-only extras, NULL members omitted, money as exact decimal text.
with billing as (
    select
        *,
        from_json(
            coalesce(credits, '[]'),
            '[{"name":"VARCHAR","amount":"VARCHAR","full_name":"VARCHAR","id":"VARCHAR","type":"VARCHAR"}]'
        ) as credit_list,
        lower(cost_type) as cost_kind,
        -- the invoice month (YYYYMM), else the load's period
        coalesce(invoice_month, replace(x_billing_period, '-', '')) as invoice_yyyymm
    from staging.gcp_billing
),

credited as (
    select
        billing.*,
        -- Σ credits.amount, all types and per type (NULL when the row has none of that type)
        coalesce(list_sum([cast(c.amount as decimal(38, 10)) for c in credit_list]), 0)
            as credits_total,
        list_sum([cast(c.amount as decimal(38, 10)) for c in credit_list
            if c.type = 'COMMITTED_USAGE_DISCOUNT']) as credit_cud,
        list_sum([cast(c.amount as decimal(38, 10)) for c in credit_list
            if c.type = 'COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE']) as credit_cud_dollar_base,
        list_sum([cast(c.amount as decimal(38, 10)) for c in credit_list
            if c.type = 'SUSTAINED_USAGE_DISCOUNT']) as credit_sustained_use,
        list_sum([cast(c.amount as decimal(38, 10)) for c in credit_list
            if c.type = 'FREE_TIER']) as credit_free_tier,
        list_sum([cast(c.amount as decimal(38, 10)) for c in credit_list
            if c.type = 'PROMOTION']) as credit_promotion,
        list_sum([cast(c.amount as decimal(38, 10)) for c in credit_list
            if c.type = 'DISCOUNT']) as credit_discount,
        list_sum([cast(c.amount as decimal(38, 10)) for c in credit_list
            if c.type = 'SUBSCRIPTION_BENEFIT']) as credit_subscription_benefit,
        list_sum([cast(c.amount as decimal(38, 10)) for c in credit_list
            if c.type = 'RESELLER_MARGIN']) as credit_reseller_margin,
        list_sum([cast(c.amount as decimal(38, 10)) for c in credit_list
            if c.type = 'FEE_UTILIZATION_OFFSET']) as credit_fee_utilization_offset,
        list_sum([cast(c.amount as decimal(38, 10)) for c in credit_list
            if coalesce(c.type, '') not in (
                'COMMITTED_USAGE_DISCOUNT', 'COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE',
                'SUSTAINED_USAGE_DISCOUNT', 'FREE_TIER', 'PROMOTION', 'DISCOUNT',
                'SUBSCRIPTION_BENEFIT', 'RESELLER_MARGIN', 'FEE_UTILIZATION_OFFSET'
            )]) as credit_other,
        -- the (first) committed use discount credit of the row
        [c for c in credit_list if c.type like 'COMMITTED_USAGE_DISCOUNT%'][1] as cud
    from billing
),

services as (
    -- lookups/gcp_services.csv (focus_converters' gcp_category_mapping.csv + subcategories), by
    -- service.description
    select
        service_description,
        min(service_name) as service_name,
        min(service_category) as service_category,
        min(service_subcategory) as service_subcategory
    from staging.lookup_gcp_services
    group by service_description
),

unit_words as (
    -- GCP unit words (singular, lower case) -> FOCUS UnitFormat spellings
    select * from (values
        ('byte', 'B', 'size'), ('kibibyte', 'KiB', 'size'), ('mebibyte', 'MiB', 'size'),
        ('gibibyte', 'GiB', 'size'), ('tebibyte', 'TiB', 'size'), ('pebibyte', 'PiB', 'size'),
        ('kilobyte', 'KB', 'size'), ('megabyte', 'MB', 'size'), ('gigabyte', 'GB', 'size'),
        ('terabyte', 'TB', 'size'), ('petabyte', 'PB', 'size'),
        ('second', 'Second', 'time'), ('minute', 'Minute', 'time'), ('hour', 'Hour', 'time'),
        ('day', 'Day', 'time'), ('month', 'Month', 'time'), ('year', 'Year', 'time')
    ) as t (word, focus_word, kind)
),

unit_parts as (
    -- every unit spelling of the export, taken apart as '<word>[s][( |-)<word>[s]]'
    select
        unit,
        nullif(regexp_extract(lower(trim(unit)), '^([a-z]+?)s?(?:[ -]([a-z]+?)s?)?$', 1), '') as w1,
        nullif(regexp_extract(lower(trim(unit)), '^([a-z]+?)s?(?:[ -]([a-z]+?)s?)?$', 2), '') as w2
    from (
        select usage_unit as unit from staging.gcp_billing where usage_unit is not null
        union
        select usage_pricing_unit as unit from staging.gcp_billing where usage_pricing_unit is not null
    ) as spellings
),

units as (
    -- 'hour' -> Hours, 'seconds' -> Seconds, 'gibibyte' -> GiB, 'gibibyte month' -> GiB-Months,
    -- 'byte-seconds' -> B-Seconds, 'requests' -> Requests, 'count' -> Counts; anything else as
    -- delivered
    select
        unit_parts.unit,
        case
            when w1 is null then unit_parts.unit
            when w2 is null and a.kind = 'time' then a.focus_word || 's'
            when w2 is null and a.kind = 'size' then a.focus_word
            when w2 is null then upper(left(w1, 1)) || substr(w1, 2) || 's'
            when a.kind = 'size' and b.kind = 'time' then a.focus_word || '-' || b.focus_word || 's'
            else unit_parts.unit
        end as focus_unit
    from unit_parts
    left join unit_words as a on unit_parts.w1 = a.word
    left join unit_words as b on unit_parts.w2 = b.word
),

classified as (
    select
        credited.*,
        -- ChargeCategory: cost_type tax -> Tax; adjustment / rounding_error (or an adjustment_info)
        -- -> Adjustment; the CUD fee SKUs -> Purchase; else Usage (a row reduced by credits stays
        -- the usage it is)
        case
            when cost_kind = 'tax' then 'Tax'
            when cost_kind in ('adjustment', 'rounding_error') or adjustment_info_id is not null
                then 'Adjustment'
            when starts_with(sku_description, 'Commitment') then 'Purchase'
            else 'Usage'
        end as charge_category,
        -- ChargeClass Correction: an adjustment that corrects earlier charges (adjustment_info mode
        -- or type names a correction or a negation), or a late regular row with a negative cost
        -- (Google's correction of usage exported earlier)
        (
            (cost_kind = 'adjustment' or adjustment_info_id is not null) and (
                regexp_matches(upper(coalesce(adjustment_info_mode, '')), 'CORRECTION|NEGATION')
                or regexp_matches(upper(coalesce(adjustment_info_type, '')), 'CORRECTION|NEGATION')
            )
        ) or (cost_kind = 'regular' and cost < 0) as is_correction,
        cost + credits_total as net_cost,
        cast(strptime(invoice_yyyymm, '%Y%m') as timestamp) as invoice_month_start,
        upper(coalesce(invoice_publisher_type, '')) in ('PARTNER', 'RESELLER') as is_reseller,
        seller_name is not null and lower(seller_name) not in ('google', 'google cloud', 'google llc')
            as is_marketplace,
        coalesce(resource_global_name, resource_name) as resource_id,
        -- labels merged into Tags: project labels, then the row's labels (a label wins over a
        -- project label of the same key); keys as delivered, no prefix
        case
            when json_valid(project_labels) and left(trim(project_labels), 1) = '{'
                then project_labels
        end as project_labels_object,
        case when json_valid(labels) and left(trim(labels), 1) = '{' then labels end as labels_object
    from credited
),

final as (
    select
        classified.*,
        services.service_name,
        services.service_category,
        services.service_subcategory,
        consumed.focus_unit as consumed_unit,
        priced.focus_unit as pricing_unit,
        charge_category in ('Usage', 'Purchase') as is_priced
    from classified
    left join services on classified.service_description = services.service_description
    left join units as consumed on classified.usage_unit = consumed.unit
    left join units as priced on classified.usage_pricing_unit = priced.unit
),

mapped as (
    select
        -- AvailabilityZone: location.zone
        location_zone as AvailabilityZone,
        -- BilledCost: cost + Σ credits (all types appear on the invoice), no clamping
        cast(net_cost as decimal(38, 10)) as BilledCost,
        billing_account_id as BillingAccountId,
        -- BillingAccountName: not in the export; the id (as AWS without names)
        billing_account_id as BillingAccountName,
        'Billing Account' as BillingAccountType,
        currency as BillingCurrency,
        -- BillingPeriod: invoice.month in America/Los_Angeles, end exclusive (the reference
        -- converter's End = Start is its bug)
        timezone('America/Los_Angeles', invoice_month_start + interval 1 month) as BillingPeriodEnd,
        timezone('America/Los_Angeles', invoice_month_start) as BillingPeriodStart,
        charge_category as ChargeCategory,
        case when is_correction then 'Correction' end as ChargeClass,
        -- ChargeDescription: sku.description, else the adjustment's description
        coalesce(sku_description, adjustment_info_description, service_description) as ChargeDescription,
        -- ChargeFrequency: usage Usage-Based; CUD fees and tax monthly (Recurring); adjustments
        -- One-Time
        case
            when charge_category = 'Usage' then 'Usage-Based'
            when charge_category in ('Purchase', 'Tax') then 'Recurring'
            else 'One-Time'
        end as ChargeFrequency,
        -- ChargePeriod: usage_start_time / usage_end_time (UTC); without them the billing period
        coalesce(usage_end_time, timezone('America/Los_Angeles', invoice_month_start + interval 1 month))
            as ChargePeriodEnd,
        coalesce(usage_start_time, timezone('America/Los_Angeles', invoice_month_start))
            as ChargePeriodStart,
        -- Commitment discount (a CUD credit on the row): resource-based CUDs are Usage commitments,
        -- spend-based (dollar base) Spend commitments
        case when cud is not null then
            case when cud.type = 'COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE' then 'Spend' else 'Usage' end
        end as CommitmentDiscountCategory,
        case when cud is not null then coalesce(cud.id, cud.full_name, cud.name) end
            as CommitmentDiscountId,
        case when cud is not null then coalesce(cud.full_name, cud.name, cud.id) end
            as CommitmentDiscountName,
        case when cud is not null and charge_category = 'Usage' then 'Used' end
            as CommitmentDiscountStatus,
        case when cud is not null then
            case when cud.type = 'COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE'
                then 'Spend-based Committed Use Discount' else 'Resource-based Committed Use Discount' end
        end as CommitmentDiscountType,
        -- ConsumedQuantity / Unit: usage.amount / usage.unit, usage rows only
        case when charge_category = 'Usage' then usage_amount end as ConsumedQuantity,
        case when charge_category = 'Usage' and usage_amount is not null
            then coalesce(consumed_unit, 'Units') end as ConsumedUnit,
        -- ContractedCost: cost (the negotiated price x quantity, before credits); ContractedUnitPrice:
        -- price.effective_price per price.pricing_unit_quantity units
        cast(case when is_priced then cost else net_cost end as decimal(38, 10)) as ContractedCost,
        case when is_priced then cast(
            price_effective_price / coalesce(nullif(price_pricing_unit_quantity, 0), 1)
        as decimal(38, 10)) end as ContractedUnitPrice,
        -- EffectiveCost: cost + Σ credits, no clamping (the reference converter clamps at 0)
        cast(net_cost as decimal(38, 10)) as EffectiveCost,
        -- HostProviderName (1.3): Google hosts every charge of the export
        'Google Cloud' as HostProviderName,
        cast(null as varchar) as InvoiceId,
        -- InvoiceIssuerName: Google Cloud; a partner (reseller) when invoice.publisher_type says so
        -- (the export does not name it)
        case when is_reseller then 'Google Cloud Partner' else 'Google Cloud' end as InvoiceIssuerName,
        -- ListCost: cost_at_list (exports from 2023-06-29 on), else cost
        cast(case when is_priced then coalesce(cost_at_list, cost) else net_cost end as decimal(38, 10))
            as ListCost,
        -- ListUnitPrice: the list cost per pricing unit (the export carries no list price); a unit
        -- price is never negative (FOCUS), so a correction's negative cost keeps the magnitude
        case when is_priced and usage_amount_in_pricing_units <> 0 then cast(
            abs(coalesce(cost_at_list, cost) / usage_amount_in_pricing_units)
        as decimal(38, 10)) end as ListUnitPrice,
        -- PricingCategory: CUD-covered usage Committed; Spot / preemptible SKUs Dynamic; other usage
        -- and purchases Standard; NULL for tax and adjustments
        case
            when not is_priced then null
            when cud is not null and charge_category = 'Usage' then 'Committed'
            when sku_description ilike '%spot%' or sku_description ilike '%preemptible%' then 'Dynamic'
            else 'Standard'
        end as PricingCategory,
        currency as PricingCurrency,
        case when is_priced then cast(
            price_effective_price / coalesce(nullif(price_pricing_unit_quantity, 0), 1)
        as decimal(38, 10)) end as PricingCurrencyContractedUnitPrice,
        cast(net_cost as decimal(38, 10)) as PricingCurrencyEffectiveCost,
        case when is_priced and usage_amount_in_pricing_units <> 0 then cast(
            abs(coalesce(cost_at_list, cost) / usage_amount_in_pricing_units)
        as decimal(38, 10)) end as PricingCurrencyListUnitPrice,
        -- PricingQuantity / Unit: usage.amount_in_pricing_units / usage.pricing_unit
        case when is_priced then usage_amount_in_pricing_units end as PricingQuantity,
        case when is_priced and usage_amount_in_pricing_units is not null
            then coalesce(pricing_unit, 'Units') end as PricingUnit,
        'Google Cloud' as ProviderName,
        -- PublisherName (1.3: the seller): Marketplace rows the seller_name, else Google Cloud
        case when is_marketplace then seller_name else 'Google Cloud' end as PublisherName,
        -- RegionId / RegionName: location.region, else location.location (multi-regions such as
        -- 'us', 'global')
        coalesce(location_region, location_location) as RegionId,
        coalesce(location_region, location_location) as RegionName,
        -- ResourceId / Name (detailed export): resource.global_name / resource.name
        resource_id as ResourceId,
        case when resource_id is not null then coalesce(resource_name, resource_id) end as ResourceName,
        -- ResourceType: '<api host>/<collection>' of the global name
        -- ('//compute.googleapis.com/projects/p/zones/z/instances/i' -> 'compute.googleapis.com/instances')
        case when resource_id is not null then coalesce(
            nullif(regexp_extract(resource_id, '^//([^/]+)/(?:.*/)?([^/]+)/[^/]+$', 1), '')
                || '/' || regexp_extract(resource_id, '^//([^/]+)/(?:.*/)?([^/]+)/[^/]+$', 2),
            service_description, 'unknown'
        ) end as ResourceType,
        -- Service: lookup by service.description; unknown services Other / Other (Other)
        coalesce(service_category, 'Other') as ServiceCategory,
        coalesce(service_name, service_description, 'Unknown') as ServiceName,
        case when is_marketplace then seller_name else 'Google Cloud' end as ServiceProviderName,
        coalesce(service_subcategory, 'Other (Other)') as ServiceSubcategory,
        -- SkuId: sku.id; SkuPriceId: sku.id + the price tier (the reference converter's tier alone
        -- is no id); not on tax and adjustment rows
        case when is_priced then sku_id end as SkuId,
        case when is_priced then sku_description end as SkuMeter,
        case when is_priced and sku_id is not null then sku_id || '/' || coalesce(
            regexp_replace(cast(price_tier_start_amount as varchar), '\.?0+$', ''), '0'
        ) end as SkuPriceId,
        project_id as SubAccountId,
        case when project_id is not null then coalesce(project_name, project_id) end as SubAccountName,
        case when project_id is not null then 'Project' end as SubAccountType,
        -- Tags: project labels merged with the row's labels (the label wins); {} -> NULL
        case
            when coalesce(project_labels_object, labels_object) is null then null
            when cast(json_merge_patch(coalesce(project_labels_object, '{}'), coalesce(labels_object, '{}'))
                as varchar) = '{}' then null
            else cast(json_merge_patch(
                coalesce(project_labels_object, '{}'), coalesce(labels_object, '{}')
            ) as json)
        end as Tags,
        x_provider,
        x_export_name,
        x_billing_period,
        x_source_file,
        x_source_row,
        x_load_id,
        'source' as x_row_kind,
        x_delivery_id,
        -- x_extras: the GCP-only columns, NULL members left out (concat_ws skips NULLs); money as
        -- exact decimal text
        cast('{' || concat_ws(',',
            '"export_kind":' || to_json(export_kind),
            '"cost_type":' || to_json(cost_type),
            '"service_id":' || to_json(service_id),
            '"sku_description":' || to_json(sku_description),
            '"invoice_month":' || to_json(invoice_month),
            '"invoice_publisher_type":' || to_json(invoice_publisher_type),
            '"cost":"' || cast(cost as varchar) || '"',
            '"cost_at_list":"' || cast(cost_at_list as varchar) || '"',
            '"credits_total":"' || cast(credits_total as varchar) || '"',
            case when len(credit_list) > 0 then '"credits_by_type":{' || concat_ws(',',
                '"COMMITTED_USAGE_DISCOUNT":"' || cast(credit_cud as varchar) || '"',
                '"COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE":"' || cast(credit_cud_dollar_base as varchar) || '"',
                '"SUSTAINED_USAGE_DISCOUNT":"' || cast(credit_sustained_use as varchar) || '"',
                '"FREE_TIER":"' || cast(credit_free_tier as varchar) || '"',
                '"PROMOTION":"' || cast(credit_promotion as varchar) || '"',
                '"DISCOUNT":"' || cast(credit_discount as varchar) || '"',
                '"SUBSCRIPTION_BENEFIT":"' || cast(credit_subscription_benefit as varchar) || '"',
                '"RESELLER_MARGIN":"' || cast(credit_reseller_margin as varchar) || '"',
                '"FEE_UTILIZATION_OFFSET":"' || cast(credit_fee_utilization_offset as varchar) || '"',
                '"OTHER":"' || cast(credit_other as varchar) || '"'
            ) || '}' end,
            case when json_valid(credits) and len(credit_list) > 0 then '"credits":' || credits end,
            '"currency_conversion_rate":"' || cast(currency_conversion_rate as varchar) || '"',
            '"price_unit":' || to_json(price_unit),
            '"price_effective_price":"' || cast(price_effective_price as varchar) || '"',
            '"usage_unit":' || to_json(usage_unit),
            '"usage_pricing_unit":' || to_json(usage_pricing_unit),
            '"project_number":' || to_json(project_number),
            '"project_ancestry_numbers":' || to_json(project_ancestry_numbers),
            case when json_valid(system_labels) and left(trim(system_labels), 1) = '{'
                and trim(system_labels) <> '{}' then '"system_labels":' || system_labels end,
            '"location":' || to_json(location_location),
            '"country":' || to_json(location_country),
            '"adjustment_info_id":' || to_json(adjustment_info_id),
            '"adjustment_info_description":' || to_json(adjustment_info_description),
            '"adjustment_info_mode":' || to_json(adjustment_info_mode),
            '"adjustment_info_type":' || to_json(adjustment_info_type),
            '"transaction_type":' || to_json(transaction_type),
            '"seller_name":' || to_json(seller_name),
            '"export_time":' || to_json(strftime(export_time at time zone 'UTC', '%Y-%m-%dT%H:%M:%SZ'))
        ) || '}' as json) as x_extras
    from final
)

select * from mapped
