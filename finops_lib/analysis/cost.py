"""Spend analyses: headline totals, daily trend, breakdowns, movers, savings, freshness."""

from __future__ import annotations

import duckdb
import polars as pl

from finops_lib.analysis.base import DIMENSIONS, Filters, query
from finops_lib.errors import InputError


def _dimension(dimension: str) -> str:
    if dimension not in DIMENSIONS:
        raise InputError(
            f"unknown dimension {dimension!r}", hint=f"use one of {', '.join(DIMENSIONS)}"
        )
    return dimension


def kpis(con: duckdb.DuckDBPyConnection, f: Filters) -> pl.DataFrame:
    """One row: effective/billed/list cost of the period, the previous period, change and change %."""
    return query(con, "kpis", f.params()).with_columns(
        pl.lit(f.period).alias("period"), pl.lit(f.previous).alias("previous_period")
    )


def daily_cost(con: duckdb.DuckDBPyConnection, f: Filters) -> pl.DataFrame:
    """Daily effective and billed cost per provider and service category."""
    return query(con, "daily_cost", f.params())


def cost_by(
    con: duckdb.DuckDBPyConnection, f: Filters, dimension: str, limit: int = 10
) -> pl.DataFrame:
    """Top ``limit`` values of a dimension by effective cost, with the previous period and change.

    Args:
        dimension: one of :data:`finops_lib.analysis.base.DIMENSIONS`.
    """
    frame = query(con, "cost_by", f.params(dimension=_dimension(dimension)))
    return frame.head(limit)


def top_movers(
    con: duckdb.DuckDBPyConnection, f: Filters, dimension: str, limit: int = 10
) -> pl.DataFrame:
    """Values of a dimension whose effective cost changed most against the previous period."""
    frame = query(con, "cost_by", f.params(dimension=_dimension(dimension)))
    return (
        frame.with_columns(pl.col("change").cast(pl.Float64).abs().alias("abs_change"))
        .filter(pl.col("abs_change") > 0)
        .sort(["abs_change", "name"], descending=[True, False])  # name: ties in a stable order
        .drop("abs_change")
        .head(limit)
    )


def monthly_by(
    con: duckdb.DuckDBPyConnection, f: Filters, dimension: str, months: int = 12
) -> pl.DataFrame:
    """Effective cost per billing period by a dimension, the ``months`` periods up to ``f.period``."""
    return query(con, "monthly_by", f.params(dimension=_dimension(dimension), months=months))


def top_resources(con: duckdb.DuckDBPyConnection, f: Filters, limit: int = 20) -> pl.DataFrame:
    """The most expensive resources of the period."""
    return query(con, "top_resources", f.params(limit=limit))


def savings(con: duckdb.DuckDBPyConnection, f: Filters) -> pl.DataFrame:
    """List, contracted, effective cost of usage, the savings between them and the savings rate."""
    return query(con, "savings", f.params())


def savings_steps(con: duckdb.DuckDBPyConnection, f: Filters) -> pl.DataFrame:
    """The savings as a long frame (step, amount) for the list -> contracted -> effective chart."""
    row = savings(con, f)
    if row.is_empty():
        return pl.DataFrame(
            {"step": [], "amount": []}, schema={"step": pl.Utf8, "amount": pl.Float64}
        )
    values = row.row(0, named=True)
    steps = [
        ("List cost", values["list_cost"]),
        ("Negotiated savings", values["negotiated_savings"]),
        ("Contracted cost", values["contracted_cost"]),
        ("Commitment savings", values["commitment_savings"]),
        ("Effective cost", values["effective_cost"]),
    ]
    return pl.DataFrame(
        {"step": [s for s, _ in steps], "amount": [float(v or 0) for _, v in steps]},
        schema={"step": pl.Utf8, "amount": pl.Float64},
    )


def charge_categories(con: duckdb.DuckDBPyConnection, f: Filters) -> pl.DataFrame:
    """Effective and billed cost per charge category and provider (credits, refunds, tax, ...)."""
    return query(con, "charge_categories", f.params())


def freshness(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Latest period and last charge per provider and export."""
    return query(con, "freshness")


def headline(con: duckdb.DuckDBPyConnection, f: Filters) -> str:
    """One paragraph (markdown) a person can read aloud: spend, change, where it went, what moved."""
    from finops_lib.charts import money, percent

    row = kpis(con, f).row(0, named=True)
    total = float(row["effective_cost"] or 0)
    text = f"In **{f.period}** effective cost was **{money(row['effective_cost'])}**"
    if row["previous_effective_cost"] is not None:
        change = float(row["change"] or 0)
        direction = "up" if change > 0 else "down" if change < 0 else "unchanged"
        text += f", {direction} {money(abs(change))} ({percent(row['change_pct'])}) on {f.previous}"
    text += "."
    providers = cost_by(con, f, "provider", limit=3)
    if total and providers.height:
        parts = [
            f"{name} {percent(float(cost) / total)}"
            for name, cost in zip(providers["name"], providers["effective_cost"], strict=True)
        ]
        text += f" By provider: {', '.join(parts)}."
    services = cost_by(con, f, "service", limit=1)
    if services.height:
        text += f" Largest service: {services['name'][0]} ({money(services['effective_cost'][0])})."
    if (row["currencies"] or 0) > 1:
        text += (
            f" Note: amounts in {row['currency_list']} are added as they are, without conversion;"
            " filter by account to read one currency."
        )
    movers = top_movers(con, f, "service", limit=1)
    if row["previous_effective_cost"] is not None and movers.height:
        change = float(movers["change"][0])
        verb = "grew" if change > 0 else "fell"
        text += f" Biggest move: {movers['name'][0]} {verb} by {money(abs(change))}."
    # Markdown renderers read "$...$" as maths: escape the currency signs.
    return text.replace("$", "\\$")
