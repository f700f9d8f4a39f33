"""AWS ingestion and the FOCUS build vs DuckDB alone on the same files (and the dlt pyarrow path).

Usage: python -m bench.bench_ingest [--rows 1000000] [--runs 3] [--no-dlt] [--flavours v1,v2,v1w]
       [--data DIR] [--steps duckdb-load,finops-load,...] [--alternate] [--code DIR]
       [--bucket DIR:PREFIX:NAME --flavours ext]

Per flavour (CUR v1 CSV.gz, CUR 2.0 parquet), one month of ``--rows`` usage rows from
``finops_lib.demo.generate_aws`` (kept under ``--data`` and reused when it is there), split into files
of 1M rows as AWS does. ``v1w`` is the CUR v1 files widened to 209 columns with a third-party header
(:mod:`bench.wide_cur`), as wide as a real account's report. ``ext`` is a CUR v1 bucket written by
another generator (``--bucket``, e.g. koku-nise's, see bench/RESULTS.md). Each step is a fresh child process;
times are wall seconds, peak RSS is the step's own (GNU time):
* duckdb-load: ``CREATE TABLE t AS SELECT * FROM read_csv/read_parquet(<the manifest's files>)``, the
  floor every ratio is taken against;
* finops-load: discover + the atomic period load (``pipeline.load_delivery``: typed parse, maps to
  JSON, delete + insert, row numbers, source totals, state), the ingestion proper;
* finops-build: the FOCUS build of that period (``build.build``) on a copy of the loaded warehouse
  (the copy is made before the clock starts);
* finops-import: ``pipeline.import_aws`` end to end (load + build + publishing the read-only snapshot);
* finops-convert: ``finops focus convert`` of the same files to a FOCUS parquet file (one streaming
  pass, no warehouse), what the reference focus-converter does;
* dlt-arrow: the same normalising SELECT streamed as pyarrow batches through a dlt pipeline into a
  staging dataset of a DuckDB file (the issue's first proposal), before any swap.
* finops-import-before: the same import run from another checkout (``--code DIR``, e.g.
  ``git archive HEAD`` unpacked), for before/after figures in one run.
Writable connections use the project's default memory limit (``[project].memory_limit``, 1GB).
``--alternate`` runs the steps one after the other within each run (run 1 of every step, then
run 2, ...), so that a machine whose load changes affects every step alike.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from bench.common import PY, ROOT, Measure, machine, python_step, repeat, run_child
from finops_lib.config import SCHEMA

FLAVOURS = {
    "v1": ("cur", "demo-cur", "*.csv.gz"),
    "v2": ("exports", "demo-cur2", "*.parquet"),
    "v1w": ("cur", "demo-cur", "*.csv.gz"),  # v1 widened to 209 columns (bench.wide_cur)
    # a CUR v1 bucket written by another generator (--bucket DIR:PREFIX:NAME), e.g. koku-nise
    "ext": ("cur", "cur", "*.csv.gz"),
}
#: The CUR version each flavour is imported as.
VERSIONS = {"v1": "v1", "v2": "v2", "v1w": "v1", "ext": "v1"}
# the project's default [project].memory_limit, unless --memory-limit says otherwise
MEMORY_LIMIT = SCHEMA["project"]["memory_limit"][1]

DUCKDB = """
import duckdb, json
files = json.loads({files!r})
con = duckdb.connect({db!r})
fn = "read_parquet" if files[0].endswith(".parquet") else "read_csv"
con.execute(f"CREATE TABLE t AS SELECT * FROM {{fn}}($f)", {{"f": files}})
"""

LOAD = """
from pathlib import Path
from finops_lib import db, pipeline
from finops_lib.sources import provider
from finops_lib.sources.aws_cur import CurExport
con = db.connect({db!r}, memory_limit={mem!r})
pipeline.ensure_tables(con)
export = CurExport({name!r}, {bucket!r}, {prefix!r}, {name!r}, {version!r}, download_dir=Path({dl!r}))
for d in export.deliveries():
    pipeline.load_delivery(con, provider("aws"), export, d, export.fetch(d))
con.close()
"""

BUILD = """
from finops_lib import db
from finops_lib.build import build
con = db.connect({db!r}, memory_limit={mem!r})
build(con)
con.close()
"""

IMPORT = """
from finops_lib.config import load_settings
from finops_lib.pipeline import import_provider
s = (load_settings(None).override("project", "database", {db!r})
     .override("aws", "download_dir", {dl!r}).override("project", "publish_dir", {dl!r} + "-published")
     .override("project", "memory_limit", {mem!r}))
r = import_provider("aws", s, bucket={bucket!r}, prefix={prefix!r}, export_name={name!r}, cur_version={version!r})
assert r.loaded, r
"""

DLT = """
import json, duckdb, dlt
from pathlib import Path
from finops_lib.sources.aws_cur.reader import cur_plan, describe
files = [Path(f) for f in json.loads({files!r})]
con = duckdb.connect()
con.execute("SET memory_limit = $m", {{"m": {mem!r}}})
meta = dict(x_provider="AWS", x_export_name="e", x_cur_version={version!r}, x_billing_period="p",
            x_manifest_id="m", x_source_file="f", x_load_id="l")
