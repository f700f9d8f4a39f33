"""Usage and unit prices: consumed quantity against cost, price per SKU, purchases."""

from __future__ import annotations

import duckdb
import polars as pl

from finops_lib.analysis.base import Filters, query


def unit_prices(con: duckdb.DuckDBPyConnection, f: Filters, limit: int = 25) -> pl.DataFrame:
    """List, contracted and effective price per pricing unit for the costliest SKUs."""
    return query(con, "unit_prices", f.params(limit=limit))


def usage_daily(con: duckdb.DuckDBPyConnection, f: Filters) -> pl.DataFrame:
    """Daily consumed quantity and effective cost per consumed unit."""
    return query(con, "usage_daily", f.params())


def top_unit(con: duckdb.DuckDBPyConnection, f: Filters) -> str | None:
    """The consumed unit carrying the most effective cost in the period (the default to chart)."""
    frame = usage_daily(con, f)
    if frame.is_empty():
        return None
    ranked = (
        frame.group_by("consumed_unit")
        .agg(pl.col("effective_cost").sum())
        .sort(["effective_cost", "consumed_unit"], descending=[True, False])
    )
    return str(ranked["consumed_unit"][0])


def purchases(con: duckdb.DuckDBPyConnection, f: Filters) -> pl.DataFrame:
    """Purchase charges of the period (commitments, marketplace, support)."""
    return query(con, "purchases", f.params())
