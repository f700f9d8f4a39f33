"""Time the queries behind the overview and explorer notebooks on a large FOCUS warehouse.

Usage: python -m bench.bench_queries WAREHOUSE.duckdb [--runs 5]
Each query runs once to warm up, then ``runs`` times; the median is reported (target: < 200 ms at
10M FOCUS rows). Runs in-process on a read-only connection, as the app does.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from finops_lib import db
from finops_lib.analysis import allocation, anomalies, base, cost


def queries(f: base.Filters) -> dict[str, Callable[[Any], Any]]:
    """The analyses behind the overview (10) and explorer-style breakdowns (20, 30, 50, 60)."""
    out: dict[str, Callable[[Any], Any]] = {
        "overview: kpis": lambda con: cost.kpis(con, f),
        "overview: daily cost": lambda con: cost.daily_cost(con, f),
        "overview: freshness": lambda con: cost.freshness(con),
        "savings: list -> effective": lambda con: cost.savings(con, f),
        "charge categories": lambda con: cost.charge_categories(con, f),
        "top resources": lambda con: cost.top_resources(con, f),
        "allocation: cost by tag team": lambda con: allocation.cost_by_tag(con, f, "team"),
        "allocation: tag coverage": lambda con: allocation.tag_coverage(con, f, ["team", "env"]),
        "anomalies: daily series": lambda con: anomalies.daily_series(con, f),
        "filter options": lambda con: base.filter_options(con),
    }
    for dim in base.DIMENSIONS:
        out[f"explorer: cost by {dim}"] = lambda con, d=dim: cost.cost_by(con, f, d)
    out["trends: monthly by service"] = lambda con: cost.monthly_by(con, f, "service")
    return out


def run(warehouse: Path, runs: int = 5) -> list[tuple[str, float, int]]:
    con = db.connect(warehouse, read_only=True)
    try:
        (rows,) = con.execute("select count(*) from focus.cost_and_usage").fetchone() or (0,)
        f = base.make_filters(con)
        results = []
        for name, fn in queries(f).items():
            fn(con)  # warm-up
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                fn(con)
                times.append(time.perf_counter() - start)
            results.append((name, statistics.median(times) * 1000, rows))
            print(f"  {name}: {results[-1][1]:.1f} ms", flush=True)
        return results
    finally:
        con.close()


def build(warehouse: Path, rows: int) -> None:
    """Generate ``rows`` of CUR 2.0 over three months and import them into a fresh warehouse."""
    import shutil

    from finops_lib import pipeline
    from finops_lib.config import load_settings
    from finops_lib.demo import generate_aws

    work = warehouse.parent / f"{warehouse.stem}-bucket"
    shutil.rmtree(work, ignore_errors=True)
    gen = generate_aws(work, rows=rows, flavours=("v2",), restate_last=False)
    export = gen.exports["v2"]
    warehouse.unlink(missing_ok=True)
    settings = load_settings(env={}).override("project", "database", str(warehouse))
    settings = settings.override("project", "publish_dir", str(warehouse.parent / "published"))
    pipeline.import_aws(
        settings,
        bucket=str(export.root),
        prefix=export.prefix,
        export_name=export.name,
        cur_version="v2",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--build", action="store_true", help="build the warehouse first")
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    if args.build:
        build(args.warehouse, args.rows)
        return
    run(args.warehouse, args.runs)


if __name__ == "__main__":
    main()
