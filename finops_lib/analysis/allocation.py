"""Allocation: cost by tag key, tag coverage, untagged resources, chargeback pivot; and the virtual
dimensions of ``[allocation]`` (``marts.cost_allocation``): report, coverage, what stays
unallocated, chargeback with shared costs split in."""

from __future__ import annotations

import duckdb
import polars as pl

from finops_lib.analysis.base import Filters, query, table_exists
from finops_lib.errors import InputError


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
        .sort(["total", "sub_account_name"], descending=[True, False])
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


# --- virtual dimensions (marts.cost_allocation, written by the build from [allocation]) ---------


def virtual_dimensions(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """The virtual dimensions in ``marts.cost_allocation`` and their billing periods, newest first
    (``{}`` when the table is absent, e.g. a snapshot built before allocation, or no dimension)."""
    if not table_exists(con, "marts", "cost_allocation"):
        return {}
    frame = query(con, "allocation_dimensions")
    return {str(d): list(p) for d, p in zip(frame["dimension"], frame["periods"], strict=True)}


def default_dimension(dimensions: dict[str, list[str]] | list[str]) -> str | None:
    """``team`` when configured (the usual first question), else the first dimension by name."""
    names = sorted(dimensions)
    return "team" if "team" in names else (names[0] if names else None)


def check_dimension(con: duckdb.DuckDBPyConnection, dimension: str, period: str) -> None:
    """Raise a one-line error unless ``dimension`` has rows in ``period``.

    Raises:
        InputError: no dimension is configured, the dimension is unknown, or the period is not in
            its rows; the message lists the known ones.
    """
    known = virtual_dimensions(con)
    if not known:
        raise InputError(
            "no virtual dimension in the warehouse (marts.cost_allocation is empty or absent)",
            hint="add [allocation.dimensions.<name>] rules to finops.toml and run `finops focus build`",
        )
    if dimension not in known:
        raise InputError(
            f"unknown dimension {dimension!r}",
            hint=f"known dimensions: {', '.join(sorted(known))}",
        )
    if period not in known[dimension]:
        raise InputError(
            f"billing period {period} has no allocation rows",
            hint=f"known periods: {', '.join(known[dimension][:24])}",
        )


def allocation_report(con: duckdb.DuckDBPyConnection, f: Filters, dimension: str) -> pl.DataFrame:
    """One row per value (and currency) of ``dimension``: effective and billed cost with shared
    costs split in, the parts from rules, shared splits and the default, and the share of total."""
    return query(con, "allocation_report", f.params(dimension=dimension))


def allocation_coverage(con: duckdb.DuckDBPyConnection, f: Filters) -> pl.DataFrame:
    """Per virtual dimension: cost allocated by rules, split from shared costs, left unallocated
    (no rows when the snapshot has no ``marts.cost_allocation``)."""
    if not table_exists(con, "marts", "cost_allocation"):
        return pl.DataFrame()
    return query(con, "allocation_coverage", f.params())


def unallocated(
    con: duckdb.DuckDBPyConnection, f: Filters, dimension: str, limit: int = 20
) -> pl.DataFrame:
    """The costliest services and resources no rule of ``dimension`` allocated."""
    return query(con, "allocation_unallocated", f.params(dimension=dimension, limit=limit))


def dimension_chargeback(
    con: duckdb.DuckDBPyConnection, f: Filters, dimension: str
) -> pl.DataFrame:
    """Chargeback pivot: one row per value of ``dimension`` (and currency), one column per
    provider, shared costs split in, and a total (rounded to the cent for display)."""
    long = query(con, "allocation_chargeback", f.params(dimension=dimension))
    if long.is_empty():
        return pl.DataFrame({"value": [], "billing_currency": [], "total": []})
    long = long.with_columns(pl.col("effective_cost", "shared_in").cast(pl.Float64))
    wide = long.pivot(
        on="provider",
        index=["value", "billing_currency"],
        values="effective_cost",
        aggregate_function="sum",
    ).fill_null(0.0)
    shared = long.group_by("value", "billing_currency").agg(pl.col("shared_in").sum())
    providers = [c for c in wide.columns if c not in ("value", "billing_currency")]
    return (
        wide.join(shared, on=["value", "billing_currency"], how="left")
        .with_columns(pl.sum_horizontal(providers).alias("total"))
        .with_columns(pl.col([*providers, "shared_in", "total"]).round(2))
        .sort(["billing_currency", "total", "value"], descending=[False, True, False])
    )
