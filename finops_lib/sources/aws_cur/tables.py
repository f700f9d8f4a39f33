"""The AWS raw tables (``raw_aws.cur``, ``raw_aws.focus``): create them and migrate older ones.

Their columns are the contract of docs/CONTRACTS.md (``raw_aws.cur``); the staging views and the
reconciliation totals under ``queries/`` read them.
"""

from __future__ import annotations

import functools

import duckdb

from finops_lib import state
from finops_lib.sources.aws_cur.settings import (
    CANONICAL_COLUMNS,
    FOCUS_META_COLUMNS,
    META_COLUMNS,
    RAW_SCHEMA,
)
from finops_lib.sql import quote_ident


@functools.cache
def focus_types() -> dict[str, str]:
    """FOCUS 1.2 column -> DuckDB type for ``raw_aws.focus`` (JSON columns kept as VARCHAR text)."""
    from finops_lib.spec import focus_columns

    return {
        c.name: ("VARCHAR" if c.duckdb_type == "JSON" else c.duckdb_type)
        for c in focus_columns("1.2")
    }


def _create(con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, str]) -> None:
    ddl = ", ".join(f"{quote_ident(c)} {t}" for c, t in columns.items())
    con.execute(f"create table if not exists {RAW_SCHEMA}.{quote_ident(table)} ({ddl})")


def ensure_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Create ``raw_aws.cur`` and ``raw_aws.focus`` when absent; migrate older ones.

    Returns:
        The columns the migration changed in ``raw_aws.cur`` (empty when it was current).
    """
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    changed = migrate(con)
    _create(con, "cur", {**CANONICAL_COLUMNS, **META_COLUMNS})
    _create(con, "focus", {**focus_types(), **FOCUS_META_COLUMNS})
    return changed


def _cur_columns(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(
        con.execute(
            "select column_name, data_type from information_schema.columns"
            " where table_schema = $s and table_name = 'cur'",
            {"s": RAW_SCHEMA},
        ).fetchall()
    )


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Bring a ``raw_aws.cur`` written by an older version to the current columns (every import
    calls this first, so an upgrade needs no manual step). Returns what was changed.

    * MAP columns become JSON object text;
    * canonical columns added since are added; the ``product_*`` ones are filled from the row's
      ``product`` JSON, as the load takes them out of a CUR 2.0 ``product`` map.
    """
    have = _cur_columns(con)
    if not have:
        return []
    changed = _maps_to_json(con, have)
    added = state.add_columns(con, f"{RAW_SCHEMA}.cur", {**CANONICAL_COLUMNS, **META_COLUMNS})
    for col in added:
        if col.startswith("product_") and "product" in have:
            con.execute(
                f"update {RAW_SCHEMA}.cur set {quote_ident(col)} ="  # noqa: S608 - quoted ident
                " nullif(json_extract_string(product, $k), '') where product is not null",
                {"k": "$." + col.removeprefix("product_")},
            )
    return changed + added


def _maps_to_json(con: duckdb.DuckDBPyConnection, have: dict[str, str]) -> list[str]:
    """Convert the MAP columns of a ``raw_aws.cur`` written by an older version to JSON text."""
    old = [c for c, t in have.items() if t.startswith("MAP")]
    for col in old:
        ident = quote_ident(col)
        con.execute(
            f"alter table {RAW_SCHEMA}.cur alter {ident} type varchar"
            f" using nullif(cast(to_json({ident}) as varchar), '{{}}')"
        )
    return old
