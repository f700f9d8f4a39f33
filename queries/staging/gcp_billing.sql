-- staging.gcp_billing: one row per line of a Google Cloud Billing export (standard or detailed, i.e.
-- resource-level), renamed and cast only.
-- requires: raw_gcp.billing
-- raw_gcp.billing (docs/CONTRACTS.md, the GCP source) flattens the BigQuery export's records into
-- snake_case columns (service.description -> service_description, invoice.month -> invoice_month);
-- project_labels / labels / system_labels are JSON object text, credits a JSON array text (a single
-- credit object is wrapped into one). Columns a loader may lack (resource_* in the standard export,
-- the newer price / seller fields) come from the typed NULL branch below; '' becomes NULL.
-- Targets: FOCUS 1.2 (+1.3 columns) via queries/focus/sources/gcp_billing.sql.
with source as (
    select * from raw_gcp.billing
    union all by name
    -- no rows come from this branch: it only guarantees that every column read below exists, typed
    select
        cast(null as varchar) as billing_account_id,
        cast(null as varchar) as service_id,
        cast(null as varchar) as service_description,
        cast(null as varchar) as sku_id,
        cast(null as varchar) as sku_description,
        cast(null as timestamptz) as usage_start_time,
        cast(null as timestamptz) as usage_end_time,
        cast(null as timestamptz) as export_time,
        cast(null as varchar) as project_id,
        cast(null as varchar) as project_number,
        cast(null as varchar) as project_name,
        cast(null as varchar) as project_labels,
        cast(null as varchar) as project_ancestry_numbers,
        cast(null as varchar) as labels,
        cast(null as varchar) as system_labels,
        cast(null as varchar) as location_location,
        cast(null as varchar) as location_country,
        cast(null as varchar) as location_region,
        cast(null as varchar) as location_zone,
        cast(null as varchar) as resource_name,
        cast(null as varchar) as resource_global_name,
        cast(null as decimal(38, 10)) as cost,
        cast(null as decimal(38, 10)) as cost_at_list,
        cast(null as decimal(38, 10)) as currency_conversion_rate,
        cast(null as varchar) as currency,
        cast(null as decimal(38, 10)) as usage_amount,
        cast(null as decimal(38, 10)) as usage_amount_in_pricing_units,
        cast(null as varchar) as usage_unit,
        cast(null as varchar) as usage_pricing_unit,
        cast(null as varchar) as credits,
        cast(null as varchar) as invoice_month,
        cast(null as varchar) as invoice_publisher_type,
        cast(null as varchar) as cost_type,
        cast(null as varchar) as adjustment_info_id,
        cast(null as varchar) as adjustment_info_description,
        cast(null as varchar) as adjustment_info_mode,
        cast(null as varchar) as adjustment_info_type,
        cast(null as decimal(38, 10)) as price_effective_price,
        cast(null as decimal(38, 10)) as price_tier_start_amount,
        cast(null as decimal(38, 10)) as price_pricing_unit_quantity,
        cast(null as varchar) as price_unit,
        cast(null as varchar) as transaction_type,
        cast(null as varchar) as seller_name,
        -- load metadata
        cast(null as varchar) as x_provider,
        cast(null as varchar) as x_export_name,
        cast(null as varchar) as x_billing_period,
        cast(null as varchar) as x_delivery_id,
        cast(null as varchar) as x_source_file,
        cast(null as bigint) as x_source_row,
        cast(null as varchar) as x_load_id,
        cast(null as varchar) as x_export_kind
    where false
),

renamed as (
    select
        -- identity of the source row and its load
        x_provider,
        x_export_name,
        x_billing_period,
        x_delivery_id,
        x_source_file,
        cast(x_source_row as bigint) as x_source_row,
        x_load_id,
        x_export_kind as export_kind,
        -- billing account and invoice
        nullif(billing_account_id, '') as billing_account_id,
        nullif(currency, '') as currency,
        cast(currency_conversion_rate as decimal(38, 10)) as currency_conversion_rate,
        nullif(invoice_month, '') as invoice_month,
        nullif(invoice_publisher_type, '') as invoice_publisher_type,
        nullif(cost_type, '') as cost_type,
        nullif(transaction_type, '') as transaction_type,
        nullif(seller_name, '') as seller_name,
        cast(export_time as timestamptz) as export_time,
        -- service and SKU
        nullif(service_id, '') as service_id,
        nullif(service_description, '') as service_description,
        nullif(sku_id, '') as sku_id,
        nullif(sku_description, '') as sku_description,
        -- charge period (UTC)
        cast(usage_start_time as timestamptz) as usage_start_time,
        cast(usage_end_time as timestamptz) as usage_end_time,
        -- project (the FOCUS sub account)
        nullif(project_id, '') as project_id,
        nullif(project_number, '') as project_number,
        nullif(project_name, '') as project_name,
        nullif(project_labels, '') as project_labels,
        nullif(project_ancestry_numbers, '') as project_ancestry_numbers,
        -- labels
        nullif(labels, '') as labels,
        nullif(system_labels, '') as system_labels,
        -- location and resource
        nullif(location_location, '') as location_location,
        nullif(location_country, '') as location_country,
        nullif(location_region, '') as location_region,
        nullif(location_zone, '') as location_zone,
        nullif(resource_name, '') as resource_name,
        nullif(resource_global_name, '') as resource_global_name,
        -- costs, credits and quantities
        cast(cost as decimal(38, 10)) as cost,
        cast(cost_at_list as decimal(38, 10)) as cost_at_list,
        -- credits: a JSON array; a single credit object (koku-nise's JSONL writes one object, not
        -- a list) becomes a one-element array
        case
            when left(trim(credits), 1) = '{' then '[' || trim(credits) || ']'
            else nullif(credits, '')
        end as credits,
        cast(usage_amount as decimal(38, 10)) as usage_amount,
        nullif(usage_unit, '') as usage_unit,
        cast(usage_amount_in_pricing_units as decimal(38, 10)) as usage_amount_in_pricing_units,
        nullif(usage_pricing_unit, '') as usage_pricing_unit,
        -- price
        cast(price_effective_price as decimal(38, 10)) as price_effective_price,
        cast(price_tier_start_amount as decimal(38, 10)) as price_tier_start_amount,
        cast(price_pricing_unit_quantity as decimal(38, 10)) as price_pricing_unit_quantity,
        nullif(price_unit, '') as price_unit,
        -- adjustments
        nullif(adjustment_info_id, '') as adjustment_info_id,
        nullif(adjustment_info_description, '') as adjustment_info_description,
        nullif(adjustment_info_mode, '') as adjustment_info_mode,
        nullif(adjustment_info_type, '') as adjustment_info_type
    from source
)

select * from renamed
