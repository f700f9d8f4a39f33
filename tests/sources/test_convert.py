"""``finops focus convert``: CUR files straight to a FOCUS file, checked against the generator's totals
and against the warehouse path (import + build) on the same files."""

from __future__ import annotations

import gzip
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from finops_lib.cli import main
from finops_lib.config import load_settings
from finops_lib.convert import convert
from finops_lib.demo import generate_aws
from finops_lib.errors import InputError
from finops_lib.pipeline import import_provider
from finops_lib.spec import focus_columns

PERIOD = "2026-09"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One month of both CUR flavours, and the files each current manifest lists."""
    out = tmp_path_factory.mktemp("convert")
    gen = generate_aws(out, rows=3_000, months=(PERIOD,), restate_last=False, rows_per_file=1_000)
    found = {}
    for flavour, export in gen.exports.items():
        pattern = "*.csv.gz" if flavour == "v1" else "*.parquet"
        manifest_id = gen.expected[flavour]["periods"][PERIOD]["manifest_id"]
        files = sorted(p for p in export.root.rglob(pattern) if manifest_id in str(p))
        found[flavour] = (export, files, gen.expected[flavour]["periods"][PERIOD])
    return found


@pytest.mark.parametrize("flavour", ["v1", "v2"])
def test_convert_reconciles_and_matches_the_warehouse(
    demo: dict, tmp_path: Path, flavour: str
) -> None:
    export, files, expected = demo[flavour]
    assert len(files) > 1, "the delivery should span several files"
    out = tmp_path / "focus.parquet"
    result = convert(files, out, cur_version=flavour)
    con = duckdb.connect()
    names = [
        r[0]
        for r in con.execute("describe select * from read_parquet($f)", {"f": str(out)}).fetchall()
    ]
    assert names == [c.name for c in focus_columns("1.2")]
    billed, effective, rows = con.execute(
        "select sum(BilledCost), sum(EffectiveCost), count(*) from read_parquet($f)",
        {"f": str(out)},
    ).fetchone()
    assert result.rows == rows
    assert billed == Decimal(expected["unblended_cost"])
    assert effective == Decimal(expected["amortized_cost"])

    settings = (
        load_settings(env={})
        .override("project", "database", str(tmp_path / "w.duckdb"))
        .override("project", "publish_dir", str(tmp_path / "published"))
        .override("aws", "download_dir", str(tmp_path / "dl"))
    )
    import_provider(
        "aws",
        settings,
        bucket=str(export.root),
        prefix=export.prefix,
        export_name=export.name,
        cur_version=flavour,
    )
    cols = ", ".join(f'"{c.name}"' for c in focus_columns("1.2") if c.duckdb_type != "JSON")
    # the same rows, column for column, whichever way they were made (JSON compared as text)
    cmp = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    diff = cmp.execute(
        f"select count(*) from ((select {cols}, cast(Tags as varchar) from read_parquet($f)) "
        f"except all (select {cols}, cast(Tags as varchar) from focus.cost_and_usage))",
        {"f": str(out)},
    ).fetchone()[0]
    assert diff == 0


def test_convert_writes_csv_and_focus_1_3(demo: dict, tmp_path: Path) -> None:
    _, files, expected = demo["v1"]
    out = tmp_path / "focus.csv"
    result = convert(files, out, focus_version="1.3", fmt="csv")
    header = out.read_text().splitlines()[0].split(",")
    assert header == [c.name for c in focus_columns("1.3")]
    assert result.rows == len(out.read_text().splitlines()) - 1


def test_bad_input_names_the_file_and_leaves_no_output(demo: dict, tmp_path: Path) -> None:
    _, files, _ = demo["v1"]
    out = tmp_path / "focus.parquet"
    truncated = tmp_path / "cut.csv.gz"
    truncated.write_bytes(files[0].read_bytes()[: files[0].stat().st_size // 2])
    with pytest.raises(InputError, match="cut.csv.gz"):
        convert([truncated], out)
    assert not out.exists() and not list(tmp_path.glob(".*.tmp"))

    no_cost = tmp_path / "nocost.csv"
    no_cost.write_text(
        "lineItem/LineItemType,lineItem/UsageStartDate\nUsage,2026-09-01T00:00:00Z\n"
    )
    with pytest.raises(
        InputError, match=r"nocost.csv lacks required column\(s\) line_item_unblended_cost"
    ):
        convert([no_cost], out)
    with pytest.raises(InputError, match="does not exist"):
        convert([tmp_path / "missing.csv.gz"], out)
    with pytest.raises(InputError, match="focus"):
        convert(files, out, cur_version="focus")


def test_cli_exit_codes(demo: dict, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, files, _ = demo["v1"]
    out = tmp_path / "f.parquet"
    assert main(["focus", "convert", *map(str, files), "--output", str(out)]) == 0
    assert "FOCUS 1.2 rows" in capsys.readouterr().out
    before = out.read_bytes()
    bad = tmp_path / "bad.csv.gz"
    bad.write_bytes(gzip.compress(b"not,a,cur\n1,2,3\n"))
    assert main(["focus", "convert", str(bad), "--output", str(out)]) == 3
    err = capsys.readouterr().err
    assert err.startswith("error: bad.csv.gz lacks required column") and "Traceback" not in err
    # the earlier output is untouched by the failed run
    assert out.read_bytes() == before
