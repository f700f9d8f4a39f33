"""Run the benchmarks (`just bench`): ingestion, CSV -> FOCUS vs the reference converter, queries,
publishing.

Usage: python -m bench [--rows 1000000] [--convert-rows 100000] [--runs 3]
Prints markdown tables; bench/RESULTS.md records the numbers of a run with the machine and versions.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time

from bench.common import PY, ROOT, machine


def step(title: str, argv: list[str]) -> None:
    print(f"\n## {title}\n\n`{' '.join(argv[1:])}`\n", flush=True)
    start = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, check=True)
    print(f"\n({time.perf_counter() - start:.0f} s)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--rows", type=int, default=1_000_000, help="rows for ingestion and query benches"
    )
    parser.add_argument("--convert-rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print("# Benchmark run\n\n```\n" + json.dumps(machine(), indent=2) + "\n```")
    if (ROOT / "bench" / "bench_ingest.py").exists():
        step(
            "Ingestion vs DuckDB alone",
            [PY, "-m", "bench.bench_ingest", "--rows", str(args.rows), "--runs", str(args.runs)],
        )
    step(
        "CUR v1 CSV -> FOCUS vs DuckDB alone vs focus-converter",
        [
            PY,
            "-m",
            "bench.bench_convert",
            "--rows",
            str(args.convert_rows),
            "--runs",
            str(args.runs),
        ],
    )
    big = ROOT / "data" / "bench" / f"queries-{args.rows}.duckdb"
    if not big.exists():
        step(
            "Build a warehouse for the query bench",
            [PY, "-m", "bench.bench_queries", str(big), "--build", "--rows", str(args.rows)],
        )
    step("Notebook queries", [PY, "-m", "bench.bench_queries", str(big), "--runs", "5"])
    step(
        "Publishing: everything vs the changed period",
        [PY, "-m", "bench.bench_publish", str(big), "--runs", str(args.runs)],
    )


if __name__ == "__main__":
    main()
