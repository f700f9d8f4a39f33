"""Constants of the AWS ingestion: the canonical ``raw_aws.cur`` columns and their DuckDB types."""

from __future__ import annotations

DEC = "DECIMAL(38,10)"
TS = "TIMESTAMPTZ"
VC = "VARCHAR"

_VARCHAR = (
    "identity_line_item_id",
    "identity_time_interval",
    "bill_bill_type",
    "bill_billing_entity",
    "bill_invoicing_entity",
    "bill_invoice_id",
    "bill_payer_account_id",
    "bill_payer_account_name",
    "line_item_line_item_type",
    "line_item_line_item_description",
    "line_item_usage_account_id",
    "line_item_usage_account_name",
    "line_item_product_code",
    "line_item_usage_type",
    "line_item_operation",
    "line_item_availability_zone",
    "line_item_resource_id",
    "line_item_legal_entity",
    "line_item_currency_code",
    "line_item_tax_type",
    "product_sku",
    "product_product_family",
    "product_instance_type",
    "product_region_code",
    "product_region",
    "product_servicecode",
    "product_product_name",
    "product_operating_system",
    "product_storage_class",
    "pricing_term",
    "pricing_unit",
    "pricing_rate_code",
    "pricing_rate_id",
    "reservation_reservation_a_r_n",
    "savings_plan_savings_plan_a_r_n",
)
_TIMESTAMP = (
    "bill_billing_period_start_date",
    "bill_billing_period_end_date",
    "line_item_usage_start_date",
    "line_item_usage_end_date",
)
_DECIMAL = (
    "line_item_usage_amount",
    "line_item_normalization_factor",
    "line_item_normalized_usage_amount",
    "line_item_unblended_rate",
    "line_item_unblended_cost",
    "line_item_blended_rate",
    "line_item_blended_cost",
    "line_item_net_unblended_rate",
    "line_item_net_unblended_cost",
    "pricing_public_on_demand_rate",
    "pricing_public_on_demand_cost",
    "reservation_effective_cost",
    "reservation_amortized_upfront_cost_for_usage",
    "reservation_recurring_fee_for_usage",
    "reservation_amortized_upfront_fee_for_billing_period",
    "reservation_unused_amortized_upfront_fee_for_billing_period",
    "reservation_unused_recurring_fee",
    "reservation_unused_quantity",
    "reservation_net_effective_cost",
    "savings_plan_savings_plan_effective_cost",
    "savings_plan_net_savings_plan_effective_cost",
    "savings_plan_total_commitment_to_date",
    "savings_plan_used_commitment",
    "savings_plan_amortized_upfront_commitment_for_billing_period",
    "savings_plan_recurring_commitment_for_billing_period",
    "discount_total_discount",
    "discount_bundled_discount",
)

#: The map columns, stored as compact JSON object text (NULL when empty): CUR 2.0 delivers them as
#: MAPs (parquet) or JSON (CSV); CUR v1 ``<category>/<key>`` columns are packed into them. Text, not
#: a DuckDB MAP: building and storing MAPs cost several times more on load (bench/RESULTS.md).
MAP_COLUMNS: dict[str, str] = {
    "resource_tags": VC,
    "cost_category": VC,
    "product": VC,
    "discount": VC,
}

#: CUR v1 header category -> the map column its columns are packed into.
V1_MAP_CATEGORIES: dict[str, str] = {
    "resourceTags": "resource_tags",
    "costCategory": "cost_category",
    "product": "product",
}

#: Load metadata columns, always present (contract: docs/CONTRACTS.md).
META_COLUMNS: dict[str, str] = {
    "x_provider": VC,
    "x_export_name": VC,
    "x_cur_version": VC,
    "x_billing_period": VC,
    "x_manifest_id": VC,
    "x_source_file": VC,
    "x_source_row": "BIGINT",
    "x_load_id": VC,
}

#: Every column of ``raw_aws.cur`` that is always present, name -> DuckDB type.
CANONICAL_COLUMNS: dict[str, str] = {
    **{c: VC for c in _VARCHAR},
    **{c: TS for c in _TIMESTAMP},
    **{c: DEC for c in _DECIMAL},
    **MAP_COLUMNS,
}

#: Columns a CUR file must have (after normalisation) or the import is refused.
REQUIRED_COLUMNS: tuple[str, ...] = (
    "line_item_line_item_type",
    "line_item_unblended_cost",
    "line_item_usage_start_date",
)

#: FOCUS-export load metadata; ``x_load_*`` where AWS may use the plain name.
FOCUS_META_COLUMNS: dict[str, str] = {
    "x_provider": VC,
    "x_load_export_name": VC,
    "x_billing_period": VC,
    "x_manifest_id": VC,
    "x_source_file": VC,
    "x_source_row": "BIGINT",
    "x_load_id": VC,
}

#: Columns a FOCUS export file must have.
FOCUS_REQUIRED_COLUMNS: tuple[str, ...] = ("BilledCost", "BillingPeriodStart", "ChargeCategory")

#: The schema of the AWS raw tables.
RAW_SCHEMA = "raw_aws"
