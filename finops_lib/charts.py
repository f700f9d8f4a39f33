"""Charts: functions that take a polars frame and return an ``alt.Chart``.

Money axes read like "$1.2k" / "$3.4M" (d3 ``$.2~s``), tooltips show cents. Providers and FOCUS
ServiceCategory values always get the same colour (fixed palettes below), whatever the data holds.
:func:`show` wraps a chart for a notebook: interactive in marimo, an inline SVG when
``FINOPS_STATIC_CHARTS=1`` (static reports that must open with no network).
"""

from __future__ import annotations

import os
from typing import Any

import altair as alt
import polars as pl

STATIC_ENV = "FINOPS_STATIC_CHARTS"
MONEY_AXIS = "$.2~s"
# Axis labels: "$1.2k", "$3.4M", "$2.1B" from 1000 up, "$0.5" / "$12" below (SI "m" would mean milli).
MONEY_LABEL_EXPR = (
    "abs(datum.value) >= 1000 ? replace(format(datum.value, '$.3~s'), 'G', 'B')"
    " : format(datum.value, '$,.2~f')"
)
MONEY_TOOLTIP = "$,.2f"
PERCENT = ".1%"
WIDTH = 640
HEIGHT = 260

PROVIDER_COLORS: dict[str, str] = {
    "AWS": "#FF9900",
    "Amazon Web Services": "#FF9900",
    "Microsoft": "#0078D4",
    "Azure": "#0078D4",
    "Google Cloud": "#34A853",
    "GCP": "#34A853",
    "Oracle": "#C74634",
    "Other": "#8C8C8C",
}

# FOCUS 1.2 ServiceCategory allowed values, one fixed colour each.
SERVICE_CATEGORY_COLORS: dict[str, str] = {
    "AI and Machine Learning": "#8E44AD",
    "Analytics": "#2E86C1",
    "Business Applications": "#117A65",
    "Compute": "#E67E22",
    "Databases": "#C0392B",
    "Developer Tools": "#7D3C98",
    "Identity": "#5D6D7E",
    "Integration": "#16A085",
    "Internet of Things": "#D4AC0D",
    "Management and Governance": "#1F618D",
    "Media": "#AF601A",
    "Migration": "#6E2C00",
    "Mobile": "#A93226",
    "Multicloud": "#148F77",
    "Networking": "#27AE60",
    "Other": "#95A5A6",
    "Security": "#922B21",
    "Storage": "#3498DB",
    "Web": "#F1C40F",
}

STATUS_COLORS: dict[str, str] = {"Used": "#27AE60", "Unused": "#C0392B"}


def money(value: float | int | None) -> str:
    """Format an amount like the charts do: $950, $1.2k, $3.4M, $2.1B (negative with a minus)."""
    if value is None:
        return "-"
    amount = float(value)
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if amount >= limit:
            return f"{sign}${amount / limit:.1f}{suffix}"
    return f"{sign}${amount:,.2f}" if amount < 100 else f"{sign}${amount:,.0f}"


def money_axis() -> alt.Axis:
    """An axis whose labels read like money: $0.5, $12, $1.2k, $3.4M, $2.1B."""
    return alt.Axis(format=MONEY_AXIS, labelExpr=MONEY_LABEL_EXPR)


def percent(value: float | None) -> str:
    """Format a ratio as a percentage with one decimal ('-' when unknown)."""
    return "-" if value is None else f"{float(value) * 100:.1f}%"


def _floats(frame: pl.DataFrame) -> pl.DataFrame:
    """Decimal columns as Float64: Vega-Lite needs JSON numbers."""
    return frame.with_columns(pl.col(pl.Decimal).cast(pl.Float64))


def _palette(values: list[str], palette: dict[str, str]) -> alt.Scale:
    """A colour scale whose domain is the values present, each mapped to its fixed colour."""
    domain = sorted({str(v) for v in values if v is not None})
    fallback = palette.get("Other", "#8C8C8C")
    return alt.Scale(domain=domain, range=[palette.get(v, fallback) for v in domain])


