"""The GCP raw table ``raw_gcp.billing``: create it, add new columns (contract: settings.py)."""

from __future__ import annotations

import duckdb

from finops_lib import state
from finops_lib.sources.gcp_billing.settings import COLUMNS, RAW_SCHEMA, TABLE
from finops_lib.sql import quote_ident


def ensure_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Create ``raw_gcp.billing`` when absent; add the contract's columns an older one lacks."""
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    ddl = ", ".join(f"{quote_ident(c)} {t}" for c, t in COLUMNS.items())
    con.execute(f"create table if not exists {TABLE} ({ddl})")
    return state.add_columns(con, TABLE, COLUMNS)
