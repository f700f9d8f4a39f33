"""`finops report` sub-commands: render the notebooks to static HTML, print a cron line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from finops_lib.cli.common import console, from_caller, state

app = typer.Typer(help="Static HTML reports rendered from the notebooks.", no_args_is_help=True)


@app.command("render")
def render(
    ctx: typer.Context,
    names: Annotated[
        list[str] | None,
        typer.Argument(
            help="Reports to render (e.g. 10_review_costs, review_costs or 10); default all."
        ),
    ] = None,
    period: Annotated[
        str | None,
        typer.Option("--period", help="Billing period YYYY-MM (default: latest complete)."),
    ] = None,
    output_dir: Annotated[
        Path | None,
        typer.Option(
            "--output-dir",
            help="Where to write (default: reports_dir in finops.toml, else reports/).",
            callback=from_caller,
        ),
    ] = None,
) -> None:
    """Render report notebooks through papermill to self-contained HTML plus an index page."""
    from finops_lib import reports

    settings = state(ctx).settings
    out = output_dir or Path(settings.get("project", "reports_dir"))
    with console.status("rendering reports..."):
        done = reports.render(names or None, period=period, output_dir=out, settings=settings)
    for report in done:
        console.print(f"{report.name}: {report.html}  (executed notebook: {report.executed})")
    console.print(f"index: {out / 'index.html'}")


@app.command("schedule")
def schedule(ctx: typer.Context) -> None:
    """Print a crontab line that renders every report daily at 06:00 UTC."""
    from finops_lib import reports

    settings = state(ctx).settings
    print(reports.cron_line(Path.cwd(), settings.get("project", "reports_dir")))