def provider_scale(values: list[str]) -> alt.Scale:
    """The fixed provider colour scale for the providers present."""
    return _palette(values, PROVIDER_COLORS)


def service_category_scale(values: list[str]) -> alt.Scale:
    """The fixed ServiceCategory colour scale for the categories present."""
    return _palette(values, SERVICE_CATEGORY_COLORS)


def _color(frame: pl.DataFrame, field: str, title: str, palette: str | None = None) -> alt.Color:
    values = frame[field].cast(pl.Utf8).to_list() if field in frame.columns else []
    kind = palette or field
    if kind == "provider":
        scale = provider_scale(values)
    elif kind == "service_category":
        scale = service_category_scale(values)
    elif kind == "status":
        scale = _palette(values, STATUS_COLORS)
    else:
        return alt.Color(f"{field}:N", title=title)
    return alt.Color(f"{field}:N", title=title, scale=scale)


def daily_cost(
    frame: pl.DataFrame, color: str = "provider", value: str = "effective_cost"
) -> alt.Chart:
    """Stacked daily bars of cost coloured by provider or service category."""
    # sorted by colour within a day too: the chart's data (and the report's bytes) in a stable order
    data = _floats(frame).group_by("day", color).agg(pl.col(value).sum()).sort("day", color)
    return (
        alt.Chart(data, title="Daily cost")
        .mark_bar()
        .encode(
            x=alt.X("day:T", title="Day", axis=alt.Axis(format="%d %b")),
            y=alt.Y(f"{value}:Q", title="Effective cost", axis=money_axis()),
            color=_color(data, color, color.replace("_", " ").title()),
            tooltip=[
                alt.Tooltip("day:T", title="Day"),
                alt.Tooltip(f"{color}:N"),
                alt.Tooltip(f"{value}:Q", title="Cost", format=MONEY_TOOLTIP),
            ],
        )
        .properties(width=WIDTH, height=HEIGHT)
    )


def ranked_bars(
    frame: pl.DataFrame,
    category: str = "name",
    value: str = "effective_cost",
    title: str = "",
    color: str | None = None,
    palette: str | None = None,
) -> alt.Chart:
    """Horizontal bars sorted by value (top accounts, services, regions, tag values...).

    Args:
        color: a column to colour by (fixed palettes for provider / service_category).
        palette: colour the bars by ``category`` itself with the fixed "provider" or
            "service_category" palette (for frames whose category column is ``name``).
    """
    data = _floats(frame)
    encoding: dict[str, Any] = {
        "y": alt.Y(f"{category}:N", sort="-x", title=None),
        "x": alt.X(f"{value}:Q", title="Effective cost", axis=money_axis()),
        "tooltip": [
            alt.Tooltip(f"{category}:N", title=category.replace("_", " ").title()),
            alt.Tooltip(f"{value}:Q", title="Cost", format=MONEY_TOOLTIP),
        ],
    }
    if palette in ("provider", "service_category"):
        values = data[category].cast(pl.Utf8).to_list()
        scale = provider_scale(values) if palette == "provider" else service_category_scale(values)
        encoding["color"] = alt.Color(f"{category}:N", scale=scale, legend=None)
    elif color:
        encoding["color"] = _color(data, color, color.replace("_", " ").title())
    elif category in ("provider", "service_category"):
        encoding["color"] = _color(data, category, category.replace("_", " ").title())
    height = max(60, 22 * data.height)
    return (
        alt.Chart(data, title=title)
        .mark_bar()
        .encode(**encoding)
        .properties(width=WIDTH - 200, height=height)
    )


