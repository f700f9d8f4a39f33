"""`finops azure` sub-commands: import Cost Management exports, list their runs, show load state."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from finops_lib.cli.common import console, from_caller, state
from finops_lib.cli.imports import Force, Periods, run_import, show_state
from finops_lib.errors import ConfigError
from finops_lib.periods import parse_period

app = typer.Typer(
    help="Import Azure Cost Management exports (ActualCost, AmortizedCost, FocusCost).",
    no_args_is_help=True,
)

Container = Annotated[
    str | None,
    typer.Option(
        "--container",
        help="azure://CONTAINER/ROOT or a local directory with the same layout.",
        callback=from_caller,
    ),
]
ExportNames = Annotated[
    list[str] | None,
    typer.Option(
        "--export-name",
        help="A Cost Management export's name; repeat it for the exports forming one dataset.",
    ),
]
ExportType = Annotated[
    str | None,
    typer.Option(
        "--type", help="ActualCost, AmortizedCost or FocusCost, for exports without manifest.json."
    ),
]


def _flags(
    container: str | None, export_name: list[str] | None, kind: str | None
) -> dict[str, Any]:
    given: dict[str, Any] = {"container": container, "export_names": export_name, "type": kind}
    return {k: v for k, v in given.items() if v}


@app.command("import")
def import_cmd(
    ctx: typer.Context,
    container: Container = None,
    export_name: ExportNames = None,
    kind: ExportType = None,
    period: Periods = None,
    force: Force = False,
) -> None:
    """Load every new billing period of the Azure dataset(s) exactly once, then rebuild FOCUS."""
    run_import(
        ctx,
        "Azure billing data",
        providers=["azure"],
        periods=[parse_period(p) for p in period] if period else None,
        force=force,
        **_flags(container, export_name, kind),
    )


@app.command("list-exports")
def list_exports(
    ctx: typer.Context,
    container: Container = None,
    export_name: ExportNames = None,
    kind: ExportType = None,
) -> None:
    """Show every run of the dataset(s)' exports; the latest per period is what loads."""
    from finops_lib.sources.azure_exports import PROVIDER, runs
    from finops_lib.sources.azure_exports.helpers import latest

    datasets = PROVIDER.exports(state(ctx).settings, **_flags(container, export_name, kind))
    if not datasets:
        raise ConfigError(
            "no Azure export is configured",
            hint="pass --container and --export-name, or set [azure] / [azure.exports.<name>] in finops.toml",
        )
    table = Table("dataset", "export", "type", "period", "run id", "submitted", "blobs", "loads")
    for dataset in datasets:
        store = dataset.store()
        for export in dataset.exports:
            found = runs(store, export, dataset.type)
            chosen = {r.run_id for r in latest(found).values()}
            for run in found:
                table.add_row(
                    dataset.name,
                    run.export,
                    run.type + (f" {run.focus_version}" if run.focus_version else ""),
                    run.period,
                    run.run_id,
                    _when(run.submitted, run.location),
                    str(len(run.blobs)),
                    "latest" if run.run_id in chosen else "",
                )
    console.print(table)


def _when(submitted: str, location: str) -> str:
    """``runInfo.submittedTime`` as ``YYYY-MM-DD HH:MM:SS`` (a legacy run: its file's time)."""
    if location.endswith(".json") and "T" in submitted:
        return submitted[:19].replace("T", " ")
    try:
        from datetime import UTC, datetime

        return f"{datetime.fromtimestamp(float(submitted), UTC):%Y-%m-%d %H:%M:%S} (file)"
    except ValueError:
        return submitted


@app.command("show-state")
def show_state_cmd(ctx: typer.Context) -> None:
    """Show what is loaded for Azure: dataset, period, run ids, files, rows, loaded at."""
    show_state(ctx, provider="azure")
