"""Load state in the warehouse: ``meta.load_state`` (what is loaded) and ``meta.source_totals``."""

from __future__ import annotations

import duckdb

from finops_lib.sources.aws_cur.settings import CANONICAL_COLUMNS, FOCUS_META_COLUMNS, META_COLUMNS
from finops_lib.sql import quote_ident

LOAD_STATE_DDL = """
CREATE TABLE IF NOT EXISTS meta.load_state (
    provider VARCHAR NOT NULL,
    export_name VARCHAR NOT NULL,
    cur_version VARCHAR,
    billing_period VARCHAR NOT NULL,
    manifest_id VARCHAR,
    manifest_key VARCHAR,
    files INTEGER,
    rows BIGINT,
    loaded_at TIMESTAMPTZ,
    load_id VARCHAR,
    PRIMARY KEY (provider, export_name, billing_period)
)
"""

SOURCE_TOTALS_DDL = """
CREATE TABLE IF NOT EXISTS meta.source_totals (
    provider VARCHAR NOT NULL,
    export_name VARCHAR NOT NULL,
    billing_period VARCHAR NOT NULL,
    manifest_id VARCHAR,
    billing_account_id VARCHAR,
    currency VARCHAR,
    rows BIGINT,
    unblended_cost DECIMAL(38,10),
    net_unblended_cost DECIMAL(38,10),
    amortized_cost DECIMAL(38,10)
)
"""


def ensure_meta(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``meta.load_state`` and ``meta.source_totals`` when absent."""
    con.execute("CREATE SCHEMA IF NOT EXISTS meta")
    con.execute(LOAD_STATE_DDL)
    con.execute(SOURCE_TOTALS_DDL)


def ensure_raw(con: duckdb.DuckDBPyConnection, focus_types: dict[str, str] | None = None) -> None:
    """Create ``raw_aws.cur`` (and ``raw_aws.focus`` when ``focus_types`` is given) when absent."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw_aws")
    cols = {**CANONICAL_COLUMNS, **META_COLUMNS}
    ddl = ", ".join(f"{quote_ident(c)} {t}" for c, t in cols.items())
    con.execute(f"CREATE TABLE IF NOT EXISTS raw_aws.cur ({ddl})")
    migrate(con)
    if focus_types is not None:
        cols = {**focus_types, **FOCUS_META_COLUMNS}
        ddl = ", ".join(f"{quote_ident(c)} {t}" for c, t in cols.items())
        con.execute(f"CREATE TABLE IF NOT EXISTS raw_aws.focus ({ddl})")


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Bring a ``raw_aws.cur`` written by an older version to the current columns (imports and
    builds call this first, so an upgrade needs no manual step). Returns what was changed.

    * MAP columns become JSON object text;
    * canonical columns added since are added; the ``product_*`` ones are filled from the row's
      ``product`` JSON, as the load takes them out of a CUR 2.0 ``product`` map.
    """
    have = dict(
        con.execute(
            "select column_name, data_type from information_schema.columns"
            " where table_schema = 'raw_aws' and table_name = 'cur'"
        ).fetchall()
    )
    if not have:
        return []
    changed = _maps_to_json(con)
    for col, typ in {**CANONICAL_COLUMNS, **META_COLUMNS}.items():
        if col in have:
            continue
        ident = quote_ident(col)
        con.execute(f"ALTER TABLE raw_aws.cur ADD COLUMN {ident} {typ}")
        if col.startswith("product_") and "product" in have:
            path = "$." + col.removeprefix("product_")
            con.execute(
                f"UPDATE raw_aws.cur SET {ident} = NULLIF(json_extract_string(product, $k), '')"  # noqa: S608 - quoted ident
                " WHERE product IS NOT NULL",
                {"k": path},
            )
        changed.append(col)
    return changed


def _maps_to_json(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Convert the MAP columns of a ``raw_aws.cur`` written by an older version to JSON text."""
    old = con.execute(
        "select column_name from information_schema.columns where table_schema = 'raw_aws'"
        " and table_name = 'cur' and data_type like 'MAP%'"
    ).fetchall()
    for (col,) in old:
        ident = quote_ident(col)
        con.execute(
            f"ALTER TABLE raw_aws.cur ALTER {ident} TYPE VARCHAR"
            f" USING NULLIF(CAST(to_json({ident}) AS VARCHAR), '{{}}')"
        )
    return [c for (c,) in old]


