"""`finops demo`: the whole chain on generated sample exports, as a new user first sees it.

generate -> import (CUR v1 from one organisation, CUR 2.0 from another) -> FOCUS build ->
conformance + reconciliation -> render reports -> summary. Each import publishes the read-only
snapshot after its build, so the reports read the newest data.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from finops_lib import db
from finops_lib.cli.common import console, state
from finops_lib.errors import FinopsError

DEMO_ROWS = 60_000
DEMO_SEED = 7


def demo(
    ctx: typer.Context,
    rows: Annotated[int, typer.Option(help="Rows of demo billing data to generate.")] = DEMO_ROWS,
    output: Annotated[Path, typer.Option(help="Where the demo buckets are written.")] = Path(
        "data/demo-bucket"
    ),
    reports: Annotated[bool, typer.Option(help="Render the static HTML reports.")] = True,
) -> None:
    """Run the whole demo on generated sample exports: import, FOCUS, validate, reports."""
    from finops_lib import checks, pipeline
    from finops_lib.demo import generate_aws
    from finops_lib.reconcile import reconcile

    settings = state(ctx).settings
    timings: dict[str, float] = {}
    t0 = time.perf_counter()

    with console.status(f"generating {rows:,} rows of AWS CUR v1 and CUR 2.0 exports..."):
        if output.exists():
            shutil.rmtree(output)
        generated = generate_aws(output, rows=rows, seed=DEMO_SEED)
    timings["generate"] = time.perf_counter() - t0

    t1 = time.perf_counter()
    snapshot = None
    for flavour, export in generated.exports.items():
        with console.status(f"importing {export.name} ({flavour})..."):
            result = pipeline.import_provider("aws",
                settings,
                bucket=str(export.root),
                prefix=export.prefix,
                export_name=export.name,
                cur_version=flavour,
                force=True,
            )
        snapshot = result.published
    timings["import + FOCUS build"] = time.perf_counter() - t1

    t2 = time.perf_counter()
    con = db.connect(settings.database, read_only=True)
    try:
        with console.status("checking FOCUS conformance and reconciling to the source..."):
            results = checks.run_checks(con)
            recon = reconcile(con)
        summary = con.execute(
            """
            select x_billing_period, ProviderName, x_export_name, count(*),
                sum(BilledCost), sum(EffectiveCost)
            from focus.cost_and_usage group by all order by 1, 2, 3
            """
        ).fetchall()
    finally:
        con.close()
    timings["validate"] = time.perf_counter() - t2

    rendered = []
    if reports:
        from finops_lib.reports import render

        t3 = time.perf_counter()
        with console.status("rendering the static HTML reports..."):
            rendered = render(output_dir=settings.get("project", "reports_dir"), settings=settings)
        timings["reports"] = time.perf_counter() - t3

    table = Table(title="FOCUS cost and usage by billing period")
    for col in ("period", "provider", "export", "rows", "BilledCost", "EffectiveCost"):
        table.add_column(
            col, justify="right" if col in ("rows", "BilledCost", "EffectiveCost") else "left"
        )
    for period, provider, export_name, n, billed, effective in summary:
        table.add_row(
            period, provider, export_name, f"{n:,}", f"{billed:,.2f}", f"{effective:,.2f}"
        )
    console.print(table)

    errors = checks.failed(results, "error")
    bad_recon = recon.height - int(recon["ok"].sum()) if recon.height else 0
    console.print(
        f"conformance: {len(results)} FOCUS 1.2 rules, {len(errors)} failing; "
        f"reconciliation: {recon.height} period x account rows, {bad_recon} with a difference"
    )
    console.print(f"warehouse: {settings.database}  snapshot: {snapshot}")
    if rendered:
        index = Path(settings.get("project", "reports_dir")) / "index.html"
        console.print(f"reports: {index.resolve()} ({len(rendered)} reports, open offline)")
    console.print("timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    console.print("next: `./finops app` serves the notebooks on http://127.0.0.1:2718")
    if errors or bad_recon:
        raise FinopsError(
            "the demo data did not pass validation",
            hint="run `./finops validate` for the failing rules and reconciliation rows",
        )
