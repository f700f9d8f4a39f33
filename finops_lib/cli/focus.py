"""`finops focus` sub-commands: build the FOCUS layer, export it, reconcile it."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from finops_lib import db
from finops_lib.cli.common import console, from_caller, state

app = typer.Typer(help="Build, export and reconcile the FOCUS dataset.", no_args_is_help=True)


@app.command("build")
def build_cmd(
    ctx: typer.Context,
    publish: Annotated[
        bool, typer.Option(help="Then publish the snapshot the notebooks, app and Metabase read.")
    ] = True,
) -> None:
    """(Re)build staging, focus.cost_and_usage and the marts from the raw tables."""
    from finops_lib.pipeline import rebuild
    from finops_lib.publish import publish as publish_snapshot

    settings = state(ctx).settings
    con = db.connect_writer(settings)
    try:
        result = rebuild(settings, con=con)
        snapshot = publish_snapshot(con, settings) if publish else None
    finally:
        con.close()
    console.print(
        f"FOCUS build: {result.rows_inserted} rows from {', '.join(result.sources_run) or 'no source'}"
        f"; marts: {len(result.marts)}; {result.seconds:.1f}s"
        + (f"; published {snapshot}" if snapshot else "")
    )


@app.command("export")
def export_cmd(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("--output", help="File to write.", callback=from_caller)],
    focus_version: Annotated[str, typer.Option("--focus-version", help="1.2 or 1.3.")] = "1.2",
    fmt: Annotated[str, typer.Option("--format", help="parquet or csv.")] = "parquet",
    period: Annotated[str | None, typer.Option(help="Only this billing period (YYYY-MM).")] = None,
) -> None:
    """Write focus.cost_and_usage with exactly one FOCUS version's columns."""
    from finops_lib.export import export

    con = db.connect(state(ctx).settings.database, read_only=True)
    try:
        result = export(con, output, focus_version=focus_version, fmt=fmt, period=period)
    finally:
        con.close()
    console.print(
        f"wrote {result.rows} rows x {len(result.columns)} FOCUS {result.focus_version} columns "
        f"to {result.path}"
    )


@app.command("reconcile")
def reconcile_cmd(ctx: typer.Context) -> None:
    """Show FOCUS totals against the source totals; exit 1 on any difference."""
    from finops_lib.reconcile import reconcile

    con = db.connect(state(ctx).settings.database, read_only=True)
    try:
        frame = reconcile(con)
    finally:
        con.close()
    table = Table(title="FOCUS vs source")
    cols = [
        "provider",
        "export_name",
        "billing_period",
        "billing_account_id",
        "billed_cost_diff",
        "effective_cost_diff",
        "ok",
    ]
    for c in cols:
        table.add_column(c)
    for row in frame.select(cols).iter_rows():
        table.add_row(*(_cell(v) for v in row))
    console.print(table)
    if frame.height and not bool(frame["ok"].all()):
        raise typer.Exit(1)


def _cell(value: object) -> str:
    """One table cell: exact decimals in plain notation (``0``, not ``0E-10``)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize() if value else Decimal(0), "f")
    return str(value)


@app.command("convert")
def convert_cmd(
    ctx: typer.Context,
    files: Annotated[
        list[Path],
        typer.Argument(help="CUR data files (CSV, CSV.gz, zip, parquet).", callback=from_caller),
    ],
    output: Annotated[
        Path, typer.Option("--output", help="FOCUS file to write.", callback=from_caller)
    ],
    cur_version: Annotated[str, typer.Option("--cur-version", help="v1 or v2.")] = "v1",
    focus_version: Annotated[str, typer.Option("--focus-version", help="1.2 or 1.3.")] = "1.2",
    fmt: Annotated[str, typer.Option("--format", help="parquet or csv.")] = "parquet",
) -> None:
    """Convert CUR files straight to a FOCUS file (one streaming pass, no warehouse)."""
    from finops_lib.convert import convert

    settings = state(ctx).settings
    result = convert(
        files,
        output,
        cur_version=cur_version,
        focus_version=focus_version,
        fmt=fmt,
        memory_limit=settings.get("project", "memory_limit"),
    )
    console.print(
        f"wrote {result.rows} FOCUS {result.focus_version} rows from {result.files} file(s) "
        f"to {result.path}"
    )
