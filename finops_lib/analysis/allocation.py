"""Allocation: cost by tag key, tag coverage, untagged resources, chargeback pivot."""

from __future__ import annotations

import duckdb
import polars as pl

from finops_lib.analysis.base import Filters, query


def cost_by_tag(con: duckdb.DuckDBPyConnection, f: Filters, tag_key: str) -> pl.DataFrame:
    """Effective cost per value of ``tag_key`` ('(untagged)' when the key is absent)."""
    return query(con, "cost_by_tag", f.params(tag_key=tag_key))


def tag_coverage(con: duckdb.DuckDBPyConnection, f: Filters, tag_keys: list[str]) -> pl.DataFrame:
    """Share of effective cost carrying each tag key."""
    return query(con, "tag_coverage", f.params(tag_keys=list(tag_keys)))


def untagged_resources(
    con: duckdb.DuckDBPyConnection, f: Filters, tag_keys: list[str], limit: int = 20
) -> pl.DataFrame:
    """The most expensive resources carrying none of ``tag_keys``."""
    return query(con, "untagged_resources", f.params(tag_keys=list(tag_keys), limit=limit))


def chargeback(con: duckdb.DuckDBPyConnection, f: Filters, tag_key: str) -> pl.DataFrame:
    """Chargeback table: one row per sub-account, one column per value of ``tag_key``, and a total."""
    long = query(con, "chargeback", f.params(tag_key=tag_key)).with_columns(
        pl.col("effective_cost").cast(pl.Float64)
    )
    if long.is_empty():
        return pl.DataFrame({"sub_account_name": [], "total": []})
    wide = long.pivot(on="tag_value", index="sub_account_name", values="effective_cost").fill_null(
        0.0
    )
    values = [c for c in wide.columns if c != "sub_account_name"]
    return (
        wide.with_columns(pl.sum_horizontal(values).alias("total"))
        .filter(pl.col("total").abs() >= 0.005)  # drop accounts with nothing to charge back
        .with_columns(pl.col([*values, "total"]).round(2))
        .sort("total", descending=True)
    )


def tag_keys_in_data(con: duckdb.DuckDBPyConnection, f: Filters) -> pl.DataFrame:
    """Tag keys found in the period, most frequent first."""
    return query(con, "tag_keys", f.params())


def choose_tag_keys(
    con: duckdb.DuckDBPyConnection, f: Filters, configured: list[str], fallback: int = 3
) -> tuple[list[str], str]:
    """The tag keys to analyse and a sentence saying where they come from.

    Configured keys (``[project].tag_keys`` or the ``tag_keys`` parameter) found in the data win;
    when none is present, the ``fallback`` most frequent keys in the data are used instead.
    """
    found = tag_keys_in_data(con, f)["tag_key"].to_list()
    present = [k for k in configured if k in found]
    if present:
        missing = [k for k in configured if k not in found]
        note = f"Tag keys from configuration: {', '.join(present)}."
        if missing:
            note += f" Not found in {f.period}: {', '.join(missing)}."
        return present, note
    if not found:
        return list(configured), f"No tags in {f.period}: every resource counts as untagged."
    chosen = found[:fallback]
    return chosen, (
        f"None of the configured tag keys ({', '.join(configured) or 'none'}) appear in {f.period}; "
        f"showing the most frequent keys instead: {', '.join(chosen)}. Set [project].tag_keys in finops.toml."
    )
