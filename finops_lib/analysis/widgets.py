"""Filter widgets shared by the notebooks (marimo UI elements built from the warehouse)."""

from __future__ import annotations

import html
from typing import Any

import duckdb
import polars as pl

from finops_lib.analysis.base import Filters, filter_options
from finops_lib.charts import static_mode

# Float columns holding ratios, shown as percentages in static tables.
RATIO_COLUMNS = frozenset(
    {
        "share",
        "coverage",
        "utilisation",
        "failing_share",
        "change_pct",
        "effective_savings_rate",
        "budget_used",
    }
)


def filter_bar(con: duckdb.DuckDBPyConnection, base: Filters, *, services: bool = True) -> Any:
    """A ``mo.ui.dictionary`` of period / provider / account (/ service) pickers set to ``base``.

    Its ``.value`` is a dict that :meth:`Filters.with_` accepts: ``base.with_(**bar.value)``.
    """
    import marimo as mo

    options = filter_options(con)
    labels = {acc: label for label, acc in options["accounts"].items()}
    widgets: dict[str, Any] = {
        "period": mo.ui.dropdown(options["periods"], value=base.period, label="Billing period"),
        "providers": mo.ui.multiselect(
            options["providers"],
            value=[p for p in base.providers if p in options["providers"]],
            label="Provider",
        ),
        "accounts": mo.ui.multiselect(
            options["accounts"],
            value=[labels[a] for a in base.accounts if a in labels],
            label="Account",
        ),
    }
    if services:
        widgets["services"] = mo.ui.multiselect(
            options["services"],
            value=[s for s in base.services if s in options["services"]],
            label="Service",
        )
    return mo.ui.dictionary(widgets)


def choice(options: list[str], value: str | None, label: str) -> Any:
    """A dropdown over ``options`` starting at ``value`` (the first option when absent)."""
    import marimo as mo

    start = value if value in options else (options[0] if options else None)
    widget = mo.ui.dropdown(options, value=start, label=label)
    widget._finops_label = label  # read by show_choice for the static text
    return widget


def cli_args() -> dict[str, str]:
    """``mo.cli_args()`` as a plain dict, or ``{}`` outside a marimo runtime (papermill/Jupyter).

    In papermill runs the values arrive instead through the cell injected after ``parameters``.
    """
    import marimo as mo
    from marimo._runtime.context.types import ContextNotInitializedError

    try:
        return {str(k): str(v) for k, v in mo.cli_args().items() if v is not None}
    except ContextNotInitializedError:
        return {}


def show_bar(bar: Any, f: Filters) -> Any:
    """The filter widgets in the app; in a static report a line saying which filters apply."""
    import marimo as mo

    if static_mode():
        parts = [f"**Billing period** {f.period}"]
        parts += [
            f"**{name}** {', '.join(values) if values else 'all'}"
            for name, values in (
                ("Providers", f.providers),
                ("Accounts", f.accounts),
                ("Services", f.services),
            )
        ]
        return mo.md(" · ".join(parts))
    return bar.hstack(justify="start", wrap=True)


def table(frame: pl.DataFrame, *, page_size: int = 15) -> Any:
    """A table: marimo's interactive table in the app, a plain HTML table in a static report.

    Money (Decimal) columns are shown to the cent, ratios as given.
    """
    import marimo as mo

    if static_mode():
        return mo.Html(html_table(frame.head(200)))
    return mo.ui.table(
        frame,
        selection=None,
        page_size=page_size,
        format_mapping=_formats(frame),
        show_data_types=False,
    )


def _format_money(value: Any) -> str:
    return "" if value is None else f"{float(value):,.2f}"


def _format_ratio(value: Any) -> str:
    return "" if value is None else f"{float(value) * 100:.1f}%"


def _formats(frame: pl.DataFrame) -> dict[str, Any]:
    """Money (Decimal) to the cent and ratios as percentages in the interactive table."""
    mapping: dict[str, Any] = {}
    for name, dtype in zip(frame.columns, frame.dtypes, strict=True):
        if isinstance(dtype, pl.Decimal):
            mapping[name] = _format_money
        elif name in RATIO_COLUMNS and dtype.is_float():
            mapping[name] = _format_ratio
    return mapping


def html_table(frame: pl.DataFrame) -> str:
    """A self-contained HTML table (escaped values, money to the cent)."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in frame.columns)
    rows = []
    for row in frame.iter_rows():
        cells = []
        for value, dtype, name in zip(row, frame.dtypes, frame.columns, strict=True):
            if value is None:
                text = ""
            elif isinstance(dtype, pl.Decimal):
                text = f"{float(value):,.2f}"
            elif isinstance(value, float) and name in RATIO_COLUMNS:
                text = f"{value * 100:.1f}%"
            elif isinstance(value, float):
                text = f"{value:,.2f}" if value == 0 or abs(value) >= 0.01 else f"{value:.2g}"
            else:
                text = str(value)
            cells.append(f"<td>{html.escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    if not rows:
        rows.append(f'<tr><td colspan="{max(1, frame.width)}">(no rows)</td></tr>')
    return (
        '<table class="finops-table" style="border-collapse:collapse;font-size:0.85em">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def show_choice(widget: Any) -> Any:
    """A dropdown in the app; in a static report the chosen value as text."""
    import marimo as mo

    if static_mode():
        label = getattr(widget, "_finops_label", "Choice")
        return mo.md(f"**{label}**: {widget.value}")
    return widget
