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
--   * x_ tail (docs/CONTRACTS.md): the row's identity and load, x_delivery_id = the CUR assembly /
--     execution id, x_extras = one JSON object of the CUR-only extras (line_item_type, cur_version,
--     usage_type, operation, public_on_demand_cost, net_unblended_cost as exact decimal text,
--     cost_categories), NULL members omitted.
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
    -- PricingUnit in FOCUS UnitFormat for the common CUR units and for the few spellings no rule can
    -- derive (lookups/aws_units.csv); every other unit goes through the rules below, row by row
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
        -- AWS Marketplace line: lineItem/LegalEntity is the third-party seller, AWS invoices it
        coalesce(billing_entity = 'AWS Marketplace', false) as is_marketplace,
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
        coalesce(savings_plan_arn, reservation_arn) as commitment_arn,
        -- who issues the invoice (InvoiceIssuerName): the invoicing entity; a CUR without
        -- bill_invoicing_entity: the seller of record, unless that is a Marketplace seller
        coalesce(invoicing_entity, case when not is_marketplace then legal_entity end, 'AWS')
            as issuer_entity
    from classified
),

unit_source as (
    -- PricingUnit is a function of pricing_unit alone: spelled once per distinct unit of the
    -- export (a few dozen) below, joined back to the rows in `mapped`. (On Spark, the spelling
    -- rules inlined into the row projection made its generated code too large for the JIT.)
    -- Per scope (provider, export, period), and joined back on it: the build's filter on the
    -- scope then reaches this scan through the join, which otherwise read every period's rows
    -- (a restated month in a 24-month warehouse scanned all 24). Plain equalities, which the filter
    -- passes through (`is not distinct from` does not): a row without x_billing_period (only `focus
    -- convert` of a file with no billing period column) gets no PricingUnit, as it gets no
    -- BillingPeriodStart
    select distinct x_provider, x_export_name, x_billing_period, pricing_unit
    from staging.aws_cur
),

unit_parts as (
    -- PricingUnit, step 1: the lookup's spelling; a unit it does not list is taken apart for the
    -- UnitFormat rules: [unit quantity[K|M] ]base[(-| |/| per )time unit], e.g. '1K Requests',
    -- 'GB-Mo', 'Gigabyte Per Hour', 'Lambda-GB-Second', 'days'
    select
        unit_source.x_provider,
        unit_source.x_export_name,
        unit_source.x_billing_period,
        unit_source.pricing_unit,
        units.unit_focus as unit_known,
        case when units.unit_focus is null and unit_source.pricing_unit is not null then regexp_extract(
            trim(unit_source.pricing_unit),
            '^(?:([0-9]{1,9})([KM])? +)?(.*?)(?:( (?i:per) |/|-| )'
            || '((?i:hrs?|hours?|days?|mos?|mths?|months?|secs?|seconds?|mins?|minutes?|yrs?|years?)))?$',
            ['qty', 'mult', 'base', 'sep', 'time']
        ) end as unit_parts
    from unit_source
    left join units on units.pricing_unit = unit_source.pricing_unit
),

