"""What every analysis shares: opening the snapshot read-only, filters, periods, running a query."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from finops_lib import db, sql
from finops_lib.config import Settings, load_settings
from finops_lib.errors import FinopsError, InputError
from finops_lib.periods import parse_period
from finops_lib.publish import snapshot_path

log = logging.getLogger(__name__)

# Dimensions the grouping queries accept (queries/analysis/cost_by.sql, monthly_by.sql).
DIMENSIONS = (
    "provider",
    "account",
    "billing_account",
    "service",
    "service_category",
    "region",
    "charge_category",
    "pricing_category",
)


def warehouse_path(settings: Settings | None = None) -> Path:
    """The file analyses read: the published snapshot, else the live warehouse."""
    settings = settings or load_settings()
    snap = snapshot_path(settings)
    return snap if snap.exists() else settings.database


def open_readonly(settings: Settings | None = None) -> duckdb.DuckDBPyConnection:
    """Open the published snapshot read-only (the live warehouse when nothing is published yet).

    Raises:
        FinopsError: neither file exists, or it lacks ``marts.daily_cost``.
    """
    path = warehouse_path(settings)
    con = db.connect(path, read_only=True)
    if not table_exists(con, "marts", "daily_cost"):
        con.close()
        raise FinopsError(
            f"{path} has no marts.daily_cost table",
            hint="run `finops focus build` (or `./finops demo`) to build the FOCUS table and marts",
        )
    return con


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    """Whether ``schema.table`` exists in the open database (``finops_lib.db.table_exists``)."""
    return db.table_exists(con, schema, table)


def query(
    con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any] | None = None
) -> pl.DataFrame:
    """Run ``queries/analysis/<name>.sql`` with bound parameters and return a polars frame."""
    return sql.run(con, f"analysis/{name}", params).pl()


def split_list(value: str | list[str] | tuple[str, ...] | None) -> list[str]:
    """A comma-separated CLI/papermill value (or a list) as a clean list of strings."""
    if value is None:
        return []
    if isinstance(value, str):
        return [p.strip() for p in value.split(",") if p.strip()]
    return [str(p).strip() for p in value if str(p).strip()]


def previous_period(period: str) -> str:
    """The billing period before ``period`` ('YYYY-MM')."""
    first = period_start(period)
    year, month = (first.year, first.month - 1) if first.month > 1 else (first.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def period_start(period: str) -> date:
    """First day of a 'YYYY-MM' period.

    Raises:
        InputError: the text is not a 'YYYY-MM' month (``finops_lib.periods.parse_period``).
    """
    year, month = parse_period(period).split("-")
    return date(int(year), int(month), 1)


@dataclass(frozen=True)
class Filters:
    """One period plus optional provider / sub-account / service filters (empty = all)."""

    period: str
    providers: list[str] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)
    services: list[str] = field(default_factory=list)

    @property
    def previous(self) -> str:
        """The period before :attr:`period`."""
        return previous_period(self.period)

    def params(self, **extra: Any) -> dict[str, Any]:
        """Bound parameters for the analysis queries."""
        return {
            "period": self.period,
            "previous": self.previous,
            "providers": list(self.providers),
            "accounts": list(self.accounts),
            "services": list(self.services),
            **extra,
        }

    def with_(self, **changes: Any) -> Filters:
        """A copy with some fields changed (widget values); ``None`` keeps the current value."""
        kept = {k: v for k, v in changes.items() if v is not None}
        for key in ("providers", "accounts", "services"):
            if key in kept:
                kept[key] = split_list(kept[key])
        return replace(self, **kept)


def periods(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Billing periods in the data, newest first, with a ``complete`` flag."""
    return query(con, "periods")


def default_period(con: duckdb.DuckDBPyConnection, *, complete: bool = True) -> str:
    """The latest complete billing period (or, with ``complete=False``, the latest holding charges
    dated inside its own month).

    Raises:
        FinopsError: the warehouse holds no cost rows.
    """
    frame = periods(con)
    if frame.is_empty():
        raise FinopsError("the warehouse holds no cost rows", hint="import a billing export first")
    if complete and frame["complete"].any():
        return str(frame.filter(pl.col("complete"))["billing_period"][0])
    if frame["has_days"].any():
        return str(frame.filter(pl.col("has_days"))["billing_period"][0])
    return str(frame["billing_period"][0])


def make_filters(
    con: duckdb.DuckDBPyConnection,
    period: str | None = None,
    providers: str | list[str] | None = None,
    accounts: str | list[str] | None = None,
    services: str | list[str] | None = None,
    *,
    complete: bool = True,
) -> Filters:
    """Filters from parameters, with the default period when none is given.

    Raises:
        InputError: the period is malformed or not in the data.
    """
    chosen = parse_period(period) if period else default_period(con, complete=complete)
    known = periods(con)["billing_period"].to_list()
    if chosen not in known:
        raise InputError(
            f"billing period {chosen} is not in the warehouse",
            hint=f"choose one of {', '.join(known[:12])}",
        )
    return Filters(chosen, split_list(providers), split_list(accounts), split_list(services))


def filter_options(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Choices for the filter widgets: periods, providers, accounts (label -> id), services."""
    frame = query(con, "filter_options")
    accounts = (
        frame.group_by("sub_account_id")
        .agg(pl.col("sub_account_name").first(), pl.col("effective_cost").sum())
        .sort(["effective_cost", "sub_account_id"], descending=[True, False])
    )
    return {
        "periods": periods(con)["billing_period"].to_list(),
        "providers": sorted(frame["provider"].drop_nulls().unique().to_list()),
        "accounts": {
            f"{name} ({acc})" if name != acc else str(acc): acc
            for acc, name in zip(
                accounts["sub_account_id"], accounts["sub_account_name"], strict=True
            )
            if acc is not None
        },
        "services": frame.group_by("service_name")
        .agg(pl.col("effective_cost").sum())
        .sort(["effective_cost", "service_name"], descending=[True, False])["service_name"]
        .drop_nulls()
        .to_list(),
    }
