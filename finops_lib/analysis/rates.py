"""Rate optimisation: commitment utilisation, coverage, per-commitment table, chargeback, spot."""

from __future__ import annotations

import duckdb
import polars as pl

from finops_lib.analysis.base import Filters, query


def commitments(con: duckdb.DuckDBPyConnection, f: Filters) -> pl.DataFrame:
    """One row per commitment: used and unused effective cost, utilisation, savings."""
    return query(con, "commitments", f.params())


def utilisation(con: duckdb.DuckDBPyConnection, f: Filters) -> pl.DataFrame:
    """Used vs unused commitment cost of the period (long form: status, effective_cost)."""
    frame = commitments(con, f)
    used = float(frame["used_cost"].cast(pl.Float64).sum()) if frame.height else 0.0
    unused = float(frame["unused_cost"].cast(pl.Float64).sum()) if frame.height else 0.0
    total = used + unused
    return pl.DataFrame(
        {
            "status": ["Used", "Unused"],
            "effective_cost": [used, unused],
            "share": [used / total if total else None, unused / total if total else None],
        }
    )


def coverage(con: duckdb.DuckDBPyConnection, f: Filters) -> pl.DataFrame:
    """Commitment coverage of usage per service category (covered / (covered + on-demand))."""
    return query(con, "commitment_coverage", f.params())


def last_seen(con: duckdb.DuckDBPyConnection, f: Filters) -> pl.DataFrame:
    """Commitments ordered by their last charge; ``ended`` when it stops before the data does."""
    return query(con, "commitments_last_seen", f.params())


def chargeback(con: duckdb.DuckDBPyConnection, f: Filters) -> pl.DataFrame:
    """Commitment-covered cost and savings per sub-account and commitment."""
    return query(con, "commitment_chargeback", f.params())


def spot_summary(con: duckdb.DuckDBPyConnection, f: Filters) -> pl.DataFrame:
    """Spot / preemptible usage (PricingCategory Dynamic) per provider and currency: compute cost,
    the spot part of it and its share, spot cost against its list cost, and the savings."""
    return query(con, "spot_summary", f.params())


def spot_usage(con: duckdb.DuckDBPyConnection, f: Filters) -> pl.DataFrame:
    """Spot / preemptible usage per provider, sub account and service: cost, list cost, savings
    (ListCost - EffectiveCost) and its share of the account's compute cost."""
    return query(con, "spot_usage", f.params())
