"""The Azure raw tables (``raw_azure.cost``, ``raw_azure.focus``): create them, add new columns.

Their columns are the contract of docs/CONTRACTS.md (``raw_azure``); the staging views, the FOCUS
mapping and the reconciliation totals under ``queries/*/azure_*.sql`` read them.
"""

from __future__ import annotations

import duckdb

from finops_lib import state
from finops_lib.sources.aws_cur.tables import focus_types
from finops_lib.sources.azure_exports.settings import (
    CANONICAL_COLUMNS,
    FOCUS_META_COLUMNS,
    META_COLUMNS,
    RAW_SCHEMA,
)
from finops_lib.sql import quote_ident

COST_TABLE = f"{RAW_SCHEMA}.cost"
FOCUS_TABLE = f"{RAW_SCHEMA}.focus"


def _ensure(con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, str]) -> list[str]:
    ddl = ", ".join(f"{quote_ident(c)} {t}" for c, t in columns.items())
    con.execute(f"create table if not exists {table} ({ddl})")
    return state.add_columns(con, table, columns)


def ensure_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Create ``raw_azure.cost`` and ``raw_azure.focus`` when absent; add the contract's columns
    an older version of them lacks. Returns the columns added to existing tables."""
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    added = _ensure(con, COST_TABLE, {**CANONICAL_COLUMNS, **META_COLUMNS})
    added += _ensure(con, FOCUS_TABLE, {**focus_types(), **FOCUS_META_COLUMNS})
    return added
