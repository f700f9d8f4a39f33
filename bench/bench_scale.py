"""Out of core at 100M rows (issue 15, item 3): the import's time and peak RSS at 1M, 10M and 100M
rows of CUR v1, against DuckDB alone, and the notebook queries on the 100M-row warehouse.

Usage: python -m bench.bench_scale [--rows-per-month 10000000] [--months 10] [--small 1000000]

Data (``finops_lib.demo.generate_aws`` through ``bench.bench_history.generate``, CUR v1 CSV.gz,
kept under ``data/bench/history-<rows>-<months>`` and reused): one month of ``--small`` usage rows,
and ``--months`` months of ``--rows-per-month`` rows each.

Steps, each a fresh child process (wall time and its own peak RSS, ``bench.common``), one run each
(a 100M-row run takes most of an hour):

* **1M**: DuckDB alone (``CREATE TABLE t AS SELECT * FROM read_csv(files)``, the month's files), then
  ``finops`` importing the same month into a fresh warehouse.
* **10M**: the same on the big bucket's first month.
* **100M**: that 10M warehouse goes on importing the other months, one import per month
  (``import_provider(..., periods=[month])``) as a monthly schedule would: the load, the build of
  that month's scope and the publish. Every month's time and peak RSS are recorded; the months'
  sum is the 100M import.
* **queries**: the analyses behind the notebooks (``bench.bench_queries.queries``, median of 5
  after a warm-up) on the published snapshot of the 100M warehouse, read-only as the app reads it.

Every import's FOCUS BilledCost is checked to the cent against the month's generated total.
Results: ``data/bench/scale-<rows>-<months>.json`` and a markdown table on stdout.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from bench.bench_history import NAME, PREFIX, generate, import_step, months
from bench.common import ROOT, machine, python_step, save_json
from finops_lib.config import SCHEMA

MEMORY_LIMIT = SCHEMA["project"]["memory_limit"][1]

DUCKDB = """
import duckdb, json
files = json.loads({files!r})
con = duckdb.connect({db!r})
con.execute("CREATE TABLE t AS SELECT * FROM read_csv($f)", {{"f": files}})
"""


def _files(bucket: Path, month: str) -> list[str]:
    """The CUR v1 files of ``month`` in a generated bucket."""
    year, mon = (int(x) for x in month.split("-"))
    end = f"{year + mon // 12:04d}{mon % 12 + 1:02d}01"
    folder = bucket / PREFIX / NAME / f"{year:04d}{mon:02d}01-{end}"
    found = sorted(str(p) for p in folder.glob("*/*.csv.gz"))
    if not found:
        raise SystemExit(f"no CUR files for {month} under {folder}")
    return found


def _duckdb_alone(bucket: Path, month: str, work: Path) -> dict:
    db = work / "alone.duckdb"
    db.unlink(missing_ok=True)
    wall, peak = python_step(DUCKDB.format(files=json.dumps(_files(bucket, month)), db=str(db)))
    db.unlink(missing_ok=True)
    return {"wall": wall, "peak_mb": peak}


def _import(folder: Path, bucket: Path, month: str) -> dict:
    out = folder / "import.json"
    out.unlink(missing_ok=True)
    wall, peak = import_step(folder, bucket, [month], force=False, out=str(out))
    data = json.loads(out.read_text())
    return data | {"month": month, "wall": wall, "peak_mb": peak}


def _check(folder: Path, bucket: Path) -> dict[str, str]:
    """FOCUS BilledCost per month against the generator's totals (to the cent)."""
    import duckdb

    expected = json.loads((bucket / "expected_totals.json").read_text())
    con = duckdb.connect(str(folder / "published" / "finops.duckdb"), read_only=True)
    try:
        got = dict(
            con.execute(
                "select x_billing_period, sum(BilledCost) from focus.cost_and_usage group by 1"
            ).fetchall()
        )
    finally:
        con.close()
    bad = {}
    for period, totals in expected["periods"].items():
        want, total = Decimal(totals["unblended_cost"]), got.get(period)
        if total is None or round(Decimal(str(total)), 2) != round(want, 2):
            bad[period] = f"{total} != {want}"
    return bad


