"""`finops gcp` sub-commands: import the Cloud Billing export (BigQuery or a local extract), show
load state."""

from __future__ import annotations

from typing import Annotated

import typer

from finops_lib.cli.common import from_caller
from finops_lib.cli.imports import Force, Periods, run_import, show_state
from finops_lib.periods import parse_period

app = typer.Typer(
    help="Import the GCP Cloud Billing export (BigQuery, or a JSONL/Parquet extract).",
    no_args_is_help=True,
)

Extract = Annotated[
    str | None,
    typer.Option(
        "--extract",
        help="A local JSONL/Parquet extract of the export table (file or folder).",
        callback=from_caller,
    ),
]


Full = Annotated[
    bool,
    typer.Option(
        "--full",
        help="List every invoice month of the BigQuery table, not only those with rows exported"
        " within [gcp].lookback_days of the last load.",
    ),
]


@app.command("import")
def import_cmd(
    ctx: typer.Context,
    extract: Extract = None,
    period: Periods = None,
    force: Force = False,
    full: Full = False,
) -> None:
    """Load every new or changed invoice month of the GCP export(s) exactly once, then rebuild FOCUS."""
    flags: dict[str, object] = {"extract": extract} if extract else {}
    if full or force:  # a forced reload lists its months afresh, not from the load state
        flags["full"] = True
    run_import(
        ctx,
        "GCP billing data",
        providers=["gcp"],
        periods=[parse_period(p) for p in period] if period else None,
        force=force,
        **flags,
    )


@app.command("show-state")
def show_state_cmd(ctx: typer.Context) -> None:
    """Show what is loaded for GCP: export, invoice month, delivery id, rows, loaded at."""
    show_state(ctx, provider="gcp")
