"""Export ``focus.cost_and_usage`` as a FOCUS dataset of one version (1.2 or 1.3).

Writes exactly that version's columns (``finops_lib/spec/focus_columns.json``), in spec order, no
``x_`` extras: Parquet keeps the types (DECIMAL(38,10), TIMESTAMP WITH TIME ZONE in UTC, JSON as
text); CSV writes datetimes as ``YYYY-MM-DDTHH:MM:SSZ``. The file is written next to the target
and moved into place, so a failed export never leaves a half-written file.

FOCUS 1.3 split cost allocation: when the build applied ``[allocation]`` shared rules (recorded in
``meta.config_trees``), the 1.3 export replaces each shared charge of one dimension (the first
with shared rules, or ``allocation_dimension``) by its split parts, as ``marts.cost_allocation``
splits it: one row per value with the cost and quantity columns times the part's ratio (largest
remainder per charge at the 10th decimal, so the parts sum to the charge exactly),
``AllocatedMethodId`` (``even``, ``proportional``, ``fixed``), ``AllocatedMethodDetails``
(``{"Elements": [{"AllocatedRatio", "UsageUnit", "UsageQuantity"}]}``: the value's own
EffectiveCost for proportional, its percent for fixed, one share for even),
``AllocatedResourceId`` (``<dimension>/<value>``), ``AllocatedResourceName`` (the value) and
``AllocatedTags`` (``{"<dimension>": "<value>"}``). Other rows keep those columns as mapped (NULL).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from finops_lib import allocation, db, sql
from finops_lib.build import recorded_trees
from finops_lib.errors import FinopsError, InputError
from finops_lib.periods import parse_period
from finops_lib.spec import SUPPORTED_VERSIONS, focus_columns

FORMATS = ("parquet", "csv")
#: The columns a split part carries its share of (costs and quantities; unit prices stay whole).
SPLIT_COLUMNS = (
    "BilledCost",
    "EffectiveCost",
    "ListCost",
    "ContractedCost",
    "PricingCurrencyEffectiveCost",
    "ConsumedQuantity",
    "PricingQuantity",
)
ALLOCATED_COLUMNS = (
    "AllocatedMethodId",
    "AllocatedMethodDetails",
    "AllocatedResourceId",
    "AllocatedResourceName",
    "AllocatedTags",
)


@dataclass(frozen=True)
class ExportResult:
    """Where the export went and what it holds."""

    path: Path
    rows: int
    columns: list[str]
    focus_version: str
    allocation_dimension: str | None = None


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


def split_dimension(con: duckdb.DuckDBPyConnection, wanted: str | None = None) -> str | None:
    """The dimension whose shared rules the 1.3 export splits: ``wanted``, else the first
    configured dimension with shared rules; None when the build recorded none.

    Raises:
        InputError: ``wanted`` is not a recorded dimension with shared rules.
    """
    if not db.table_exists(con, "marts", "cost_allocation"):
        rules = allocation.Allocation()
    else:
        rules = allocation.parse(recorded_trees(con).get("allocation"))
    with_shared = [
        d.name for d in rules.dimensions if any(s.dimension == d.name for s in rules.shared)
    ]
    if wanted is None:
        return with_shared[0] if with_shared else None
    if wanted not in with_shared:
        raise InputError(
            f"dimension {wanted!r} has no shared allocation rule to split",
            hint=f"dimensions with shared rules: {', '.join(with_shared) or 'none'}",
        )
    return wanted


def _split_query(
    con: duckdb.DuckDBPyConnection, version: str, fmt: str, dimension: str, p: allocation.Params
) -> str:
    """The 1.3 dataset with the shared charges of ``dimension`` replaced by their split parts."""
    rules = allocation.parse(recorded_trees(con).get("allocation"))
    shared = allocation.shared_sql(rules, dimension, p)
    dim = p.add(dimension)
    unit = "10000000000"
    names = [c.name for c in focus_columns(version)]
    split_cols = [c for c in SPLIT_COLUMNS if c in names]
    part_cols = []
    for c in names:
        q = sql.quote_ident(c)
        if c in split_cols:
            part_cols.append(
                f"((x_q_{c} + (x_rank_{c} <= x_left_{c})::int)::decimal(38, 0) "
                f"* 0.0000000001)::decimal(38, 10) as {q}"
            )
        elif c == "AllocatedMethodId":
            part_cols.append(f"x_method as {q}")
        elif c == "AllocatedMethodDetails":
            part_cols.append(
                "json_object('Elements', [json_object('AllocatedRatio', x_ratio, "
                "'UsageUnit', x_usage_unit, 'UsageQuantity', x_usage_quantity)])::json as " + q
            )
        elif c == "AllocatedResourceId":
            part_cols.append(f"{dim} || '/' || x_value as {q}")
        elif c == "AllocatedResourceName":
            part_cols.append(f"x_value as {q}")
        elif c == "AllocatedTags":
            part_cols.append(f"json_object({dim}, x_value)::json as {q}")
        else:
            part_cols.append(q)
    units = ", ".join(
        f"(cast({sql.quote_ident(c)} as decimal(38, 10)) * {unit})::hugeint * x_w as x_n_{c}"
        for c in split_cols
    )
    floors = ", ".join(
        f"x_n_{c} // {unit} - (x_n_{c} % {unit} < 0)::int as x_q_{c}" for c in split_cols
    )
    windows = ", ".join(
        f"(cast({sql.quote_ident(c)} as decimal(38, 10)) * {unit})::hugeint "
        f"- sum(x_q_{c}) over (partition by x_row) as x_left_{c}, "
        f"row_number() over (partition by x_row order by x_n_{c} - x_q_{c} * {unit} desc, "
        f"x_value) as x_rank_{c}"
        for c in split_cols
    )
    return f"""
