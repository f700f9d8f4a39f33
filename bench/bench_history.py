"""Restating one month: with 24 other months in the warehouse vs with none (issue 15, item 2).

Usage: python -m bench.bench_history [--rows-per-month 100000] [--months 25] [--runs 3]
       [--bucket DIR:PREFIX:NAME]

``finops_lib.demo.generate_aws`` writes ``--months`` months of CUR v1 CSV.gz (``--rows-per-month``
usage rows each, plus the commitment, discount and tax rows; kept under ``data/bench/history-<rows>``
and reused). Two warehouses are imported from it (untimed, kept): *history* holds every month,
*alone* only the last one. Each then restates the last month once, untimed, so that both are in the
steady state of a warehouse that has published before with this code.

Each timed run starts from a fresh copy of a warehouse (copied and synced to disk before the clock
starts) and runs ``import_provider(..., periods=[last], force=True)`` in a fresh child process: the
load of the month, the build of its scope (FOCUS rows, marts, allocation) and the publish of the
snapshot and Parquet. Runs alternate history / alone; the figures are medians of ``--runs``. The
child reports its own timings (import, build, publish, from ``ImportResult``), so interpreter
start-up is not in them; the process's wall time and peak RSS are reported too.

``--bucket DIR:PREFIX:NAME`` uses a CUR v1 bucket written by another generator instead (e.g.
koku-nise, ``nise report aws`` over 25 months; never copied into the repository): the restated
month is its last billing period folder, and the warehouses are kept under
``data/bench/history-ext-<DIR's name>``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import tempfile
from datetime import date
from pathlib import Path

from bench.common import ROOT, machine, python_step, save_json
from finops_lib.config import SCHEMA

MEMORY_LIMIT = SCHEMA["project"]["memory_limit"][1]
PREFIX, NAME = "cur", "demo-cur"

IMPORT = """
import json, time
import finops_lib.pipeline as pipeline
from finops_lib.config import load_settings
published = []
real = pipeline.publish
def timed(*a, **k):
    t = time.perf_counter()
    try:
        return real(*a, **k)
    finally:
        published.append(time.perf_counter() - t)
pipeline.publish = timed
s = (load_settings(env={{}}).override("project", "database", {db!r})
     .override("aws", "download_dir", {dl!r}).override("project", "publish_dir", {pub!r})
     .override("project", "memory_limit", {mem!r}))
r = pipeline.import_provider("aws", s, bucket={bucket!r}, prefix={prefix!r}, export_name={name!r},
                             cur_version="v1", periods={periods!r}, force={force!r})
assert r.loaded, r
out = {{"import": r.seconds, "build": r.build.seconds if r.build else 0.0,
        "publish": sum(published), "rows": r.rows}}
if {out!r}:
    open({out!r}, "w").write(json.dumps(out))
"""


def months(count: int, last: str = "2026-08") -> tuple[str, ...]:
    """``count`` consecutive billing periods ending with ``last``, oldest first."""
    year, month = (int(x) for x in last.split("-"))
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return tuple(reversed(out))


def generate(data: Path, rows_per_month: int, count: int) -> Path:
    """The CUR v1 bucket of ``count`` months, reused when already there."""
    from finops_lib.demo import generate_aws

    done = data / "done.json"
    want = {"rows_per_month": rows_per_month, "months": count}
    if not (done.exists() and json.loads(done.read_text()) == want):
        shutil.rmtree(data, ignore_errors=True)
        generate_aws(
            data,
            rows=rows_per_month * count,
            seed=3,
            months=months(count),
            flavours=("v1",),
            restate_last=False,
            plant_anomaly=False,
        )
        done.write_text(json.dumps(want))
    return data / "cur-v1"


def last_period(bucket: Path, prefix: str, name: str) -> str:
    """The newest billing period of a CUR v1 bucket (its ``YYYYMMDD-YYYYMMDD`` folders)."""
    found = sorted(
        p.name[:4] + "-" + p.name[4:6]
        for p in (bucket / prefix / name).iterdir()
        if re.fullmatch(r"\d{8}-\d{8}", p.name)
    )
    if not found:
        raise SystemExit(f"{bucket / prefix / name}: no YYYYMMDD-YYYYMMDD period folder")
    return found[-1]


def import_step(
    folder: Path,
    bucket: Path,
    periods: list[str] | None,
    *,
    force: bool,
    out: str = "",
    code: Path = ROOT,
    names: tuple[str, str] = (PREFIX, NAME),
) -> tuple[float, float]:
    """Import ``periods`` of ``bucket`` into ``folder``'s warehouse in a fresh child process
    (``out``: where the child writes its own timings); the step's wall seconds and peak RSS MB."""
    return python_step(
        IMPORT.format(
            db=str(folder / "w.duckdb"),
            dl=str(folder / "dl"),
            pub=str(folder / "published"),
            mem=MEMORY_LIMIT,
            bucket=str(bucket),
            prefix=names[0],
            name=names[1],
            periods=periods,
            force=force,
            out=out,
        ),
        cwd=code,
        env={"PYTHONPATH": str(code)},
    )


