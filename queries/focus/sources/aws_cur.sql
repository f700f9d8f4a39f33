-- FOCUS 1.2 (+ the 1.3 columns) from AWS CUR v1 / CUR 2.0 line items (staging.aws_cur).
-- requires: staging.aws_cur, staging.lookup_aws_services, staging.lookup_aws_regions, staging.lookup_aws_units
--
-- Row rules (queries/focus/README.md; the AWS row-rules table of the project's mapping research):
--   * BilledCost = line_item_unblended_cost on every source row, so Σ BilledCost = raw unblended total.
--   * EffectiveCost = the CID amortised formula, except that the unused commitment that CID books on the
--     RIFee / SavingsPlanRecurringFee row is moved to a synthetic Usage row (status Unused, BilledCost 0);
--     Purchase rows carry EffectiveCost 0. Σ EffectiveCost = CID amortized_cost.
--   * EDP / private-rate / bundled / SPP / RI-volume discounts stay separate Credit rows at unblended
--     (never folded into net cost as well, so nothing is subtracted twice).
--   * Refunds of an earlier period: original category + ChargeClass 'Correction'; in-period: Credit.
with cur as (
    select * from staging.aws_cur
),

services as (
    select * from staging.lookup_aws_services
),

regions as (
    select * from staging.lookup_aws_regions
),

units as (
    -- PricingUnit in FOCUS UnitFormat for the common CUR units (lookups/aws_units.csv); other units go
    -- through the same rules below, row by row
    select * from staging.lookup_aws_units
),

classified as (
    select
        cur.*,
        -- commitment rows: RI / SP line item types that carry their commitment's ARN
        case
            when line_item_type in ('DiscountedUsage', 'RIFee', 'Fee') and reservation_arn is not null
                then 'RI'
            when line_item_type in (
                'SavingsPlanCoveredUsage', 'SavingsPlanNegation',
                'SavingsPlanUpfrontFee', 'SavingsPlanRecurringFee'
            ) and savings_plan_arn is not null then 'SP'
        end as commitment_kind,
        line_item_type in (
            'Discount', 'EdpDiscount', 'PrivateRateDiscount', 'BundledDiscount', 'SppDiscount',
            'RiVolumeDiscount', 'DistributorDiscount'
        ) as is_discount,
        -- ChargeClass rule: a refund whose usage lies before this billing period corrects that period
        line_item_type = 'Refund' and usage_start < billing_period_start as is_prior_refund,
        -- PricingCategory 'Dynamic' rule: spot usage (usage type *SpotUsage* or pricing term Spot)
        (usage_type like '%SpotUsage%' or pricing_term = 'Spot') as is_spot,
        -- AWS Support plans: a monthly fee computed from the month's usage that covers no future
        -- charges, so a recurring Usage charge (a Purchase would need EffectiveCost 0)
        line_item_type = 'Fee' and reservation_arn is null and (
            product_code like 'AWSSupport%'
            or product_code in ('AWSDeveloperSupport', 'OCBPremiumSupport')
        ) as is_support,
        -- the Name tag candidates (ResourceName), one JSON parse
        json_extract_string(resource_tags, ['$."user:Name"', '$.user_name', '$.user_Name'])
            as name_tags,
        -- unused commitment, the part CID books on the fee row (SOURCES_AND_MAPPINGS §4)
        case line_item_type
            when 'RIFee' then coalesce(reservation_unused_amortized_upfront_fee, 0)
                + coalesce(reservation_unused_recurring_fee, 0)
            when 'SavingsPlanRecurringFee' then coalesce(savings_plan_total_commitment, 0)
                - coalesce(savings_plan_used_commitment, 0)
        end as unused_amount
    from cur
),

categorised as (
    select
        classified.*,
        case
            when line_item_type in (
                'Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage', 'SavingsPlanNegation'
            ) or is_support then 'Usage'
            when line_item_type in ('Fee', 'RIFee', 'SavingsPlanUpfrontFee', 'SavingsPlanRecurringFee')
                then 'Purchase'
            when line_item_type = 'Tax' then 'Tax'
            when line_item_type = 'Credit' or is_discount then 'Credit'
            -- a prior-period refund keeps the category of what it corrects
            when is_prior_refund and (bill_type = 'Purchase' or reservation_arn is not null
                or savings_plan_arn is not null) then 'Purchase'
            when is_prior_refund then 'Usage'
            when line_item_type = 'Refund' then 'Credit'
            else 'Adjustment'
        end as charge_category,
        coalesce(savings_plan_arn, reservation_arn) as commitment_arn
    from classified
),

mapped as (
    select
        cast(null as json) as AllocatedMethodDetails,
        cast(null as varchar) as AllocatedMethodId,
        cast(null as varchar) as AllocatedResourceId,
        cast(null as varchar) as AllocatedResourceName,
        cast(null as json) as AllocatedTags,
        availability_zone as AvailabilityZone,
        -- BilledCost: invoice basis, line_item_unblended_cost on every source row
        cast(coalesce(unblended_cost, 0) as decimal(38, 10)) as BilledCost,
        payer_account_id as BillingAccountId,
        -- BillingAccountName: CUR 2.0 payer name; CUR v1 has none, so the id (column is mandatory)
        coalesce(payer_account_name, payer_account_id) as BillingAccountName,
        -- BillingAccountType: the CUR payer is an AWS Organizations management (payer) account
        case when payer_account_id is not null then 'Management Account' end as BillingAccountType,
        currency_code as BillingCurrency,
        -- BillingPeriodEnd: CUR's end date is already exclusive (1st of next month)
        billing_period_end as BillingPeriodEnd,
        billing_period_start as BillingPeriodStart,
        cast(null as varchar) as CapacityReservationId,
        cast(null as varchar) as CapacityReservationStatus,
        charge_category as ChargeCategory,
        -- ChargeClass: 'Correction' only for refunds of an earlier billing period
        case when is_prior_refund then 'Correction' end as ChargeClass,
        -- ChargeDescription: CUR's description; SHOULD NOT be null, so else usage type / service
        coalesce(line_item_description, usage_type, service_name) as ChargeDescription,
        -- ChargeFrequency from line_item_type (not bill_type, the reference converter's bug)
        case
            when is_support then 'Recurring'
            when line_item_type in ('Fee', 'SavingsPlanUpfrontFee') then 'One-Time'
            when line_item_type in ('RIFee', 'SavingsPlanRecurringFee') then 'Recurring'
            when line_item_type = 'Tax' then
                case when bill_type = 'Anniversary' then 'Recurring' else 'One-Time' end
            when line_item_type in ('Credit', 'Refund') then 'One-Time'
            when charge_category = 'Adjustment' then 'One-Time'
            else 'Usage-Based'
        end as ChargeFrequency,
        coalesce(usage_end, billing_period_end) as ChargePeriodEnd,
        coalesce(usage_start, billing_period_start) as ChargePeriodStart,
        -- CommitmentDiscount*: RI ARN -> Usage-based commitment, SP ARN -> Spend-based
        case commitment_kind when 'RI' then 'Usage' when 'SP' then 'Spend' end
            as CommitmentDiscountCategory,
        case when commitment_kind is not null then commitment_arn end as CommitmentDiscountId,
        -- CommitmentDiscountName: the reservation / savings plan id, last segment of the ARN
        case when commitment_kind is not null then regexp_extract(commitment_arn, '[^/:]+$') end
            as CommitmentDiscountName,
        -- CommitmentDiscountQuantity: RI hours used (DiscountedUsage) or bought for the period (RIFee);
        -- not derivable for savings plans and upfront fees, so NULL there
        case
            when commitment_kind = 'RI' and line_item_type in ('DiscountedUsage', 'RIFee')
                then usage_amount
        end as CommitmentDiscountQuantity,
        -- CommitmentDiscountStatus: 'Used' on covered usage (incl. its negation); NULL on purchases
        case when commitment_kind is not null and charge_category = 'Usage' then 'Used' end
            as CommitmentDiscountStatus,
        case commitment_kind when 'RI' then 'Reserved Instance' when 'SP' then 'Savings Plan' end
            as CommitmentDiscountType,
        case
            when commitment_kind = 'RI' and line_item_type in ('DiscountedUsage', 'RIFee')
                and usage_amount is not null then 'Hours'
        end as CommitmentDiscountUnit,
        -- ConsumedQuantity: Usage rows only; the SP negation consumes nothing (no double count)
        case
            when charge_category = 'Usage' and not is_prior_refund then
                case
                    when line_item_type = 'SavingsPlanNegation' then 0
                    when is_support then coalesce(usage_amount, 1)
                    else usage_amount
                end
        end as ConsumedQuantity,
        cast(null as varchar) as ConsumedUnit,
        cast(null as json) as ContractApplied,
        -- ContractedCost: cost at the rate AWS applied before commitment discounts:
        -- unblended for usage/purchases, public on-demand for RI-covered usage (CUR has no negotiated
        -- rate there), 0 for the SP negation, = BilledCost for tax/credits/refunds (standalone)
        cast(case
            when line_item_type = 'DiscountedUsage' then coalesce(public_on_demand_cost, 0)
            when line_item_type = 'SavingsPlanNegation' then 0
            else coalesce(unblended_cost, 0)
        end as decimal(38, 10)) as ContractedCost,
        -- ContractedUnitPrice: the rate behind ContractedCost (non-negative: the negation's rate is
        -- negative, its quantity 0); a purchase without quantity is one unit at its cost
        case
            when line_item_type = 'DiscountedUsage' then public_on_demand_rate
            when line_item_type = 'SavingsPlanNegation' then abs(unblended_rate)
            when (charge_category = 'Purchase' or is_support) and not is_prior_refund
                then coalesce(unblended_rate, case when usage_amount is null then unblended_cost end)
            when charge_category = 'Usage' and not is_prior_refund then unblended_rate
        end as ContractedUnitPrice,
        -- EffectiveCost: CID amortised formula; unused commitment moved to the synthetic row below
        cast(case
            when line_item_type = 'SavingsPlanCoveredUsage' then coalesce(savings_plan_effective_cost, 0)
            when line_item_type = 'DiscountedUsage' then coalesce(reservation_effective_cost, 0)
            when line_item_type in (
                'SavingsPlanNegation', 'SavingsPlanUpfrontFee', 'SavingsPlanRecurringFee', 'RIFee'
            ) then 0
            when line_item_type = 'Fee' and reservation_arn is not null then 0
            else coalesce(unblended_cost, 0)
        end as decimal(38, 10)) as EffectiveCost,
        host_provider as HostProviderName,
        invoice_id as InvoiceId,
        -- InvoiceIssuerName: AWS's own invoicing entities (Amazon Web Services, Inc., ... EMEA SARL)
        -- are named 'AWS', the same name as ProviderName: FOCUS (and the official validator's
        -- BilledCost-C-005-C) reads ProviderName <> InvoiceIssuerName as "a third party collects the
        -- payment". Another invoicing entity (a reseller) keeps its own name.
        case
            when coalesce(invoicing_entity, legal_entity, 'Amazon Web Services') ilike 'Amazon Web Services%'
                then 'AWS'
            else coalesce(invoicing_entity, legal_entity)
        end as InvoiceIssuerName,
        -- ListCost: public on-demand cost for usage (tiered SKUs: AWS's own figure, not rate x qty);
        -- purchases at their (public) price; = BilledCost for tax/credits/refunds
        cast(case
            when line_item_type = 'SavingsPlanNegation' then 0
            when charge_category = 'Usage' and not is_prior_refund
                then coalesce(public_on_demand_cost, unblended_cost, 0)
            else coalesce(unblended_cost, 0)
        end as decimal(38, 10)) as ListCost,
        case
            when is_support then coalesce(
                public_on_demand_rate, unblended_rate,
                case when usage_amount is null then unblended_cost end
            )
            when charge_category = 'Usage' and not is_prior_refund then public_on_demand_rate
            when charge_category = 'Purchase' and not is_prior_refund
                then coalesce(unblended_rate, case when usage_amount is null then unblended_cost end)
        end as ListUnitPrice,
        -- PricingCategory: Committed for covered usage, Dynamic for spot, Standard otherwise;
        -- NULL for tax, credits, discounts and corrections
        case
            when charge_category not in ('Usage', 'Purchase') or is_prior_refund then null
            when commitment_kind is not null and charge_category = 'Usage' then 'Committed'
            when is_spot then 'Dynamic'
            else 'Standard'
        end as PricingCategory,
        currency_code as PricingCurrency,
        null as PricingCurrencyContractedUnitPrice,
        null as PricingCurrencyEffectiveCost,
        null as PricingCurrencyListUnitPrice,
        -- PricingQuantity: line_item_usage_amount for usage/purchases (0 for the SP negation; a purchase
        -- without a quantity counts as 1 unit)
        case
            when charge_category not in ('Usage', 'Purchase') or is_prior_refund then null
            when line_item_type = 'SavingsPlanNegation' then 0
            when charge_category = 'Purchase' or is_support then coalesce(usage_amount, 1)
            else usage_amount
        end as PricingQuantity,
        null as PricingUnit,
        'AWS' as ProviderName,
        publisher as PublisherName,
        region_code as RegionId,
        case when region_code is not null then coalesce(region_name, region_code) end as RegionName,
        resource_id as ResourceId,
        -- ResourceName: the Name tag; never the system id
        case when resource_id is not null and resource_tags is not null then coalesce(
            name_tags[1], name_tags[2], name_tags[3]
        ) end as ResourceName,
        -- ResourceType: the product family (e.g. 'Compute Instance'), else '<service> resource'
        case when resource_id is not null then coalesce(product_family, service_name || ' resource') end
            as ResourceType,
        service_category as ServiceCategory,
        service_name as ServiceName,
        publisher as ServiceProviderName,
        service_subcategory as ServiceSubcategory,
        sku_id as SkuId,
        case when sku_id is not null then usage_type end as SkuMeter,
        -- SkuPriceDetails: FOCUS keys where CUR has them, else x_ keys; {} when nothing is known
        case when sku_price_id is not null then to_json(map_from_entries(list_filter([
            {'key': 'InstanceType', 'value': instance_type},
            {'key': 'OperatingSystem', 'value': operating_system},
            {'key': 'StorageClass', 'value': storage_class},
            {'key': 'x_UsageType', 'value': usage_type}
        ], e -> e.value is not null))) end as SkuPriceDetails,
        sku_price_id as SkuPriceId,
        usage_account_id as SubAccountId,
        case when usage_account_id is not null then coalesce(usage_account_name, usage_account_id) end
            as SubAccountName,
        case when usage_account_id is not null then 'AWS Account' end as SubAccountType,
        -- Tags policy: `user:`/`user_` stripped (user tags keep their own name), AWS tags get the
        -- provider prefix `aws:` (CUR 2.0 `aws_created_by` -> `aws:created_by`); other keys as delivered.
        -- resource_tags is compact JSON object text (the loader writes it), so a key is exactly a
        -- '"' right after '{' or ','; inside a string value every '"' is escaped ('\"'). Rewriting
        -- the key prefixes in the text is therefore exact, and much cheaper than a map round trip.
        cast(regexp_replace(regexp_replace(
            resource_tags, '([{,])"user[:_]', '\1"', 'g'), '([{,])"aws_', '\1"aws:', 'g'
        ) as json) as Tags,
        x_provider,
        x_export_name,
        x_billing_period,
        x_source_file,
        x_source_row,
        x_load_id,
        line_item_type as x_line_item_type,
        'source' as x_row_kind,
        x_cur_version,
        x_manifest_id,
        usage_type as x_usage_type,
        operation as x_operation,
        public_on_demand_cost as x_public_on_demand_cost,
        net_unblended_cost as x_net_unblended_cost,
        cast(cost_category as json) as x_cost_categories,
        -- helpers for the unused rows, dropped below
        unused_amount,
        reservation_unused_quantity,
        unit_focus as pricing_unit
    from (
        select
            categorised.*,
            coalesce(services.service_name, categorised.product_name, categorised.product_code, 'AWS')
                as service_name,
            -- ServiceCategory / ServiceSubcategory: one pair per ServiceName (lookups/aws_services.csv)
            coalesce(services.service_category, 'Other') as service_category,
            coalesce(services.service_subcategory, 'Other (Other)') as service_subcategory,
            regions.region_name,
            -- PublisherName / ServiceProviderName: the seller (legal entity) for Marketplace rows
            case when billing_entity = 'AWS Marketplace' then coalesce(legal_entity, 'AWS Marketplace')
                else 'AWS' end as publisher,
            'AWS' as host_provider,
            -- SkuId / SkuPriceId: not for tax, credits, discounts and refunds (FOCUS: null for Tax)
            case when charge_category in ('Usage', 'Purchase') and not is_prior_refund then sku end
                as sku_id,
            -- SkuPriceId: CUR's rate code (<sku>.<offer term>.<rate>); prefixed with the SKU when it
            -- does not start with it, so every SkuPriceId has exactly one parent SkuId
            case when charge_category in ('Usage', 'Purchase') and not is_prior_refund then
                case when sku is null or rate_code is null or starts_with(rate_code, sku)
                    then coalesce(rate_code, sku) else sku || '.' || rate_code end
            end as sku_price_id,
            -- PricingUnit in FOCUS UnitFormat: time units spelled out and plural after '-' (Hrs -> Hours,
            -- GB-Mo -> GB-Months, Obj-Month -> Obj-Months), and inner '-' of a compound unit made a
            -- space (Lambda-GB-Second -> Lambda GB-Seconds); the lookup has the common units done
            coalesce(unit_known, case
                when regexp_matches(unit_spelled, '^.+-.+-(Hours|Months|Seconds|Days)$') then
                    replace(regexp_extract(unit_spelled, '^(.+)-(Hours|Months|Seconds|Days)$', 1), '-', ' ')
                    || '-' || regexp_extract(unit_spelled, '^(.+)-(Hours|Months|Seconds|Days)$', 2)
                else unit_spelled
            end) as unit_focus
        from (
            select
                categorised.*,
                units.unit_focus as unit_known,
                case when units.unit_focus is null then
                    regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
                        categorised.pricing_unit,
                        '^(Hrs?|hours?|Hour)$', 'Hours'),
                        '-(Hrs?|hrs?|Hour|hour|hours)$', '-Hours'),
                        '-(Mo|mo|Month|month|months|Mos)$', '-Months'),
                        '-(Second|second|seconds|Sec|sec)$', '-Seconds'),
                        '-(Day|day|days)$', '-Days')
                end as unit_spelled
            from categorised
            left join units on units.pricing_unit = categorised.pricing_unit
        ) as categorised
        left join services on services.product_code = categorised.product_code
        left join regions on regions.region_id = categorised.region_code
    ) as joined
),

