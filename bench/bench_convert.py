"""CUR v1 CSV -> FOCUS: this project vs DuckDB alone vs the reference focus-converter 1.0.0.

Usage: python -m bench.bench_convert [--rows 100000] [--runs 3]

The three read the same uncompressed CSV (focus-converter cannot read .csv.gz):
* duckdb-load: DuckDB alone, ``CREATE TABLE t AS SELECT * FROM read_csv(file)`` into a database file
  (the floor);
* finops convert: ``finops focus convert`` of that file to a FOCUS parquet file (one streaming pass,
  no warehouse: the same job focus-converter does);
* finops import: ``finops aws import-cur`` on a local bucket whose manifest lists that file, which
  loads it, builds ``focus.cost_and_usage`` and publishes the read-only snapshot (fresh warehouse each
  run);
* focus-converter: ``focus-converter convert --provider aws-cur`` in its own environment
  (``.cache/focus-converter``: focus-converter==1.0.0 with multimethod<1.11 and click<8.2).
Each run is a fresh child process; wall time and its peak RSS are recorded.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

from bench.common import PY, ROOT, Measure, repeat, run_child

FC_VENV = ROOT / ".cache" / "focus-converter"


def ensure_focus_converter() -> Path:
    script = FC_VENV / "bin" / "focus-converter"
    if not script.exists():
        uv = [sys.executable, "-m", "uv"]
        subprocess.run([*uv, "venv", "-q", "--python", "3.11", str(FC_VENV)], check=True)
        subprocess.run(
            [
                *uv,
                "pip",
                "install",
                "-q",
                "--python",
                str(FC_VENV / "bin" / "python"),
                "focus-converter==1.0.0",
                "multimethod<1.11",
                "click<8.2",
            ],
            check=True,
        )
    return script


def prepare(work: Path, rows: int) -> tuple[Path, Path]:
    """One CUR v1 month as a single uncompressed CSV inside a local bucket layout."""
    from finops_lib.demo import generate_aws

    gen_dir = work / "gen"
    if gen_dir.exists():
        shutil.rmtree(gen_dir)
    generate_aws(gen_dir, rows=rows, months=("2026-09",), flavours=("v1",), rows_per_file=10**9)
    root = gen_dir / "cur-v1"
    top = next(p for p in root.rglob("*-Manifest.json") if p.parent.name[:8].isdigit())
    manifest = json.loads(top.read_text())
    [key] = manifest["reportKeys"]
    gz_path = root / key.lstrip("/")
    csv_path = gz_path.with_suffix("")  # .csv.gz -> .csv
    with gzip.open(gz_path, "rb") as src, csv_path.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    gz_path.unlink()
    manifest["reportKeys"] = [key.removesuffix(".gz")]
    manifest["compression"] = "NONE"
    for m in root.rglob("*-Manifest.json"):
        data = json.loads(m.read_text())
        if data.get("assemblyId") == manifest["assemblyId"]:
            m.write_text(json.dumps(manifest))
    return root, csv_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=ROOT / "data" / "bench" / "convert")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    root, csv_path = prepare(args.work, args.rows)
    script = ensure_focus_converter()
    db_path = args.work / "finops.duckdb"
    out_dir = args.work / "fc-out"

    def duckdb_load():
        target = args.work / "duckdb-alone.duckdb"
        target.unlink(missing_ok=True)
        code = (
            "import sys, duckdb; con = duckdb.connect(sys.argv[2]); "
            "con.execute('create table t as select * from read_csv($p)', {'p': sys.argv[1]})"
        )
        return run_child([PY, "-c", code, str(csv_path), str(target)])

    def finops():
        db_path.unlink(missing_ok=True)
        return run_child(
            [
                PY,
                "-m",
                "finops_lib.cli",
                "--database",
                str(db_path),
                "aws",
                "import-cur",
                "--bucket",
                str(root),
                "--prefix",
                "cur",
                "--export-name",
                "demo-cur",
                "--cur-version",
                "v1",
            ],
            env={
                "OPEN_FINOPS_PROJECT_PUBLISH_DIR": str(args.work / "published"),
                "OPEN_FINOPS_AWS_DOWNLOAD_DIR": str(args.work / "downloads"),
            },
        )

    def finops_convert():
        return run_child(
            [PY, "-m", "finops_lib.cli", "focus", "convert", str(csv_path)]
            + ["--output", str(args.work / "finops-focus.parquet")]
        )

    def focus_converter():
        shutil.rmtree(out_dir, ignore_errors=True)
        return run_child(
            [
                str(script),
                "convert",
                "--provider",
                "aws-cur",
                "--data-format",
                "csv",
                "--data-path",
                str(csv_path),
                "--export-path",
                str(out_dir),
                "--export-format",
                "parquet",
            ],
            timeout=600,
        )

    results: list[Measure] = [
        repeat("duckdb-load", duckdb_load, args.runs),
        repeat("finops focus convert (CSV -> FOCUS parquet)", finops_convert, args.runs),
        repeat("finops aws import-cur (load + FOCUS build + snapshot)", finops, args.runs),
        repeat("focus-converter", focus_converter, args.runs),
    ]
    base = results[0].median_s
    print(f"\nCUR v1 CSV, {args.rows:,} rows, {csv_path.stat().st_size / 2**20:.0f} MB")
    print("| step | median s | x DuckDB alone | peak RSS MB |")
    print("|---|---|---|---|")
    for m in results:
        print(f"| {m.name} | {m.median_s:.2f} | {m.median_s / base:.2f} | {m.peak:.0f} |")


if __name__ == "__main__":
    main()
