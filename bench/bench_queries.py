"""Time the queries behind the overview and explorer notebooks on a large FOCUS warehouse.

Usage:
  python -m bench.bench_queries WAREHOUSE.duckdb [--runs 5]
  python -m bench.bench_queries WAREHOUSE.duckdb --build [--rows 1000000]
  python -m bench.bench_queries BIG.duckdb --multiply 10 --source SMALL.duckdb
  python -m bench.bench_queries WAREHOUSE.duckdb --marts [--memory-limit 2GB]

Each query runs once to warm up, then ``runs`` times; the median is reported (target: < 200 ms at
10M FOCUS rows). Runs in-process on a read-only connection, as the app does.

``--build`` generates CUR 2.0 and imports it (the real pipeline). ``--multiply N`` makes a bigger
warehouse without the importer: it copies SOURCE to WAREHOUSE and rewrites ``focus.cost_and_usage``
as N copies of itself, ordered by billing period as an import would leave it. Copy 0 is the original;
copies 1..N-1 get ``ResourceId``/``ResourceName`` and ``x_load_id`` suffixed ``~c<k>`` (N times as many
distinct resources) and ``x_source_row`` offset; periods, dates, costs and tags are kept. The marts are
then rebuilt with ``finops_lib.build.rebuild_marts`` and its seconds printed. ``raw_*`` and ``meta``
tables stay those of SOURCE. ``--marts`` times one ``rebuild_marts`` (each mart's seconds too), with
the memory limit builds use by default.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from finops_lib import db, sql
from finops_lib.analysis import allocation, anomalies, base, cost

# what imports and builds run with by default ([project].memory_limit)
MEMORY_LIMIT = "2GB"


def queries(f: base.Filters) -> dict[str, Callable[[Any], Any]]:
    """The analyses behind the overview (10) and explorer-style breakdowns (20, 30, 50, 60).

    The allocation notebook (50) also runs tag keys, untagged resources and chargeback.
    """
    out: dict[str, Callable[[Any], Any]] = {
        "overview: kpis": lambda con: cost.kpis(con, f),
        "overview: daily cost": lambda con: cost.daily_cost(con, f),
        "overview: freshness": lambda con: cost.freshness(con),
        "savings: list -> effective": lambda con: cost.savings(con, f),
        "charge categories": lambda con: cost.charge_categories(con, f),
        "top resources": lambda con: cost.top_resources(con, f),
        "allocation: cost by tag team": lambda con: allocation.cost_by_tag(con, f, "team"),
        "allocation: tag coverage": lambda con: allocation.tag_coverage(con, f, ["team", "env"]),
        "allocation: tag keys": lambda con: allocation.tag_keys_in_data(con, f),
        "allocation: untagged resources": lambda con: allocation.untagged_resources(
            con, f, ["team", "env"]
        ),
        "allocation: chargeback team": lambda con: allocation.chargeback(con, f, "team"),
        "anomalies: daily series": lambda con: anomalies.daily_series(con, f),
        "filter options": lambda con: base.filter_options(con),
    }

    def by(dim: str) -> Callable[[Any], Any]:
        return lambda con: cost.cost_by(con, f, dim)

    for dim in base.DIMENSIONS:
        out[f"explorer: cost by {dim}"] = by(dim)
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
    pipeline.import_provider(
        "aws",
        settings,
        bucket=str(export.root),
        prefix=export.prefix,
        export_name=export.name,
        cur_version="v2",
    )


def multiply(
    source: Path, warehouse: Path, copies: int, memory_limit: str | None = MEMORY_LIMIT
) -> float:
    """Write ``copies`` x the FOCUS rows of ``source`` to ``warehouse``; return the mart build seconds."""
    import shutil

    warehouse.unlink(missing_ok=True)
    shutil.copyfile(source, warehouse)
    con = db.connect(warehouse, memory_limit=memory_limit)
    try:
        rows = _multiply_focus(con, copies)
    finally:
        con.close()
    print(f"{warehouse}: {rows:,} FOCUS rows", flush=True)
    return time_marts(warehouse, memory_limit)


def _multiply_focus(con: duckdb.DuckDBPyConnection, copies: int) -> int:
    """Rewrite ``focus.cost_and_usage`` as ``copies`` copies of itself, period by period."""
    periods = con.execute(
        "select distinct x_billing_period from focus.cost_and_usage order by 1"
    ).fetchall()
    (offset,) = con.execute(
        "select coalesce(max(x_source_row), 0) + 1 from focus.cost_and_usage"
    ).fetchone() or (1,)
    con.execute("create table focus.cost_and_usage_x as from focus.cost_and_usage limit 0")
    for (period,) in periods:
        for k in range(copies):
            con.execute(_COPY, {"period": period, "k": k, "suffix": f"~c{k}", "offset": offset})
    con.execute("drop table focus.cost_and_usage")
    con.execute("alter table focus.cost_and_usage_x rename to cost_and_usage")
    con.execute("checkpoint")
    (rows,) = con.execute("select count(*) from focus.cost_and_usage").fetchone() or (0,)
    return int(rows)


# One copy of one period: copy 0 as it is, the others with their own resources, rows and load id.
_COPY = """
insert into focus.cost_and_usage_x
select * replace (
    case when $k = 0 then ResourceId else ResourceId || $suffix end as ResourceId,
    case when $k = 0 then ResourceName else ResourceName || $suffix end as ResourceName,
    x_source_row + $k * $offset as x_source_row,
    case when $k = 0 then x_load_id else x_load_id || $suffix end as x_load_id
)
from focus.cost_and_usage
where x_billing_period = $period
"""


def time_marts(warehouse: Path, memory_limit: str | None = MEMORY_LIMIT) -> float:
    """Seconds of one ``rebuild_marts`` on ``warehouse``, opened writable as a build opens it."""
    from finops_lib import build as focus_build

    con = db.connect(warehouse, memory_limit=memory_limit)
    try:
        start = time.perf_counter()
        done = focus_build.rebuild_marts(con)
        seconds = time.perf_counter() - start
        print(f"rebuild_marts ({len(done)} marts): {seconds:.2f} s", flush=True)
        for name in done:  # again one by one, to see which mart costs what
            start = time.perf_counter()
            con.execute(sql.load(name))
            print(f"  {name}: {time.perf_counter() - start:.2f} s", flush=True)
        return seconds
    finally:
        con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--build", action="store_true", help="build the warehouse first")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--multiply", type=int, help="build WAREHOUSE as N copies of --source")
    parser.add_argument("--source", type=Path, help="the smaller warehouse --multiply copies")
    parser.add_argument(
        "--marts", action="store_true", help="time one rebuild_marts instead of the queries"
    )
    parser.add_argument(
        "--memory-limit", default=MEMORY_LIMIT, help="DuckDB memory_limit of --multiply/--marts"
    )
    args = parser.parse_args()
    if args.build:
        build(args.warehouse, args.rows)
        return
    if args.multiply:
        if not args.source:
            parser.error("--multiply needs --source")
        multiply(args.source, args.warehouse, args.multiply, args.memory_limit)
        return
    if args.marts:
        time_marts(args.warehouse, args.memory_limit)
        return
    run(args.warehouse, args.runs)


if __name__ == "__main__":
    main()
