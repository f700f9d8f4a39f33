"""The rules compiled to SQL and applied: ``marts.cost_allocation``.

Every pattern, value and tag key enters the generated SQL as a bound parameter (:class:`Params`);
column names only after :func:`~finops_lib.allocation.rules.column_types` knows them, through
``sql.quote_ident``. The split itself is a stored query (``queries/allocation/cost_allocation.sql``).
"""

from __future__ import annotations

from typing import Any

import duckdb

from finops_lib import sql
from finops_lib.allocation.rules import (
    TAG_PREFIX,
    Allocation,
    Condition,
    column_types,
)

TABLE = "marts.cost_allocation"
#: The group of ``marts.cost_allocation`` (with ``day``, the date of ChargePeriodStart).
GROUP_COLUMNS = (
    "x_provider",
    "x_export_name",
    "x_billing_period",
    "ProviderName",
    "BillingAccountId",
    "SubAccountId",
    "SubAccountName",
    "ServiceName",
    "ServiceCategory",
    "RegionId",
    "ResourceId",
    "ChargeCategory",
    "ChargeClass",
    "PricingCategory",
    "BillingCurrency",
)


class Params:
    """Bound parameters of one generated statement: every value enters as ``$pN``."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def add(self, value: Any) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return "$" + name


def _json_path(key: str) -> str:
    return '$."' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


def normalise_tag_key(key: str) -> str:
    """The loose form of a tag key: lower case, AWS ``user:`` prefix stripped."""
    lowered = key.lower()
    return lowered[len("user:") :] if lowered.startswith("user:") else lowered


def tag_expr(keys: tuple[str, ...] | list[str], p: Params) -> str:
    """The value of the first of ``keys`` present on the row (empty counts as absent); when none
    is present as spelled, the first whose loose form (:func:`normalise_tag_key`) matches.

    The keys as spelled are looked up in one ``json_extract_string`` call with the list of their
    paths (the JSON text is parsed once, not once per key), the first non-empty value kept."""
    paths = p.add([_json_path(k) for k in keys])
    exact = [f"list_filter(json_extract_string(Tags, {paths}::varchar[]), lambda v: v <> '')[1]"]
    loose = []
    for norm in dict.fromkeys(normalise_tag_key(k) for k in keys):
        found = (
            f"list_filter(json_keys(Tags), lambda k: "
            f"lower(k) in ({p.add(norm)}, {p.add('user:' + norm)}))[1]"
        )
        path = f"""'$."' || replace(replace({found}, '\\', '\\\\'), '"', '\\"') || '"'"""
        loose.append(f"nullif(json_extract_string(Tags, {path}), '')")
    return "coalesce(" + ", ".join(exact + loose) + ")"


def _condition(cond: Condition, p: Params) -> str:
    if cond.key.startswith(TAG_PREFIX):
        expr = tag_expr([cond.key[len(TAG_PREFIX) :]], p)
    else:
        kind = column_types()[cond.key]
        expr = sql.quote_ident(cond.key)
        if kind != "VARCHAR":
            expr = f"cast({expr} as varchar)"
    parts = []
    for pat in cond.patterns:
        if pat.kind == "exact":
            parts.append(f"{expr} = {p.add(pat.text)}")
        elif pat.kind == "like":
            parts.append(f"{expr} like {p.add(pat.text)} escape '\\'")
        else:
            parts.append(f"regexp_matches({expr}, {p.add(pat.text)})")
    return "(" + " or ".join(parts) + ")"


def where_sql(where: tuple[Condition, ...], p: Params) -> str:
    """``where`` as a boolean SQL expression that is never NULL (a missing value never matches)."""
    if not where:
        return "true"
    return "coalesce(" + " and ".join(_condition(c, p) for c in where) + ", false)"


def shared_sql(alloc: Allocation, dimension: str, p: Params) -> str:
    """The name of the first shared rule of ``dimension`` a focus row matches (NULL: none)."""
    shared = [s for s in alloc.shared if s.dimension == dimension]
    if not shared:
        return "null::varchar"
    cases = " ".join(f"when {where_sql(s.where, p)} then {p.add(s.name)}" for s in shared)
    return f"case {cases} end"


def wide_select(alloc: Allocation, p: Params, periods: list[str] | None = None) -> str:
    """One scan of ``focus.cost_and_usage`` giving every dimension ``i`` its value (``v<i>``),
    rule (``r<i>``) and shared rule (``s<i>``), grouped by the mart's grain and those columns.

    The inner projection looks each tag rule's tags up once (``t<i>_<j>``) and finds the first
    matching rule (``ri<i>``) and shared rule; shared rows keep the default and no rule until the
    split gives them their values.
    """
    inner, outer = [], []
    for i, dim in enumerate(alloc.dimensions):
        ri, si = sql.safe_ident(f"ri{i}"), sql.safe_ident(f"s{i}")
        whens, values = [], []
        for j, rule in enumerate(dim.rules, start=1):
            match = where_sql(rule.where, p)
            if rule.tags:
                tj = sql.safe_ident(f"t{i}_{j}")
                inner.append(f"{tag_expr(rule.tags, p)} as {tj}")
                match = f"{match} and {tj} is not null"
                values.append(f"when {j} then {tj}")
            else:
                values.append(f"when {j} then {p.add(rule.value)}")
            whens.append(f"when {match} then {j}")
        index = f"case {' '.join(whens)} else 0 end" if whens else "0"
        shared_case = shared_sql(alloc, dim.name, p)
        inner += [f"{index} as {ri}", f"{shared_case} as {si}"]
        default = p.add(dim.default)
        value = f"case {ri} {' '.join(values)} else {default} end" if values else default
        names = p.add([r.name for r in dim.rules] or [""])
        outer += [
            f"case when {si} is null then {value} else {default} end as {sql.safe_ident(f'v{i}')}",
            f"case when {si} is null and {ri} > 0 then list_extract({names}::varchar[], {ri}) end"
            f" as {sql.safe_ident(f'r{i}')}",
            si,
        ]
    group = ", ".join(sql.quote_ident(c) for c in GROUP_COLUMNS)
    return f"""
