"""Data quality and ingestion health: loads, rows per period, cost-column alignment, checks."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import duckdb
import polars as pl

from finops_lib.analysis.base import Filters, query, table_exists
from finops_lib.periods import parse_period

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """A frame plus a sentence for the reader (why it is empty, or what it shows)."""

    frame: pl.DataFrame
    message: str


def load_state(con: duckdb.DuckDBPyConnection) -> Outcome:
    """Loads recorded in ``meta.load_state``, newest first."""
    if not table_exists(con, "meta", "load_state"):
        return Outcome(
            pl.DataFrame(), "No load has been recorded yet (meta.load_state is missing)."
        )
    frame = query(con, "load_state")
    if frame.is_empty():
        return Outcome(frame, "meta.load_state is empty: no export has been imported yet.")
    last = frame["loaded_at"].max()
    return Outcome(frame, f"{frame.height} loaded export periods; last load {last!s}.")


def rows_by_period(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Rows, files and cost per provider, export, billing period and row kind."""
    return query(con, "rows_by_period")


def cost_alignment(con: duckdb.DuckDBPyConnection, f: Filters) -> pl.DataFrame:
    """Rows of the period breaking cost-column ordering or missing key columns, per rule."""
    return query(con, "cost_alignment", f.params())


def conformance(con: duckdb.DuckDBPyConnection, period: str | None = None) -> Outcome:
    """FOCUS conformance of ``focus.cost_and_usage`` (``finops_lib.checks.run_checks``), failures first.

    One row per rule: rule id, severity, failing rows, error (a rule that could not run), spec text.

    Raises:
        InputError: ``period`` is not a 'YYYY-MM' month.
    """
    from finops_lib.checks import run_checks

    results = run_checks(con, period=parse_period(period) if period else None)
    frame = pl.DataFrame(
        {
            "rule": [r.rule.rule_id for r in results],
            "severity": [r.rule.severity for r in results],
            "failing_rows": [int(r.failing) for r in results],
            "error": [r.error for r in results],
            "spec": [r.rule.spec for r in results],
        },
        schema={
            "rule": pl.Utf8,
            "severity": pl.Utf8,
            "failing_rows": pl.Int64,
            "error": pl.Utf8,
            "spec": pl.Utf8,
        },
    ).sort(["failing_rows", "severity", "rule"], descending=[True, False, False])
    if frame.is_empty():
        return Outcome(frame, "No conformance rule ran.")
    failing = frame.filter(pl.col("failing_rows") > 0)
    errors = failing.filter(pl.col("severity") == "error").height
    scope = f" for {period}" if period else ""
    message = (
        f"{frame.height} rules checked{scope}: {errors} errors and "
        f"{failing.height - errors} warnings fail."
        if failing.height
        else f"All {frame.height} rules pass{scope}."
    )
    return Outcome(frame, message)


def reconciliation(con: duckdb.DuckDBPyConnection) -> Outcome:
    """Source totals against FOCUS totals from ``finops_lib.reconcile.reconcile``."""
    from finops_lib.reconcile import reconcile

    frame = reconcile(con)
    return Outcome(frame, f"{frame.height} reconciliation rows.")
