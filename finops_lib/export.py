"""Export ``focus.cost_and_usage`` as a FOCUS dataset of one version (1.2 or 1.3).

Writes exactly that version's columns (``finops_lib/spec/focus_columns.json``), in spec order, no
``x_`` extras: Parquet keeps the types (DECIMAL(38,10), TIMESTAMP WITH TIME ZONE in UTC, JSON as
text); CSV writes datetimes as ``YYYY-MM-DDTHH:MM:SSZ``. The file is written next to the target
and moved into place, so a failed export never leaves a half-written file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from finops_lib import db, sql
from finops_lib.errors import FinopsError, InputError
from finops_lib.periods import parse_period
from finops_lib.spec import SUPPORTED_VERSIONS, focus_columns

FORMATS = ("parquet", "csv")


@dataclass(frozen=True)
class ExportResult:
    """Where the export went and what it holds."""

    path: Path
    rows: int
    columns: list[str]
    focus_version: str


def select_columns(version: str, fmt: str) -> str:
    """The SELECT list that turns ``focus.cost_and_usage`` (or a source mapping with the same
    columns) into one FOCUS version's dataset: its columns in spec order, no ``x_`` extras; CSV
    datetimes as ``YYYY-MM-DDTHH:MM:SSZ`` text, JSON as text. Shared with ``finops_lib.convert``.
    """
    parts = []
    for col in focus_columns(version):
        q = sql.quote_ident(col.name)
        if fmt == "csv" and col.duckdb_type == "TIMESTAMPTZ":
            parts.append(f"strftime({q} at time zone 'UTC', '%Y-%m-%dT%H:%M:%SZ') as {q}")
        elif col.duckdb_type == "JSON":
            parts.append(f"cast({q} as varchar) as {q}")
        else:
            parts.append(q)
    return ", ".join(parts)


def export(
    con: duckdb.DuckDBPyConnection,
    output: Path,
    *,
    focus_version: str = "1.2",
    fmt: str = "parquet",
    period: str | None = None,
) -> ExportResult:
    """Write the FOCUS dataset of one version to ``output``.

    Args:
        con: a warehouse connection (read-only is enough).
        output: the file to write (parent folders are created).
        focus_version: ``1.2`` or ``1.3``.
        fmt: ``parquet`` or ``csv``.
        period: only this billing period (``YYYY-MM``, matched on ``x_billing_period``).

    Raises:
        InputError: unknown version, format or malformed period, or the period has no rows.
        FinopsError: the FOCUS table does not exist yet.
    """
    if focus_version not in SUPPORTED_VERSIONS:
        raise InputError(
            f"unknown FOCUS version {focus_version!r}",
            hint=f"use one of {', '.join(SUPPORTED_VERSIONS)}",
        )
    if fmt not in FORMATS:
        raise InputError(f"unknown export format {fmt!r}", hint="use parquet or csv")
    if period is not None:
        period = parse_period(period)
    if not db.table_exists(con, "focus", "cost_and_usage"):
        raise FinopsError(
            "focus.cost_and_usage does not exist",
            hint="import billing data or run `finops focus build`",
        )
    query = (
        f"select {select_columns(focus_version, fmt)} from focus.cost_and_usage "  # noqa: S608 - spec names
        "where ($period is null or x_billing_period = $period) "
        "order by BillingPeriodStart, ChargePeriodStart, x_provider, x_export_name, x_source_row"
    )
    params = {"period": period}
    count = con.execute(
        "select count(*) from focus.cost_and_usage where ($period is null or x_billing_period = $period)",
        params,
    ).fetchone()
    rows = int(count[0]) if count else 0
    if period is not None and rows == 0:
        have = [
            r[0]
            for r in con.execute(
                "select distinct x_billing_period from focus.cost_and_usage order by 1"
            ).fetchall()
        ]
        raise InputError(
            f"no FOCUS rows for billing period {period}",
            hint=f"periods present: {', '.join(have) or 'none'}",
        )
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.name}.tmp")
    rel = con.sql(query, params=params)
    try:
        if fmt == "parquet":
            rel.write_parquet(str(tmp))
        else:
            rel.write_csv(str(tmp), header=True)
        os.replace(tmp, output)
    except (duckdb.Error, OSError) as exc:
        tmp.unlink(missing_ok=True)
        raise FinopsError(
            f"cannot write {output}: {exc}", hint="check the path and free space"
        ) from None
    return ExportResult(output, rows, [c.name for c in focus_columns(focus_version)], focus_version)
