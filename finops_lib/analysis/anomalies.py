"""Cost anomalies that mean something, the old whole-total scores, and the month-end forecast.

Usage anomalies (:func:`usage_anomalies`, what the notebook, the report and alerts show): usage
only (ChargeCategory Usage, ChargeFrequency Usage-Based, no correction), so purchases, recurring
monthly fees, taxes, credits and corrections never show up, and nor does a period's first day for
its fees. One daily series per (provider, sub account, service, currency) and per value of each
virtual dimension (``marts.cost_allocation``, when built). Baseline of a day: the same weekday of
the ``weeks`` (8) weeks before it, robustly: ``expected`` = their median; spread = the largest of
1.4826 x their median absolute deviation, 1.4826 x that of every day of those weeks, the mean
absolute deviation of those days and (their 90th percentile - their median) / 1.2816 (a sparse or
spiky series is judged by its whole spread and its usual peaks, where a median of zeros would make
any cost look abnormal), at least 5% of the expected. Usage that recurs on the
same day of each month (a monthly job, a SaaS fee billed as usage) is expected too: the expected
cost is at least the median of the same day of the three months before. A day is an anomaly when
its cost exceeds the expected by at least ``min_impact`` (default 50 in the billing currency, so
cents never alert) and by ``threshold`` spreads (``[project].anomaly_threshold``, default 5); a
series needs 3 baseline weeks (days before it first appeared do not count; later days without
usage count as zero). Only rises are flagged. Each anomaly names the resources that drove it:
their cost that day minus their median on the same baseline days.

Whole-total scores (:func:`daily_anomalies`, kept for callers of the first version): robust z-score
of the daily total against the 28 days before it.

Forecast: month-to-date cost plus the mean daily cost of the last ``recent_days`` days times the days
left in the month; a complete month forecasts its actual total (budgets: ``finops_lib.budgets``).
"""

from __future__ import annotations

import calendar
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import duckdb
import numpy as np
import polars as pl

from finops_lib.analysis.base import Filters, period_start, query, table_exists

MAD_SCALE = 1.4826
#: (90th percentile - median) / 1.2816 estimates a standard deviation from the upper tail.
Q90_SCALE = 1.2816
#: Usage anomalies: weeks of same-weekday history, the fewest that score a day, the smallest rise
#: (billing currency) worth an alert, the spread floor as a share of the expected cost.
BASELINE_WEEKS = 8
MIN_WEEKS = 3
MIN_IMPACT = Decimal(50)
SPREAD_FLOOR = Decimal("0.05")
SEP = chr(31)
ANOMALY_SCHEMA = pl.Schema(
    {
        "day": pl.Date(),
        "provider": pl.Utf8(),
        "sub_account_id": pl.Utf8(),
        "sub_account_name": pl.Utf8(),
        "service_name": pl.Utf8(),
        "dimension": pl.Utf8(),
        "dimension_value": pl.Utf8(),
        "currency": pl.Utf8(),
        "effective_cost": pl.Decimal(38, 2),
        "expected": pl.Decimal(38, 2),
        "delta": pl.Decimal(38, 2),
        "score": pl.Float64(),
        "top_resource_id": pl.Utf8(),
        "top_resource_delta": pl.Decimal(38, 2),
        "drivers": pl.Utf8(),
    }
)


def daily_series(con: duckdb.DuckDBPyConnection, f: Filters) -> pl.DataFrame:
    """Daily effective cost (float) from the start of the data to the end of the period.

    Days without any charge count as zero, so that windows cover calendar days.
    """
    series = query(con, "daily_series", f.params()).with_columns(
        pl.col("effective_cost").cast(pl.Float64)
    )
    if series.is_empty():
        return series
    days = pl.DataFrame(
        {"day": pl.date_range(series["day"].min(), series["day"].max(), "1d", eager=True)}  # type: ignore[arg-type]
    )
    return days.join(series, on="day", how="left").with_columns(
        pl.col("effective_cost").fill_null(0.0)
    )


