"""finops_lib.export: exactly one FOCUS version's columns, typed parquet or CSV, period filter, errors."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from aws_raw import create_raw, insert

from finops_lib import db, spec
from finops_lib.build import build
from finops_lib.cli import main
from finops_lib.errors import FinopsError, InputError
from finops_lib.export import export

USAGE = {
    "line_item_line_item_type": "Usage",
    "line_item_unblended_cost": "1.25",
    "line_item_usage_amount": "1",
}


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    c = db.connect(":memory:")
    create_raw(c)
    insert(c, USAGE, {**USAGE, "x_billing_period": "2026-10"})
    build(c)
    return c


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_parquet_export_has_exactly_the_versions_columns(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, version: str
) -> None:
    out = tmp_path / "focus.parquet"
    result = export(con, out, focus_version=version, fmt="parquet")
    desc = con.execute("describe select * from read_parquet($p)", {"p": str(out)}).fetchall()
    assert [d[0] for d in desc] == [c.name for c in spec.focus_columns(version)]
    types = {d[0]: d[1] for d in desc}
    assert types["BilledCost"] == "DECIMAL(38,10)"
    assert types["BillingPeriodStart"] == "TIMESTAMP WITH TIME ZONE"
    assert result.rows == 2


def test_1_2_export_has_57_columns_and_1_3_has_65(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    assert len(export(con, tmp_path / "a.parquet", focus_version="1.2").columns) == 57
    assert len(export(con, tmp_path / "b.parquet", focus_version="1.3").columns) == 65


def test_csv_export_filters_period_and_writes_utc_z_datetimes(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    out = tmp_path / "focus.csv"
    result = export(con, out, focus_version="1.2", fmt="csv", period="2026-10")
    rows = con.execute(
        "select BilledCost, ChargePeriodStart from read_csv($p, all_varchar = true)",
        {"p": str(out)},
    ).fetchall()
    assert result.rows == 1
    assert rows == [("1.2500000000", "2026-09-02T00:00:00Z")]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"focus_version": "1.1"}, "unknown FOCUS version"),
        ({"fmt": "xlsx"}, "unknown export format"),
        ({"period": "2026-13"}, "bad period"),
        ({"period": "2025-01"}, "no FOCUS rows for billing period 2025-01"),
    ],
)
def test_bad_export_arguments_raise_input_errors(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, kwargs: dict[str, str], message: str
) -> None:
    with pytest.raises(InputError, match=message):
        export(con, tmp_path / "x.parquet", **kwargs)
    assert not (tmp_path / "x.parquet").exists()


def test_export_before_build_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(FinopsError, match="finops focus build"):
        export(db.connect(":memory:"), tmp_path / "x.parquet")


def test_cli_builds_publishes_and_exports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPEN_FINOPS_PROJECT_PUBLISH_DIR", str(tmp_path / "pub"))
    warehouse = tmp_path / "w.duckdb"
    c = db.connect(warehouse)
    create_raw(c)
    insert(c, USAGE)
    c.close()
    assert main(["--database", str(warehouse), "focus", "build", "--no-publish"]) == 0
    assert not (tmp_path / "pub" / "finops.duckdb").exists()  # the FOCUS store only
    assert main(["--database", str(warehouse), "focus", "build"]) == 0
    snap = db.connect(tmp_path / "pub" / "finops.duckdb", read_only=True)
    rows = snap.execute("select count(*) from focus.cost_and_usage").fetchone()
    snap.close()
    assert rows is not None and rows[0] > 0
    out = tmp_path / "out" / "f.csv"
    args = ["--database", str(warehouse), "focus", "export", "--focus-version", "1.3"]
    assert main([*args, "--format", "csv", "--output", str(out)]) == 0
    header = out.read_text().splitlines()[0].split(",")
    assert header == [c.name for c in spec.focus_columns("1.3")]
    assert main([*args, "--format", "csv", "--output", str(out), "--period", "1999-01"]) != 0
