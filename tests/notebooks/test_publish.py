"""The published snapshot: a full copy of focus, marts and meta, replaced atomically, plus Parquet."""

from __future__ import annotations

from pathlib import Path

import duckdb
from focus_fixture import Warehouse, build

from finops_lib.config import load_settings
from finops_lib.publish import SCHEMA_FILE, publish, snapshot_path


def _counts(path: Path) -> dict[str, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_schema in ('focus', 'marts', 'meta') order by 1"
        ).fetchall()
        return {t: con.execute(f"select count(*) from {t}").fetchone()[0] for (t,) in tables}  # type: ignore[index]
    finally:
        con.close()


def test_snapshot_holds_the_same_tables_and_rows(warehouse: Warehouse) -> None:
    snap = snapshot_path(warehouse.settings)
    assert _counts(snap) == _counts(warehouse.database)
    assert "marts.daily_cost" in _counts(snap)


def test_parquet_written_per_table(warehouse: Warehouse) -> None:
    parquet = snapshot_path(warehouse.settings).parent / "parquet"
    folders = sorted(p.name for p in parquet.iterdir() if p.is_dir())
    assert "focus__cost_and_usage" in folders and "marts__daily_cost" in folders
    # a mart patched per billing period: one file per period, holding exactly the mart's rows
    daily = parquet / "marts__daily_cost"
    assert (daily / SCHEMA_FILE).exists() and not (daily / "data.parquet").exists()
    mart = duckdb.connect(str(warehouse.database), read_only=True)
    try:
        files = mart.execute(
            "select filename, count(distinct billing_period) from read_parquet($g, filename=true) "
            "group by all",
            {"g": str(daily / "*.parquet")},
        ).fetchall()
        periods = mart.execute("select count(distinct billing_period) from marts.daily_cost")
        assert all(n == 1 for _, n in files) and periods.fetchone() == (len(files),)
        for left, right in (("published", "marts.daily_cost"), ("marts.daily_cost", "published")):
            diff = mart.execute(
                f"with published as (select * from read_parquet($g)) "
                f"select count(*) from (select * from {left} except all select * from {right})",
                {"g": str(daily / "*.parquet")},
            ).fetchone()
            assert diff == (0,)
    finally:
        mart.close()
    focus = parquet / "focus__cost_and_usage"
    con = duckdb.connect(str(warehouse.database), read_only=True)
    try:
        # the folder holds exactly the warehouse's rows, one file per (provider, export, period)
        for left, right in (
            ("published", "focus.cost_and_usage"),
            ("focus.cost_and_usage", "published"),
        ):
            diff = con.execute(
                f"with published as (select * from read_parquet($g)) "
                f"select count(*) from (select * from {left} except all select * from {right})",
                {"g": str(focus / "*.parquet")},
            ).fetchone()
            assert diff == (0,)
        per_file = con.execute(
            "select filename, count(distinct (x_provider, x_export_name, x_billing_period)) "
            "from read_parquet($g, filename=true) group by all",
            {"g": str(focus / "*.parquet")},
        ).fetchall()
        scopes = con.execute(
            "select count(distinct (x_provider, x_export_name, x_billing_period)) from focus.cost_and_usage"
        ).fetchone()
    finally:
        con.close()
    assert all(n == 1 for _, n in per_file) and scopes == (len(per_file),)
    assert (focus / SCHEMA_FILE).exists()  # zero rows, so the folder reads even when empty


def test_publish_from_an_open_connection_replaces_the_snapshot(tmp_path: Path) -> None:
    database = build(tmp_path / "w.duckdb")
    settings = load_settings(env={"OPEN_FINOPS_PROJECT_PUBLISH_DIR": str(tmp_path / "pub")})
    first = publish(database, settings)
    con = duckdb.connect(str(database))
    con.execute("delete from focus.cost_and_usage where x_billing_period = '2024-07'")
    second = publish(con, settings)
    con.close()
    assert first == second
    assert _counts(second)["focus.cost_and_usage"] == _counts(database)["focus.cost_and_usage"]
    assert not [p for p in (tmp_path / "pub").iterdir() if p.name.startswith(".finops-")]


def test_snapshot_can_be_read_while_the_warehouse_is_locked_by_a_writer(tmp_path: Path) -> None:
    database = build(tmp_path / "w.duckdb")
    settings = load_settings(env={"OPEN_FINOPS_PROJECT_PUBLISH_DIR": str(tmp_path / "pub")})
    snap = publish(database, settings)
    writer = duckdb.connect(str(database))  # an import holding the write lock
    try:
        reader = duckdb.connect(str(snap), read_only=True)
        assert reader.execute("select count(*) from focus.cost_and_usage").fetchone()[0] > 0  # type: ignore[index]
        reader.close()
    finally:
        writer.close()
