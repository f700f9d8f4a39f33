"""Daily cost anomalies and the month-end forecast.

Anomaly method (robust z-score): for each day, the median and the median absolute deviation (MAD)
of the ``window`` days before it; ``score = (cost - median) / (1.4826 * MAD)``. A day is an anomaly
when ``|score| >= threshold`` (``[project].anomaly_threshold``, default 3). Days with fewer than
``min_days`` days of history are never flagged. 1.4826 makes the MAD comparable to a standard
deviation for normally distributed costs; medians keep one spike from hiding the next.

Forecast: month-to-date cost plus the mean daily cost of the last ``recent_days`` days times the days
left in the month; a complete month forecasts its actual total.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import duckdb
import numpy as np
import polars as pl

from finops_lib.analysis.base import Filters, period_start, query

MAD_SCALE = 1.4826


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
