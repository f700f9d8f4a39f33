"""The published snapshot: a full copy of focus, marts and meta, replaced atomically, plus Parquet."""

from __future__ import annotations

from pathlib import Path

import duckdb
from focus_fixture import Warehouse, build

from finops_lib.config import load_settings
from finops_lib.publish import publish, snapshot_path


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
    names = sorted(p.name for p in parquet.glob("*.parquet"))
    assert "focus__cost_and_usage.parquet" in names and "marts__daily_cost.parquet" in names
    rows = duckdb.sql(
        f"select count(*) from '{parquet / 'focus__cost_and_usage.parquet'}'"
    ).fetchone()
    assert rows is not None and rows[0] == _counts(warehouse.database)["focus.cost_and_usage"]


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
