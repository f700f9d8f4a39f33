"""Constants of the Azure ingestion: the canonical ``raw_azure.cost`` columns, their DuckDB types,
the column aliases of the older / other export schemas, and the export types it loads.

The contract is docs/CONTRACTS.md (``raw_azure``); the SQL mapping (``queries/*/azure_*.sql``)
reads these columns, so a name here changes only with it.
"""

from __future__ import annotations

DEC = "DECIMAL(38,10)"
TS = "TIMESTAMPTZ"
VC = "VARCHAR"

_VARCHAR = (
    "billing_account_id",
    "billing_account_name",
    "billing_profile_id",
    "billing_profile_name",
    "invoice_section_id",
    "invoice_section_name",
    "billing_currency",
    "pricing_currency",
    "subscription_id",
    "subscription_name",
    "resource_group",
    "resource_id",
    "resource_name",
    "resource_location",
    "location",
    "meter_id",
    "meter_name",
    "meter_category",
    "meter_sub_category",
    "meter_region",
    "product_id",
    "product_name",
    "consumed_service",
    "unit_of_measure",
    "charge_type",
    "frequency",
    "pricing_model",
    "publisher_type",
    "publisher_name",
    "benefit_id",
    "benefit_name",
    "reservation_id",
    "reservation_name",
    "invoice_id",
    "partner_name",
    "availability_zone",
    "service_family",
    "additional_info",
    # the text as delivered: EA tags may lack their braces, the SQL mapping wraps them
    "tags",
    "cost_center",
)
_TIMESTAMP = ("date", "billing_period_start_date", "billing_period_end_date")
_DECIMAL = (
    "quantity",
    "effective_price",
    "unit_price",
    "payg_price",
    "cost_in_billing_currency",
    "cost_in_pricing_currency",
    "cost_in_usd",
    "payg_cost_in_billing_currency",
    "payg_cost_in_usd",
    "exchange_rate_pricing_to_billing",
)

#: Every column of ``raw_azure.cost`` that is always present (NULL when a file lacks it).
CANONICAL_COLUMNS: dict[str, str] = {
    **{c: VC for c in _VARCHAR},
    **{c: TS for c in _TIMESTAMP},
    **{c: DEC for c in _DECIMAL},
}

#: Older / other spellings (after snake_case) -> canonical column. An alias is used only when the
#: file lacks the canonical spelling itself (EA ``InstanceName`` is the resource id only where there
#: is no ``ResourceId``); an alias not used is kept under its own snake name.
ALIASES: dict[str, str] = {
    "cost": "cost_in_billing_currency",  # EA (2019 schema): Cost
    "pre_tax_cost": "cost_in_billing_currency",  # EA usage details v1: PreTaxCost
    "billing_currency_code": "billing_currency",
    "pricing_currency_code": "pricing_currency",
    "subscription_guid": "subscription_id",
    "instance_name": "resource_id",
    "product": "product_name",
    "usage_date": "date",
    "usage_quantity": "quantity",
    "meter_subcategory": "meter_sub_category",
    "pay_g_price": "payg_price",  # PayGPrice
    "pay_g_cost_in_billing_currency": "payg_cost_in_billing_currency",
    "pay_g_cost_in_usd": "payg_cost_in_usd",
    "invoice_section": "invoice_section_name",  # EA: InvoiceSection
    "resource_group_name": "resource_group",  # MCA: resourceGroupName
}

#: Columns a cost file must have (after aliases), or the import is refused.
REQUIRED_COLUMNS: tuple[str, ...] = ("cost_in_billing_currency", "date", "charge_type")

#: Columns only Microsoft Customer Agreement files carry: with any of them (or a camelCase header,
#: the MCA exports' spelling) a file is ``x_schema = 'MCA'``, else ``'EA'``.
MCA_COLUMNS: frozenset[str] = frozenset(
    {
        "invoice_id",
        "previous_invoice_id",
        "exchange_rate_pricing_to_billing",
        "product_id",
        "partner_name",
        "publisher_id",
        "service_period_start_date",
    }
)

#: Load metadata of ``raw_azure.cost`` (contract: docs/CONTRACTS.md), always present.
META_COLUMNS: dict[str, str] = {
    "x_provider": VC,
    "x_export_name": VC,
    "x_billing_period": VC,
    "x_delivery_id": VC,
    "x_source_file": VC,
    "x_source_row": "BIGINT",
    "x_load_id": VC,
    "x_cost_type": VC,
    "x_schema": VC,
    "x_azure_export": VC,
}

#: Load metadata of ``raw_azure.focus``: the same, plus the manifest's FOCUS ``dataVersion``.
FOCUS_META_COLUMNS: dict[str, str] = {**META_COLUMNS, "x_focus_version": VC}

#: The export types loaded, and the table each goes to.
COST_TYPES: tuple[str, ...] = ("ActualCost", "AmortizedCost")
FOCUS_TYPE = "FocusCost"
EXPORT_TYPES: tuple[str, ...] = (*COST_TYPES, FOCUS_TYPE)
#: Older names of the export types (the 2020 exports API's ``Usage`` is the actual cost).
TYPE_ALIASES: dict[str, str] = {"usage": "ActualCost"}

#: Manifest file names: improved exports (``manifest.json``) and the 2021 partitioned preview.
MANIFEST_NAMES: tuple[str, ...] = ("manifest.json", "_manifest.json")
#: Data file endings an export writes.
DATA_SUFFIXES: tuple[str, ...] = (".csv", ".csv.gz", ".parquet")

#: The schema of the Azure raw tables.
RAW_SCHEMA = "raw_azure"

#: The connection string's env variable, named in messages (never its value).
CONNECTION_STRING_ENV = "OPEN_FINOPS_AZURE_CONNECTION_STRING"