def batches():
    for f in files:
        plan = cur_plan(f, describe(con, f, f.name), f.name, meta, numbered=False)
        sql = f"SELECT {{plan.select}} FROM {{plan.source}}"
        yield from con.execute(sql, meta | plan.params).fetch_record_batch(100_000)
p = dlt.pipeline(pipeline_name="bench_ingest", destination=dlt.destinations.duckdb({db!r}),
                 dataset_name="staging_bench", pipelines_dir={dl!r})
p.run(dlt.resource(batches(), name="cur", write_disposition="append"))
"""


def _fresh(tmp: Path) -> dict[str, str]:
    for p in (tmp / "w.duckdb", tmp / "w.duckdb.wal"):
        p.unlink(missing_ok=True)
    shutil.rmtree(tmp / "dl", ignore_errors=True)
    shutil.rmtree(tmp / "dl-published", ignore_errors=True)
    return {"db": str(tmp / "w.duckdb"), "dl": str(tmp / "dl"), "mem": MEMORY_LIMIT}


def _generate(data: Path, rows: int, wide: bool = False) -> dict[str, Path]:
    """The generated buckets (``v1``, ``v2``, and ``v1w`` when ``wide``) of ``rows`` usage rows,
    reused when already there (``v1w`` is ``v1`` widened, see :mod:`bench.wide_cur`)."""
    from bench.wide_cur import widen
    from finops_lib.demo import generate_aws

    done = data / "done.json"
    if not (done.exists() and json.loads(done.read_text()).get("rows") == rows):
        shutil.rmtree(data, ignore_errors=True)
        generate_aws(data, rows=rows, seed=1, months=("2026-08",), restate_last=False)
        done.write_text(json.dumps({"rows": rows}))
    if wide:
        widen(data / "cur-v1", data / "cur-v1w")
    return {f: data / f"cur-{f}" for f in FLAVOURS} | EXTERNAL


#: The ``ext`` flavour's bucket, when ``--bucket`` names one.
EXTERNAL: dict[str, Path] = {}


def use_bucket(spec: str) -> None:
    """``--bucket DIR:PREFIX:NAME``: a CUR v1 bucket from elsewhere becomes the ``ext`` flavour."""
    where, prefix, name = spec.rsplit(":", 2)
    FLAVOURS["ext"] = (prefix, name, "*.csv.gz")
    EXTERNAL["ext"] = Path(where).resolve()


def _expected(bucket: Path) -> Decimal | None:
    """The generator's unblended cost of the month (None for data without its totals file)."""
    path = bucket / "expected_totals.json"
    if not path.exists():
        return None
    periods = json.loads(path.read_text())["periods"]
    return sum((Decimal(p["unblended_cost"]) for p in periods.values()), Decimal(0))


def _check(db: Path | None, relation: str, column: str, expected: Decimal | None) -> None:
    """A timed step's output must hold the month's cost to the cent (checked after the clock)."""
    if expected is None:
        return
    import duckdb

    con = duckdb.connect(str(db) if db else ":memory:", read_only=db is not None)
    try:
        got = con.execute(f"select sum({column}) from {relation}").fetchone()  # noqa: S608 - fixed names
    finally:
        con.close()
    if got is None or got[0] is None or round(Decimal(got[0]), 2) != round(expected, 2):
        raise RuntimeError(f"{relation}: {column} sums to {got}, the source to {expected}")


def _flavour_steps(
    flavour: str, bucket: Path, tmp: Path, with_dlt: bool, code: Path | None = None
) -> dict[str, Callable]:
    """The steps of one flavour, each a callable returning (seconds, peak MB)."""
    prefix, name, pattern = FLAVOURS[flavour]
    paths = sorted(str(p) for p in bucket.rglob(pattern))
    kw = {"bucket": str(bucket), "prefix": prefix, "name": name, "flavour": flavour}
    kw["version"] = VERSIONS[flavour]
    kw["files"] = json.dumps(paths)
    loaded = tmp / "loaded.duckdb"

    def step(code: str) -> tuple[float, float]:
        return python_step(code.format(**kw, **_fresh(tmp)))

    expected = _expected(bucket)

    def load_and_keep() -> tuple[float, float]:
        result = step(LOAD)
        _check(tmp / "w.duckdb", "raw_aws.cur", "line_item_unblended_cost", expected)
        shutil.copyfile(tmp / "w.duckdb", loaded)
        return result

    def build() -> tuple[float, float]:
        fresh = _fresh(tmp)
        shutil.copyfile(loaded, fresh["db"])
        result = python_step(BUILD.format(**kw, **fresh))
        _check(tmp / "w.duckdb", "focus.cost_and_usage", "BilledCost", expected)
        return result

    def import_() -> tuple[float, float]:
        result = step(IMPORT)
        _check(tmp / "w.duckdb", "focus.cost_and_usage", "BilledCost", expected)
        return result

    def import_before() -> tuple[float, float]:
        assert code is not None
        result = python_step(
            IMPORT.format(**kw, **_fresh(tmp)), cwd=code, env={"PYTHONPATH": str(code)}
        )
        _check(tmp / "w.duckdb", "focus.cost_and_usage", "BilledCost", expected)
        return result

    def convert() -> tuple[float, float]:
        out = tmp / "focus.parquet"
        result = run_child(
            [PY, "-m", "finops_lib.cli", "focus", "convert", *paths]
            + ["--cur-version", VERSIONS[flavour], "--output", str(out)]
        )
        _check(None, f"read_parquet('{out}')", "BilledCost", expected)
        return result

    steps: dict[str, Callable] = {
        "duckdb-load": lambda: step(DUCKDB),
        "finops-load": load_and_keep,
        "finops-build": build,
        "finops-import": import_,
        "finops-convert": convert,
    }
    if code is not None:
        steps["finops-import-before"] = import_before
    if with_dlt:
        steps["dlt-arrow"] = lambda: step(DLT)
    return steps