def run(rows_per_month: int, count: int, small: int) -> dict:
    data = ROOT / "data" / "bench"
    big = generate(data / f"history-{rows_per_month}-{count}" / "bucket", rows_per_month, count)
    little = generate(data / f"history-{small}-1" / "bucket", small, 1)
    report: dict = {
        "machine": machine(),
        "memory_limit": MEMORY_LIMIT,
        "rows_per_month": rows_per_month,
        "months": count,
        "small": small,
        "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    all_months = list(months(count))
    work = Path(tempfile.mkdtemp(prefix="bench-scale-", dir=ROOT / "data" / "bench"))
    try:
        for label, bucket, month in (
            ("small", little, months(1)[0]),
            ("big", big, all_months[0]),
        ):
            folder = work / label
            folder.mkdir()
            report[f"{label}_duckdb"] = _duckdb_alone(bucket, month, work)
            print(f"{label} DuckDB alone: {report[f'{label}_duckdb']}", flush=True)
            report[f"{label}_import"] = _import(folder, bucket, month)
            print(f"{label} import: {report[f'{label}_import']}", flush=True)
        steps = []
        for month in all_months[1:]:
            steps.append(_import(work / "big", big, month))
            print(f"month {month}: {steps[-1]}", flush=True)
        report["months_imported"] = [report["big_import"], *steps]
        report["wrong_totals"] = {"small": _check(work / "small", little)}
        report["wrong_totals"]["big"] = _check(work / "big", big)
        report["warehouse_mb"] = (
            sum(p.stat().st_size for p in (work / "big").rglob("*") if p.is_file()) / 1e6
        )
        from bench.bench_queries import run as run_queries

        report["queries_ms"] = run_queries(work / "big" / "published" / "finops.duckdb")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    save_json(ROOT / "data" / "bench" / f"scale-{rows_per_month}-{count}.json", report)
    return report


def table(report: dict) -> str:
    steps = report["months_imported"]
    lines = [
        "| rows | DuckDB alone s | finops import s | x DuckDB alone | s per 1M rows | peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label in ("small", "big"):
        alone, imp = report[f"{label}_duckdb"], report[f"{label}_import"]
        rows = imp["rows"]
        lines.append(
            f"| {rows:,} | {alone['wall']:.1f} | {imp['wall']:.1f} | {imp['wall'] / alone['wall']:.2f} "
            f"| {imp['wall'] / rows * 1e6:.2f} | {imp['peak_mb']:.0f} |"
        )
    rows = sum(s["rows"] for s in steps)
    wall = sum(s["wall"] for s in steps)
    lines.append(
        f"| {rows:,} ({len(steps)} monthly imports) | | {wall:.1f} | | {wall / rows * 1e6:.2f} "
        f"| {max(s['peak_mb'] for s in steps):.0f} |"
    )
    lines += ["", "| month | rows | import s | build s | publish s | wall s | peak RSS MB |"]
    lines.append("|---|---:|---:|---:|---:|---:|---:|")
    for s in steps:
        lines.append(
            f"| {s['month']} | {s['rows']:,} | {s['import']:.1f} | {s['build']:.1f} "
            f"| {s['publish']:.1f} | {s['wall']:.1f} | {s['peak_mb']:.0f} |"
        )
    lines += ["", "| query | median ms |", "|---|---:|"]
    lines += [f"| {name} | {ms:.1f} |" for name, ms, _ in report["queries_ms"]]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows-per-month", type=int, default=10_000_000)
    parser.add_argument("--months", type=int, default=10)
    parser.add_argument("--small", type=int, default=1_000_000)
    args = parser.parse_args()
    report = run(args.rows_per_month, args.months, args.small)
    print(table(report))
    print(
        f"wrong totals: {report['wrong_totals']}; warehouse + store {report['warehouse_mb']:.0f} MB"
    )


if __name__ == "__main__":
    main()