unit_words as (
    -- PricingUnit, step 2 (FOCUS UnitFormat base units), for units the lookup does not list:
    --   unit_time: the time unit (or a bare time unit) in the FOCUS spelling, singular: Hrs -> Hour,
    --     Mo -> Month, days -> Day ("allowed time-based unit names")
    --   unit_base: data sizes as the allowed abbreviations (Terabytes -> TB, Gigabyte -> GB, GBs -> GB;
    --     "the same form for both singular and plural"); a lower-case word capitalised ("capitalized
    --     nouns"); anything else as delivered
    select
        unit_parts.*,
        -- a spelled-out data size (Terabytes, gigabyte, ...) taken apart
        case when unit_parts is not null then regexp_extract(
            lower(unit_parts.base),
            '^(kilo|mega|giga|tera|peta|exa|kibi|mebi|gibi|tebi|pebi|exbi)?(byte|bit)s?$',
            ['prefix', 'kind']
        ) end as unit_size,
        case when unit_parts is not null then
            case lower(coalesce(nullif(unit_parts.time, ''), unit_parts.base))
                when 'hr' then 'Hour' when 'hrs' then 'Hour' when 'hour' then 'Hour' when 'hours' then 'Hour'
                when 'day' then 'Day' when 'days' then 'Day'
                when 'mo' then 'Month' when 'mos' then 'Month' when 'mth' then 'Month'
                when 'mths' then 'Month' when 'month' then 'Month' when 'months' then 'Month'
                when 'sec' then 'Second' when 'secs' then 'Second' when 'second' then 'Second'
                when 'seconds' then 'Second'
                when 'min' then 'Minute' when 'mins' then 'Minute' when 'minute' then 'Minute'
                when 'minutes' then 'Minute'
                when 'yr' then 'Year' when 'yrs' then 'Year' when 'year' then 'Year' when 'years' then 'Year'
            end
        end as unit_time,
        case
            when unit_parts is null then null
            -- a spelled-out data size: kilo -> K, kibi -> Ki, ...; byte -> B, bit -> b
            when unit_size['kind'] <> '' then upper(left(unit_size['prefix'], 1))
                || case when unit_size['prefix'] like '%bi' then 'i' else '' end
                || case unit_size['kind'] when 'byte' then 'B' else 'b' end
            when regexp_matches(unit_parts.base, '^([KMGTPE]i?)?[Bb]s$') then left(unit_parts.base, -1)
            when regexp_matches(unit_parts.base, '^[a-z]+( |$)')
                then upper(left(unit_parts.base, 1)) || substr(unit_parts.base, 2)
            else unit_parts.base
        end as unit_base
    from unit_parts
),

unit_spelled as (
    -- PricingUnit, step 3: the FOCUS UnitFormat forms. Simple unit: <plural-units> ('Hours', 'GB',
    -- 'Users'); compound: <singular-base-unit>-<plural-time-units> ('GB-Months', 'Lambda GB-Seconds':
    -- an inner '-' of the base becomes a space); ratio: <plural-units>/<singular-time-unit>
    -- ('GB/Hour'); a unit quantity as '<n> <plural-units>' ('1K Requests' -> '1000 Requests').
    -- A count unit is made plural only when its last word is a capitalised singular noun the rule can
    -- tell (User -> Users, Query -> Queries); acronyms, words ending in s, -ed, -ing, -ly and 'Data'
    -- stay as delivered (lookups/aws_units.csv spells the known exceptions).
    select
        unit_words.*,
        case
            when unit_base is null then null
            -- a data size abbreviation has one form for singular and plural
            when regexp_matches(unit_base, '(^| )([KMGTPE]i?)?[Bb]$') then unit_base
            when not regexp_matches(unit_base, '[A-Z][a-z]*[a-rt-z]$')
                or regexp_matches(unit_base, '(ed|ing|ly|ata)$') then unit_base
            when regexp_matches(unit_base, '[^aeiou]y$') then left(unit_base, -1) || 'ies'
            when regexp_matches(unit_base, '(x|z|ch|sh)$') then unit_base || 'es'
            else unit_base || 's'
        end as unit_plural,
        case
            when unit_parts is null then unit_known
            when lower(unit_parts.base) in ('', 'per') then pricing_unit
            else
                case
                    when unit_parts.qty = '' or (unit_parts.qty = '1' and unit_parts.mult = '') then ''
                    else cast(
                        try_cast(unit_parts.qty as bigint)
                        * case unit_parts.mult when 'K' then 1000 when 'M' then 1000000 else 1 end
                        as varchar
                    ) || ' '
                end
                || case
                    when unit_parts.sep = '' and unit_time is not null then unit_time || 's'
                    when unit_parts.sep = '' then unit_plural
                    when unit_parts.sep in ('-', ' ') then replace(unit_base, '-', ' ') || '-' || unit_time || 's'
                    else unit_plural || '/' || unit_time
                end
        end as unit_focus
    from unit_words
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
        -- InvoiceIssuerName: the entity that issues the invoice, bill_invoicing_entity; a CUR without
        -- that column (older CUR v1, koku-nise) falls back to the seller of record
        -- (line_item_legal_entity), except on AWS Marketplace lines, whose legal entity is the
        -- third-party seller while AWS invoices and collects the payment. AWS's own entities
        -- (Amazon Web Services, Inc., ... EMEA SARL, Amazon AWS Serviços Brasil, Amazon Internet
        -- Services Pvt. Ltd., PT Amazon Web Services Indonesia) are named 'AWS', the same name as
        -- ProviderName: FOCUS (and the official validator's BilledCost-C-005-C) reads ProviderName <>
        -- InvoiceIssuerName as "a third party collects the payment". Another issuer (a reseller, the
        -- AWS China operators) keeps its own name.
        invoice_issuer as InvoiceIssuerName,
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
            -- a CUR without the public rate (koku-nise's EC2 and Marketplace lines): the rate behind
            -- ListCost, i.e. the unblended rate when ListCost is the unblended cost, else list cost /
            -- quantity (FOCUS: ListUnitPrice MUST NOT be null for non-correction usage)
            when charge_category = 'Usage' and not is_prior_refund then coalesce(
                public_on_demand_rate,
                case when coalesce(public_on_demand_cost, unblended_cost) = unblended_cost
                    then unblended_rate end,
                case when usage_amount > 0 and public_on_demand_cost >= 0
                    then cast(public_on_demand_cost / usage_amount as decimal(38, 10)) end
            )
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
        -- SkuPriceDetails: FOCUS keys where CUR has them, else x_ keys; {} when nothing is known.
        -- Spelled as text like x_extras (concat_ws skips the NULL members): a map built, filtered
        -- and serialised per row took 1.6 s on 2M rows (2 threads), the text 0.4 s
        case when sku_price_id is not null then cast('{' || concat_ws(',',
            '"InstanceType":' || to_json(instance_type),
            '"OperatingSystem":' || to_json(operating_system),
            '"StorageClass":' || to_json(storage_class),
            '"x_UsageType":' || to_json(usage_type)
        ) || '}' as json) end as SkuPriceDetails,
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
        -- No tags is '{}' (NULL in rows loaded before it was), NULL here. The rewrite reads the raw
        -- column itself, with nothing between: on a dictionary-compressed column without NULLs
        -- DuckDB runs it once per distinct tag set, not once per row (docs/CONTRACTS.md)
        cast(nullif(regexp_replace(regexp_replace(
            resource_tags, '([{,])"user[:_]', '\1"', 'g'), '([{,])"aws_', '\1"aws:', 'g'
        ), '{}') as json) as Tags,
        x_provider,
        x_export_name,
        x_billing_period,
        x_source_file,
        x_source_row,
        x_load_id,
        'source' as x_row_kind,
        -- x_delivery_id: the CUR assembly id (v1) / execution id (2.0) the row was delivered in
        x_manifest_id as x_delivery_id,
        -- x_extras: one JSON object of the CUR-only extras, NULL members left out (concat_ws skips
        -- NULLs); money as exact decimal text; cost_category is already compact JSON object text.
        -- An amount under 10^8 is spelled through DECIMAL(18, 10) (a 64-bit integer): the same
        -- text as the DECIMAL(38, 10) cast, at a third of its cost (2M rows: 0.18 against 0.55
        -- CPU-s a column; bench/RESULTS.md, session 11)
        cast('{' || concat_ws(',',
            '"line_item_type":' || to_json(line_item_type),
            '"cur_version":' || to_json(x_cur_version),
            '"usage_type":' || to_json(usage_type),
            '"operation":' || to_json(operation),
            '"public_on_demand_cost":"' || case when abs(public_on_demand_cost) < 100000000
                then cast(cast(public_on_demand_cost as decimal(18, 10)) as varchar)
                else cast(public_on_demand_cost as varchar) end || '"',
            '"net_unblended_cost":"' || case when abs(net_unblended_cost) < 100000000
                then cast(cast(net_unblended_cost as decimal(18, 10)) as varchar)
                else cast(net_unblended_cost as varchar) end || '"',
            '"cost_categories":' || cost_category
        ) || '}' as json) as x_extras,
        -- helpers for the unused rows, dropped below
        line_item_type,
        unused_amount,
        reservation_unused_quantity,
        unit_focus as pricing_unit
    from (
        select
            categorised.*,
            unit_spelled.unit_focus,
            coalesce(services.service_name, categorised.product_name, categorised.product_code, 'AWS')
                as service_name,
            -- ServiceCategory / ServiceSubcategory: one pair per ServiceName (lookups/aws_services.csv)
            coalesce(services.service_category, 'Other') as service_category,
            coalesce(services.service_subcategory, 'Other (Other)') as service_subcategory,
            regions.region_name,
            -- PublisherName / ServiceProviderName (FOCUS 1.3: "the marketplace seller, not the
            -- marketplace"): the seller (legal entity) on Marketplace rows, else AWS; AWS's own
            -- entities named 'AWS' as in InvoiceIssuerName
            case when is_marketplace and not coalesce(regexp_matches(
                legal_entity, '^(PT )?(Amazon|AWS)( |$)', 'i'
            ), false) then coalesce(legal_entity, 'AWS Marketplace') else 'AWS' end as publisher,
            case when regexp_matches(issuer_entity, '^(PT )?(Amazon|AWS)( |$)', 'i') then 'AWS'
                else issuer_entity end as invoice_issuer,
            'AWS' as host_provider,
            -- SkuId / SkuPriceId: not for tax, credits, discounts and refunds (FOCUS: null for Tax)
            case when charge_category in ('Usage', 'Purchase') and not is_prior_refund then sku end
                as sku_id,
            -- SkuPriceId: CUR's rate code (<sku>.<offer term>.<rate>); prefixed with the SKU when it
            -- does not start with it, so every SkuPriceId has exactly one parent SkuId
            case when charge_category in ('Usage', 'Purchase') and not is_prior_refund then
                case when sku is null or rate_code is null or starts_with(rate_code, sku)
                    then coalesce(rate_code, sku) else sku || '.' || rate_code end
            end as sku_price_id
        from categorised
        left join unit_spelled
            on unit_spelled.pricing_unit = categorised.pricing_unit
            and unit_spelled.x_provider = categorised.x_provider
            and unit_spelled.x_export_name = categorised.x_export_name
            and unit_spelled.x_billing_period = categorised.x_billing_period
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
            case when line_item_type in ('RIFee', 'SavingsPlanRecurringFee') and unused_amount <> 0
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
    * exclude (line_item_type, unused_amount, reservation_unused_quantity, pricing_unit, is_unused)
    replace (
        case when ConsumedQuantity is not null then PricingUnit end as ConsumedUnit
    )
from final
