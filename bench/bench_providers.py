"""Azure and GCP imports end to end vs DuckDB alone reading the same files (issue 15, item 5).

Usage: python -m bench.bench_providers [--azure-rows 500000] [--gcp-rows 1000000] [--runs 3]
       [--sources azure-ea,azure-focus,gcp] [--data DIR] [--code DIR]

One billing month of each source from the project's generators (kept under ``--data`` and reused):
``finops_lib.demo.generate_azure`` (``--azure-rows`` usage lines per dataset) and
``finops_lib.demo.generate_gcp`` (``--gcp-rows`` usage rows). Per source, two steps, each a fresh
child process (wall seconds, the step's own peak RSS through GNU time), run alternately (run 1 of
both, then run 2, ...) on a fresh warehouse every time:

* duckdb-alone: DuckDB creating a table from the very files the import reads (the delivery's
  files as the provider lists them, outside the clock), nothing else:
  ``CREATE TABLE t<i> AS SELECT * FROM read_csv(<files>)`` per Azure export (ActualCost and
  AmortizedCost are two tables, as they are two exports; typed by DuckDB's sniffer, told the EA
  date format), ``read_parquet`` for FocusCost and for
  the GCP extract. For GCP that is the extract's Parquet rows *as they are*, nested
  (``service``/``sku``/``project`` structs, ``labels`` and ``credits`` lists), not flattened:
  the GCP source's rows normally come from BigQuery, which DuckDB cannot read; the extract
  (``[gcp.exports.<name>] extract``) holds the same export table's rows, so both sides read the
  same local files and the ratio leaves out BigQuery's paging.
* finops-import: ``pipeline.import_all`` of that one export (discover, the atomic period load with
  source totals and state, the FOCUS build with marts and allocation, the snapshot and Parquet
  publish), then BilledCost and EffectiveCost of the FOCUS rows checked to the cent against the
  generator's expected totals (after the clock).
* finops-import-before (``--code DIR``): the same import run from another checkout (e.g. ``git
  archive <rev>`` unpacked), between the two, for before/after figures in one run.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from bench.bench_ingest import MEMORY_LIMIT
from bench.common import ROOT, Measure, machine, python_step

MONTH = "2026-08"
#: source -> (provider, export name of the generated data)
SOURCES = {
    "azure-ea": ("azure", "demo-ea"),  # ActualCost CSV + AmortizedCost CSV.gz, EA columns
    "azure-focus": ("azure", "demo-focus"),  # FocusCost parquet
    "gcp": ("gcp", "demo-gcp"),  # detailed billing export extract, parquet
}

#: read_csv options DuckDB alone needs for a source: the EA export writes MM/DD/YYYY dates, which
#: DuckDB's sniffer (on its first 20,480 rows) takes for DD/MM/YYYY and then fails on day 13
CSV_OPTIONS = {"azure-ea": {"dateformat": "%m/%d/%Y"}}

DUCKDB = """
import duckdb, json
groups, options = json.loads({groups!r}), json.loads({options!r})
con = duckdb.connect({db!r})
for i, files in enumerate(groups):
    if files[0].endswith(".parquet"):
        fn, opts = "read_parquet", {{}}
    else:
        fn, opts = "read_csv", options
    args = "".join(f", {{k}} = ${{k}}" for k in opts)
    con.execute(f"CREATE TABLE t{{i}} AS SELECT * FROM {{fn}}($f{{args}})", {{"f": files, **opts}})
"""

IMPORT = """
import json
from dataclasses import replace
from finops_lib.config import load_settings
from finops_lib.pipeline import import_all
s = (load_settings(env={{}}).override("project", "database", {db!r})
     .override("project", "publish_dir", {pub!r}).override("project", "memory_limit", {mem!r}))
