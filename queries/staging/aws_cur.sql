-- staging.aws_cur: one row per AWS CUR line item (CUR v1 and CUR 2.0 alike), renamed and cast only.
-- requires: raw_aws.cur
-- Keeps the CUR 2.0 snake_case names; '' becomes NULL. The product attributes read here are canonical
-- raw columns (v1 product/* columns, or taken out of the CUR 2.0 `product` map on load); the maps
-- (resource_tags, cost_category) are JSON object text (docs/CONTRACTS.md).
-- Targets: FOCUS 1.2 (+1.3 columns) via queries/focus/sources/aws_cur.sql.
with source as (
    -- raw_aws.cur always holds every canonical column, typed (finops_lib/sources/aws_cur/settings.py
    -- CANONICAL_COLUMNS, the one list; `finops focus convert` adds the ones a file lacks as NULLs)
    select * from raw_aws.cur
),

renamed as (
    select
        -- identity of the source row and its load
        x_provider,
        x_export_name,
        x_cur_version,
        x_billing_period,
        x_manifest_id,
        x_source_file,
        cast(x_source_row as bigint) as x_source_row,
        x_load_id,
        -- bill
        nullif(bill_bill_type, '') as bill_type,
        nullif(bill_billing_entity, '') as billing_entity,
        nullif(bill_invoicing_entity, '') as invoicing_entity,
        nullif(bill_invoice_id, '') as invoice_id,
        nullif(bill_payer_account_id, '') as payer_account_id,
        nullif(bill_payer_account_name, '') as payer_account_name,
        cast(bill_billing_period_start_date as timestamptz) as billing_period_start,
        cast(bill_billing_period_end_date as timestamptz) as billing_period_end,
        -- line item
        nullif(line_item_line_item_type, '') as line_item_type,
        nullif(line_item_line_item_description, '') as line_item_description,
        cast(line_item_usage_start_date as timestamptz) as usage_start,
        cast(line_item_usage_end_date as timestamptz) as usage_end,
        nullif(line_item_usage_account_id, '') as usage_account_id,
        nullif(line_item_usage_account_name, '') as usage_account_name,
        nullif(line_item_product_code, '') as product_code,
        nullif(line_item_usage_type, '') as usage_type,
        nullif(line_item_operation, '') as operation,
        nullif(line_item_availability_zone, '') as availability_zone,
        nullif(line_item_resource_id, '') as resource_id,
        nullif(line_item_legal_entity, '') as legal_entity,
        nullif(line_item_currency_code, '') as currency_code,
        cast(line_item_usage_amount as decimal(38, 10)) as usage_amount,
        cast(line_item_unblended_rate as decimal(38, 10)) as unblended_rate,
        cast(line_item_unblended_cost as decimal(38, 10)) as unblended_cost,
        cast(line_item_net_unblended_cost as decimal(38, 10)) as net_unblended_cost,
        -- product (top-level in CUR 2.0, in the map for the rest)
        nullif(product_sku, '') as sku,
        nullif(product_product_family, '') as product_family,
        nullif(product_instance_type, '') as instance_type,
        coalesce(nullif(product_region_code, ''), nullif(product_region, '')) as region_code,
        nullif(product_product_name, '') as product_name,
        nullif(product_operating_system, '') as operating_system,
        nullif(product_storage_class, '') as storage_class,
        -- pricing
        nullif(pricing_term, '') as pricing_term,
        nullif(pricing_unit, '') as pricing_unit,
        coalesce(nullif(pricing_rate_code, ''), nullif(pricing_rate_id, '')) as rate_code,
        cast(pricing_public_on_demand_rate as decimal(38, 10)) as public_on_demand_rate,
        cast(pricing_public_on_demand_cost as decimal(38, 10)) as public_on_demand_cost,
        -- reservations
        nullif(reservation_reservation_a_r_n, '') as reservation_arn,
        cast(reservation_effective_cost as decimal(38, 10)) as reservation_effective_cost,
        cast(reservation_unused_amortized_upfront_fee_for_billing_period as decimal(38, 10))
            as reservation_unused_amortized_upfront_fee,
        cast(reservation_unused_recurring_fee as decimal(38, 10)) as reservation_unused_recurring_fee,
        cast(reservation_unused_quantity as decimal(38, 10)) as reservation_unused_quantity,
        -- savings plans
        nullif(savings_plan_savings_plan_a_r_n, '') as savings_plan_arn,
        cast(savings_plan_savings_plan_effective_cost as decimal(38, 10)) as savings_plan_effective_cost,
        cast(savings_plan_total_commitment_to_date as decimal(38, 10)) as savings_plan_total_commitment,
        cast(savings_plan_used_commitment as decimal(38, 10)) as savings_plan_used_commitment,
        -- maps (JSON object text)
        resource_tags,
        cost_category
    from source
)

select * from renamed
