"""AWS ingestion vs DuckDB alone (and the dlt pyarrow path) on the same files.

Usage: python -m bench.bench_ingest [--rows 1000000] [--runs 3] [--no-dlt]

Per flavour (CUR v1 CSV.gz, CUR 2.0 parquet), one month of ``--rows`` usage rows from
``finops_lib.demo.generate_aws``; each step is a fresh child process on a fresh warehouse:
* duckdb-load: ``CREATE TABLE t AS SELECT * FROM read_csv/read_parquet(<the manifest's files>)``;
* finops-load: discover + the atomic period load (``pipeline.load_delivery``: normalise, cast to
  DECIMAL/TIMESTAMPTZ, pack maps, delete+insert, source totals, state) -- the ingestion proper;
* finops-import: ``pipeline.import_aws`` end to end (load + the FOCUS build of the period);
* dlt-arrow: the same normalising SELECT streamed as pyarrow batches through a dlt pipeline into a
  staging dataset of a DuckDB file (what the issue first proposed), before any swap.
Medians of ``--runs`` wall times and the peak RSS are printed as a markdown table.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

from bench.common import Measure, machine, python_step, repeat

FLAVOURS = {"v1": ("cur", "demo-cur", "*.csv.gz"), "v2": ("exports", "demo-cur2", "*.parquet")}

DUCKDB = """
import duckdb, json
files = json.loads({files!r})
con = duckdb.connect({db!r})
fn = "read_parquet" if files[0].endswith(".parquet") else "read_csv"
con.execute(f"CREATE TABLE t AS SELECT * FROM {{fn}}($f)", {{"f": files}})
"""

LOAD = """
from pathlib import Path
from finops_lib import db, pipeline, state
from finops_lib.sources.aws_cur import discover, focus_types
from finops_lib.sources.aws_cur.store import open_store
con = db.connect({db!r})
state.ensure_meta(con)
state.ensure_raw(con, focus_types())
spec = pipeline.ExportSpec({name!r}, {bucket!r}, {prefix!r}, {name!r}, {flavour!r})
store = open_store({bucket!r})
for d in discover(store, {prefix!r}, {name!r}, {flavour!r}):
    pipeline.load_delivery(con, spec, d, pipeline._fetch(store, spec, d, Path({dl!r})))
"""

IMPORT = """
from finops_lib.config import load_settings
from finops_lib.pipeline import import_aws
s = load_settings(None).override("project", "database", {db!r}).override("aws", "download_dir", {dl!r}).override("project", "publish_dir", {dl!r} + "-published")
r = import_aws(s, bucket={bucket!r}, prefix={prefix!r}, export_name={name!r}, cur_version={flavour!r})
assert r.loaded, r
"""

DLT = """
import json, duckdb, dlt
from pathlib import Path
from finops_lib.sources.aws_cur import arrow_batches
from finops_lib.sources.aws_cur.reader import cur_select, describe, relation
files = [Path(f) for f in json.loads({files!r})]
con = duckdb.connect()
meta = dict(x_provider="AWS", x_export_name="e", x_cur_version={flavour!r}, x_billing_period="p",
            x_manifest_id="m", x_source_file="f", x_load_id="l")
def batches():
    for f in files:
        sel, _ = cur_select(describe(con, f, f.name), f.name, meta)
        yield from arrow_batches(con, f"SELECT {{sel}} FROM {{relation(f)}}", meta)
p = dlt.pipeline(pipeline_name="bench_ingest", destination=dlt.destinations.duckdb({db!r}),
                 dataset_name="staging_bench", pipelines_dir={dl!r})
p.run(dlt.resource(batches(), name="cur", write_disposition="append"))
"""


def _fresh(tmp: Path) -> dict[str, str]:
    for p in (tmp / "w.duckdb", tmp / "w.duckdb.wal"):
        p.unlink(missing_ok=True)
    shutil.rmtree(tmp / "dl", ignore_errors=True)
    return {"db": str(tmp / "w.duckdb"), "dl": str(tmp / "dl")}


def run(rows: int, runs: int, with_dlt: bool) -> list[tuple[str, Measure]]:
    """Generate the data, measure every step; returns (flavour, measure) pairs."""
    from finops_lib.demo import generate_aws

    tmp = Path(tempfile.mkdtemp(prefix="bench_ingest_"))
    try:
        gen = generate_aws(tmp / "gen", rows=rows, seed=1, months=("2026-08",), restate_last=False)
        out: list[tuple[str, Measure]] = []
        for flavour, (prefix, name, pattern) in FLAVOURS.items():
            bucket = str(gen.exports[flavour].root)
            files = json.dumps(sorted(str(p) for p in Path(bucket).rglob(pattern)))
            kw = {
                "bucket": bucket,
                "prefix": prefix,
                "name": name,
                "flavour": flavour,
                "files": files,
            }
            steps = {"duckdb-load": DUCKDB, "finops-load": LOAD, "finops-import": IMPORT}
            if with_dlt:
                steps["dlt-arrow"] = DLT
            for label, code in steps.items():
                print(f"{flavour} {label}", flush=True)
                m = repeat(
                    f"{flavour} {label}",
                    lambda code=code, kw=kw: python_step(code.format(**kw, **_fresh(tmp))),
                    runs,
                )
                out.append((flavour, m))
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
            f" {m.median_s / base[flavour]:.2f} | {m.peak:.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    """Run and print the markdown section."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-dlt", action="store_true")
    args = parser.parse_args()
    results = run(args.rows, args.runs, not args.no_dlt)
    print(f"\n{args.rows:,} usage rows, one month, medians of {args.runs}\n")
    print("```\n" + json.dumps(machine(), indent=2) + "\n```\n")
    print(table(results, args.rows))


if __name__ == "__main__":
    main()