s = replace(s, exports={{**s.exports, {provider!r}: json.loads({tables!r})}})
r = import_all(s, providers=[{provider!r}], exports=[{name!r}])
assert r.loaded and not r.skipped, r
"""


def generate(data: Path, azure_rows: int, gcp_rows: int) -> dict[str, Path]:
    """The generated Azure container and GCP extract of one month (reused when already there)."""
    from finops_lib.demo import generate_azure, generate_gcp

    done = data / "done.json"
    want = {"azure_rows": azure_rows, "gcp_rows": gcp_rows, "month": MONTH}
    if not (done.exists() and json.loads(done.read_text()) == want):
        shutil.rmtree(data, ignore_errors=True)
        generate_azure(data / "azure", rows=azure_rows, months=(MONTH,), rows_per_file=1_000_000)
        generate_gcp(data / "gcp", rows=gcp_rows, months=(MONTH,))
        done.write_text(json.dumps(want))
    return {"azure": data / "azure", "gcp": data / "gcp"}


def export_tables(source: str, where: dict[str, Path]) -> dict[str, dict]:
    """The ``[<provider>.exports.<name>]`` table of one source, as a finops.toml would hold it."""
    provider, name = SOURCES[source]
    if provider == "gcp":
        expected = json.loads((where["gcp"] / "expected_totals.json").read_text())
        return {name: {"extract": str(where["gcp"] / expected["table"])}}
    expected = json.loads((where["azure"] / "expected_totals.json").read_text())
    exports = list(expected["datasets"][name]["exports"])
    container = where["azure"] / expected["root_folder"]
    return {name: {"container": str(container), "exports": exports, "type": ""}}


def delivery_files(source: str, tables: dict[str, dict]) -> list[list[str]]:
    """The files the import reads for the month, grouped per constituent export (what DuckDB
    alone reads), listed by the provider itself."""
    from dataclasses import replace

    from finops_lib import sources
    from finops_lib.config import load_settings

    provider, name = SOURCES[source]
    settings = load_settings(env={})
    settings = replace(settings, exports={**settings.exports, provider: tables})
    (export,) = [e for e in sources.provider(provider).exports(settings) if e.name == name]
    (delivery,) = [d for d in export.deliveries() if d.period == MONTH]
    base = Path(tables[name].get("container", "/"))
    groups: dict[str, list[str]] = {}
    for f in delivery.files:
        path = Path(f) if Path(f).is_absolute() else base / f
        groups.setdefault(Path(f).parts[0] if provider == "azure" else "", []).append(str(path))
    return list(groups.values())


def expected_totals(source: str, where: dict[str, Path]) -> tuple[Decimal, Decimal, int]:
    """The generator's BilledCost and EffectiveCost of the month, and its source rows."""
    provider, name = SOURCES[source]
    if provider == "gcp":
        period = json.loads((where["gcp"] / "expected_totals.json").read_text())["periods"][MONTH]
    else:
        data = json.loads((where["azure"] / "expected_totals.json").read_text())
        period = data["datasets"][name]["periods"][MONTH]
    return Decimal(period["billed_cost"]), Decimal(period["effective_cost"]), int(period["rows"])


def check(db: Path, source: str, where: dict[str, Path]) -> None:
    """The import's FOCUS rows hold the month's costs to the cent (after the clock)."""
    import duckdb

    provider, name = SOURCES[source]
    billed, effective, _ = expected_totals(source, where)
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(
            "select sum(BilledCost), sum(EffectiveCost) from focus.cost_and_usage"
            " where x_export_name = $n",
            {"n": name},
        ).fetchone()
    finally:
        con.close()
    got = (round(Decimal(row[0]), 2), round(Decimal(row[1]), 2)) if row and row[0] else None
    if got != (round(billed, 2), round(effective, 2)):
        raise RuntimeError(f"{source}: FOCUS sums to {got}, the source to {billed}, {effective}")


def _fresh(tmp: Path) -> dict[str, str]:
    for p in (tmp / "w.duckdb", tmp / "w.duckdb.wal"):
        p.unlink(missing_ok=True)
    shutil.rmtree(tmp / "pub", ignore_errors=True)
    return {"db": str(tmp / "w.duckdb"), "pub": str(tmp / "pub"), "mem": MEMORY_LIMIT}


