"""`finops aws` sub-commands: import CUR / Data Exports deliveries, list manifests, show load state."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from finops_lib.cli.common import console, from_caller, state
from finops_lib.cli.imports import Force, Periods, run_import, show_state
from finops_lib.errors import ConfigError
from finops_lib.periods import parse_period

app = typer.Typer(help="Import AWS billing exports (CUR v1, CUR 2.0, FOCUS).", no_args_is_help=True)

Bucket = Annotated[
    str | None,
    typer.Option(
        "--bucket",
        help="s3://BUCKET or a local directory with the same layout.",
        callback=from_caller,
    ),
]
Prefix = Annotated[str | None, typer.Option("--prefix", help="Report path prefix in the bucket.")]
ExportName = Annotated[
    str | None, typer.Option("--export-name", help="CUR report / Data Exports export name.")
]
Version = Annotated[
    str | None, typer.Option("--cur-version", help="v1 (legacy CUR), v2 (CUR 2.0) or focus.")
]


@app.command("import-cur")
def import_cur(
    ctx: typer.Context,
    bucket: Bucket = None,
    prefix: Prefix = None,
    export_name: ExportName = None,
    cur_version: Version = None,
    period: Periods = None,
    force: Force = False,
) -> None:
    """Load every new billing period of the AWS export(s) exactly once, then rebuild FOCUS."""
    run_import(
        ctx,
        "AWS billing data",
        providers=["aws"],
        periods=[parse_period(p) for p in period] if period else None,
        force=force,
        **_flags(bucket, prefix, export_name, cur_version),
    )


def _flags(
    bucket: str | None, prefix: str | None, export_name: str | None, cur_version: str | None
) -> dict[str, str]:
    given = {
        "bucket": bucket,
        "prefix": prefix,
        "export_name": export_name,
        "cur_version": cur_version,
    }
    return {k: v for k, v in given.items() if v is not None}


@app.command("list-manifests")
def list_manifests(
    ctx: typer.Context,
    bucket: Bucket = None,
    prefix: Prefix = None,
    export_name: ExportName = None,
    cur_version: Version = None,
) -> None:
    """Show the current manifest of every billing period in the bucket (nothing is loaded)."""
    from finops_lib.sources import provider

    exports = provider("aws").exports(
        state(ctx).settings, **_flags(bucket, prefix, export_name, cur_version)
    )
    if not exports:
        raise ConfigError(
            "no AWS export is configured",
            hint="pass --bucket and --export-name, or set [aws] / [aws.exports.<name>] in finops.toml",
        )
    table = Table("export", "version", "period", "manifest id", "files", "manifest key")
    for export in exports:
        for d in export.deliveries():
            table.add_row(
                d.export, d.format, d.period, d.delivery_id, str(len(d.files)), d.location
            )
    console.print(table)


@app.command("show-state")
def show_state_cmd(ctx: typer.Context) -> None:
    """Show what is loaded for AWS: period, manifest id, files, rows, loaded at."""
    show_state(ctx, provider="aws")
