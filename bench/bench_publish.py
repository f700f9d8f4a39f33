"""Publishing the read-only snapshot: everything vs only the period an import changed.

Usage: python -m bench.bench_publish [WAREHOUSE] [--runs 3]

On a copy of a built warehouse (default ``data/bench/q10m.duckdb``, from ``bench.bench_queries``), each
step a fresh child process with its own peak RSS:

* duckdb-copy: DuckDB alone copying ``focus.cost_and_usage`` into a new database file and writing it
  to one Parquet file (what a publish does at the least, without marts and meta), the reference;
* publish-all: ``publish.publish(con, settings)``, the snapshot and its Parquet from scratch;
* publish-changed: the newest period's FOCUS rows replaced and the build logged (untimed; the
  multiplied warehouse has no raw rows for its copies, so they are replaced by the same rows), then
  ``publish(con, settings, changed=[it])``, what an import that restates one month does.

The warehouse here keeps FOCUS as a DuckDB table (``bench.bench_queries`` multiplies rows into the
table), the layout of before the FOCUS store. An imported warehouse keeps FOCUS as Parquet files
(``finops_lib.focus_store``), whose publish copies no FOCUS row: ``bench.bench_history`` times that.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

from bench.common import ROOT, Measure, machine, python_step, repeat
from finops_lib.config import SCHEMA

MEMORY_LIMIT = SCHEMA["project"]["memory_limit"][1]

SETUP = """
from finops_lib import db
from finops_lib.config import load_settings
s = load_settings(None).override("project", "publish_dir", {pub!r}).override(
    "project", "memory_limit", {mem!r})
con = db.connect({db!r}, memory_limit={mem!r})
scope = con.execute("select x_provider, x_export_name, max(x_billing_period) from focus.cost_and_usage"
                    " group by all order by 3 desc limit 1").fetchone()
"""

DUCKDB = """
import duckdb
con = duckdb.connect({out!r})
con.execute("attach " + repr({db!r}) + " as w (read_only)")
con.execute("create table t as select * from w.focus.cost_and_usage")
con.execute("copy t to " + repr({pq!r}) + " (format parquet)")
"""

ALL = (
    SETUP
    + """
from finops_lib.publish import publish
publish(con, s)
"""
)

# A build of the newest period, as far as publishing can tell: its FOCUS rows replaced (by the same
# rows: the multiplied warehouse's raw table holds only the 1M source rows) and the build logged.
REBUILD = """
from finops_lib.build import BuildResult, SCOPE_FILTER, _log, scope_keys
p = {{"changed": scope_keys([scope])}}
con.execute("begin")
con.execute("create temp table again as select * from focus.cost_and_usage where " + SCOPE_FILTER, p)
con.execute("delete from focus.cost_and_usage where " + SCOPE_FILTER, p)
con.execute("insert into focus.cost_and_usage select * from again")
con.execute("commit")
_log(con, [scope], BuildResult(full=False))
"""

CHANGED = (
    SETUP
    + """
from finops_lib.publish import publish
publish(con, s, changed=[scope])
"""
)


def run(warehouse: Path, runs: int) -> list[Measure]:
    tmp = Path(tempfile.mkdtemp(prefix="bench_publish_", dir=ROOT / "data" / "bench"))
    try:
        db = tmp / "w.duckdb"
        shutil.copyfile(warehouse, db)
        kw = {"db": str(db), "pub": str(tmp / "pub"), "mem": MEMORY_LIMIT}

        def duckdb_copy() -> tuple[float, float]:
            (tmp / "alone.duckdb").unlink(missing_ok=True)
            code = DUCKDB.format(out=str(tmp / "alone.duckdb"), pq=str(tmp / "alone.parquet"), **kw)
            return python_step(code)

        def publish_all() -> tuple[float, float]:
            shutil.rmtree(tmp / "pub", ignore_errors=True)
            return python_step(ALL.format(**kw))

        def publish_changed() -> tuple[float, float]:
            python_step(ALL.format(**kw))  # the previous snapshot (untimed)
            python_step(
                (SETUP + REBUILD).format(**kw)
            )  # an import rebuilt the newest period (untimed)
            return python_step(CHANGED.format(**kw))

        out = []
        for name, fn in (
            ("duckdb-copy", duckdb_copy),
            ("publish-all", publish_all),
            ("publish-changed", publish_changed),
        ):
            print(name, flush=True)
            out.append(repeat(name, fn, runs))
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "warehouse", type=Path, nargs="?", default=ROOT / "data" / "bench" / "q10m.duckdb"
    )
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    import duckdb

    con = duckdb.connect(str(args.warehouse), read_only=True)
    rows, periods = con.execute(
        "select count(*), count(distinct x_billing_period) from focus.cost_and_usage"
    ).fetchone() or (0, 0)
    newest = con.execute(
        "select count(*) from focus.cost_and_usage where x_billing_period = "
        "(select max(x_billing_period) from focus.cost_and_usage)"
    ).fetchone()
    con.close()
    results = run(args.warehouse, args.runs)
    print(
        f"\n{rows:,} FOCUS rows in {periods} periods; the changed (newest) period holds "
        f"{newest[0] if newest else 0:,}; medians of {args.runs}, memory_limit {MEMORY_LIMIT}\n"
    )
    print("```\n" + json.dumps(machine(), indent=2) + "\n```\n")
    base = results[0].median_s
    print("| step | median s | x DuckDB alone | peak RSS MB |\n|---|---:|---:|---:|")
    for m in results:
        print(f"| {m.name} | {m.median_s:.2f} | {m.median_s / base:.2f} | {m.peak:.0f} |")


if __name__ == "__main__":
    main()