select
    {group},
    day,
    {", ".join(outer)},
    sum(BilledCost)::decimal(38, 10) as BilledCost,
    sum(EffectiveCost)::decimal(38, 10) as EffectiveCost,
    sum(ListCost)::decimal(38, 10) as ListCost
from (
    select
        {group}, BilledCost, EffectiveCost, ListCost,
        cast(ChargePeriodStart as date) as day,
        {", ".join(inner)}
    from focus.cost_and_usage
    where {"true" if periods is None else _in_periods(periods, p)}
) as src
group by all
"""  # noqa: S608 - names quoted, values bound


def _in_periods(periods: list[str], p: Params) -> str:
    """``x_billing_period`` in ``periods``; the range first, so that DuckDB skips the row groups
    of other periods by their min/max (the scan costs the periods, not the history)."""
    first, last = p.add(min(periods, default=None)), p.add(max(periods, default=None))
    return (
        f"x_billing_period between {first} and {last} "
        f"and list_contains({p.add(periods)}::varchar[], x_billing_period)"
    )


#: The columns of ``marts.cost_allocation``, in order (the contract other readers rely on).
MART_COLUMNS = (
    "dimension",
    "value",
    *GROUP_COLUMNS,
    "day",
    "BilledCost",
    "EffectiveCost",
    "ListCost",
    "rule",
    "shared_rule",
    "allocated_method_id",
    "allocated_ratio",
)

_BASE_DDL = (
    "dimension varchar, default_value varchar, value varchar, rule varchar, shared_rule varchar, "
    + ", ".join(f"{sql.quote_ident(c)} varchar" for c in GROUP_COLUMNS)
    + ", day date, BilledCost decimal(38, 10), EffectiveCost decimal(38, 10), "
    "ListCost decimal(38, 10)"
)


def is_current(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether ``marts.cost_allocation`` exists with the columns of this version (else a build
    recreates it whole)."""
    have = con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = 'marts' and table_name = 'cost_allocation' order by ordinal_position"
    ).fetchall()
    return [c[0] for c in have] == list(MART_COLUMNS)


def apply(
    con: duckdb.DuckDBPyConnection, alloc: Allocation, periods: list[str] | None = None
) -> int:
    """(Re)create ``marts.cost_allocation`` from ``focus.cost_and_usage`` and the rules.

    The rows of every dimension are computed into a temp table by generated SQL (values bound),
    then ``queries/allocation/cost_allocation.sql`` splits the shared rows.

    Args:
        con: a writable warehouse connection.
        alloc: the rules.
        periods: only replace these billing periods' rows (the rules are those that made the
            other periods' rows, and the table :func:`is_current`); ``None`` recreates it whole.

    Returns:
        Rows in ``marts.cost_allocation``.
    """
    con.execute("create schema if not exists marts")
    con.execute(f"create or replace temp table alloc_base ({_BASE_DDL})")
    if alloc.dimensions:
        p = Params()
        wide = wide_select(alloc, p, periods)
        con.execute(f"create or replace temp table alloc_wide as {wide}", p.values)
        group = ", ".join(sql.quote_ident(c) for c in GROUP_COLUMNS)
        for i, dim in enumerate(alloc.dimensions):
            cols = ", ".join(sql.safe_ident(f"{c}{i}") for c in ("v", "r", "s"))
            con.execute(
                f"insert into alloc_base select $dim, $default, {cols}, {group}, day, "  # noqa: S608 - generated names
                "sum(BilledCost), sum(EffectiveCost), sum(ListCost) "
                f"from alloc_wide group by all",
                {"dim": dim.name, "default": dim.default},
            )
    con.execute(
        "create or replace temp table alloc_shared (shared_rule varchar, dimension varchar, "
        "method varchar, targets varchar[])"
    )
    con.execute(
        "create or replace temp table alloc_weights (shared_rule varchar, value varchar, "
        "weight decimal(38, 10))"
    )
    for s in alloc.shared:
        con.execute(
            "insert into alloc_shared values ($n, $d, $m, $t::varchar[])",
            {"n": s.name, "d": s.dimension, "m": s.method, "t": list(s.targets)},
        )
        for value, weight in s.weights:
            con.execute(
                "insert into alloc_weights values ($n, $v, $w)",
                {"n": s.name, "v": value, "w": weight},
            )
    split = sql.load("allocation/cost_allocation")
    try:
        if periods is None:
            con.execute(f"create or replace table {TABLE} as\n{split}")
        else:
            con.execute("begin transaction")
            try:
                con.execute(
                    f"delete from {TABLE} where x_billing_period between $lo and $hi "  # noqa: S608 - constant
                    "and list_contains($p, x_billing_period)",
                    {
                        "p": periods,
                        "lo": min(periods, default=None),
                        "hi": max(periods, default=None),
                    },
                )
                con.execute(f"insert into {TABLE}\n{split}")
                con.execute("commit")
            except BaseException:
                con.execute("rollback")
                raise
    finally:
        for table in ("alloc_wide", "alloc_base", "alloc_shared", "alloc_weights"):
            con.execute(f"drop table if exists temp.{sql.safe_ident(table)}")
    row = con.execute(f"select count(*) from {TABLE}").fetchone()  # noqa: S608 - constant
    return int(row[0]) if row else 0