def change_bars(
    frame: pl.DataFrame, category: str = "name", title: str = "Top movers"
) -> alt.Chart:
    """Bars of the change against the previous period, green down and red up."""
    data = _floats(frame)
    return (
        alt.Chart(data, title=title)
        .mark_bar()
        .encode(
            y=alt.Y(
                f"{category}:N",
                sort=alt.EncodingSortField("change", op="sum", order="descending"),
                title=None,
            ),
            x=alt.X("change:Q", title="Change vs previous period", axis=money_axis()),
            color=alt.condition(alt.datum.change > 0, alt.value("#C0392B"), alt.value("#27AE60")),
            tooltip=[
                alt.Tooltip(f"{category}:N"),
                alt.Tooltip("effective_cost:Q", title="This period", format=MONEY_TOOLTIP),
                alt.Tooltip("previous_effective_cost:Q", title="Previous", format=MONEY_TOOLTIP),
                alt.Tooltip("change:Q", title="Change", format=MONEY_TOOLTIP),
                alt.Tooltip("change_pct:Q", title="Change %", format=PERCENT),
            ],
        )
        .properties(width=WIDTH - 200, height=max(60, 22 * data.height))
    )


def monthly_stacked(
    frame: pl.DataFrame,
    color: str = "name",
    title: str = "Monthly cost",
    palette: str | None = None,
) -> alt.Chart:
    """Stacked monthly bars (billing period on x) by one dimension.

    Args:
        palette: "provider" or "service_category" to colour ``color`` with that fixed palette
            (the dimension being grouped), else Vega's default categorical scheme.
    """
    data = _floats(frame)
    return (
        alt.Chart(data, title=title)
        .mark_bar()
        .encode(
            x=alt.X("billing_period:O", title="Billing period"),
            y=alt.Y("effective_cost:Q", title="Effective cost", axis=money_axis()),
            color=_color(data, color, "Group", palette=palette),
            tooltip=[
                alt.Tooltip("billing_period:O", title="Period"),
                alt.Tooltip(f"{color}:N", title="Group"),
                alt.Tooltip("effective_cost:Q", title="Cost", format=MONEY_TOOLTIP),
            ],
        )
        .properties(width=WIDTH, height=HEIGHT)
    )


def savings_steps(frame: pl.DataFrame) -> alt.Chart:
    """List -> contracted -> effective cost as ordered bars, savings steps in green."""
    data = _floats(frame)
    order = data["step"].to_list()
    return (
        alt.Chart(data, title="From list to effective cost")
        .mark_bar()
        .encode(
            x=alt.X("step:N", sort=order, title=None),
            y=alt.Y("amount:Q", title="Amount", axis=money_axis()),
            color=alt.condition(
                "indexof(datum.step, 'savings') >= 0", alt.value("#27AE60"), alt.value("#2E86C1")
            ),
            tooltip=[alt.Tooltip("step:N"), alt.Tooltip("amount:Q", format=MONEY_TOOLTIP)],
        )
        .properties(width=WIDTH - 160, height=HEIGHT)
    )


def share_bars(
    frame: pl.DataFrame, category: str, value: str, title: str, color: str | None = None
) -> alt.Chart:
    """Horizontal bars of a ratio (utilisation, coverage, tag coverage) on a 0-100% axis."""
    data = _floats(frame).with_columns(pl.col(value).clip(-1.0, 1.0))
    encoding: dict[str, Any] = {
        "y": alt.Y(f"{category}:N", title=None, sort="-x"),
        "x": alt.X(
            f"{value}:Q", title=None, axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])
        ),
        "tooltip": [alt.Tooltip(f"{category}:N"), alt.Tooltip(f"{value}:Q", format=PERCENT)],
    }
    if color:
        encoding["color"] = _color(data, color, color.replace("_", " ").title())
    return (
        alt.Chart(data, title=title)
        .mark_bar()
        .encode(**encoding)
        .properties(width=WIDTH - 200, height=max(60, 22 * data.height))
    )