priced as (
    select
        * replace (
            -- PricingUnit / ConsumedUnit: the unit in UnitFormat (unit_focus above), 'Units' when CUR
            -- gives none; NULL iff the quantity is NULL
            case when PricingQuantity is not null then coalesce(pricing_unit, 'Units') end as PricingUnit,
            -- PricingCurrency* = billing-currency figures (AWS prices and bills in one currency)
            ContractedUnitPrice as PricingCurrencyContractedUnitPrice,
            EffectiveCost as PricingCurrencyEffectiveCost,
            ListUnitPrice as PricingCurrencyListUnitPrice
        )
    from mapped
),

expanded as (
    -- Synthetic 'Unused' rows (FOCUS EffectiveCost rule): one more row for each RIFee /
    -- SavingsPlanRecurringFee row with unused commitment. The row is doubled with unnest in one
    -- streaming pass: a union of the mapped rows with a filtered copy of them would make DuckDB
    -- buffer every mapped row (a CTE read twice is materialised).
    select
        *,
        unnest(
            case when x_line_item_type in ('RIFee', 'SavingsPlanRecurringFee') and unused_amount <> 0
                then [false, true] else [false] end
        ) as is_unused
    from priced
),

final as (
    -- the unused row: Usage, BilledCost 0, EffectiveCost = the unused amortised amount
    select
        * replace (
            case when is_unused then cast(0 as decimal(38, 10)) else BilledCost end as BilledCost,
            case when is_unused then 'Usage' else ChargeCategory end as ChargeCategory,
            case when is_unused then 'Usage-Based' else ChargeFrequency end as ChargeFrequency,
            case when is_unused
                then 'Unused commitment: ' || coalesce(ChargeDescription, CommitmentDiscountName)
                else ChargeDescription end as ChargeDescription,
            case when not is_unused then CommitmentDiscountQuantity
                when CommitmentDiscountCategory = 'Usage' then reservation_unused_quantity
            end as CommitmentDiscountQuantity,
            case when is_unused then 'Unused' else CommitmentDiscountStatus end
                as CommitmentDiscountStatus,
            case when not is_unused then CommitmentDiscountUnit
                when CommitmentDiscountCategory = 'Usage' and reservation_unused_quantity is not null
                    then 'Hours'
            end as CommitmentDiscountUnit,
            case when not is_unused then ConsumedQuantity end as ConsumedQuantity,
            case when is_unused then cast(0 as decimal(38, 10)) else ContractedCost end as ContractedCost,
            case when not is_unused then ContractedUnitPrice end as ContractedUnitPrice,
            case when is_unused then cast(unused_amount as decimal(38, 10)) else EffectiveCost end
                as EffectiveCost,
            case when is_unused then cast(0 as decimal(38, 10)) else ListCost end as ListCost,
            case when not is_unused then ListUnitPrice end as ListUnitPrice,
            case when is_unused then 'Committed' else PricingCategory end as PricingCategory,
            case when not is_unused then PricingCurrencyContractedUnitPrice end
                as PricingCurrencyContractedUnitPrice,
            case when is_unused then cast(unused_amount as decimal(38, 10))
                else PricingCurrencyEffectiveCost end as PricingCurrencyEffectiveCost,
            case when not is_unused then PricingCurrencyListUnitPrice end
                as PricingCurrencyListUnitPrice,
            case when not is_unused then PricingQuantity end as PricingQuantity,
            case when not is_unused then PricingUnit end as PricingUnit,
            case when is_unused then 'unused_commitment' else x_row_kind end as x_row_kind
        )
    from expanded
)

select
    * exclude (unused_amount, reservation_unused_quantity, pricing_unit, is_unused)
    replace (
        case when ConsumedQuantity is not null then PricingUnit end as ConsumedUnit
    )
from final
