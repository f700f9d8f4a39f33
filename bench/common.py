"""Measuring helpers: wall time and peak RSS of one step, each in its own child process.

Each step runs as a fresh ``python -c`` child so that its peak RSS (``ru_maxrss`` from ``wait4``) is its
own and not the harness's. Ratios are always taken within one run of the harness, side by side.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


@dataclass
class Measure:
    name: str
    seconds: list[float] = field(default_factory=list)
    peak_mb: list[float] = field(default_factory=list)

    @property
    def median_s(self) -> float:
        return statistics.median(self.seconds)

    @property
    def peak(self) -> float:
        return max(self.peak_mb)


TIME = Path("/usr/bin/time")


def run_child(
    argv: list[str], *, env: dict[str, str] | None = None, cwd: Path = ROOT, timeout: float = 3600
) -> tuple[float, float]:
    """Run one command; return (wall seconds, peak RSS in MB of the command).

    Linux carries a process's peak RSS across fork and exec, so a child forked from this (large)
    harness would report at least the harness's own size. GNU time (``/usr/bin/time``, small) runs
    the command as its own child and reports that child's peak; without it, ``wait4``'s figure is
    used and is an upper bound.
    """
    rss_file = tempfile.NamedTemporaryFile(prefix="bench-rss-", delete=False)
    rss_file.close()
    if TIME.exists():
        argv = [str(TIME), "-f", "%M", "-o", rss_file.name, *argv]
    with tempfile.TemporaryFile() as out_f, tempfile.TemporaryFile() as err_f:
        start = time.perf_counter()
        proc = subprocess.Popen(
            argv, cwd=cwd, env={**os.environ, **(env or {})}, stdout=out_f, stderr=err_f
        )
        # focus-converter's writer processes hang after an error: never wait forever.
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out_f.seek(0)
        err_f.seek(0)
        out = out_f.read().decode(errors="replace")
        err = err_f.read().decode(errors="replace")
    peak_kb = usage.ru_maxrss
    try:
        text = Path(rss_file.name).read_text().strip().splitlines()
        if TIME.exists() and text and text[-1].isdigit():
            peak_kb = int(text[-1])
    finally:
        os.unlink(rss_file.name)
    if proc.returncode != 0:
        raise RuntimeError(f"{argv[:6]} failed:\n{out[-2000:]}\n{err[-4000:]}")
    return elapsed, peak_kb / 1024


def python_step(code: str, **kw) -> tuple[float, float]:
    """Run a Python snippet in a fresh interpreter of the project venv."""
    return run_child([PY, "-c", code], **kw)


def repeat(name: str, fn, runs: int) -> Measure:
    m = Measure(name)
    for _ in range(runs):
        s, mb = fn()
        m.seconds.append(s)
        m.peak_mb.append(mb)
        print(f"  {name}: {s:.2f} s, {mb:.0f} MB", flush=True)
    return m


def machine() -> dict[str, str]:
    import duckdb
    import polars

    try:
        import dlt

        dlt_version = dlt.__version__
    except Exception:  # pragma: no cover
        dlt_version = "?"
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "cpu": f"{cpu} x {os.cpu_count()}",
        "memory": f"{mem:.0f} GiB",
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "dlt": dlt_version,
        "polars": polars.__version__,
        "date": time.strftime("%Y-%m-%d"),
    }


def save_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, default=str))