def robust_scores(
    values: np.ndarray, window: int = 28, min_days: int = 7
) -> tuple[np.ndarray, np.ndarray]:
    """Trailing median and robust z-score per position (NaN where history is too short)."""
    medians = np.full(len(values), np.nan)
    scores = np.full(len(values), np.nan)
    for i in range(len(values)):
        history = values[max(0, i - window) : i]
        if len(history) < min_days:
            continue
        med = float(np.median(history))
        mad = float(np.median(np.abs(history - med))) * MAD_SCALE
        medians[i] = med
        if mad > 0:
            scores[i] = (values[i] - med) / mad
        elif values[i] != med:
            scores[i] = np.inf if values[i] > med else -np.inf
        else:
            scores[i] = 0.0
    return medians, scores


def daily_anomalies(
    con: duckdb.DuckDBPyConnection,
    f: Filters,
    threshold: float = 3.0,
    window: int = 28,
    min_days: int = 7,
) -> pl.DataFrame:
    """Days of the period with cost, trailing median, robust score and an ``anomaly`` flag."""
    series = daily_series(con, f)
    values = series["effective_cost"].to_numpy().astype(float)
    medians, scores = robust_scores(values, window=window, min_days=min_days)
    first = period_start(f.period)
    return (
        series.with_columns(
            pl.Series("expected", medians),
            pl.Series("score", scores),
        )
        .with_columns(pl.col("score").fill_nan(None))
        .with_columns((pl.col("score").abs() >= threshold).fill_null(False).alias("anomaly"))
        .filter(pl.col("day") >= first)
    )


def forecast(
    con: duckdb.DuckDBPyConnection, f: Filters, budget: float = 0.0, recent_days: int = 7
) -> pl.DataFrame:
    """Month-end forecast of effective cost: one row with actual, forecast, budget and status."""
    series = daily_series(con, f)
    first = period_start(f.period)
    days_in_month = calendar.monthrange(first.year, first.month)[1]
    month = series.filter(pl.col("day") >= first)
    actual = float(month["effective_cost"].sum()) if month.height else 0.0
    last_day: date = month["day"].max() if month.height else first - timedelta(days=1)  # type: ignore[assignment]
    days_left = max(0, days_in_month - (last_day - first).days - 1)
    recent = month.tail(recent_days)
    daily_rate = float(recent["effective_cost"].mean()) if recent.height else 0.0  # type: ignore[arg-type]
    projected = actual + daily_rate * days_left
    status = "no budget set"
    if budget > 0:
        status = "over budget" if projected > budget else "within budget"
    return pl.DataFrame(
        {
            "period": [f.period],
            "actual_to_date": [actual],
            "last_day": [last_day],
            "days_left": [days_left],
            "daily_run_rate": [daily_rate],
            "forecast": [projected],
            "budget": [float(budget) if budget > 0 else None],
            "budget_used": [projected / budget if budget > 0 else None],
            "status": [status],
        }
    )


def forecast_series(
    con: duckdb.DuckDBPyConnection, f: Filters, recent_days: int = 7
) -> pl.DataFrame:
    """Cumulative actual cost per day of the period and the projected path to month end."""
    series = daily_series(con, f)
    first = period_start(f.period)
    month = series.filter(pl.col("day") >= first).with_columns(
        pl.col("effective_cost").cum_sum().alias("cumulative"), pl.lit("actual").alias("kind")
    )
    days_in_month = calendar.monthrange(first.year, first.month)[1]
    end = date(first.year, first.month, days_in_month)
    if month.is_empty():
        return month.select("day", "cumulative", "kind")
    last_day: date = month["day"].max()  # type: ignore[assignment]
    rate = float(month.tail(recent_days)["effective_cost"].mean() or 0.0)  # type: ignore[arg-type]
    total = float(month["cumulative"][-1])
    days = [last_day + timedelta(days=i) for i in range((end - last_day).days + 1)]  # type: ignore[operator]
    projected = pl.DataFrame(
        {
            "day": days,
            "cumulative": [total + rate * i for i in range(len(days))],
            "kind": ["forecast"] * len(days),
        },
        schema={"day": pl.Date, "cumulative": pl.Float64, "kind": pl.Utf8},
    )
    return pl.concat([month.select("day", "cumulative", "kind"), projected])


# --- usage anomalies -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Scored:
    series: str
    day: date
    cost: Decimal
    expected: Decimal
    score: float


def period_end(period: str) -> date:
    """Last day of a 'YYYY-MM' period."""
    first = period_start(period)
    return date(first.year, first.month, calendar.monthrange(first.year, first.month)[1])