def source_steps(
    source: str, where: dict[str, Path], tmp: Path, code: Path | None = None
) -> dict[str, Callable]:
    """The steps of one source (two, three with a ``code`` checkout), each returning (seconds,
    peak MB)."""
    provider, name = SOURCES[source]
    tables = export_tables(source, where)
    groups = json.dumps(delivery_files(source, tables))

    def alone() -> tuple[float, float]:
        options = json.dumps(CSV_OPTIONS.get(source, {}))
        return python_step(DUCKDB.format(groups=groups, options=options, **_fresh(tmp)))

    def importer(checkout: Path | None) -> Callable[[], tuple[float, float]]:
        def import_() -> tuple[float, float]:
            fresh = _fresh(tmp)
            text = IMPORT.format(provider=provider, name=name, tables=json.dumps(tables), **fresh)
            if checkout is None:
                result = python_step(text)
            else:
                result = python_step(text, cwd=checkout, env={"PYTHONPATH": str(checkout)})
            check(Path(fresh["db"]), source, where)
            return result

        return import_

    steps = {"duckdb-alone": alone}
    if code is not None:
        steps["finops-import-before"] = importer(code)
    return steps | {"finops-import": importer(None)}


def run(
    where: dict[str, Path], chosen: list[str], runs: int, code: Path | None = None
) -> dict[str, list[Measure]]:
    """Every source's steps, alternating within each run; the measures per source."""
    tmp = Path(tempfile.mkdtemp(prefix="bench_providers_", dir=ROOT / "data" / "bench"))
    out: dict[str, list[Measure]] = {}
    try:
        for source in chosen:
            steps = source_steps(source, where, tmp, code)
            measures = [Measure(f"{source} {label}") for label in steps]
            for _ in range(runs):
                for m, fn in zip(measures, steps.values(), strict=True):
                    s, mb = fn()
                    m.seconds.append(s)
                    m.peak_mb.append(mb)
                    print(f"  {m.name}: {s:.2f} s, {mb:.0f} MB", flush=True)
            out[source] = measures
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def table(results: dict[str, list[Measure]], where: dict[str, Path]) -> str:
    """Markdown: each run, the median, the ratio to DuckDB alone, peak RSS."""
    lines = [
        "| source | step | source rows | runs s | median s | x DuckDB alone | peak RSS MB |",
        "|---|---|---:|---|---:|---:|---:|",
    ]
    for source, (alone, *others) in results.items():
        rows = expected_totals(source, where)[2]
        for m in (alone, *others):
            lines.append(
                f"| {source} | {m.name.split(' ', 1)[1]} | {rows:,} |"
                f" {', '.join(f'{s:.2f}' for s in m.seconds)} | {m.median_s:.2f} |"
                f" {m.median_s / alone.median_s:.2f} | {m.peak:.0f} |"
            )
        for m in others:
            ratios = [o / a for a, o in zip(alone.seconds, m.seconds, strict=True)]
            lines.append(
                f"| {source} | per run {m.name.split(' ', 1)[1]} / alone | |"
                f" {', '.join(f'{r:.2f}' for r in ratios)} | | | |"
            )
    return "\n".join(lines)


def main() -> None:
    """Run and print the markdown section."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--azure-rows", type=int, default=500_000)
    parser.add_argument("--gcp-rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sources", default=",".join(SOURCES))
    parser.add_argument("--data", type=Path, default=None, help="generated data (kept, reused)")
    parser.add_argument("--code", type=Path, default=None, help="a before checkout to compare")
    args = parser.parse_args()
    data = args.data or ROOT / "data" / "bench" / f"providers-{args.azure_rows}-{args.gcp_rows}"
    where = generate(data, args.azure_rows, args.gcp_rows)
    chosen = [s for s in args.sources.split(",") if s]
    unknown = set(chosen) - set(SOURCES)
    if unknown:
        parser.error(f"unknown source(s) {', '.join(sorted(unknown))}: use {', '.join(SOURCES)}")
    results = run(where, chosen, args.runs, args.code.resolve() if args.code else None)
    print(
        f"\none month ({MONTH}), medians of {args.runs} alternating runs, memory_limit {MEMORY_LIMIT}\n"
    )
    print("```\n" + json.dumps(machine(), indent=2) + "\n```\n")
    print(table(results, where))
    (data / f"results-{args.runs}.json").write_text(
        json.dumps({s: [(m.name, m.seconds, m.peak_mb) for m in ms] for s, ms in results.items()})
    )


if __name__ == "__main__":
    main()
