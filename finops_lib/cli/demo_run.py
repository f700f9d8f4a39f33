"""`finops demo`: the whole chain on generated sample exports, as a new user first sees it.

generate -> import (AWS: CUR v1 from one organisation, CUR 2.0 from another; Azure: an EA and an
MCA dataset of ActualCost + AmortizedCost exports and a FocusCost export; GCP: a detailed billing
export extract) -> FOCUS build ->
conformance + reconciliation -> render reports -> summary. Each import publishes the read-only
snapshot after its build, so the reports read the newest data.
"""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from finops_lib import db
from finops_lib.cli.common import console, from_caller, state
from finops_lib.errors import FinopsError

if TYPE_CHECKING:
    from finops_lib.config import Settings
    from finops_lib.demo import Export
    from finops_lib.demo.azure import Dataset
    from finops_lib.demo.gcp import GeneratedGcp
    from finops_lib.reports import Report

DEMO_ROWS = 60_000
DEMO_AZURE_ROWS = 3_000  # usage rows per Azure dataset: Azure adds a few seconds to the demo
DEMO_SEED = 7
DEMO_GCP_ROWS = 2_000  # GCP usage rows across the months: about a second of the demo
AZURE_FOLDER = "azure"  # the Azure container folder under --output
GCP_FOLDER = "gcp"  # the GCP extract (and its expected totals) under --output


def _demo_settings(
    settings: Settings,
    aws: Iterable[Export],
    azure: Iterable[Dataset],
    gcp: Iterable[GeneratedGcp] = (),
) -> Settings:
    """The settings with the demo's exports as their ``[aws.exports.<name>]``,
    ``[azure.exports.<name>]`` and ``[gcp.exports.<name>]`` tables (what a finops.toml would hold),
    so that one import loads every export and builds and publishes once. One import per export
    through the providers' flags (``--bucket``, ``--container``, ``--extract``...) builds and
    publishes after each: 6 times, 7-8 s each."""
    aws_tables = {
        e.name: {
            "bucket": str(e.root),
            "prefix": e.prefix,
            "export_name": e.name,
            "cur_version": e.flavour,
            "region": settings.get("aws", "region"),
        }
        for e in aws
    }
    azure_tables = {
        ds.name: {
            "container": str(ds.container),
            "exports": list(ds.exports),
            "type": "",
            "storage_account": settings.get("azure", "storage_account"),
        }
        for ds in azure
    }
    gcp_tables = {g.name: {"extract": str(g.extract)} for g in gcp}
    return replace(
        settings,
        exports={**settings.exports, "aws": aws_tables, "azure": azure_tables, "gcp": gcp_tables},
    )


def with_demo_config(settings: Settings) -> tuple[Settings, list[str]]:
    """The settings with the demo's ``[allocation]`` and ``[budgets]`` (``demo_config.toml``) for
    each of the two the user's config does not set; returns the sections taken from the demo."""
    from finops_lib.demo import demo_config

    tables = demo_config()
    taken = []
    for section in ("allocation", "budgets"):
        if section not in settings.trees:  # an empty table of the user's own counts as theirs
            settings = settings.with_tree(section, tables[section])
            taken.append(section)
    return settings, taken


def demo(
    ctx: typer.Context,
    rows: Annotated[int, typer.Option(help="Rows of demo billing data to generate.")] = DEMO_ROWS,
    output: Annotated[
        Path, typer.Option(help="Where the demo buckets are written.", callback=from_caller)
    ] = Path("data/demo-bucket"),
    reports: Annotated[bool, typer.Option(help="Render the static HTML reports.")] = True,
) -> None:
    """Run the whole demo on generated sample exports: import, FOCUS, validate, reports."""
    from finops_lib import checks, pipeline
    from finops_lib.demo import generate_aws, generate_azure, generate_gcp
    from finops_lib.reconcile import reconcile

    settings = state(ctx).settings
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    with contextlib.ExitStack() as stack:
        renderer = None
        if reports:
            from finops_lib.reports import Renderer

            # the report kernels (other processes) start and import their libraries while the
            # data is generated and imported: rendering needs the snapshot, nothing before
            renderer = stack.enter_context(Renderer(settings))

        with console.status(f"generating {rows:,} rows of AWS CUR v1 and CUR 2.0 exports..."):
            if output.exists():
                shutil.rmtree(output)
            generated = generate_aws(output, rows=rows, seed=DEMO_SEED)
        with console.status("generating Azure Cost Management exports (EA, MCA, FocusCost)..."):
            azure = generate_azure(output / AZURE_FOLDER, rows=DEMO_AZURE_ROWS, seed=DEMO_SEED)
        with console.status("generating a GCP detailed billing export extract..."):
            gcp = generate_gcp(output / GCP_FOLDER, rows=DEMO_GCP_ROWS, seed=DEMO_SEED)
        timings["generate"] = time.perf_counter() - t0
        if renderer is not None:
            renderer.prepare()  # exports the notebooks while DuckDB imports, off the GIL

        # the demo's allocation rules and budgets, unless the user's config has its own: the build
        # records them in the warehouse, so `finops allocation report` and `finops alerts check`
        # work
        demo_settings, taken = with_demo_config(
            _demo_settings(settings, generated.exports.values(), azure.datasets.values(), [gcp])
        )
        t1 = time.perf_counter()
        with console.status("importing the AWS, Azure and GCP exports...") as status:
            result = pipeline.import_all(
                demo_settings,
                providers=["aws", "azure", "gcp"],
                force=True,
                progress=lambda msg: status.update(f"importing: {msg}"),
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
                select x_billing_period, x_provider, x_export_name, BillingCurrency, count(*),
                    sum(BilledCost), sum(EffectiveCost)
                from focus.cost_and_usage group by all order by 1, 2, 3
                """
            ).fetchall()
        finally:
            con.close()
        timings["validate"] = time.perf_counter() - t2

        rendered: list[Report] = []
        if renderer is not None:
            t3 = time.perf_counter()
            with console.status("rendering the static HTML reports..."):
                rendered = renderer.render(output_dir=settings.get("project", "reports_dir"))
            timings["reports"] = time.perf_counter() - t3
    timings["total"] = time.perf_counter() - t0

    table = Table(title="FOCUS cost and usage by billing period")
    for col in ("period", "provider", "export", "currency", "rows", "BilledCost", "EffectiveCost"):
        table.add_column(
            col, justify="right" if col in ("rows", "BilledCost", "EffectiveCost") else "left"
        )
    for period, provider, export_name, currency, n, billed, effective in summary:
        table.add_row(
            period,
            provider,
            export_name,
            currency,
            f"{n:,}",
            f"{billed:,.2f}",
            f"{effective:,.2f}",
        )
    console.print(table)

    errors = checks.failed(results, "error")
    bad_recon = recon.height - int(recon["ok"].sum()) if recon.height else 0
    console.print(
        f"conformance: {len(results)} FOCUS 1.2 rules, {len(errors)} failing; "
        f"reconciliation: {recon.height} period x account rows, {bad_recon} with a difference"
    )
    console.print(f"warehouse: {settings.database}  snapshot: {snapshot}")
    if taken:
        console.print(
            f"{' and '.join(f'[{t}]' for t in taken)}: the demo's (finops_lib/demo/demo_config.toml);"
            " your config's own tables take precedence",
            markup=False,
        )
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