def _baseline_days(day: date, weeks: int) -> list[date]:
    return [day - timedelta(weeks=k) for k in range(1, weeks + 1)]


def _months_back(day: date, months: int) -> date | None:
    """The same day of the month ``months`` earlier (None when that month is shorter)."""
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    if day.day > calendar.monthrange(year, month + 1)[1]:
        return None
    return date(year, month + 1, day.day)


def row_median(matrix: np.ndarray) -> np.ndarray:
    """Median of each row, ignoring NaN; NaN for a row with no value (as ``np.nanmedian``)."""
    if not np.isnan(matrix).any():
        return np.median(matrix, axis=1)
    ordered, count, rows = _sorted_rows(matrix)
    low = ordered[rows, np.clip((count - 1) // 2, 0, None)]
    high = ordered[rows, np.clip(count // 2, 0, None)]
    return np.where(count > 0, (low + high) / 2, np.nan)


def row_quantile(matrix: np.ndarray, q: float) -> np.ndarray:
    """Quantile ``q`` of each row, ignoring NaN, by numpy's linear method (as ``np.nanquantile``)."""
    if not np.isnan(matrix).any():
        return np.quantile(matrix, q, axis=1)
    ordered, count, rows = _sorted_rows(matrix)
    virtual = q * (count - 1)
    below = np.floor(virtual)
    gamma = virtual - below
    below = np.clip(below.astype(int), 0, None)
    above = np.clip(np.minimum(below + 1, count - 1), 0, None)
    a, b = ordered[rows, below], ordered[rows, above]
    diff = b - a
    value = np.where(gamma >= 0.5, b - diff * (1 - gamma), a + diff * gamma)
    return np.where(count > 0, value, np.nan)


def _sorted_rows(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row sorted with its NaN last, the count of values per row, and the row numbers.

    np.nanmedian / np.nanquantile go row by row in Python (apply_along_axis): most of a
    period's scoring time; one sort of the whole matrix gives the same values."""
    with np.errstate(invalid="ignore"):
        return np.sort(matrix, axis=1), np.sum(~np.isnan(matrix), axis=1), np.arange(len(matrix))


def _score(
    series: dict[str, dict[date, Decimal]],
    days: list[date],
    weeks: int,
    min_weeks: int,
) -> list[_Scored]:
    """Expected cost and score of every series on every day given.

    Expected: the median of the same weekday over the ``weeks`` weeks before (days before the
    series first appeared do not count, later days without usage count as zero). Spread: the
    largest of 1.4826 x that median absolute deviation, 1.4826 x the one of every day of those
    weeks, their mean absolute deviation and (their 90th percentile - median) / 1.2816 (a sparse
    or spiky series is judged by its whole spread and usual peaks, where a median of zeros would
    make any cost look abnormal), at least 5% of the expected cost. Usage that recurs on the same
    day of each month (a monthly job, a SaaS charge billed as usage) is expected too: the score is
    taken against the higher of the weekday median and the median of the same day of the three
    months before, when the series had those days.
    """
    if not days:
        return []
    out = []
    floor = float(SPREAD_FLOOR)
    lags = np.arange(1, 7 * weeks + 1)
    week_lags = 7 * np.arange(1, weeks + 1)
    for key, costs in series.items():
        first_seen = min(costs)
        origin = min(first_seen, days[0] - timedelta(weeks=weeks))
        values = np.zeros((days[-1] - origin).days + 1)
        for d, c in costs.items():
            if origin <= d <= days[-1]:
                values[(d - origin).days] = float(c)
        seen = (first_seen - origin).days
        index = np.array([(d - origin).days for d in days])
        # history[i, k]: the same weekday k+1 weeks before day i; window[i, j]: j+1 days before
        same_at = index[:, None] - week_lags[None, :]
        history = np.where(same_at >= seen, values[np.clip(same_at, 0, None)], np.nan)
        window_at = index[:, None] - lags[None, :]
        window = np.where(window_at >= seen, values[np.clip(window_at, 0, None)], np.nan)
        counts = np.sum(~np.isnan(history), axis=1)
        scored = counts >= min_weeks
        if not scored.any():
            continue
        history, window, index = history[scored], window[scored], index[scored]
        expected = row_median(history)
        middle = row_median(window)
        spread = np.maximum.reduce(
            [
                MAD_SCALE * row_median(np.abs(history - expected[:, None])),
                MAD_SCALE * row_median(np.abs(window - middle[:, None])),
                np.nanmean(np.abs(window - np.nanmean(window, axis=1)[:, None]), axis=1),
                (row_quantile(window, 0.9) - middle) / Q90_SCALE,
            ]
        )
        for n, day in enumerate(d for d, ok in zip(days, scored, strict=True) if ok):
            exp = float(expected[n])
            monthly = [
                values[(m - origin).days]
                for m in (_months_back(day, k) for k in (1, 2, 3))
                if m is not None and m >= first_seen and m >= origin
            ]
            if monthly:
                exp = max(exp, float(statistics.median(monthly)))
            width = max(float(spread[n]), floor * abs(exp), 0.01)
            cost = costs.get(day, Decimal(0))
            score = (float(cost) - exp) / width
            out.append(_Scored(key, day, cost, Decimal(str(round(exp, 2))), score))
    return out


def _series(frame: pl.DataFrame, key_cols: list[str]) -> dict[str, dict[date, Decimal]]:
    out: dict[str, dict[date, Decimal]] = defaultdict(dict)
    for row in frame.iter_rows(named=True):
        key = SEP.join(str(row[c]) for c in key_cols)
        out[key][row["day"]] = row["effective_cost"]
    return out


def _drivers(
    frame: pl.DataFrame, flagged: list[_Scored], weeks: int, limit: int
) -> dict[tuple[str, date], list[tuple[str, Decimal, dict]]]:
    """Per (series, day): the resources by rise against their same-weekday median, largest first."""
    per: dict[tuple[str, str], dict[date, Decimal]] = defaultdict(dict)
    info: dict[tuple[str, str], dict] = {}
    for row in frame.iter_rows(named=True):
        per[(row["series"], row["resource_id"])][row["day"]] = row["effective_cost"]
        info[(row["series"], row["resource_id"])] = row
    by_series: dict[str, list[str]] = defaultdict(list)
    for series, resource in per:
        by_series[series].append(resource)
    out = {}
    for a in flagged:
        base = _baseline_days(a.day, weeks)
        rises = []
        for resource in by_series.get(a.series, []):
            costs = per[(a.series, resource)]
            expected = Decimal(statistics.median([costs.get(d, Decimal(0)) for d in base]))
            rise = costs.get(a.day, Decimal(0)) - expected
            if rise > 0:
                rises.append((resource, rise, info[(a.series, resource)]))
        rises.sort(key=lambda r: (-r[1], r[0]))
        out[(a.series, a.day)] = rises[:limit]
    return out


def _money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


def usage_anomalies(
    con: duckdb.DuckDBPyConnection,
    f: Filters,
    threshold: float = 5.0,
    min_impact: Decimal | float = MIN_IMPACT,
    *,
    weeks: int = BASELINE_WEEKS,
    min_weeks: int = MIN_WEEKS,
    drivers: int = 3,
    dimensions: bool = True,
) -> pl.DataFrame:
    """Usage cost anomalies on the days of ``f.period`` (see the module docstring), largest first.

    One row per anomaly: day, provider, sub account, service, the dimension and value (dimension
    anomalies; the provider, account and service are then the top resource's), currency, cost,
    expected, delta, score, the top resource and its rise, and ``drivers`` (up to ``drivers``
    resources as ``id +rise``).
    """
    impact = Decimal(str(min_impact))
    records = []
    for level, frame, scored in _usage_rows(con, f, weeks, min_weeks, dimensions=dimensions):
        flagged = [s for s in scored if s.cost - s.expected >= impact and s.score >= threshold]
        if not flagged:
            continue
        days = sorted({d for a in flagged for d in [a.day, *_baseline_days(a.day, weeks)]})
        params = {"series": sorted({a.series for a in flagged}), "days": days}
        name = "anomaly_resources" if level == "service" else "anomaly_dimension_resources"
        found = _drivers(query(con, name, params), flagged, weeks, drivers)
        records += [_record(level, a, found.get((a.series, a.day), []), frame) for a in flagged]
    frame = pl.DataFrame(records, schema=ANOMALY_SCHEMA, orient="row")
    return frame.sort(["delta", "day"], descending=[True, False])


def _record(
    level: str, a: _Scored, top: list[tuple[str, Decimal, dict]], frame: pl.DataFrame
) -> dict[str, object]:
    """One row of :func:`usage_anomalies`."""
    record: dict[str, object] = {
        "day": a.day,
        "effective_cost": _money(a.cost),
        "expected": _money(a.expected),
        "delta": _money(a.cost - a.expected),
        "score": round(a.score, 1),
        "top_resource_id": top[0][0] if top else None,
        "top_resource_delta": _money(top[0][1]) if top else None,
        "drivers": ", ".join(f"{r} +{_money(d)}" for r, d, _ in top),
    }
    if level == "service":
        provider, account, service, currency = a.series.split(SEP)
        names = frame.filter(pl.col("sub_account_id") == account)["sub_account_name"]
        return record | {
            "provider": provider,
            "sub_account_id": account,
            "sub_account_name": names[0] if names.len() else account,
            "service_name": service,
            "dimension": None,
            "dimension_value": None,
            "currency": currency,
        }
    dimension, value, currency = a.series.split(SEP)
    first = top[0][2] if top else {}
    return record | {
        "provider": first.get("provider"),
        "sub_account_id": first.get("sub_account_id"),
        "sub_account_name": first.get("sub_account_name"),
        "service_name": first.get("service_name"),
        "dimension": dimension,
        "dimension_value": value,
        "currency": currency,
    }


def _usage_rows(
    con: duckdb.DuckDBPyConnection,
    f: Filters,
    weeks: int,
    min_weeks: int,
    *,
    dimensions: bool = True,
) -> list[tuple[str, pl.DataFrame, list[_Scored]]]:
    """The scored series: per provider / account / service, then per dimension value (when
    ``dimensions``, the allocation is built and no provider/account/service filter is set)."""
    start, end = period_start(f.period), period_end(f.period)
    params = f.params(**{"from": start - timedelta(weeks=weeks), "to": end})
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    out = []
    usage = query(con, "anomaly_usage", params)
    keys = ["provider", "sub_account_id", "service_name", "currency"]
    out.append(("service", usage, _score(_series(usage, keys), days, weeks, min_weeks)))
    filtered = f.providers or f.accounts or f.services
    if dimensions and not filtered and table_exists(con, "marts", "cost_allocation"):
        dims = query(con, "anomaly_dimension_usage", params)
        keys = ["dimension", "value", "currency"]
        out.append(("dimension", dims, _score(_series(dims, keys), days, weeks, min_weeks)))
    return out


def usage_daily(
    con: duckdb.DuckDBPyConnection,
    f: Filters,
    found: pl.DataFrame,
    *,
    weeks: int = BASELINE_WEEKS,
    min_weeks: int = MIN_WEEKS,
) -> pl.DataFrame:
    """Usage cost per day of the period (all services), the sum of the series' expected costs, the
    largest score of the day and whether it holds an anomaly of ``found`` (for ``charts.anomalies``)."""
    level, _frame, scored = _usage_rows(con, f, weeks, min_weeks, dimensions=False)[0]
    assert level == "service"
    totals: dict[date, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    scores: dict[date, float] = defaultdict(float)
    for s in scored:
        totals[s.day][0] += s.cost
        totals[s.day][1] += s.expected
        scores[s.day] = max(scores[s.day], s.score)
    flagged = set(found["day"].to_list()) if found.height else set()
    days = sorted(totals)
    return pl.DataFrame(
        {
            "day": days,
            "effective_cost": [float(totals[d][0]) for d in days],
            "expected": [float(totals[d][1]) for d in days],
            "score": [scores[d] for d in days],
            "anomaly": [d in flagged for d in days],
        },
        schema={
            "day": pl.Date,
            "effective_cost": pl.Float64,
            "expected": pl.Float64,
            "score": pl.Float64,
            "anomaly": pl.Boolean,
        },
    )


def outside_period(con: duckdb.DuckDBPyConnection, f: Filters) -> pl.DataFrame:
    """Charges of ``f.period`` dated outside its month (corrections of an earlier month, a
    provider's time-zone edge): shown apart from the period's daily chart."""
    return query(con, "daily_outside_period", f.params())
