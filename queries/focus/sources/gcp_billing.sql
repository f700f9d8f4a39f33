-- FOCUS 1.2 (+ the 1.3 columns) from the Google Cloud Billing export (standard and detailed),
-- staging.gcp_billing.
-- requires: staging.gcp_billing, staging.lookup_gcp_services
--
-- Row rules (queries/focus/README.md, GCP section; FOCUS supporting content for GCP;
-- the reference converter focus_converters c799bf96, its bugs fixed):
--   * One FOCUS row per export row, plus one Unused row per commitment pool with unused commitment.
--     Credits stay on the row they reduce (no separate Credit rows): BilledCost = cost +
--     Σ credits.amount, every credit type, never clamped at 0 (the reference converter clamps; GCP
--     invoices list cost and credits, so all credits are billed); EffectiveCost the same except for
--     committed use discounts.
--   * Committed use discounts: a COMMITTED_USAGE_DISCOUNT(_DOLLAR_BASE) credit makes the row
--     commitment-covered usage (CommitmentDiscountId from the credit, Status Used, PricingCategory
--     Committed); the CUD fee SKUs ("Commitment v1: ...", "Commitment - dollar based ...") are the
--     commitment's Purchase / Recurring: BilledCost the fee, EffectiveCost 0, the fee amortised
--     onto the covered usage of its pool (same export, invoice month, account, currency, category,
--     region, resource kind) in proportion to the covered value, largest remainder at 10 places,
--     the unused part on an Unused row (README, GCP section).
--   * BillingPeriod = invoice.month in America/Los_Angeles (Google's invoice months are Pacific
--     time), converted to UTC, end exclusive: 202609 -> [2026-09-01T07:00Z, 2026-10-01T07:00Z).
--   * x_ tail (docs/CONTRACTS.md): the row's identity and load, x_extras = one JSON object of the
--     GCP-only extras, NULL members omitted, money as exact decimal text.
-- billing, credited, classified and final are `not materialized`: `final` is read twice (the row
-- mapping and the commitment pools), and DuckDB then materialised it whole, every column of every
-- period's rows, before the build's filter on the scope could apply. Inlined, the row mapping
-- reads only the scope's rows and the pools only their narrow columns (1M rows, one period:
-- 46-54 -> 36-38 CPU-s for the whole mapping; DuckDB's hint only, dropped for Spark)
with billing as not materialized (
    select
        *,
        -- the credits, without empty placeholders (no type and amount 0, as koku-nise writes on
        -- rows without a credit); each amount cast once here, not in every sum below (text to
        -- DECIMAL(38, 10) was most of the sums' cost: 1M rows, 3.3 -> 0.6 CPU-s)
        list_filter(
            [
                struct_pack(
                    name := c.name, amount := cast(c.amount as decimal(38, 10)),
                    full_name := c.full_name, id := c.id, type := c.type
                )
                for c in from_json(
                    coalesce(credits, '[]'),
                    '[{"name":"VARCHAR","amount":"VARCHAR","full_name":"VARCHAR","id":"VARCHAR","type":"VARCHAR"}]'
                )
            ],
            c -> coalesce(c.type, '') <> '' or coalesce(c.amount, 0) <> 0
        ) as credit_list,
        lower(cost_type) as cost_kind,
        -- the invoice month (YYYYMM), else the load's period
        coalesce(invoice_month, replace(x_billing_period, '-', '')) as invoice_yyyymm
    from staging.gcp_billing
),

credited as not materialized (
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

classified as not materialized (
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

final as not materialized (
    select
        classified.*,
        services.service_name,
        services.service_category,
        services.service_subcategory,
        consumed.focus_unit as consumed_unit,
        priced.focus_unit as pricing_unit,
        charge_category in ('Usage', 'Purchase') as is_priced,
        -- commitment pool helpers (amortisation below): the CUD fee rows, the CUD-covered usage
        -- rows, the commitment category, the region and the resource kind Google pools CUDs by
        charge_category = 'Purchase' as is_cud_fee,
        charge_category = 'Usage' and cud is not null as is_cud_covered,
        case
            when charge_category = 'Purchase' and regexp_matches(
                lower(coalesce(sku_description, '')), 'dollar|spend'
            ) then 'Spend'
            when charge_category = 'Purchase' then 'Usage'
            when cud.type = 'COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE' then 'Spend'
            when cud is not null then 'Usage'
        end as cud_category,
        -- 'global' (or no region) on a fee row pools the commitment over every region
        nullif(coalesce(location_region, location_location), 'global') as cud_region,
        case
            when regexp_matches(lower(coalesce(sku_description, '')), 'dollar|spend') then null
            when cud.type = 'COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE' then null
            when regexp_matches(lower(coalesce(sku_description, '')), '\bgpus?\b') then 'gpu'
            when regexp_matches(lower(coalesce(sku_description, '')), '\blocal ssd\b') then 'local-ssd'
            when regexp_matches(lower(coalesce(sku_description, '')), '\b(v?cpus?|cores?)\b') then 'cpu'
            when regexp_matches(lower(coalesce(sku_description, '')), '\b(ram|memory)\b') then 'ram'
        end as cud_kind,
        -- the covered value: |Σ CUD credits| of the row (the on-demand cost the commitment took)
        abs(coalesce(credit_cud, 0) + coalesce(credit_cud_dollar_base, 0)) as cud_weight,
        -- the covered quantity: the row's pricing quantity times the covered share of its cost
        case
            when cost > 0 then usage_amount_in_pricing_units * least(
                1, abs(coalesce(credit_cud, 0) + coalesce(credit_cud_dollar_base, 0)) / cost
            )
            else usage_amount_in_pricing_units
        end as cud_quantity,
        -- ResourceType's parts of the global name, one regexp for both
        regexp_extract(resource_id, '^//([^/]+)/(?:.*/)?([^/]+)/[^/]+$', ['api', 'collection'])
            as resource_parts,
        -- Tags: project labels merged with the row's labels (the label wins), once per row
        case when coalesce(project_labels_object, labels_object) is not null then cast(
            json_merge_patch(coalesce(project_labels_object, '{}'), coalesce(labels_object, '{}'))
            as varchar
        ) end as merged_labels,
        -- ChargeDescription: sku.description, else the adjustment's description
        coalesce(sku_description, adjustment_info_description, classified.service_description)
            as charge_description,
        -- ChargePeriod: usage_start_time / usage_end_time (UTC); without them the billing period
        coalesce(usage_start_time, timezone('America/Los_Angeles', invoice_month_start))
            as charge_period_start,
        coalesce(usage_end_time, timezone('America/Los_Angeles', invoice_month_start + interval 1 month))
            as charge_period_end,
        -- the CUD credit's commitment id and name
        case when cud is not null then coalesce(cud.id, cud.full_name, cud.name) end as cud_id,
        case when cud is not null then coalesce(cud.full_name, cud.name, cud.id) end as cud_name,
        -- the row's key, ordered as (export, period, file, row): the pools' first fee row and
        -- their tie-break. Text, not row_number() over all rows: that window sorts every wide row
        -- in one partition (most of this file's time on DuckDB, one task on Spark). Only the pool
        -- rows (is_cud_fee, is_cud_covered) need one; the others join no commitment
        case when charge_category = 'Purchase' or (charge_category = 'Usage' and cud is not null) then
            coalesce(x_export_name, '') || chr(31) || coalesce(x_billing_period, '') || chr(31)
            || coalesce(x_source_file, '') || chr(31)
            || lpad(cast(coalesce(x_source_row, 0) as varchar), 19, '0')
        end as row_id
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
        charge_description as ChargeDescription,
        -- ChargeFrequency: usage Usage-Based; CUD fees and tax monthly (Recurring); adjustments
        -- One-Time
        case
            when charge_category = 'Usage' then 'Usage-Based'
            when charge_category in ('Purchase', 'Tax') then 'Recurring'
            else 'One-Time'
        end as ChargeFrequency,
        charge_period_end as ChargePeriodEnd,
        charge_period_start as ChargePeriodStart,
        -- Commitment discount (a CUD credit on the row): resource-based CUDs are Usage commitments,
        -- spend-based (dollar base) Spend commitments
        case when cud is not null then
            case when cud.type = 'COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE' then 'Spend' else 'Usage' end
        end as CommitmentDiscountCategory,
        cud_id as CommitmentDiscountId,
        cud_name as CommitmentDiscountName,
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
        -- price.effective_price per price.pricing_unit_quantity units; an export without price
        -- (the standard export, koku-nise): cost per pricing unit (never negative)
        cast(case when is_priced then cost else net_cost end as decimal(38, 10)) as ContractedCost,
        case when is_priced then cast(coalesce(
            price_effective_price / coalesce(nullif(price_pricing_unit_quantity, 0), 1),
            abs(cost / nullif(usage_amount_in_pricing_units, 0))
        ) as decimal(38, 10)) end as ContractedUnitPrice,
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
        case when is_priced then cast(coalesce(
            price_effective_price / coalesce(nullif(price_pricing_unit_quantity, 0), 1),
            abs(cost / nullif(usage_amount_in_pricing_units, 0))
        ) as decimal(38, 10)) end as PricingCurrencyContractedUnitPrice,
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
            nullif(resource_parts.api, '') || '/' || resource_parts.collection,
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
        cast(nullif(merged_labels, '{}') as json) as Tags,
        x_provider,
        x_export_name,
        x_billing_period,
        x_source_file,
        x_source_row,
        x_load_id,
        'source' as x_row_kind,
        x_delivery_id,
        -- x_extras: the GCP-only columns, NULL members left out (concat_ws skips NULLs); money as
        -- exact decimal text. An amount under 10^8 is spelled through DECIMAL(18, 10), a 64-bit
        -- integer: the same text as the DECIMAL(38, 10) cast at about a third of its cost (as in
        -- aws_cur.sql)
        cast('{' || concat_ws(',',
            '"export_kind":' || to_json(export_kind),
            '"cost_type":' || to_json(cost_type),
            '"service_id":' || to_json(service_id),
            '"sku_description":' || to_json(sku_description),
            '"invoice_month":' || to_json(invoice_month),
            '"invoice_publisher_type":' || to_json(invoice_publisher_type),
            '"cost":"' || case when abs(cost) < 100000000
                then cast(cast(cost as decimal(18, 10)) as varchar)
                else cast(cost as varchar) end || '"',
            '"cost_at_list":"' || case when abs(cost_at_list) < 100000000
                then cast(cast(cost_at_list as decimal(18, 10)) as varchar)
                else cast(cost_at_list as varchar) end || '"',
            '"credits_total":"' || case when abs(credits_total) < 100000000
                then cast(cast(credits_total as decimal(18, 10)) as varchar)
                else cast(credits_total as varchar) end || '"',
            case when array_length(credit_list) > 0 then '"credits_by_type":{' || concat_ws(',',
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
            case when json_valid(credits) and array_length(credit_list) > 0 then '"credits":' || credits end,
            '"currency_conversion_rate":"' || case when abs(currency_conversion_rate) < 100000000
                then cast(cast(currency_conversion_rate as decimal(18, 10)) as varchar)
                else cast(currency_conversion_rate as varchar) end || '"',
            '"price_unit":' || to_json(price_unit),
            '"price_effective_price":"' || case when abs(price_effective_price) < 100000000
                then cast(cast(price_effective_price as decimal(18, 10)) as varchar)
                else cast(price_effective_price as varchar) end || '"',
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
        ) || '}' as json) as x_extras,
        -- helpers for the amortisation, dropped at the end
        row_id,
        is_cud_fee,
        cud_category
    from final
),

pool_rows as materialized (
    -- the rows the commitment pools are made of (CUD fees) and applied to (CUD-covered usage),
    -- with only what the pools read (Spark plans the pools' several reads of this narrow relation
    -- instead of the whole mapping); fee_group_id: a fee row's pool, its first fee row
    select
        row_id,
        is_cud_fee,
        is_cud_covered,
        x_export_name,
        invoice_yyyymm,
        billing_account_id,
        currency,
        cud_category,
        cud_region,
        cud_kind,
        cud_weight,
        cud_quantity,
        usage_pricing_unit,
        usage_amount_in_pricing_units,
        cast(net_cost as decimal(38, 10)) as billed_cost,
        charge_description,
        charge_period_start,
        charge_period_end,
        cud_id,
        cud_name,
        case when is_cud_fee then min(row_id) over (
            partition by
                is_cud_fee, x_export_name, invoice_yyyymm, billing_account_id, currency,
                cud_category, cud_region, cud_kind
        ) end as fee_group_id
    from final
    -- the same rows, the raw columns tested first (a fee's SKU, a CUD credit in the credits text),
    -- so that the credits of other rows are not parsed a second time for the pools
    where (starts_with(sku_description, 'Commitment') or credits like '%COMMITTED_USAGE_DISCOUNT%')
        and (is_cud_fee or is_cud_covered)
),

fee_groups as (
    -- Commitment pools: the CUD fee rows of one export, invoice month, billing account and
    -- currency, by commitment category, region and resource kind (Google applies a resource-based
    -- CUD per region and resource type, a spend-based one per region, or every region when the fee
    -- is global). group_id = the pool's first fee row, which also carries its unused row.
    select
        fee_group_id as group_id,
        x_export_name,
        invoice_yyyymm,
        billing_account_id,
        currency,
        cud_category,
        cud_region,
        cud_kind,
        sum(billed_cost) as fee,
        sum(usage_amount_in_pricing_units) as committed_quantity,
        count(distinct usage_pricing_unit) as committed_units,
        min(usage_pricing_unit) as committed_unit,
        min(charge_period_start) as period_start,
        max(charge_period_end) as period_end,
        min(charge_description) as fee_description
    from pool_rows
    where is_cud_fee
    group by all
),

covered as (
    -- the usage each pool covered: rows with that category's CUD credit, same export, month,
    -- account, currency, and the pool's region and kind (NULL on the pool: any)
    select
        fee_groups.group_id,
        pool_rows.row_id,
        pool_rows.cud_id,
        pool_rows.cud_name,
        cast(pool_rows.cud_weight * 10000000000 as hugeint) as weight_units,
        pool_rows.cud_quantity,
        pool_rows.usage_pricing_unit
    from fee_groups
    inner join pool_rows
        on pool_rows.is_cud_covered
        and pool_rows.x_export_name is not distinct from fee_groups.x_export_name
        and pool_rows.invoice_yyyymm is not distinct from fee_groups.invoice_yyyymm
        and pool_rows.billing_account_id is not distinct from fee_groups.billing_account_id
        and pool_rows.currency is not distinct from fee_groups.currency
        and pool_rows.cud_category = fee_groups.cud_category
        and (fee_groups.cud_region is null or pool_rows.cud_region = fee_groups.cud_region)
        and (fee_groups.cud_kind is null or pool_rows.cud_kind = fee_groups.cud_kind)
),

pool_use as (
    -- per pool: the fee in units of the decimal scale (1e-10), the used part and the commitment id
    select
        fee_groups.*,
        sign(fee_groups.fee) as fee_sign,
        cast(abs(fee_groups.fee) * 10000000000 as hugeint) as fee_units,
        count(covered.row_id) as covered_rows,
        coalesce(sum(covered.weight_units), 0) as total_weight_units,
        sum(covered.cud_quantity) as used_quantity,
        count(distinct covered.usage_pricing_unit) filter (
            where covered.usage_pricing_unit is distinct from fee_groups.committed_unit
        ) as other_units,
        count(distinct covered.cud_id) as ids,
        min(covered.cud_id) as covered_id,
        min(covered.cud_name) as covered_name
    from fee_groups
    left join covered on fee_groups.group_id = covered.group_id
    group by all
),

pools as (
    -- used part: all of the fee when some usage is covered, scaled down by the covered / committed
    -- quantity when both are in one pricing unit (floored at the decimal scale); no covered
    -- usage: none. The rest is unused.
    select
        *,
        case
            when covered_rows = 0 then cast(0 as hugeint)
            when committed_units = 1 and other_units = 0 and committed_quantity > 0
                and used_quantity < committed_quantity
                then fee_units * cast(used_quantity * 10000000000 as hugeint)
                    // cast(committed_quantity * 10000000000 as hugeint)
            else fee_units
        end as used_units,
        -- the pool's CommitmentDiscountId: the id of the CUD credits it covered when they name one
        -- commitment, else one made of the pool's keys
        case when ids = 1 then covered_id else 'gcp-cud:' || concat_ws(
            '/', billing_account_id, coalesce(cud_region, 'global'), lower(cud_category), cud_kind
        ) end as commitment_id,
        case when ids = 1 then coalesce(covered_name, covered_id) else fee_description end
            as commitment_name
    from pool_use
),

split as (
    -- the used part over the covered rows in proportion to their covered value (equal parts when
    -- no row has a CUD credit amount), largest remainder: the floors, then one unit more to the
    -- rows with the largest remainders, so the parts add up to the used part exactly
    select
        covered.row_id,
        covered.group_id,
        pools.fee_sign,
        pools.used_units,
        (pools.used_units * case when pools.total_weight_units > 0 then covered.weight_units else 1 end)
            // case when pools.total_weight_units > 0 then pools.total_weight_units
                else pools.covered_rows end as floor_units,
        (pools.used_units * case when pools.total_weight_units > 0 then covered.weight_units else 1 end)
            % case when pools.total_weight_units > 0 then pools.total_weight_units
                else pools.covered_rows end as remainder
    from covered
    inner join pools on covered.group_id = pools.group_id
),

shares as (
    select
        row_id,
        sum(fee_sign * share_units) as share_units
    from (
        select
            row_id,
            fee_sign,
            floor_units + case
                when row_number() over (partition by group_id order by remainder desc, row_id)
                    <= used_units - sum(floor_units) over (partition by group_id) then 1 else 0
            end as share_units
        from split
    ) as parts
    group by row_id
),

commitments as (
    -- per pool row: a fee row's pool (its commitment, period and, on the pool's first fee row,
    -- the unused part), a covered row's share of the fee in units of 1e-10
    select
        pool_rows.row_id,
        fee_pool.commitment_id,
        fee_pool.commitment_name,
        fee_pool.period_start,
        fee_pool.period_end,
        cast(cast(fee_pool.fee_sign * (fee_pool.fee_units - fee_pool.used_units) as decimal(38, 0))
            * cast(0.0000000001 as decimal(10, 10)) as decimal(38, 10)) as unused_amount,
        coalesce(pool_rows.row_id = fee_pool.group_id and fee_pool.fee_units > fee_pool.used_units, false)
            as has_unused,
        shares.share_units
    from pool_rows
    left join pools as fee_pool on pool_rows.fee_group_id = fee_pool.group_id
    left join shares on pool_rows.row_id = shares.row_id
),

amortised as (
    -- FOCUS commitment model (EffectiveCost): the fee row is the Purchase (BilledCost the fee,
    -- EffectiveCost 0), the covered usage carries its share of the fee in EffectiveCost, and the
    -- pool's first fee row is doubled into an Unused row holding the unused part
    select
        mapped.*,
        commitments.commitment_id,
        commitments.commitment_name,
        commitments.period_start,
        commitments.period_end,
        commitments.unused_amount,
        cast(coalesce(cast(commitments.share_units as decimal(38, 0)), 0)
            * cast(0.0000000001 as decimal(10, 10)) as decimal(38, 10)) as fee_share,
        unnest(case when commitments.has_unused then [false, true] else [false] end) as is_unused
    from mapped
    left join commitments on mapped.row_id = commitments.row_id
),

final_rows as (
    select
        * replace (
            case when is_unused then cast(0 as decimal(38, 10)) else BilledCost end as BilledCost,
            case when is_unused then 'Usage' else ChargeCategory end as ChargeCategory,
            case when is_unused then null else ChargeClass end as ChargeClass,
            case when is_unused then 'Unused commitment: ' || coalesce(commitment_name, ChargeDescription)
                else ChargeDescription end as ChargeDescription,
            case when is_unused then 'Usage-Based' else ChargeFrequency end as ChargeFrequency,
            case when is_unused then period_end else ChargePeriodEnd end as ChargePeriodEnd,
            case when is_unused then period_start else ChargePeriodStart end as ChargePeriodStart,
            case when is_cud_fee then cud_category else CommitmentDiscountCategory end
                as CommitmentDiscountCategory,
            case when is_cud_fee then commitment_id else CommitmentDiscountId end
                as CommitmentDiscountId,
            case when is_cud_fee then commitment_name else CommitmentDiscountName end
                as CommitmentDiscountName,
            case when is_unused then 'Unused' else CommitmentDiscountStatus end
                as CommitmentDiscountStatus,
            case
                when is_cud_fee and cud_category = 'Spend' then 'Spend-based Committed Use Discount'
                when is_cud_fee then 'Resource-based Committed Use Discount'
                else CommitmentDiscountType
            end as CommitmentDiscountType,
            case when is_unused then null else ConsumedQuantity end as ConsumedQuantity,
            case when is_unused then null else ConsumedUnit end as ConsumedUnit,
            case when is_unused then cast(0 as decimal(38, 10)) else ContractedCost end as ContractedCost,
            case when is_unused then null else ContractedUnitPrice end as ContractedUnitPrice,
            -- EffectiveCost: 0 on the commitment purchase (EffectiveCost-C-005-C), the unused part
            -- on the Unused row, cost + credits + the share of the fee on covered usage
            cast(case
                when is_unused then unused_amount
                when is_cud_fee then 0
                else EffectiveCost + fee_share
            end as decimal(38, 10)) as EffectiveCost,
            case when is_unused then cast(0 as decimal(38, 10)) else ListCost end as ListCost,
            case when is_unused then null else ListUnitPrice end as ListUnitPrice,
            case when is_unused then 'Committed' else PricingCategory end as PricingCategory,
            case when is_unused then null else PricingCurrencyContractedUnitPrice end
                as PricingCurrencyContractedUnitPrice,
            cast(case
                when is_unused then unused_amount
                when is_cud_fee then 0
                else PricingCurrencyEffectiveCost + fee_share
            end as decimal(38, 10)) as PricingCurrencyEffectiveCost,
            case when is_unused then null else PricingCurrencyListUnitPrice end
                as PricingCurrencyListUnitPrice,
            case when is_unused then null else PricingQuantity end as PricingQuantity,
            case when is_unused then null else PricingUnit end as PricingUnit,
            case when is_unused then 'unused_commitment' else x_row_kind end as x_row_kind
        )
    from amortised
)

select
    * exclude (
        row_id, is_cud_fee, cud_category, commitment_id, commitment_name, period_start, period_end,
        unused_amount, fee_share, is_unused
    )
from final_rows