def anomalies(frame: pl.DataFrame, threshold: float = 3.0) -> alt.Chart:
    """Daily cost line with the trailing median and red points on anomalous days."""
    data = _floats(frame)
    base = alt.Chart(data).encode(x=alt.X("day:T", title="Day", axis=alt.Axis(format="%d %b")))
    cost = base.mark_line(color="#2E86C1").encode(
        y=alt.Y("effective_cost:Q", title="Effective cost", axis=money_axis()),
        tooltip=[alt.Tooltip("day:T"), alt.Tooltip("effective_cost:Q", format=MONEY_TOOLTIP)],
    )
    expected = base.mark_line(color="#95A5A6", strokeDash=[4, 3]).encode(y="expected:Q")
    flagged = (
        base.transform_filter(alt.datum.anomaly)
        .mark_point(color="#C0392B", size=90, filled=True)
        .encode(
            y="effective_cost:Q",
            tooltip=[
                alt.Tooltip("day:T"),
                alt.Tooltip("effective_cost:Q", title="Cost", format=MONEY_TOOLTIP),
                alt.Tooltip("expected:Q", title="Trailing median", format=MONEY_TOOLTIP),
                alt.Tooltip("score:Q", title="Robust z-score", format=".1f"),
            ],
        )
    )
    return (cost + expected + flagged).properties(
        width=WIDTH, height=HEIGHT, title=f"Daily cost, anomalies at |robust z| >= {threshold:g}"
    )


def forecast(frame: pl.DataFrame, budget: float | None = None) -> alt.Chart:
    """Cumulative cost (actual solid, forecast dashed) with an optional budget rule."""
    data = _floats(frame)
    line = (
        alt.Chart(data)
        .mark_line()
        .encode(
            x=alt.X("day:T", title="Day", axis=alt.Axis(format="%d %b")),
            y=alt.Y("cumulative:Q", title="Cumulative effective cost", axis=money_axis()),
            strokeDash=alt.StrokeDash(
                "kind:N",
                title=None,
                scale=alt.Scale(domain=["actual", "forecast"], range=[[1, 0], [6, 4]]),
            ),
            tooltip=[
                alt.Tooltip("day:T"),
                alt.Tooltip("kind:N"),
                alt.Tooltip("cumulative:Q", format=MONEY_TOOLTIP),
            ],
        )
    )
    chart: Any = line
    if budget:
        rule = (
            alt.Chart(pl.DataFrame({"budget": [float(budget)]}))
            .mark_rule(color="#C0392B")
            .encode(y="budget:Q", tooltip=[alt.Tooltip("budget:Q", format=MONEY_TOOLTIP)])
        )
        chart = line + rule
    return chart.properties(width=WIDTH, height=HEIGHT, title="Month-end forecast")


def usage_vs_cost(frame: pl.DataFrame, unit: str) -> alt.Chart:
    """Daily consumed quantity (bars) against effective cost (line) for one consumed unit."""
    data = _floats(frame.filter(pl.col("consumed_unit") == unit))
    base = alt.Chart(data).encode(x=alt.X("day:T", title="Day", axis=alt.Axis(format="%d %b")))
    qty = base.mark_bar(color="#AED6F1").encode(
        y=alt.Y("consumed_quantity:Q", title=f"Quantity ({unit})")
    )
    cost = base.mark_line(color="#C0392B").encode(
        y=alt.Y("effective_cost:Q", title="Effective cost", axis=money_axis())
    )
    return (
        alt.layer(qty, cost)
        .resolve_scale(y="independent")
        .properties(width=WIDTH, height=HEIGHT, title=f"Usage and cost: {unit}")
    )


def to_svg(chart: alt.TopLevelMixin) -> str:
    """Render a chart to an SVG string locally (vl-convert; no network)."""
    import vl_convert as vlc

    return str(vlc.vegalite_to_svg(chart.to_dict()))


def static_mode() -> bool:
    """Whether charts are rendered as inline SVG (static reports)."""
    return os.environ.get(STATIC_ENV, "") not in ("", "0", "false")


def show(chart: Any) -> Any:
    """Display a chart in a notebook: marimo's interactive chart, or inline SVG in static mode."""
    import marimo as mo

    if static_mode():
        return mo.Html(f'<div class="finops-chart">{to_svg(chart)}</div>')
    return mo.ui.altair_chart(chart)
