"""Constants of the GCP Cloud Billing export ingestion: the ``raw_gcp.billing`` contract.

The SQL mapping (``queries/*/gcp_*.sql``) reads these columns, so a name here changes only with it.
Each column is ``name -> (DuckDB type, source path in the nested export row)``.
"""

from __future__ import annotations

DEC = "DECIMAL(38,10)"
TS = "TIMESTAMPTZ"
VC = "VARCHAR"

RAW_SCHEMA = "raw_gcp"
TABLE = f"{RAW_SCHEMA}.billing"

#: Plain (scalar) columns: name -> (type, path of the field in the nested row).
SCALAR_COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "billing_account_id": (VC, ("billing_account_id",)),
    "service_id": (VC, ("service", "id")),
    "service_description": (VC, ("service", "description")),
    "sku_id": (VC, ("sku", "id")),
    "sku_description": (VC, ("sku", "description")),
    "usage_start_time": (TS, ("usage_start_time",)),
    "usage_end_time": (TS, ("usage_end_time",)),
    "export_time": (TS, ("export_time",)),
    "project_id": (VC, ("project", "id")),
    "project_number": (VC, ("project", "number")),
    "project_name": (VC, ("project", "name")),
    "project_ancestry_numbers": (VC, ("project", "ancestry_numbers")),
    "location_location": (VC, ("location", "location")),
    "location_country": (VC, ("location", "country")),
    "location_region": (VC, ("location", "region")),
    "location_zone": (VC, ("location", "zone")),
    "resource_name": (VC, ("resource", "name")),
    "resource_global_name": (VC, ("resource", "global_name")),
    "cost": (DEC, ("cost",)),
    "cost_at_list": (DEC, ("cost_at_list",)),
    "currency_conversion_rate": (DEC, ("currency_conversion_rate",)),
    "currency": (VC, ("currency",)),
    "usage_amount": (DEC, ("usage", "amount")),
    "usage_amount_in_pricing_units": (DEC, ("usage", "amount_in_pricing_units")),
    "usage_unit": (VC, ("usage", "unit")),
    "usage_pricing_unit": (VC, ("usage", "pricing_unit")),
    "invoice_month": (VC, ("invoice", "month")),
    "invoice_publisher_type": (VC, ("invoice", "publisher_type")),
    "cost_type": (VC, ("cost_type",)),
    "adjustment_info_id": (VC, ("adjustment_info", "id")),
    "adjustment_info_description": (VC, ("adjustment_info", "description")),
    "adjustment_info_mode": (VC, ("adjustment_info", "mode")),
    "adjustment_info_type": (VC, ("adjustment_info", "type")),
    "price_effective_price": (DEC, ("price", "effective_price")),
    "price_tier_start_amount": (DEC, ("price", "tier_start_amount")),
    "price_unit": (VC, ("price", "unit")),
    "price_pricing_unit_quantity": (DEC, ("price", "pricing_unit_quantity")),
    "transaction_type": (VC, ("transaction_type",)),
    "seller_name": (VC, ("seller_name",)),
}

#: ``[{key, value}]`` lists turned into compact JSON object text (NULL when empty or absent).
LABEL_COLUMNS: dict[str, tuple[str, ...]] = {
    "project_labels": ("project", "labels"),
    "labels": ("labels",),
    "system_labels": ("system_labels",),
}

#: The credit fields kept in ``credits`` (JSON array text; ``amount`` as exact decimal text).
CREDIT_FIELDS: tuple[str, ...] = ("name", "amount", "full_name", "id", "type")

#: Load metadata, always present.
META_COLUMNS: dict[str, str] = {
    "x_provider": VC,
    "x_export_name": VC,
    "x_billing_period": VC,
    "x_delivery_id": VC,
    "x_source_file": VC,
    "x_source_row": "BIGINT",
    "x_load_id": VC,
    "x_export_kind": VC,
}

#: Every column of ``raw_gcp.billing``, in the contract's order.
COLUMNS: dict[str, str] = {
    **{c: t for c, (t, _) in list(SCALAR_COLUMNS.items())[:11]},
    "project_labels": VC,
    **{c: t for c, (t, _) in list(SCALAR_COLUMNS.items())[11:12]},
    "labels": VC,
    "system_labels": VC,
    **{c: t for c, (t, _) in list(SCALAR_COLUMNS.items())[12:26]},
    "credits": VC,
    **{c: t for c, (t, _) in list(SCALAR_COLUMNS.items())[26:]},
    **META_COLUMNS,
}

#: Fields an export row must have, or the input is refused (the message names the missing one).
REQUIRED: tuple[tuple[str, ...], ...] = (
    ("cost",),
    ("currency",),
    ("export_time",),
    ("usage_start_time",),
    ("invoice", "month"),
)

#: Export table name prefixes (``<prefix><BILLING_ACCOUNT>``) and their kind.
STANDARD_PREFIX = "gcp_billing_export_v1_"
DETAILED_PREFIX = "gcp_billing_export_resource_v1_"

#: Extract file endings read (JSON lines and Parquet, as an ``EXPORT DATA`` job writes them).
JSON_SUFFIXES: tuple[str, ...] = (
    ".json",
    ".jsonl",
    ".ndjson",
    ".json.gz",
    ".jsonl.gz",
    ".ndjson.gz",
)
PARQUET_SUFFIXES: tuple[str, ...] = (".parquet",)

API_ENDPOINT_ENV = "OPEN_FINOPS_GCP_API_ENDPOINT"

#: Rows per page read from the BigQuery API: one Arrow record batch, inserted on its own, so a
#: month is never held whole in memory (a detailed-export row is about 1-2 KB in Arrow).
PAGE_ROWS = 20_000
#: Seconds one BigQuery HTTP request may take, and how long transient failures are retried
#: (a refused connection is not retried: nothing listens at the endpoint).
REQUEST_TIMEOUT = 60.0
RETRY_DEADLINE = 120.0

# --------------------------------------------------------------------- Google's FOCUS view / table
#: An export's ``kind``: the Cloud Billing export (``billing``, into ``raw_gcp.billing``) or Google's
#: FOCUS view over it / the FOCUS export table (``focus``, into ``raw_gcp.focus``).
KINDS: tuple[str, ...] = ("billing", "focus")
FOCUS_TABLE = f"{RAW_SCHEMA}.focus"
#: ``raw_gcp.focus`` holds every FOCUS 1.2 column (finops_lib.spec; JSON ones as text) and these
#: Google extras (nested ones as JSON text; the ``[{Key, Value}]`` lists as JSON objects).
FOCUS_X_COLUMNS: dict[str, str] = {
    "x_Credits": VC,
    "x_CostType": VC,
    "x_CurrencyConversionRate": DEC,
    "x_ExportTime": TS,
    "x_Location": VC,
    "x_Project": VC,
    "x_ServiceId": VC,
    "x_Labels": VC,
    "x_ProjectLabels": VC,
    "x_SystemLabels": VC,
    "x_Tags": VC,
}
FOCUS_LABEL_COLUMNS: tuple[str, ...] = ("x_Labels", "x_ProjectLabels", "x_SystemLabels")
#: Fields a FOCUS view row must have.
FOCUS_REQUIRED: tuple[tuple[str, ...], ...] = (
    ("BilledCost",),
    ("BillingCurrency",),
    ("BillingPeriodStart",),
    ("x_ExportTime",),
)
