"""`finops aws` sub-commands: import CUR / Data Exports deliveries, list manifests, show load state."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from finops_lib import db
from finops_lib.cli.common import console, state

app = typer.Typer(help="Import AWS billing exports (CUR v1, CUR 2.0, FOCUS).", no_args_is_help=True)

Bucket = Annotated[
    str | None,
    typer.Option("--bucket", help="s3://BUCKET or a local directory with the same layout."),
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
    period: Annotated[
        list[str] | None, typer.Option("--period", help="Only this period (YYYY-MM); repeatable.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Reload periods already loaded.")] = False,
) -> None:
    """Load every new billing period of the export(s) exactly once, then rebuild FOCUS."""
    from finops_lib.pipeline import import_aws, import_configured

    settings = state(ctx).settings
    flags = any((bucket, prefix, export_name, cur_version, period, force))
    with console.status("importing AWS billing data") as status:

        def show(msg: str) -> None:
            status.update(msg)
            console.log(msg)

        if not flags and settings.aws_exports:
            result = import_configured(settings, progress=show)
        else:
            result = import_aws(
                settings,
                bucket=bucket,
                prefix=prefix,
                export_name=export_name,
                cur_version=cur_version,
                periods=period or None,
                force=force,
                progress=show,
            )
    console.print(
        f"loaded {len(result.loaded)} period(s), {result.rows:,} rows; skipped {len(result.skipped)}"
        f" already loaded; {result.seconds:.1f}s"
    )


@app.command("list-manifests")
def list_manifests(
    ctx: typer.Context,
    bucket: Bucket = None,
    prefix: Prefix = None,
    export_name: ExportName = None,
    cur_version: Version = None,
) -> None:
    """Show the current manifest of every billing period in the bucket (nothing is loaded)."""
    from finops_lib.pipeline import export_specs
    from finops_lib.sources.aws_cur import discover
    from finops_lib.sources.aws_cur.store import open_store

    specs = export_specs(
        state(ctx).settings,
        bucket=bucket,
        prefix=prefix,
        export_name=export_name,
        cur_version=cur_version,
    )
    table = Table("export", "version", "period", "manifest id", "files", "manifest key")
    for spec in specs:
        for d in discover(
            open_store(spec.bucket, spec.region),
            spec.prefix,
            spec.export_name,
            spec.cur_version,
            spec.name,
        ):
            table.add_row(
                d.export_name,
                d.cur_version,
                d.period,
                d.manifest_id,
                str(len(d.data_keys)),
                d.manifest_key,
            )
    console.print(table)


@app.command("show-state")
def show_state(ctx: typer.Context) -> None:
    """Show what is loaded: period, manifest id, files, rows, loaded at."""
    from finops_lib.state import load_state

    con = db.connect(state(ctx).settings.database)
    try:
        rows = load_state(con)
    finally:
        con.close()
    table = Table(
        "provider", "export", "version", "period", "manifest id", "files", "rows", "loaded at"
    )
    for provider, export, version, period, manifest, files, n, at, _load in rows:
        table.add_row(
            provider,
            export,
            version or "",
            period,
            manifest or "",
            str(files),
            f"{n:,}",
            f"{at:%Y-%m-%d %H:%M:%S}",
        )
    console.print(table if rows else "nothing loaded yet: run `finops aws import-cur`")
