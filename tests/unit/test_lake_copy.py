"""Copying DuckDB-loaded periods into the Spark lake (``write_duckdb_scopes``): a partition is
swapped in whole, and a copy that fails leaves the old partition as it was (no Spark needed:
the copy is DuckDB writing Parquet)."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from finops_lib.engine import spark_load
from finops_lib.engine.spark_load import partition_dir, write_duckdb_scopes

SCOPE = ("gcp", "billing", "2026-09")
COLS = ("x_provider", "x_export_name", "x_billing_period")


def _warehouse(path: Path, cost: str) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute("create schema if not exists raw_gcp")
    con.execute(
        "create or replace table raw_gcp.billing as select * from (values"
        " ('gcp', 'billing', '2026-09', cast($c as decimal(38, 10))),"
        " ('gcp', 'billing', '2026-10', 2.0)) as t (x_provider, x_export_name, x_billing_period, cost)",
        {"c": cost},
    )
    return con


def _lake(raw: Path) -> dict[str, bytes]:
    return {str(p.relative_to(raw)): p.read_bytes() for p in sorted(raw.rglob("*")) if p.is_file()}


def test_a_period_is_swapped_in_and_a_failed_swap_keeps_the_old_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = tmp_path / "raw"
    con = _warehouse(tmp_path / "w.duckdb", "1.5")
    assert write_duckdb_scopes(con, raw, None) == 2
    folder = partition_dir(raw, "raw_gcp.billing", COLS, SCOPE)
    got = duckdb.sql(
        "select sum(cost) from read_parquet($p)", params={"p": str(folder / "*.parquet")}
    ).fetchone()
    assert got is not None and str(got[0]) == "1.5000000000"
    before = _lake(raw)

    con = _warehouse(tmp_path / "w.duckdb", "9.25")  # the period restated in the warehouse
    real = os.replace
    calls = []

    def failing(src: object, dst: object) -> None:  # the new partition's rename fails
        calls.append((src, dst))
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(spark_load.os, "replace", failing)
    with pytest.raises(OSError):
        write_duckdb_scopes(con, raw, [SCOPE])
    monkeypatch.undo()
    assert _lake(raw) == before  # the old partition, byte for byte; no temp folder left
    assert sorted(p.name for p in folder.parent.iterdir()) == [
        "x_billing_period=2026-09",
        "x_billing_period=2026-10",
    ]

    assert write_duckdb_scopes(con, raw, [SCOPE]) == 1
    got = duckdb.sql(
        "select sum(cost) from read_parquet($p)", params={"p": str(folder / "*.parquet")}
    ).fetchone()
    assert got is not None and str(got[0]) == "9.2500000000"
    con.close()
