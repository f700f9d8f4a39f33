"""Reconciliation: FOCUS totals against the source, per provider, export, period and account.

* ``BilledCost`` against the unblended cost measured while reading the source files
  (``meta.source_totals``, written by ingestion, independent of the FOCUS mapping);
* ``EffectiveCost`` against the amortised cost of AWS's Cloud Intelligence Dashboards, recomputed
  on ``raw_aws.cur`` (``queries/reconcile/aws_cur_amortized.sql``); for sources without raw CUR rows
  (e.g. AWS's FOCUS export) against the load-time ``amortized_cost`` of ``meta.source_totals``.

Exact DECIMAL arithmetic: a row is ``ok`` only when both differences are exactly zero.
"""

from __future__ import annotations

import duckdb
import polars as pl

from finops_lib import sql

KEYS = "provider varchar, export_name varchar, billing_period varchar, billing_account_id varchar, currency varchar"
_EMPTY = {
    "recon_focus": KEYS + ", focus_source_rows bigint, focus_billed_cost decimal(38,10), "
    "focus_effective_cost decimal(38,10)",
    "recon_source": KEYS + ", source_rows bigint, source_unblended_cost decimal(38,10), "
    "source_amortized_cost decimal(38,10)",
    "recon_cid": KEYS + ", raw_unblended_cost decimal(38,10), cid_amortized_cost decimal(38,10)",
}
_SOURCES = {
    "recon_focus": ("focus.cost_and_usage", "reconcile/focus_totals"),
    "recon_source": ("meta.source_totals", "reconcile/source_totals"),
    "recon_cid": ("raw_aws.cur", "reconcile/aws_cur_amortized"),
}


def _exists(con: duckdb.DuckDBPyConnection, relation: str) -> bool:
    schema, _, table = relation.partition(".")
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = $s and table_name = $t",
        {"s": schema, "t": table},
    ).fetchone()
    return bool(row and row[0])


def reconcile(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """FOCUS vs source totals side by side, with differences and an ``ok`` flag per row.

    Columns: provider, export_name, billing_period, billing_account_id, currency,
    focus_source_rows, source_rows, focus_billed_cost, source_unblended_cost, billed_cost_diff,
    unblended_basis, focus_effective_cost, source_amortized_cost, effective_cost_diff,
    amortized_basis, ok.
    Tables that do not exist yet count as empty.
    """
    for temp, (relation, query) in _SOURCES.items():
        name = sql.safe_ident(temp)
        if _exists(con, relation):
            con.execute(f"create or replace temp table {name} as {sql.load(query)}")
        else:
            con.execute(f"create or replace temp table {name} ({_EMPTY[temp]})")
    return sql.run(con, "reconcile/compare").pl()
