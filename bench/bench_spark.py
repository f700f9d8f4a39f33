"""The FOCUS build on local Spark vs DuckDB, over the same AWS CUR rows (docs/SCALE.md).

    .venv/bin/python -m bench.bench_spark /tmp/bench_spark --rows 1000000 [--master local[2]]

1. generates ``--rows`` demo CUR line items (CUR v1 and 2.0) and imports them into a DuckDB
   warehouse with the real pipeline;
2. times a full DuckDB build (staging views, every FOCUS mapping, the marts) on that warehouse;
3. exports the raw tables to Parquet and times the same build on Spark (``--master``), session
   start timed apart; both FOCUS tables are counted and summed (BilledCost, EffectiveCost) so the
   two builds are checked to agree before a figure is printed.

Prints one JSON line: rows, seconds per engine and the Spark / DuckDB ratio, the Spark build's
stages (staging views, the FOCUS build and write, the marts, the source totals) and, apart from
the build, the conformance rules on each engine (DuckDB ``checks.run_checks``, Spark
``SparkEngine.failing_json``), with the machine's load averages (``os.getloadavg``) sampled every
10 s while each engine ran: on a shared machine a figure means little without them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


class LoadSampler:
    """The 1-minute load average every ``every`` seconds while in a ``with`` block."""

    def __init__(self, every: float = 10.0) -> None:
        self.every = every
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while True:
            self.samples.append(os.getloadavg()[0])
            if self._stop.wait(self.every):
                return

    def __enter__(self) -> LoadSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append(os.getloadavg()[0])

    def summary(self) -> dict[str, float]:
        got = self.samples or [os.getloadavg()[0]]
        return {
            "start": round(got[0], 1),
            "median": round(statistics.median(got), 1),
            "max": round(max(got), 1),
        }


def timed(stages: dict[str, float], name: str, fn: Callable[[], Any]) -> Any:
    """Run ``fn``, recording its seconds as ``stages[name]``."""
    t = time.perf_counter()
    out = fn()
    stages[name] = round(time.perf_counter() - t, 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", type=Path)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--memory-limit", default="2GB")
    parser.add_argument(
        "--skip-checks", action="store_true", help="time the builds only, not the conformance rules"
    )
    args = parser.parse_args()

    import duckdb

    from finops_lib import build, checks, db, pipeline, sql
    from finops_lib.config import load_settings
    from finops_lib.demo import generate_aws
    from finops_lib.engine.spark import FOCUS_TABLE, SparkEngine, session

    root: Path = args.root
    root.mkdir(parents=True, exist_ok=True)
    database = root / "finops.duckdb"
    if not database.exists():
        t = time.perf_counter()
        aws = generate_aws(root / "exports", rows=args.rows, seed=3)
        gen_s = time.perf_counter() - t
        env = {
            "OPEN_FINOPS_DATABASE": str(database),
            "OPEN_FINOPS_PROJECT_PUBLISH_DIR": str(root / "published"),
            "OPEN_FINOPS_PROJECT_MEMORY_LIMIT": args.memory_limit,
        }
        settings = load_settings(env=env)
        tables = {
            e.name: {
                "bucket": str(e.root),
                "prefix": e.prefix,
                "export_name": e.name,
                "cur_version": e.flavour,
                "region": "us-east-1",
            }
            for e in aws.exports.values()
        }
        from dataclasses import replace

        settings = replace(settings, exports={**settings.exports, "aws": tables})
        t = time.perf_counter()
        pipeline.import_all(settings, providers=["aws"], force=True)
        print(
            json.dumps(
                {"generated_s": round(gen_s, 1), "import_s": round(time.perf_counter() - t, 1)}
            )
        )

    con = db.connect(database, memory_limit=args.memory_limit)
    with LoadSampler() as duck_load:
        t = time.perf_counter()
        build.build(con)
        duck_s = time.perf_counter() - t
        duck = con.execute(
            "select count(*), sum(BilledCost), sum(EffectiveCost) from focus.cost_and_usage"
        ).fetchone()
        duck_checks_s = 0.0
        if not args.skip_checks:
            t = time.perf_counter()
            checks.run_checks(con)
            duck_checks_s = time.perf_counter() - t
    raw = root / "raw"
    raw.mkdir(exist_ok=True)
    for schema, table in con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_schema like 'raw_%' and table_type = 'BASE TABLE'"
    ).fetchall():
        target = raw / f"{schema}.{table}.parquet"
        if not target.exists():
            con.execute(
                f"copy (select * from {sql.safe_ident(schema)}.{sql.safe_ident(table)}) "  # noqa: S608
                "to $p (format parquet)",
                {"p": str(target)},
            )
    con.close()

    os.environ.setdefault("TZ", "UTC")
    stages: dict[str, float] = {}
    with LoadSampler() as spark_load:
        t = time.perf_counter()
        spark = session(args.master, root / "spark")
        start_s = time.perf_counter() - t
        eng = SparkEngine(spark)
        for path in sorted(raw.glob("raw_*.parquet")):
            eng.register_parquet(path.stem, path)
        # SparkEngine.build, step by step
        t = time.perf_counter()
        eng.ensure_schemas()
        timed(stages, "staging_s", eng.create_staging)
        timed(stages, "focus_write_s", lambda: eng.save(eng.focus_rows(), FOCUS_TABLE))
        timed(stages, "focus_count_s", lambda: spark.table(FOCUS_TABLE).count())
        timed(stages, "marts_s", eng.rebuild_marts)
        timed(stages, "source_totals_s", eng.source_totals)
        spark_s = time.perf_counter() - t
        got = eng.sql(
            "select count(*), sum(BilledCost), sum(EffectiveCost) from focus.cost_and_usage"
        ).collect()[0]
        if not args.skip_checks:
            rules = checks.load_rules()
            timed(stages, "checks_prepare_s", eng.prepare_checks)
            timed(stages, "checks_s", lambda: eng.failing_json(rules).count())
        spark.stop()
    if tuple(got) != tuple(duck or ()):
        raise SystemExit(f"the engines disagree: duckdb {duck}, spark {tuple(got)}")
    print(
        json.dumps(
            {
                "rows_raw": args.rows,
                "focus_rows": duck[0] if duck else 0,
                "duckdb_build_s": round(duck_s, 1),
                "spark_session_s": round(start_s, 1),
                "spark_build_s": round(spark_s, 1),
                "ratio_spark_over_duckdb": round(spark_s / duck_s, 2),
                "spark_stages": stages,
                "duckdb_checks_s": round(duck_checks_s, 1),
                "load_duckdb": duck_load.summary(),
                "load_spark": spark_load.summary(),
                "master": args.master,
                "cpus": os.cpu_count(),
            }
        )
    )
    _ = duckdb  # imported for its side effect of failing early when missing


if __name__ == "__main__":
    main()
