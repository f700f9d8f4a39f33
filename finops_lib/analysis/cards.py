"""Headline cards (marimo ``mo.stat``) built from analysis frames."""

from __future__ import annotations

import html
from typing import Any

import polars as pl

from finops_lib.charts import money, percent, static_mode


def kpi_cards(kpis: pl.DataFrame) -> list[Any]:
    """Cards for :func:`finops_lib.analysis.cost.kpis`: this period, last period, change, billed."""
    row = kpis.row(0, named=True)
    change = row["change"]
    direction = (
        None
        if change is None or float(change) == 0
        else ("increase" if float(change) > 0 else "decrease")
    )
    return [
        _stat(money(row["effective_cost"]), f"Effective cost {row['period']}"),
        _stat(money(row["previous_effective_cost"]), f"Effective cost {row['previous_period']}"),
        _stat(money(change), "Change", caption=percent(row["change_pct"]), direction=direction),
        _stat(money(row["billed_cost"]), f"Billed cost {row['period']}"),
        _stat(
            f"{row['providers']} / {row['accounts']} / {row['services']}",
            "Providers / accounts / services",
        ),
    ]


def stat_cards(values: dict[str, str]) -> list[Any]:
    """Cards from label -> formatted value."""
    return [_stat(value, label) for label, value in values.items()]


def _stat(value: str, label: str, caption: str | None = None, direction: Any = None) -> Any:
    """``mo.stat`` in the app; a plain HTML card in static reports (no marimo front end there)."""
    import marimo as mo

    if not static_mode():
        return mo.stat(value, label=label, caption=caption, direction=direction, bordered=True)
    extra = (
        f'<div style="font-size:0.8em;color:#555">{html.escape(caption)}</div>' if caption else ""
    )
    return mo.Html(
        '<div class="finops-stat" style="border:1px solid #ddd;border-radius:6px;padding:8px 14px;min-width:140px">'
        f'<div style="font-size:0.8em;color:#555">{html.escape(label)}</div>'
        f'<div style="font-size:1.5em;font-weight:600">{html.escape(value)}</div>{extra}</div>'
    )


def savings_cards(savings: pl.DataFrame) -> list[Any]:
    """Cards for :func:`finops_lib.analysis.cost.savings`: list, effective, savings, ESR."""
    row = savings.row(0, named=True)
    return [
        _stat(money(row["list_cost"]), "List cost (usage)"),
        _stat(money(row["contracted_cost"]), "Contracted cost"),
        _stat(money(row["effective_cost"]), "Effective cost"),
        _stat(money(row["negotiated_savings"]), "Negotiated savings"),
        _stat(money(row["commitment_savings"]), "Commitment savings"),
        _stat(percent(row["effective_savings_rate"]), "Effective savings rate"),
    ]


def utilisation_cards(utilisation: pl.DataFrame) -> list[Any]:
    """Cards for :func:`finops_lib.analysis.rates.utilisation`: used, unused, utilisation."""
    rows = {r["status"]: r for r in utilisation.iter_rows(named=True)}
    used, unused = rows["Used"], rows["Unused"]
    return [
        _stat(money(used["effective_cost"]), "Used commitment cost"),
        _stat(money(unused["effective_cost"]), "Unused commitment cost"),
        _stat(percent(used["share"]), "Utilisation"),
    ]


def forecast_cards(outlook: pl.DataFrame) -> list[Any]:
    """Cards for :func:`finops_lib.analysis.anomalies.forecast`."""
    row = outlook.row(0, named=True)
    budget = row["budget"]
    return [
        _stat(money(row["actual_to_date"]), f"Actual to {row['last_day']}"),
        _stat(
            money(row["forecast"]),
            f"Forecast {row['period']}",
            caption=f"{row['days_left']} days left",
        ),
        _stat(money(budget) if budget else "none", "Monthly budget", caption=row["status"]),
        _stat(percent(row["budget_used"]), "Forecast / budget"),
    ]
