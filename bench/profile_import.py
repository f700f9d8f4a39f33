"""Profile one AWS import, phase by phase and statement by statement (wall and CPU seconds).

Usage: python -m bench.profile_import [--rows 2000000] [--flavour v1] [--data DIR] [--no-duckdb]
       [--each] [--bucket DIR:PREFIX:NAME --flavour ext]

Runs, in this order and each in a fresh child process: DuckDB alone (``CREATE TABLE t AS SELECT *
FROM read_csv/read_parquet(files)``), then ``pipeline.import_provider`` on a fresh warehouse with
every connection wrapped so that each ``execute`` is timed (wall, and process CPU from
``time.process_time``, which counts DuckDB's threads). Statements are grouped by the phase that ran
them (load, build, publish) and by their first line. The generated data of ``bench.bench_ingest``
(``data/bench/gen-<rows>``) is used.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

from bench.bench_ingest import DUCKDB, FLAVOURS, MEMORY_LIMIT, VERSIONS, _generate, use_bucket
from bench.common import ROOT, python_step

CHILD = r"""
import builtins, json, re, resource, sys, time
import duckdb
import finops_lib.db as dbmod
import finops_lib.publish as pubmod
import finops_lib.pipeline as pipeline
import finops_lib.build as buildmod

rows = []
phase = ["setup"]

class Timed:
    def __init__(self, con):
        self._con = con
    def execute(self, query, params=None):
        w, c = time.perf_counter(), time.process_time()
        try:
            return self._con.execute(query, params) if params is not None else self._con.execute(query)
        finally:
            label = re.sub(r"\s+", " ", query.strip())[:110]
            rows.append((phase[0], label, time.perf_counter() - w, time.process_time() - c))
    def __getattr__(self, name):
        return getattr(self._con, name)

real_connect = dbmod.connect
def connect(*a, **k):
    return Timed(real_connect(*a, **k))
dbmod.connect = connect
real_isinstance = builtins.isinstance
pubmod.isinstance = lambda o, t: real_isinstance(o, Timed) or real_isinstance(o, t)

def phased(name, fn):
    def run(*a, **k):
        before = phase[0]
        phase[0] = name
        w, c = time.perf_counter(), time.process_time()
        try:
            return fn(*a, **k)
        finally:
            rows.append((name, "== whole phase ==", time.perf_counter() - w, time.process_time() - c))
            phase[0] = before
    return run

pipeline.load_delivery = phased("load", pipeline.load_delivery)
pipeline.build = phased("build", pipeline.build)
pipeline.publish = phased("publish", pipeline.publish)
pubmod._write_parquet = phased("publish/parquet", pubmod._write_parquet)

from finops_lib.config import load_settings
s = (load_settings(env={}).override("project", "database", DB)
     .override("aws", "download_dir", DL).override("project", "publish_dir", PUB)
     .override("project", "memory_limit", MEM))
w, c = time.perf_counter(), time.process_time()
r = pipeline.import_provider("aws", s, bucket=BUCKET, prefix=PREFIX, export_name=NAME, cur_version=FLAVOUR)
rows.append(("import", "== import_provider ==", time.perf_counter() - w, time.process_time() - c))
assert r.loaded, r
json.dump({"rows": rows, "loaded": r.rows,
           "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}, open(OUT, "w"))
"""


def profile(bucket: Path, flavour: str, tmp: Path, code: Path = ROOT) -> dict:
    """Run the instrumented import once (``code``: the checkout to run); the child's timings."""
    prefix, name, _ = FLAVOURS[flavour]
    out = tmp / "profile.json"
    head = (
        f"DB={str(tmp / 'w.duckdb')!r}; DL={str(tmp / 'dl')!r}; PUB={str(tmp / 'pub')!r}; "
        f"MEM={MEMORY_LIMIT!r}; BUCKET={str(bucket)!r}; PREFIX={prefix!r}; NAME={name!r}; "
        f"FLAVOUR={VERSIONS[flavour]!r}; OUT={str(out)!r}\n"
    )
    wall, peak = python_step(head + CHILD, cwd=code, env={"PYTHONPATH": str(code)})
    data = json.loads(out.read_text())
    data["process_wall"], data["process_peak_mb"] = wall, peak
    return data


def report(data: dict, duckdb_s: float, duckdb_mb: float) -> str:
    """Markdown: phases, then the statements of each phase over 0.2 s, by wall time."""
    lines = [
        f"DuckDB alone: {duckdb_s:.2f} s wall, {duckdb_mb:.0f} MB; import process "
        f"{data['process_wall']:.2f} s wall ({data['process_wall'] / duckdb_s:.2f}x), "
        f"{data['process_peak_mb']:.0f} MB; {data['loaded']:,} rows",
        "",
        "| phase | statement | n | wall s | CPU s |",
        "|---|---|---:|---:|---:|",
    ]
    grouped: dict[tuple[str, str], list[float]] = {}
    for ph, label, w, c in data["rows"]:
        g = grouped.setdefault((ph, label), [0, 0.0, 0.0])
        g[0] += 1
        g[1] += w
        g[2] += c
    for (ph, label), (n, w, c) in sorted(grouped.items(), key=lambda kv: (kv[0][0], -kv[1][1])):
        if w >= 0.2 or label.startswith("=="):
            lines.append(f"| {ph} | `{label.replace('|', '/')}` | {n} | {w:.2f} | {c:.2f} |")
    return "\n".join(lines)


def main() -> None:
    """Profile and print markdown."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--flavour", default="v1")
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--no-duckdb", action="store_true")
    parser.add_argument("--code", type=Path, default=ROOT, help="another checkout to profile")
    parser.add_argument(
        "--each", action="store_true", help="also list every statement over 0.2 s, in run order"
    )
    parser.add_argument(
        "--bucket", default=None, help="DIR:PREFIX:NAME, a CUR v1 bucket profiled as flavour ext"
    )
    args = parser.parse_args()
    if args.bucket:
        use_bucket(args.bucket)
    data_dir = args.data or ROOT / "data" / "bench" / f"gen-{args.rows}"
    bucket = _generate(data_dir, args.rows, wide=args.flavour == "v1w")[args.flavour]
    pattern = FLAVOURS[args.flavour][2]
    files = json.dumps(sorted(str(p) for p in bucket.rglob(pattern)))
    tmp = Path(tempfile.mkdtemp(prefix="profile_", dir=ROOT / "data" / "bench"))
    try:
        base = (0.0, 0.0)
        cpu = 0.0
        if not args.no_duckdb:
            code = DUCKDB.format(files=files, db=str(tmp / "alone.duckdb"))
            code += (
                f"import time; open({str(tmp / 'cpu')!r}, 'w').write(str(time.process_time()))\n"
            )
            base = python_step(code)
            cpu = float((tmp / "cpu").read_text())
            (tmp / "alone.duckdb").unlink()
        data = profile(bucket, args.flavour, tmp, args.code.resolve())
        print(report(data, base[0] or 1.0, base[1]))
        if args.each:
            print("\n| # | phase | statement | wall s | CPU s |\n|---:|---|---|---:|---:|")
            for i, (ph, label, w, c) in enumerate(data["rows"]):
                if w >= 0.2 and not label.startswith("=="):
                    print(f"| {i} | {ph} | `{label[:60].replace('|', '/')}` | {w:.2f} | {c:.2f} |")
        print(f"\nDuckDB alone CPU {cpu:.2f} s (whole process)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
