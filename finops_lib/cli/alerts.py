"""`finops alerts` sub-commands: evaluate budgets and anomalies and notify, each alert once."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import typer

from finops_lib.cli.common import console, state
from finops_lib.config import Settings
from finops_lib.periods import parse_period

app = typer.Typer(
    help="Budget and anomaly alerts through the alerts.urls setting.", no_args_is_help=True
)


def run_check(
    settings: Settings,
    *,
    period: str | None = None,
    urls: list[str] | None = None,
    dry_run: bool = False,
    min_impact: float | None = None,
) -> int:
    """Evaluate, send what is new (or print it with ``dry_run``), and say what happened.

    Returns the number of messages sent (or that would be sent).
    """
    from finops_lib import alerts
    from finops_lib.analysis.anomalies import MIN_IMPACT

    month = parse_period(period) if period else None
    targets = list(urls or settings.get("alerts", "urls"))
    impact = Decimal(str(min_impact)) if min_impact is not None else MIN_IMPACT
    # without a URL there is nothing to deliver: show what would go out, record nothing
    preview = dry_run or not targets
    con = alerts.open_warehouse(settings, read_only=preview)
    try:
        with console.status("evaluating budgets and anomalies"):
            result = alerts.evaluate(con, settings, month, min_impact=impact)
        console.print(
            f"{result.period}: {len(result.budgets)} budget(s), "
            f"{sum(1 for s in result.budgets if s.crossed)} over a threshold; "
            f"{result.anomalies.height} anomal{'y' if result.anomalies.height == 1 else 'ies'}"
        )
        shown = ", ".join(alerts.redact(u) for u in targets)
        if preview:
            for message in result.messages:
                target = f" to {shown}" if shown else ""
                console.print(f"would send{target}: {message.title}", markup=False)
                console.print(message.body, highlight=False, markup=False)
            why = (
                "dry run"
                if dry_run
                else "no alert URL ([alerts] urls, OPEN_FINOPS_ALERTS_URLS or --url)"
            )
            console.print(
                f"{why}: {len(result.messages)} message(s), nothing sent or recorded", markup=False
            )
            return len(result.messages)
        alerts.deliver(con, result, targets)
    finally:
        con.close()
    for message in result.sent:
        console.print(f"sent to {shown}: {message.title}", markup=False)
    console.print(f"{len(result.sent)} message(s) sent" if result.sent else "nothing new to send")
    return len(result.sent)


@app.command("check")
def check(
    ctx: typer.Context,
    period: Annotated[
        str | None,
        typer.Option("--period", help="Billing period YYYY-MM (default: the latest in the data)."),
    ] = None,
    url: Annotated[
        list[str] | None,
        typer.Option(
            "--url",
            help="Notification URL (apprise form); repeatable; overrides the alerts.urls setting.",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what would be sent; send and record nothing.")
    ] = False,
    min_impact: Annotated[
        float | None,
        typer.Option(
            "--min-impact", help="Smallest daily rise that is an anomaly (billing currency; 50)."
        ),
    ] = None,
) -> None:
    """Evaluate budgets (thresholds crossed) and usage anomalies of one period and notify each
    new or changed one once; a re-run sends nothing new."""
    run_check(state(ctx).settings, period=period, urls=url, dry_run=dry_run, min_impact=min_impact)