def _older_copy(source: Path, folder: Path) -> None:
    """A copy of a warehouse imported by this checkout, for code of before ``whole_tables``."""
    import duckdb

    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(source, folder)
    con = duckdb.connect(str(folder / "w.duckdb"))
    try:
        con.execute("alter table meta.build_log drop column if exists whole_tables")
    finally:
        con.close()


def run(
    rows_per_month: int, count: int, runs: int, code: Path = ROOT, external: str | None = None
) -> dict:
    names = (PREFIX, NAME)
    if external:
        where, prefix, name = external.rsplit(":", 2)
        bucket, names = Path(where).resolve(), (prefix, name)
        data = ROOT / "data" / "bench" / f"history-ext-{bucket.name}"
        last = last_period(bucket, prefix, name)
    else:
        data = ROOT / "data" / "bench" / f"history-{rows_per_month}-{count}"
        bucket = generate(data / "bucket", rows_per_month, count)
        last = months(count)[-1]
    tag = "" if code == ROOT else "-" + code.name
    templates = {"history": data / f"history{tag}", "alone": data / f"alone{tag}"}
    for kind, folder in templates.items():
        marker = folder / "imported"
        mine = data / kind
        if code != ROOT and not marker.exists() and (mine / "imported").exists():
            _older_copy(mine, folder)  # this checkout's import, as older code can read it
        if not marker.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            print(f"importing the {kind} warehouse (untimed)", flush=True)
            import_step(
                folder,
                bucket,
                None if kind == "history" else [last],
                force=False,
                code=code,
                names=names,
            )
            marker.write_text(date.today().isoformat())
        # the steady state of a warehouse that has published before, with this code
        print(f"restating {last} once in the {kind} warehouse (untimed)", flush=True)
        import_step(folder, bucket, [last], force=True, code=code, names=names)
    results: dict[str, list[dict]] = {k: [] for k in templates}
    for i in range(runs):
        for kind, template in templates.items():
            work = Path(tempfile.mkdtemp(prefix="bench_history_", dir=data))
            try:
                folder = work / kind
                shutil.copytree(template, folder)
                # the copy's pages written out before the clock starts: left in the page cache, the
                # first fsync of the timed import (its first checkpoint) wrote the whole copy, which
                # charged the 25-month warehouse (274 MB) for disk writes the 1-month one (28 MB)
                # hardly had (0.44 s against 0.04 s for that checkpoint)
                os.sync()
                out = str(work / "out.json")
                wall, peak = import_step(
                    folder, bucket, [last], force=True, out=out, code=code, names=names
                )
                got = json.loads(Path(out).read_text())
                got |= {"wall": wall, "peak_mb": peak}
                results[kind].append(got)
                print(
                    f"run {i + 1} {kind}: import {got['import']:.2f} s (build {got['build']:.2f}, "
                    f"publish {got['publish']:.2f}), process {wall:.2f} s, {peak:.0f} MB",
                    flush=True,
                )
            finally:
                shutil.rmtree(work, ignore_errors=True)
    if external:  # what the bucket holds, not the generator's arguments
        count = len({p.name for p in (bucket / names[0] / names[1]).iterdir() if p.is_dir()})
        rows_per_month = 0
    return {"rows_per_month": rows_per_month, "months": count, "restated": last, "runs": results}


def table(report: dict) -> str:
    runs = report["runs"]

    def med(kind: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[kind])

    lines = [
        f"| step | alone: median s | {report['months'] - 1} months more: median s | ratio |",
        "|---|---:|---:|---:|",
    ]
    for key, title in (
        ("import", "import (load + build + publish)"),
        ("build", "build (FOCUS scope, marts, allocation)"),
        ("publish", "publish (snapshot + Parquet)"),
        ("wall", "whole process"),
    ):
        a, h = med("alone", key), med("history", key)
        lines.append(f"| {title} | {a:.2f} | {h:.2f} | **{h / a:.2f}** |")
    peak_a = max(r["peak_mb"] for r in runs["alone"])
    peak_h = max(r["peak_mb"] for r in runs["history"])
    lines.append(f"| peak RSS MB | {peak_a:.0f} | {peak_h:.0f} | {peak_h / peak_a:.2f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows-per-month", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=25)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--code",
        type=Path,
        default=ROOT,
        help="run this checkout's finops_lib (e.g. an older one, on copies of this one's imports)",
    )
    parser.add_argument(
        "--bucket", help="DIR:PREFIX:NAME, a CUR v1 bucket of another generator (see above)"
    )
    args = parser.parse_args()
    print(json.dumps(machine(), indent=2), flush=True)
    report = run(args.rows_per_month, args.months, args.runs, args.code.resolve(), args.bucket)
    tag = "-ext" if args.bucket else ""
    save_json(ROOT / "data" / "bench" / f"history{tag}-{args.code.resolve().name}.json", report)
    rows = report["runs"]["alone"][0]["rows"]
    print(
        f"\nrestating {report['restated']} ({rows:,} rows) alone vs with "
        f"{report['months'] - 1} other months\n"
    )
    print(table(report))


if __name__ == "__main__":
    main()
