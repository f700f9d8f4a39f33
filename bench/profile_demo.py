"""Profile ``finops demo --no-reports`` statement by statement (wall and CPU seconds).

Usage: python -m bench.profile_demo [--top 40] [--fresh]

Runs the demo in this process (the project's settings: ``data/finops.duckdb``, ``data/demo-bucket``)
with every DuckDB connection the code base opens (``db.connect``) wrapped so that each ``execute``
is timed: wall, and process CPU (``time.process_time``, which counts DuckDB's threads). Prints the
statements grouped by their first words, by wall time, then the single statements over 0.25 CPU-s
in the order they ran (which shows where a checkpoint landed). ``--fresh`` deletes the warehouse
and the snapshot first (the first run of a fresh clone); without it the demo re-imports over them.
"""

from __future__ import annotations

import argparse
import builtins
import re
import shutil
import time
from pathlib import Path
from typing import Any

import finops_lib.db as dbmod
import finops_lib.publish as pubmod

Row = tuple[str, float, float]


class Timed:
    """A DuckDB connection whose ``execute`` records (statement, wall s, CPU s) in ``rows``."""

    def __init__(self, con: Any, rows: list[Row]) -> None:
        self._con, self._rows = con, rows

    def execute(self, query: str, params: Any = None) -> Any:
        w, c = time.perf_counter(), time.process_time()
        try:
            return self._con.execute(query) if params is None else self._con.execute(query, params)
        finally:
            label = re.sub(r"\s+", " ", query.strip())[:90]
            self._rows.append((label, time.perf_counter() - w, time.process_time() - c))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def profile(fresh: bool) -> tuple[list[Row], float, float]:
    """Run the demo once with timed connections; (statements, process wall s, process CPU s)."""
    rows: list[Row] = []
    real_connect, real_isinstance = dbmod.connect, builtins.isinstance
    dbmod.connect = lambda *a, **k: Timed(real_connect(*a, **k), rows)  # type: ignore[assignment]
    # publish tells a connection from a path with isinstance
    pubmod.isinstance = lambda o, t: real_isinstance(o, Timed) or real_isinstance(o, t)  # type: ignore[attr-defined]
    from finops_lib.cli import main
    from finops_lib.config import load_settings

    if fresh:
        settings = load_settings()
        for p in Path(settings.database).parent.glob(Path(settings.database).name + "*"):
            p.unlink()
        shutil.rmtree(pubmod.publish_dir(settings), ignore_errors=True)
    w, c = time.perf_counter(), time.process_time()
    try:
        main(["demo", "--no-reports"])
    except SystemExit:
        pass
    return rows, time.perf_counter() - w, time.process_time() - c


def report(rows: list[Row], wall: float, cpu: float, top: int) -> str:
    """Text: totals, the top statements by wall time, then the heavy ones in order."""
    grouped: dict[str, list[float]] = {}
    for label, w, c in rows:
        g = grouped.setdefault(label, [0, 0.0, 0.0])
        g[0] += 1
        g[1] += w
        g[2] += c
    lines = [
        f"process: wall {wall:.2f} s, CPU {cpu:.2f} s; statements: wall "
        f"{sum(r[1] for r in rows):.2f} s, CPU {sum(r[2] for r in rows):.2f} s",
        "    n  wall s   CPU s  statement",
    ]
    for label, (n, w, c) in sorted(grouped.items(), key=lambda kv: -kv[1][1])[:top]:
        lines.append(f"{int(n):5d} {w:7.2f} {c:7.2f}  {label}")
    lines.append("-- statements over 0.25 CPU-s, in order (#, wall s, CPU s)")
    for i, (label, w, c) in enumerate(rows):
        if c > 0.25:
            lines.append(f"{i:5d} {w:7.2f} {c:7.2f}  {label[:70]}")
    return "\n".join(lines)


def main() -> None:
    """Profile and print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--fresh", action="store_true", help="delete the warehouse first")
    args = parser.parse_args()
    rows, wall, cpu = profile(args.fresh)
    print(report(rows, wall, cpu, args.top))


if __name__ == "__main__":
    main()
