"""Reconciliation: FOCUS totals against the source, per provider, export, period, account, currency.

The source side is ``meta.source_totals``: measured on the raw rows right after each load by the
provider's own ``queries/reconcile/<prefix>_*.sql`` (found by the pipeline the way staging views
are), independent of the FOCUS mapping: the billed basis (AWS CUR: the unblended cost) and the
effective basis (AWS CUR: the Cloud Intelligence Dashboards amortised formula), each labelled.
The published snapshot carries ``meta.source_totals``, so readers reconcile without the raw rows.

Exact DECIMAL arithmetic: a row is ``ok`` only when both differences are exactly zero.
"""

from __future__ import annotations

import duckdb
import polars as pl

from finops_lib import db, sql

KEYS = "provider varchar, export_name varchar, billing_period varchar, billing_account_id varchar, currency varchar"
_EMPTY = {
    "recon_focus": KEYS + ", focus_source_rows bigint, focus_billed_cost decimal(38,10), "
    "focus_effective_cost decimal(38,10)",
    "recon_source": KEYS + ", source_rows bigint, source_billed_cost decimal(38,10), "
    "source_effective_cost decimal(38,10), billed_basis varchar, effective_basis varchar",
}
_SOURCES = {
    "recon_focus": ("focus.cost_and_usage", "reconcile/focus_totals"),
    "recon_source": ("meta.source_totals", "reconcile/source_totals"),
}


def reconcile(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """FOCUS vs source totals side by side, with differences and an ``ok`` flag per row.

    Columns: provider, export_name, billing_period, billing_account_id, currency,
    focus_source_rows, source_rows, focus_billed_cost, source_billed_cost, billed_cost_diff,
    billed_basis, focus_effective_cost, source_effective_cost, effective_cost_diff,
    effective_basis, ok. Tables that do not exist yet count as empty.
    """
    for temp, (relation, query) in _SOURCES.items():
        name = sql.safe_ident(temp)
        if db.table_exists(con, relation):
            con.execute(f"create or replace temp table {name} as {sql.load(query)}")
        else:
            con.execute(f"create or replace temp table {name} ({_EMPTY[temp]})")
    return sql.run(con, "reconcile/compare").pl()
