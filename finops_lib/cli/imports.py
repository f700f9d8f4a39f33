"""`finops import` and `finops show-state`: every configured export of every provider."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from finops_lib import db
from finops_lib.cli.common import console, state
from finops_lib.periods import parse_period

Periods = Annotated[
    list[str] | None, typer.Option("--period", help="Only this period (YYYY-MM); repeatable.")
]
Force = Annotated[bool, typer.Option("--force", help="Reload periods already loaded.")]


def run_import(ctx: typer.Context, label: str, **kwargs: object) -> None:
    """Run :func:`finops_lib.pipeline.import_all` with a status line and print what it did."""
    from finops_lib.pipeline import import_all

    settings = state(ctx).settings
    with console.status(f"importing {label}") as status:

        def show(msg: str) -> None:
            status.update(msg)
            console.log(msg)

        result = import_all(settings, progress=show, **kwargs)  # type: ignore[arg-type]
    console.print(
        f"loaded {len(result.loaded)} period(s), {result.rows:,} rows; skipped {len(result.skipped)}"
        f" already loaded; {result.seconds:.1f}s"
    )


def import_cmd(
    ctx: typer.Context,
    provider: Annotated[
        list[str] | None,
        typer.Option("--provider", help="Only this provider (aws, ...); repeatable."),
    ] = None,
    export: Annotated[
        list[str] | None,
        typer.Option("--export", help="Only the configured export of this name; repeatable."),
    ] = None,
    period: Periods = None,
    force: Force = False,
    alerts: Annotated[
        bool,
        typer.Option("--alerts", help="Then run `finops alerts check` (budgets and anomalies)."),
    ] = False,
) -> None:
    """Import every configured export of every provider: each new or restated period exactly
    once, then rebuild FOCUS and publish."""
    if state(ctx).settings.get("engine", "kind") == "spark":  # [engine] kind: FOCUS on Spark
        from finops_lib.engine.spark_import import import_all as spark_import

        with console.status("importing billing data (FOCUS on Spark)") as status:

            def show(msg: str) -> None:
                status.update(msg)
                console.log(msg)

            done = spark_import(
                state(ctx).settings,
                providers=[p.lower() for p in provider] if provider else None,
                exports=export or None,
                periods=[parse_period(p) for p in period] if period else None,
                force=force,
                progress=show,
            )
        console.print(
            f"loaded {len(done.loaded)} period(s), {done.rows:,} rows; skipped {len(done.skipped)}"
            f" already loaded; FOCUS on Spark: {done.focus_rows:,} rows; {done.seconds:.1f}s"
        )
    else:
        run_import(
            ctx,
            "billing data",
            providers=[p.lower() for p in provider] if provider else None,
            exports=export or None,
            periods=[parse_period(p) for p in period] if period else None,
            force=force,
        )
    if alerts:
        from finops_lib.cli.alerts import run_check

        run_check(state(ctx).settings)


def show_state(
    ctx: typer.Context,
    provider: Annotated[
        str | None, typer.Option("--provider", help="Only this provider (aws, ...).")
    ] = None,
) -> None:
    """Show what is loaded, for every provider: export, period, delivery id, files, rows, when."""
    from finops_lib.state import load_state

    con = db.connect(state(ctx).settings.database)
    try:
        rows = load_state(con)
    finally:
        con.close()
    if provider:
        rows = [r for r in rows if str(r[0]).lower() == provider.lower()]
    table = Table(
        "provider", "export", "format", "period", "delivery id", "files", "rows", "loaded at"
    )
    for prov, export, fmt, period, delivery, files, n, at, _load in rows:
        table.add_row(
            prov,
            export,
            fmt or "",
            period,
            delivery or "",
            str(files),
            f"{n:,}",
            f"{at:%Y-%m-%d %H:%M:%S}",
        )
    console.print(table if rows else "nothing loaded yet: run `finops import`")
