"""Analyses behind the notebooks and reports: each function runs ``queries/analysis/*.sql`` with
bound parameters on a read-only warehouse and returns a polars frame."""

from finops_lib.analysis import (
    allocation,
    anomalies,
    cards,
    cost,
    ingest,
    quality,
    rates,
    usage,
    widgets,
)
from finops_lib.analysis.base import (
    DIMENSIONS,
    Filters,
    default_period,
    filter_options,
    make_filters,
    open_readonly,
    periods,
    previous_period,
    split_list,
    warehouse_path,
)

__all__ = [
    "DIMENSIONS",
    "Filters",
    "allocation",
    "anomalies",
    "cards",
    "cost",
    "default_period",
    "filter_options",
    "ingest",
    "make_filters",
    "open_readonly",
    "periods",
    "previous_period",
    "quality",
    "rates",
    "split_list",
    "usage",
    "warehouse_path",
    "widgets",
]