def run(
    rows: int,
    runs: int,
    with_dlt: bool,
    flavours: list[str],
    data: Path,
    only: list[str] | None = None,
    alternate: bool = False,
    code: Path | None = None,
) -> list[tuple[str, Measure]]:
    """Measure every step of every flavour; returns (flavour, measure) pairs."""
    buckets = _generate(data, rows, wide="v1w" in flavours)
    tmp = Path(tempfile.mkdtemp(prefix="bench_ingest_", dir=ROOT / "data" / "bench"))
    out: list[tuple[str, Measure]] = []
    try:
        for flavour in flavours:
            steps = _flavour_steps(flavour, buckets[flavour], tmp, with_dlt, code)
            chosen = [(k, fn) for k, fn in steps.items() if not only or k in only]
            if not alternate:
                for label, fn in chosen:
                    print(f"{flavour} {label}", flush=True)
                    out.append((flavour, repeat(f"{flavour} {label}", fn, runs)))
                continue
            measures = [Measure(f"{flavour} {label}") for label, _ in chosen]
            for _ in range(runs):
                for m, (_, fn) in zip(measures, chosen, strict=True):
                    s, mb = fn()
                    m.seconds.append(s)
                    m.peak_mb.append(mb)
                    print(f"  {m.name}: {s:.2f} s, {mb:.0f} MB", flush=True)
            out += [(flavour, m) for m in measures]
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def table(results: list[tuple[str, Measure]], rows: int) -> str:
    """Markdown: median seconds, rows/s, ratio to DuckDB alone, peak RSS."""
    base = {f: m.median_s for f, m in results if m.name.endswith("duckdb-load")}
    lines = [
        "| step | median s | rows/s | x DuckDB alone | peak RSS MB |",
        "|---|---:|---:|---:|---:|",
    ]
    for flavour, m in results:
        lines.append(
            f"| {m.name} | {m.median_s:.2f} | {rows / m.median_s:,.0f} |"
            f" {f'{m.median_s / base[flavour]:.2f}' if flavour in base else '-'} | {m.peak:.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    """Run and print the markdown section."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-dlt", action="store_true")
    parser.add_argument("--flavours", default="v1,v2")
    parser.add_argument("--data", type=Path, default=None, help="generated data (kept, reused)")
    parser.add_argument("--steps", default="", help="only these steps, comma-separated")
    parser.add_argument(
        "--memory-limit", default=None, help="DuckDB memory_limit (default: the project's)"
    )
    parser.add_argument("--alternate", action="store_true", help="alternate the steps per run")
    parser.add_argument("--code", type=Path, default=None, help="a before checkout to compare")
    parser.add_argument(
        "--bucket", default=None, help="DIR:PREFIX:NAME, a CUR v1 bucket measured as flavour ext"
    )
    args = parser.parse_args()
    if args.bucket:
        use_bucket(args.bucket)
    if args.memory_limit:
        global MEMORY_LIMIT
        MEMORY_LIMIT = args.memory_limit
    data = args.data or ROOT / "data" / "bench" / f"gen-{args.rows}"
    only = [s for s in args.steps.split(",") if s] or None
    results = run(
        args.rows,
        args.runs,
        not args.no_dlt,
        args.flavours.split(","),
        data,
        only,
        args.alternate,
        args.code,
    )
    print(
        f"\n{args.rows:,} usage rows, one month, medians of {args.runs}, memory_limit {MEMORY_LIMIT}\n"
    )
    print("```\n" + json.dumps(machine(), indent=2) + "\n```\n")
    print(table(results, args.rows))
    Path(data / f"results-{args.runs}.json").write_text(
        json.dumps([(f, m.name, m.seconds, m.peak_mb) for f, m in results], indent=1)
    )


if __name__ == "__main__":
    main()
