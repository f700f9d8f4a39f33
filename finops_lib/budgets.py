"""Budgets as code: ``[budgets.<name>]`` tables, their actual to date, forecast and thresholds.

A budget is an amount in one currency over a month or a quarter, measured on FOCUS EffectiveCost
(exact DECIMAL sums) of the rows its filter keeps (providers, accounts, services, one virtual
dimension value). Budgets come from the config file when it has a ``[budgets]`` section, else from
the ``budgets`` tree the last build recorded in ``meta.config_trees`` (so a demo warehouse carries
its own).

Actual: the EffectiveCost of the budget's rows whose billing period lies in the budget's period.
As of: the last charge day of those rows (at most the period's last day).

Forecast to the period's end, weekday-aware: the usage-based usage cost (ChargeCategory Usage,
ChargeFrequency Usage-Based) of the trailing 8 weeks up to the as-of day (fewer when the data are
younger) gives a mean per weekday; each remaining day of the period adds its weekday's mean. Each
month of the period that has not started yet adds the monthly charges (recurring fees, taxes,
credits posted once a month) of the newest month holding them. Purchases, one-time credits and
corrections count in the actual and are never forecast. A complete period forecasts its actual.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import duckdb
import polars as pl

from finops_lib import db, sql
from finops_lib.config import Settings
from finops_lib.errors import ConfigError, FinopsError
from finops_lib.periods import parse_period

log = logging.getLogger(__name__)

PERIODS = ("monthly", "quarterly")
THRESHOLD_KINDS = ("forecast", "actual")
DEFAULT_THRESHOLDS = (("forecast", Decimal(80)), ("actual", Decimal(100)))
KEYS = (
    "amount",
    "currency",
    "period",
    "thresholds",
    "providers",
    "accounts",
    "services",
    "dimension",
)
#: Weeks of history behind the weekday means (at most; fewer when the data are younger).
BASELINE_WEEKS = 8
CENT = Decimal("0.01")
#: One row of queries/budgets/daily*.sql: billing period, charge day, kind, EffectiveCost.
Row = tuple[str, date, str, Decimal]


@dataclass(frozen=True)
class Threshold:
    """Alert when the ``kind`` ('forecast' or 'actual') reaches ``percent`` of the amount."""

    kind: str
    percent: Decimal

    @property
    def label(self) -> str:
        return f"{self.kind} {self.percent.normalize():f}%"


@dataclass(frozen=True)
class Budget:
    """One validated ``[budgets.<name>]`` table."""

    name: str
    amount: Decimal
    currency: str
    period: str = "monthly"
    thresholds: tuple[Threshold, ...] = tuple(Threshold(k, p) for k, p in DEFAULT_THRESHOLDS)
    providers: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    dimension: tuple[str, tuple[str, ...]] | None = None

    @property
    def scope(self) -> str:
        """The filter in words (``all costs`` when none)."""
        parts = []
        for label, values in (
            ("providers", self.providers),
            ("accounts", self.accounts),
            ("services", self.services),
        ):
            if values:
                parts.append(f"{label} {', '.join(values)}")
        if self.dimension:
            parts.append(f"{self.dimension[0]} = {', '.join(self.dimension[1])}")
        return "; ".join(parts) or "all costs"


@dataclass(frozen=True)
class BudgetStatus:
    """A budget evaluated for one period."""

    budget: Budget
    period: str  # '2026-10' or '2026-Q4'
    start: date
    end: date
    as_of: date | None
    actual: Decimal
    forecast: Decimal
    crossed: tuple[Threshold, ...]
    path: list[tuple[date, Decimal, str]] = field(default_factory=list, repr=False)

    @property
    def actual_percent(self) -> Decimal:
        return _percent(self.actual, self.budget.amount)

    @property
    def forecast_percent(self) -> Decimal:
        return _percent(self.forecast, self.budget.amount)


def _percent(value: Decimal, amount: Decimal) -> Decimal:
    return (value * 100 / amount).quantize(Decimal("0.1"))


# --- configuration -----------------------------------------------------------------------------


def parse(tree: dict[str, Any], *, origin: str = "config", currency: str = "USD") -> list[Budget]:
    """Validate a ``[budgets]`` tree into budgets, in name order.

    Args:
        tree: the raw section (``settings.tree("budgets")`` or the one recorded by the build).
        origin: where it came from, for messages (the config file, ``meta.config_trees``).
        currency: the default currency (``[project].currency``).

    Raises:
        ConfigError: a budget is not a table, lacks an amount, has a bad period, an unknown
            threshold kind or key; the message names the budget.
    """
    if not isinstance(tree, dict):
        raise ConfigError(f"[budgets] in {origin} must be a table of [budgets.<name>] tables")
    return [_budget(name, table, origin, currency) for name, table in sorted(tree.items())]


def _budget(name: str, table: Any, origin: str, default_currency: str) -> Budget:
    where = f"budget {name!r} in {origin}"
    hint = "see the [budgets] section of finops.example.toml"
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table like [budgets.{name}]", hint=hint)
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise ConfigError(
            f"{where}: unknown key {unknown[0]!r}", hint=f"known keys: {', '.join(KEYS)}"
        )
    if "amount" not in table:
        raise ConfigError(f"{where} has no amount", hint="set amount = <number> in its currency")
    amount = _decimal(table["amount"])
    if amount is None or amount <= 0:
        raise ConfigError(
            f"{where}: amount {table['amount']!r} is not a positive number", hint=hint
        )
    currency = table.get("currency", default_currency)
    if not isinstance(currency, str) or len(currency) != 3 or not currency.isalpha():
        raise ConfigError(f"{where}: currency {currency!r} is not a 3-letter code", hint=hint)
    period = table.get("period", "monthly")
    if period not in PERIODS:
        raise ConfigError(
            f"{where}: bad period {period!r}", hint=f"use one of {', '.join(PERIODS)}"
        )
    thresholds = _thresholds(table.get("thresholds"), where)
    dimension = None
    if "dimension" in table:
        raw = table["dimension"]
        if not isinstance(raw, dict) or len(raw) != 1:
            raise ConfigError(
                f"{where}: dimension must name one dimension and its value",
                hint='e.g. dimension = { team = "data" }',
            )
        (dim, values), *_ = raw.items()
        dimension = (str(dim), _strings(values, f"{where}: dimension {dim}"))
    return Budget(
        name=name,
        amount=amount,
        currency=currency.upper(),
        period=period,
        thresholds=thresholds,
        providers=_strings(table.get("providers", []), f"{where}: providers"),
        accounts=_strings(table.get("accounts", []), f"{where}: accounts"),
        services=_strings(table.get("services", []), f"{where}: services"),
        dimension=dimension,
    )


def _decimal(raw: Any) -> Decimal | None:
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str, Decimal)):
        return None
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _strings(raw: Any, where: str) -> tuple[str, ...]:
    values = [raw] if isinstance(raw, (str, int)) and not isinstance(raw, bool) else raw
    if not isinstance(values, list) or not all(
        isinstance(v, (str, int)) and not isinstance(v, bool) for v in values
    ):
        raise ConfigError(f"{where} must be a string or a list of strings")
    return tuple(str(v) for v in values)


def _thresholds(raw: Any, where: str) -> tuple[Threshold, ...]:
    if raw is None:
        return tuple(Threshold(k, p) for k, p in DEFAULT_THRESHOLDS)
    hint = 'e.g. thresholds = [{ kind = "forecast", percent = 80 }]'
    if not isinstance(raw, list) or not raw:
        raise ConfigError(f"{where}: thresholds must be a list of tables", hint=hint)
    out = []
    for item in raw:
        if not isinstance(item, dict) or set(item) - {"kind", "percent"}:
            raise ConfigError(f"{where}: threshold {item!r} needs only kind and percent", hint=hint)
        kind = item.get("kind")
        if kind not in THRESHOLD_KINDS:
            raise ConfigError(
                f"{where}: unknown threshold kind {kind!r}",
                hint=f"use one of {', '.join(THRESHOLD_KINDS)}",
            )
        percent = _decimal(item.get("percent"))
        if percent is None or percent <= 0:
            raise ConfigError(
                f"{where}: threshold percent {item.get('percent')!r} is not a positive number",
                hint=hint,
            )
        out.append(Threshold(str(kind), percent))
    return tuple(sorted(set(out), key=lambda t: (t.kind, t.percent)))


def configured(con: duckdb.DuckDBPyConnection, settings: Settings) -> list[Budget]:
    """The budgets in effect: the config file's ``[budgets]`` when it has one, else the tree the
    last build recorded in ``meta.config_trees``; validated, dimensions checked against the data.

    Raises:
        ConfigError: a bad budget (named), or a dimension the warehouse does not hold.
    """
    currency = settings.get("project", "currency")
    if "budgets" in settings.trees:
        origin = str(settings.source) if settings.source else "config"
        found = parse(settings.tree("budgets"), origin=origin, currency=currency)
    else:
        tree = recorded_tree(con, "budgets")
        found = parse(tree, origin="meta.config_trees", currency=currency) if tree else []
    check_dimensions(con, found)
    return found


def recorded_tree(con: duckdb.DuckDBPyConnection, section: str) -> dict[str, Any]:
    """The newest body of ``section`` in ``meta.config_trees`` (``{}`` without one)."""
    if not db.table_exists(con, "meta", "config_trees"):
        return {}
    row = sql.run(con, "budgets/config_tree", {"section": section}).fetchone()
    if not row or row[0] is None:
        return {}
    body = json.loads(row[0]) if isinstance(row[0], str) else row[0]
    return body if isinstance(body, dict) else {}


def check_dimensions(con: duckdb.DuckDBPyConnection, found: list[Budget]) -> None:
    """Refuse a budget whose dimension is not built into ``marts.cost_allocation``.

    Raises:
        ConfigError: naming the budget and the dimensions that exist.
    """
    wanted = [b for b in found if b.dimension]
    if not wanted:
        return
    known: list[str] = []
    if db.table_exists(con, "marts", "cost_allocation"):
        known = [r[0] for r in sql.run(con, "budgets/dimensions").fetchall()]
    for b in wanted:
        assert b.dimension is not None
        if b.dimension[0] not in known:
            raise ConfigError(
                f"budget {b.name!r}: unknown dimension {b.dimension[0]!r}"
                + (f" (built: {', '.join(known)})" if known else " (no dimension is built)"),
                hint=f"define [allocation.dimensions.{b.dimension[0]}] and run `finops focus build`",
            )


# --- evaluation --------------------------------------------------------------------------------


def latest_period(con: duckdb.DuckDBPyConnection) -> str:
    """The newest billing period in the data.

    Raises:
        FinopsError: the warehouse holds no cost rows.
    """
    row = sql.run(con, "budgets/latest_period").fetchone()
    if not row or row[0] is None:
        raise FinopsError("the warehouse holds no cost rows", hint="import a billing export first")
    return str(row[0])


def bounds(period: str, kind: str) -> tuple[str, date, date, list[str]]:
    """The budget period holding the month ``period``: label, first day, last day, its months."""
    year, month = (int(p) for p in parse_period(period).split("-"))
    if kind == "quarterly":
        first_month = 3 * ((month - 1) // 3) + 1
        label = f"{year}-Q{(month - 1) // 3 + 1}"
        months = [first_month, first_month + 1, first_month + 2]
    else:
        label = f"{year:04d}-{month:02d}"
        months = [month]
    start = date(year, months[0], 1)
    last = months[-1]
    end = (date(year + 1, 1, 1) if last == 12 else date(year, last + 1, 1)) - timedelta(days=1)
    return label, start, end, [f"{year:04d}-{m:02d}" for m in months]


def evaluate(
    con: duckdb.DuckDBPyConnection, found: list[Budget], period: str | None = None
) -> list[BudgetStatus]:
    """Evaluate each budget for the period holding ``period`` (default: the latest in the data)."""
    month = parse_period(period) if period else latest_period(con)
    return [evaluate_one(con, b, month) for b in found]


def evaluate_one(con: duckdb.DuckDBPyConnection, budget: Budget, month: str) -> BudgetStatus:
    """Actual, forecast and thresholds crossed of one budget for the period holding ``month``."""
    label, start, end, months = bounds(month, budget.period)
    params: dict[str, Any] = {
        "currency": budget.currency,
        "first_period": months[0],
        "last_period": months[-1],
        "from": start - timedelta(weeks=BASELINE_WEEKS),
        "providers": list(budget.providers),
        "accounts": list(budget.accounts),
        "services": list(budget.services),
    }
    if budget.dimension:
        params |= {"dimension": budget.dimension[0], "dim_values": list(budget.dimension[1])}
        rows = sql.run(con, "budgets/daily_dimension", params).fetchall()
    else:
        rows = sql.run(con, "budgets/daily", params).fetchall()
    return _status(budget, label, start, end, months, rows)


def _status(
    budget: Budget,
    label: str,
    start: date,
    end: date,
    months: list[str],
    rows: list[Row],
) -> BudgetStatus:
    in_period = [r for r in rows if r[0] in months]
    actual = sum((r[3] for r in in_period), Decimal(0))
    # the last charge day, at most the last day of the newest billing month holding rows (a
    # provider's time-zone edge dates a few charges on the next month's first day)
    days_in = [r[1] for r in in_period]
    as_of = None
    if days_in:
        newest = max(r[0] for r in in_period)
        as_of = min(max(days_in), bounds(newest, "monthly")[2])
    anchor = as_of if as_of and as_of >= start else start - timedelta(days=1)

    mean = _weekday_means(rows, anchor)
    reference = _monthly_reference(rows, anchor)

    path: list[tuple[date, Decimal, str]] = []
    running = Decimal(0)
    by_day: dict[date, Decimal] = defaultdict(Decimal)
    for _bp, charge_day, _kind, cost in in_period:
        by_day[min(max(charge_day, start), end)] += cost
    day = start
    while day <= anchor:
        running += by_day.get(day, Decimal(0))
        path.append((day, running, "actual"))
        day += timedelta(days=1)
    forecast = actual
    if path:
        path[-1] = (path[-1][0], actual, "actual")  # charges dated after the as-of day included
    day = anchor + timedelta(days=1)
    while day <= end:
        forecast += mean[day.weekday()]
        if day.day == 1:
            forecast += reference
        path.append((day, forecast, "forecast"))
        day += timedelta(days=1)
    forecast = forecast.quantize(CENT)
    status = BudgetStatus(budget, label, start, end, as_of, actual, forecast, (), path)
    crossed = tuple(
        t
        for t in budget.thresholds
        if (status.forecast_percent if t.kind == "forecast" else status.actual_percent) >= t.percent
    )
    return BudgetStatus(budget, label, start, end, as_of, actual, forecast, crossed, path)


def _weekday_means(rows: list[Row], anchor: date) -> dict[int, Decimal]:
    """Mean usage-based usage cost per weekday over the trailing weeks up to ``anchor`` (days
    without usage count as zero from the first usage on; a weekday not seen yet takes the mean
    of every day)."""
    usage: dict[date, Decimal] = defaultdict(Decimal)
    for _bp, day, kind, cost in rows:
        if kind == "usage" and day <= anchor:
            usage[day] += cost
    first_seen = min(usage) if usage else anchor + timedelta(days=1)
    day = max(first_seen, anchor - timedelta(weeks=BASELINE_WEEKS) + timedelta(days=1))
    sums: dict[int, Decimal] = defaultdict(Decimal)
    counts: dict[int, int] = defaultdict(int)
    while day <= anchor:
        sums[day.weekday()] += usage.get(day, Decimal(0))
        counts[day.weekday()] += 1
        day += timedelta(days=1)
    total_days = sum(counts.values())
    overall = sum(sums.values(), Decimal(0)) / total_days if total_days else Decimal(0)
    return {wd: sums[wd] / counts[wd] if counts[wd] else overall for wd in range(7)}


def _monthly_reference(rows: list[Row], anchor: date) -> Decimal:
    """The monthly charges of the newest billing month up to ``anchor``'s holding any: what each
    month still to come is expected to add."""
    monthly: dict[str, Decimal] = defaultdict(Decimal)
    for bp, _day, kind, cost in rows:
        if kind == "monthly" and bp <= f"{anchor:%Y-%m}":
            monthly[bp] += cost
    return monthly[max(monthly)] if monthly else Decimal(0)


def table(statuses: list[BudgetStatus]) -> pl.DataFrame:
    """One row per budget: amount, actual, forecast, percents and thresholds crossed."""
    schema = pl.Schema(
        {
            "budget": pl.Utf8(),
            "period": pl.Utf8(),
            "scope": pl.Utf8(),
            "currency": pl.Utf8(),
            "amount": pl.Decimal(38, 2),
            "as_of": pl.Date(),
            "actual": pl.Decimal(38, 10),
            "forecast": pl.Decimal(38, 2),
            "actual_percent": pl.Float64(),
            "forecast_percent": pl.Float64(),
            "thresholds": pl.Utf8(),
            "crossed": pl.Utf8(),
        }
    )
    return pl.DataFrame(
        [
            {
                "budget": s.budget.name,
                "period": s.period,
                "scope": s.budget.scope,
                "currency": s.budget.currency,
                "amount": s.budget.amount,
                "as_of": s.as_of,
                "actual": s.actual,
                "forecast": s.forecast,
                "actual_percent": float(s.actual_percent),
                "forecast_percent": float(s.forecast_percent),
                "thresholds": ", ".join(t.label for t in s.budget.thresholds),
                "crossed": ", ".join(t.label for t in s.crossed),
            }
            for s in statuses
        ],
        schema=schema,
        orient="row",
    )


def path_frame(status: BudgetStatus) -> pl.DataFrame:
    """Cumulative actual per day of the period, then the forecast path (for ``charts.forecast``)."""
    return pl.DataFrame(
        {
            "day": [p[0] for p in status.path],
            "cumulative": [float(p[1]) for p in status.path],
            "kind": [p[2] for p in status.path],
        },
        schema={"day": pl.Date, "cumulative": pl.Float64, "kind": pl.Utf8},
    )
