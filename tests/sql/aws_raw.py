"""A real ``raw_aws.cur`` table for FOCUS mapping tests, and a helper to insert hand-written rows.

Uses the ingestion layer's ``CANONICAL_COLUMNS`` when it exists (docs/CONTRACTS.md), else the subset of
CUR 2.0 columns the FOCUS mapping reads, with the contract's types.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb

from finops_lib import sql

D = "DECIMAL(38,10)"
T = "TIMESTAMPTZ"
V = "VARCHAR"
# the map columns are compact JSON object text (docs/CONTRACTS.md); a row may give them as dicts
MAPS = {"resource_tags": V, "cost_category": V, "product": V}
NEEDED: dict[str, str] = {
    "bill_bill_type": V,
    "bill_billing_entity": V,
    "bill_invoicing_entity": V,
    "bill_invoice_id": V,
    "bill_payer_account_id": V,
    "bill_payer_account_name": V,
    "bill_billing_period_start_date": T,
    "bill_billing_period_end_date": T,
    "line_item_line_item_type": V,
    "line_item_line_item_description": V,
    "line_item_usage_start_date": T,
    "line_item_usage_end_date": T,
    "line_item_usage_account_id": V,
    "line_item_usage_account_name": V,
    "line_item_product_code": V,
    "line_item_usage_type": V,
    "line_item_operation": V,
    "line_item_availability_zone": V,
    "line_item_resource_id": V,
    "line_item_legal_entity": V,
    "line_item_currency_code": V,
    "line_item_usage_amount": D,
    "line_item_unblended_rate": D,
    "line_item_unblended_cost": D,
    "line_item_net_unblended_cost": D,
    "product_sku": V,
    "product_product_family": V,
    "product_instance_type": V,
    "product_region_code": V,
    "product_region": V,
    "product_product_name": V,
    "product_operating_system": V,
    "product_storage_class": V,
    "pricing_term": V,
    "pricing_unit": V,
    "pricing_rate_code": V,
    "pricing_rate_id": V,
    "pricing_public_on_demand_rate": D,
    "pricing_public_on_demand_cost": D,
    "reservation_reservation_a_r_n": V,
    "reservation_effective_cost": D,
    "reservation_unused_amortized_upfront_fee_for_billing_period": D,
    "reservation_unused_recurring_fee": D,
    "reservation_unused_quantity": D,
    "reservation_amortized_upfront_fee_for_billing_period": D,
    "reservation_recurring_fee_for_usage": D,
    "savings_plan_savings_plan_a_r_n": V,
    "savings_plan_savings_plan_effective_cost": D,
    "savings_plan_total_commitment_to_date": D,
    "savings_plan_used_commitment": D,
    **MAPS,
    "x_provider": V,
    "x_export_name": V,
    "x_cur_version": V,
    "x_billing_period": V,
    "x_manifest_id": V,
    "x_source_file": V,
    "x_source_row": "BIGINT",
    "x_load_id": V,
}


def raw_columns() -> dict[str, str]:
    """Column -> DuckDB type of ``raw_aws.cur`` (canonical list when ingestion provides it)."""
    from finops_lib.sources.aws_cur import settings

    cols = {**settings.CANONICAL_COLUMNS, **settings.META_COLUMNS}
    missing = set(NEEDED) - set(cols)
    assert not missing, f"the FOCUS mapping reads columns the ingestion does not promise: {missing}"
    return cols


def create_raw(con: duckdb.DuckDBPyConnection) -> None:
    """Create an empty ``raw_aws.cur`` with the contract's columns and ``meta.source_totals``."""
    con.execute("create schema if not exists raw_aws")
    con.execute("create schema if not exists meta")
    ddl = ", ".join(f"{sql.quote_ident(n)} {t}" for n, t in raw_columns().items())
    con.execute(f"create or replace table raw_aws.cur ({ddl})")


BASE: dict[str, Any] = {
    "bill_bill_type": "Anniversary",
    "bill_billing_entity": "AWS",
    "bill_invoicing_entity": "Amazon Web Services, Inc.",
    "bill_invoice_id": "INV-1",
    "bill_payer_account_id": "111111111111",
    "bill_payer_account_name": "Payer",
    "bill_billing_period_start_date": "2026-09-01 00:00:00+00",
    "bill_billing_period_end_date": "2026-10-01 00:00:00+00",
    "line_item_usage_start_date": "2026-09-02 00:00:00+00",
    "line_item_usage_end_date": "2026-09-02 01:00:00+00",
    "line_item_usage_account_id": "222222222222",
    "line_item_usage_account_name": "dev",
    "line_item_product_code": "AmazonEC2",
    "line_item_usage_type": "USE1-BoxUsage:m5.large",
    "line_item_operation": "RunInstances",
    "line_item_availability_zone": "us-east-1a",
    "line_item_resource_id": "i-0abc",
    "line_item_legal_entity": "Amazon Web Services, Inc.",
    "line_item_currency_code": "USD",
    "product_sku": "SKU1",
    "product_product_family": "Compute Instance",
    "product_instance_type": "m5.large",
    "product_region_code": "us-east-1",
    "pricing_term": "OnDemand",
    "pricing_unit": "Hrs",
    "pricing_rate_code": "SKU1.JRTCKXETXF.6YS6EN2CT7",
    "x_provider": "AWS",
    "x_export_name": "cur",
    "x_cur_version": "v2",
    "x_billing_period": "2026-09",
    "x_manifest_id": "m-1",
    "x_source_file": "cur/data/BILLING_PERIOD=2026-09/cur-00001.snappy.parquet",
    "x_load_id": "load-1",
}


def add_column(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Add a non-canonical source column (VARCHAR, as the loader adds one on first sight)."""
    con.execute(f"alter table raw_aws.cur add column {sql.quote_ident(name)} VARCHAR")


def insert(con: duckdb.DuckDBPyConnection, *rows: dict[str, Any]) -> None:
    """Insert rows into ``raw_aws.cur``: ``BASE`` overridden by each row; x_source_row numbered.

    A row may set the canonical columns and any column added with ``add_column``.
    """
    described = con.execute("describe raw_aws.cur").fetchall()
    cols = {**raw_columns(), **{str(r[0]): str(r[1]) for r in described}}
    start = con.execute("select count(*) from raw_aws.cur").fetchone()[0]  # type: ignore[index]
    for i, row in enumerate(rows, start=start + 1):
        values = {**BASE, "x_source_row": i, **row}
        for m in MAPS:
            if isinstance(values.get(m), dict):
                values[m] = json.dumps(values[m], separators=(",", ":"))
        names = [n for n in values if n in cols]
        unknown = set(values) - set(cols)
        assert not unknown, f"not raw columns: {unknown}"
        placeholders = ", ".join(f"cast(${j} as {cols[n]})" for j, n in enumerate(names, 1))
        con.execute(
            f"insert into raw_aws.cur ({', '.join(sql.quote_ident(n) for n in names)}) "
            f"values ({placeholders})",
            [values[n] for n in names],
        )