def add_columns(con: duckdb.DuckDBPyConnection, table: str, wanted: dict[str, str]) -> list[str]:
    """``ALTER TABLE ADD COLUMN`` for the ``wanted`` columns the raw table lacks; returns them."""
    schema, name = table.split(".")
    have = {
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns where table_schema=$s and table_name=$t",
            {"s": schema, "t": name},
        ).fetchall()
    }
    added = [c for c in wanted if c not in have]
    for c in added:
        con.execute(f"ALTER TABLE {table} ADD COLUMN {quote_ident(c)} {wanted[c]}")
    return added


def loaded_manifest(con: duckdb.DuckDBPyConnection, export_name: str, period: str) -> str | None:
    """The manifest id loaded for an AWS export's period, or None."""
    row = con.execute(
        "select manifest_id from meta.load_state where provider='AWS' and export_name=$e"
        " and billing_period=$p",
        {"e": export_name, "p": period},
    ).fetchone()
    return None if row is None else row[0]


def unbuilt(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    """``(provider, export_name, period)`` loaded after the last finished FOCUS build.

    A build that failed (or was interrupted) after its load committed writes no ``meta.build_log``
    row, so the next import builds these periods even though their manifests are loaded.
    """
    ensure_meta(con)
    logged = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'meta' and table_name = 'build_log'"
    ).fetchone()
    last = "(select max(built_at) from meta.build_log)" if logged and logged[0] else "NULL"
    rows = con.execute(
        "select provider, export_name, billing_period from meta.load_state "  # noqa: S608 - fixed text
        f"where loaded_at > coalesce({last}, '-infinity'::timestamptz) order by all"
    ).fetchall()
    return [(str(a), str(b), str(c)) for a, b, c in rows]


def load_state(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Every ``meta.load_state`` row, ordered by export and period (empty before any load)."""
    ensure_meta(con)
    return con.execute(
        "select provider, export_name, cur_version, billing_period, manifest_id, files, rows,"
        " loaded_at, load_id from meta.load_state order by provider, export_name, billing_period"
    ).fetchall()


CUR_TOTALS_SQL = """
insert into meta.source_totals
select 'AWS', $e, $p, $m, bill_payer_account_id, line_item_currency_code, count(*),
    cast(sum(line_item_unblended_cost) as decimal(38,10)),
    cast(sum(line_item_net_unblended_cost) as decimal(38,10)),
    cast(sum(case
        when line_item_line_item_type = 'SavingsPlanCoveredUsage'
            then coalesce(savings_plan_savings_plan_effective_cost, 0)
        when line_item_line_item_type = 'SavingsPlanRecurringFee'
            then coalesce(savings_plan_total_commitment_to_date, 0) - coalesce(savings_plan_used_commitment, 0)
        when line_item_line_item_type in ('SavingsPlanNegation', 'SavingsPlanUpfrontFee') then 0
        when line_item_line_item_type = 'DiscountedUsage' then coalesce(reservation_effective_cost, 0)
        when line_item_line_item_type = 'RIFee'
            then coalesce(reservation_unused_amortized_upfront_fee_for_billing_period, 0)
                + coalesce(reservation_unused_recurring_fee, 0)
        when line_item_line_item_type = 'Fee' and coalesce(reservation_reservation_a_r_n, '') <> '' then 0
        else coalesce(line_item_unblended_cost, 0)
    end) as decimal(38,10))
from raw_aws.cur where x_load_id = $l and x_export_name = $e and x_billing_period = $p
group by all
"""

FOCUS_TOTALS_SQL = """
insert into meta.source_totals
select 'AWS', $e, $p, $m, BillingAccountId, BillingCurrency, count(*),
    cast(sum(BilledCost) as decimal(38,10)), null, cast(sum(EffectiveCost) as decimal(38,10))
from raw_aws.focus where x_load_id = $l and x_load_export_name = $e and x_billing_period = $p
group by all
"""
