"""Load state in the warehouse, for every provider alike.

* ``meta.load_state``: one row per loaded ``(provider, export, billing period)`` with the delivery
  id that was loaded (a delivery already loaded is skipped);
* ``meta.source_totals``: totals measured on the raw rows right after they were loaded, by the
  provider's ``queries/reconcile/<prefix>_*.sql`` files, independent of the FOCUS mapping (what
  reconciliation compares FOCUS to; the published snapshot carries it, the raw rows it does not).

Nothing here knows a provider: raw tables belong to the sources (``finops_lib/sources/*``).
"""

from __future__ import annotations

import duckdb

from finops_lib import db, sql
from finops_lib.sql import quote_ident

LOAD_STATE_DDL = """
create table if not exists meta.load_state (
    provider varchar not null,
    export_name varchar not null,
    format varchar,
    billing_period varchar not null,
    delivery_id varchar,
    location varchar,
    files integer,
    rows bigint,
    loaded_at timestamptz,
    load_id varchar,
    primary key (provider, export_name, billing_period)
)
"""

SOURCE_TOTALS_DDL = """
create table if not exists meta.source_totals (
    provider varchar not null,
    export_name varchar not null,
    billing_period varchar not null,
    delivery_id varchar,
    billing_account_id varchar,
    currency varchar,
    rows bigint,
    billed_cost decimal(38,10),
    effective_cost decimal(38,10),
    billed_basis varchar,
    effective_basis varchar
)
"""

#: Columns renamed since the first, AWS-only version (old name -> new name), per table.
_RENAMED = {
    "load_state": {
        "cur_version": "format",
        "manifest_id": "delivery_id",
        "manifest_key": "location",
    },
    "source_totals": {
        "manifest_id": "delivery_id",
        "unblended_cost": "billed_cost",
        "amortized_cost": "effective_cost",
    },
}


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    rows = con.execute(
        "select column_name from information_schema.columns"
        " where table_schema = $s and table_name = $t order by ordinal_position",
        {"s": schema, "t": table},
    ).fetchall()
    return [r[0] for r in rows]


def _migrate_meta(con: duckdb.DuckDBPyConnection) -> None:
    """Bring ``meta.load_state`` / ``meta.source_totals`` of an older version to today's columns."""
    for table, renames in _RENAMED.items():
        have = _columns(con, "meta", table)
        for old, new in renames.items():
            if old in have and new not in have:
                con.execute(
                    f"alter table meta.{sql.safe_ident(table)} rename column {quote_ident(old)} to {quote_ident(new)}"
                )
    have = _columns(con, "meta", "source_totals")
    if "net_unblended_cost" in have:
        con.execute("alter table meta.source_totals drop column net_unblended_cost")
    for col in ("billed_basis", "effective_basis"):
        if col not in have:
            con.execute(f"alter table meta.source_totals add column {quote_ident(col)} varchar")


def ensure_meta(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``meta.load_state`` and ``meta.source_totals`` when absent (migrating older ones)."""
    con.execute("create schema if not exists meta")
    con.execute(LOAD_STATE_DDL)
    con.execute(SOURCE_TOTALS_DDL)
    _migrate_meta(con)


def add_columns(con: duckdb.DuckDBPyConnection, table: str, wanted: dict[str, str]) -> list[str]:
    """``alter table add column`` for the ``wanted`` columns ``schema.table`` lacks; returns them.

    Column types come from the caller's own constants or ``VARCHAR``; names are quoted.
    """
    schema, name = table.split(".")
    have = set(_columns(con, schema, name))
    added = [c for c in wanted if c not in have]
    target = f"{sql.safe_ident(schema)}.{sql.safe_ident(name)}"
    for c in added:
        con.execute(f"alter table {target} add column {quote_ident(c)} {wanted[c]}")
    return added


def loaded_delivery(
    con: duckdb.DuckDBPyConnection, provider: str, export_name: str, period: str
) -> str | None:
    """The delivery id loaded for an export's period, or None."""
    row = con.execute(
        "select delivery_id from meta.load_state where provider = $v and export_name = $e"
        " and billing_period = $p",
        {"v": provider, "e": export_name, "p": period},
    ).fetchone()
    return None if row is None else row[0]


def record_load(
    con: duckdb.DuckDBPyConnection,
    *,
    provider: str,
    export_name: str,
    period: str,
    fmt: str,
    delivery_id: str,
    location: str,
    files: int,
    rows: int,
    load_id: str,
    totals_queries: list[str],
) -> None:
    """Replace the period's ``meta.source_totals`` and ``meta.load_state`` rows (inside the
    caller's transaction, after its raw rows were replaced).

    ``totals_queries`` are the provider's ``queries/reconcile/<prefix>_*.sql`` whose inputs exist;
    each selects ``provider, export_name, billing_period, billing_account_id, currency, rows,
    billed_cost, effective_cost, billed_basis, effective_basis`` over its raw table.
    """
    scope = {"v": provider, "e": export_name, "p": period}
    con.execute(
        "delete from meta.source_totals"
        " where provider = $v and export_name = $e and billing_period = $p",
        scope,
    )
    for name in totals_queries:
        con.execute(
            "insert into meta.source_totals select provider, export_name, billing_period, $d,"  # noqa: S608 - stored query
            " billing_account_id, currency, rows, billed_cost, effective_cost, billed_basis,"
            f" effective_basis from (\n{sql.load(name)}\n) as totals"
            " where provider = $v and export_name = $e and billing_period = $p",
            scope | {"d": delivery_id},
        )
    con.execute(
        "delete from meta.load_state"
        " where provider = $v and export_name = $e and billing_period = $p",
        scope,
    )
    con.execute(
        "insert into meta.load_state values ($v, $e, $f, $p, $d, $k, $n, $r, now(), $l)",
        scope | {"f": fmt, "d": delivery_id, "k": location, "n": files, "r": rows, "l": load_id},
    )


def unbuilt(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    """``(provider, export_name, period)`` loaded after the last finished FOCUS build.

    A build that failed (or was interrupted) after its load committed writes no ``meta.build_log``
    row, so the next import builds these periods even though their deliveries are loaded.
    """
    ensure_meta(con)
    last = None
    if db.table_exists(con, "meta", "build_log"):
        row = con.execute("select max(built_at) from meta.build_log").fetchone()
        last = row[0] if row else None
    rows = con.execute(
        "select provider, export_name, billing_period from meta.load_state"
        " where $last is null or loaded_at > $last order by all",
        {"last": last},
    ).fetchall()
    return [(str(a), str(b), str(c)) for a, b, c in rows]


def load_state(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Every ``meta.load_state`` row, by provider, export and period (empty before any load):
    ``provider, export_name, format, billing_period, delivery_id, files, rows, loaded_at,
    load_id``."""
    ensure_meta(con)
    return con.execute(
        "select provider, export_name, format, billing_period, delivery_id, files, rows,"
        " loaded_at, load_id from meta.load_state order by provider, export_name, billing_period"
    ).fetchall()
