"""The GCP raw tables ``raw_gcp.billing`` and ``raw_gcp.focus``: create them, add new columns
(contract: settings.py, focus_reader.py)."""

from __future__ import annotations

import duckdb

from finops_lib import state
from finops_lib.sources.gcp_billing import focus_reader
from finops_lib.sources.gcp_billing.settings import COLUMNS, FOCUS_TABLE, RAW_SCHEMA, TABLE
from finops_lib.sql import quote_ident


def ensure_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Create ``raw_gcp.billing`` and ``raw_gcp.focus`` when absent; add the contract's columns
    an older one lacks."""
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    added = []
    for table, cols in ((TABLE, COLUMNS), (FOCUS_TABLE, focus_reader.columns())):
        ddl = ", ".join(f"{quote_ident(c)} {t}" for c, t in cols.items())
        con.execute(f"create table if not exists {table} ({ddl})")
        added += state.add_columns(con, table, cols)
    return added