with src as (
    select *, row_number() over () as x_row, {shared} as x_shared_rule
    from focus.cost_and_usage
    where ($period is null or x_billing_period = $period)
),
ratios as (
    select distinct shared_rule, x_billing_period, BillingCurrency, value, allocated_method_id,
        allocated_ratio
    from marts.cost_allocation
    where dimension = {dim} and allocated_method_id is not null
),
own as (
    select x_billing_period, BillingCurrency, value, sum(EffectiveCost) as own_cost
    from marts.cost_allocation
    where dimension = {dim} and shared_rule is null
    group by all
),
parts as (
    select src.*, ratios.value as x_value, ratios.allocated_method_id as x_method,
        ratios.allocated_ratio as x_ratio,
        (ratios.allocated_ratio * {unit})::hugeint as x_w,
        case ratios.allocated_method_id when 'proportional' then 'EffectiveCost'
            when 'fixed' then 'Percent' else 'Share' end as x_usage_unit,
        case ratios.allocated_method_id when 'proportional' then coalesce(own.own_cost, 0)
            when 'fixed' then ratios.allocated_ratio * 100 else 1 end as x_usage_quantity
    from src
    inner join ratios
        on ratios.shared_rule = src.x_shared_rule
        and ratios.x_billing_period = src.x_billing_period
        and ratios.BillingCurrency is not distinct from src.BillingCurrency
    left join own
        on own.x_billing_period = src.x_billing_period
        and own.BillingCurrency is not distinct from src.BillingCurrency
        and own.value = ratios.value
),
numbered as (select *, {units} from parts),
floored as (select *, {floors} from numbered),
ranked as (select *, {windows} from floored),
rows as (
    select {", ".join(sql.quote_ident(c) for c in names)}, BillingPeriodStart as x_bps,
        ChargePeriodStart as x_cps, x_provider, x_export_name, x_source_row,
        null::varchar as x_value
    from src
    where x_shared_rule is null or not exists (
        select 1 from ratios
        where ratios.shared_rule = src.x_shared_rule
            and ratios.x_billing_period = src.x_billing_period
            and ratios.BillingCurrency is not distinct from src.BillingCurrency
    )
    union all
    select {", ".join(part_cols)}, BillingPeriodStart, ChargePeriodStart, x_provider,
        x_export_name, x_source_row, x_value
    from ranked
)
select {select_columns(version, fmt)}
from rows
order by x_bps, x_cps, x_provider, x_export_name, x_source_row, x_value
"""  # noqa: S608 - names from the spec, values bound


def export(
    con: duckdb.DuckDBPyConnection,
    output: Path,
    *,
    focus_version: str = "1.2",
    fmt: str = "parquet",
    period: str | None = None,
    allocation_dimension: str | None = None,
) -> ExportResult:
    """Write the FOCUS dataset of one version to ``output``.

    Args:
        con: a warehouse connection (read-only is enough).
        output: the file to write (parent folders are created).
        focus_version: ``1.2`` or ``1.3``.
        fmt: ``parquet`` or ``csv``.
        period: only this billing period (``YYYY-MM``, matched on ``x_billing_period``).
        allocation_dimension: 1.3 only: split the shared charges of this dimension (default: the
            first with shared rules; none recorded: no split).

    Raises:
        InputError: unknown version, format or malformed period, the period has no rows, or the
            dimension has no shared rule.
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
    params: dict[str, object] = {"period": period}
    dimension = None
    if focus_version != "1.2":
        dimension = split_dimension(con, allocation_dimension)
    elif allocation_dimension is not None:
        raise InputError(
            "split cost allocation needs --focus-version 1.3",
            hint="FOCUS 1.2 has no Allocated* columns",
        )
    if dimension is not None:
        p = allocation.Params()
        query = _split_query(con, focus_version, fmt, dimension, p)
        params.update(p.values)
    count = con.execute(
        "select count(*) from focus.cost_and_usage where ($period is null or x_billing_period = $period)",
        {"period": period},
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
        if dimension is not None:  # split parts add rows
            reader = "read_parquet" if fmt == "parquet" else "read_csv"
            written = con.execute(f"select count(*) from {reader}($p)", {"p": str(tmp)}).fetchone()  # noqa: S608 - fixed names
            rows = int(written[0]) if written else 0
        os.replace(tmp, output)
    except (duckdb.Error, OSError) as exc:
        tmp.unlink(missing_ok=True)
        raise FinopsError(
            f"cannot write {output}: {exc}", hint="check the path and free space"
        ) from None
    return ExportResult(
        output, rows, [c.name for c in focus_columns(focus_version)], focus_version, dimension
    )
