"""FOCUS conformance: runs ``queries/checks/*.sql`` and returns the failing rows of each rule.

Every rule is one SQL file whose header names it (``-- rule:``), its severity (``-- severity:``) and
the spec text it implements (``-- spec:``); the query selects the rows (or columns) that break it. Unlike
the official validator, allowed values are checked on every row, not "some row has an allowed value".
The checked relation is exposed to the rules as the temp view ``focus_check_input``; the table name
comes from an allowlist and the period is a bound parameter.
"""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

from finops_lib import sql
from finops_lib.errors import FinopsError

SPEC_DIR = Path(__file__).resolve().parent / "spec"
CHECKABLE_TABLES = ("focus.cost_and_usage", "focus_export", "focus_input")
# FOCUS 1.3 columns this project already carries; allowed before the x_ columns.
LATER_COLUMNS = (
    "AllocatedMethodDetails",
    "AllocatedMethodId",
    "AllocatedResourceId",
    "AllocatedResourceName",
    "AllocatedTags",
    "ContractApplied",
    "HostProviderName",
    "ServiceProviderName",
)
_HEADER = re.compile(r"^--\s*(rule|severity|spec):\s*(.+)$", re.M)


@dataclass(frozen=True)
class Rule:
    name: str
    rule_id: str
    severity: str
    spec: str


@dataclass
class CheckResult:
    rule: Rule
    failing: int
    sample: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.failing == 0 and self.error is None


@cache
def rules() -> tuple[Rule, ...]:
    """Every rule in ``queries/checks``, read from the file headers."""
    out = []
    for name in sql.names("checks"):
        meta = dict(_HEADER.findall(sql.load(name)))
        out.append(Rule(name, meta["rule"].strip(), meta["severity"].strip(), meta["spec"].strip()))
    return tuple(out)


def expected_columns(version: str = "1.2") -> list[dict[str, str]]:
    """FOCUS Cost and Usage columns of one version: name, data type, nullability."""
    data = json.loads((SPEC_DIR / "focus_columns.json").read_text())
    return [c for c in data if c["dataset"] == "CostAndUsage" and version in c["in_versions"]]


def _prepare(con: duckdb.DuckDBPyConnection, table: str, period: str | None) -> None:
    if table not in CHECKABLE_TABLES:
        raise FinopsError(
            f"cannot check {table!r}", hint=f"use one of {', '.join(CHECKABLE_TABLES)}"
        )
    schema, _, name = table.rpartition(".")
    source = (sql.safe_ident(schema) + "." if schema else "") + sql.safe_ident(name)
    exists = con.execute(
        "select count(*) from duckdb_tables() where schema_name = coalesce($s, 'main') and table_name = $t "
        "union all select count(*) from duckdb_views() where schema_name = coalesce($s, 'main') "
        "and view_name = $t",
        {"s": schema or None, "t": name},
    ).fetchall()
    if not any(n for (n,) in exists):
        raise FinopsError(
            f"{table} does not exist", hint="run `finops focus build` after an import"
        )
    con.execute("drop view if exists focus_check_input")
    con.execute("drop table if exists focus_check_input")
    if period:
        if not re.fullmatch(r"\d{4}-\d{2}", period):
            raise FinopsError(f"bad period {period!r}", hint="use YYYY-MM")
        con.execute(
            f"create temp table focus_check_input as select * from {source} "  # noqa: S608
            "where strftime(BillingPeriodStart, '%Y-%m') = $period",
            {"period": period},
        )
    else:
        con.execute(f"create temp view focus_check_input as select * from {source}")  # noqa: S608
    actual = con.execute(
        "select column_name, column_type, row_number() over () as ordinal "
        "from (describe select * from focus_check_input)"
    ).fetchall()
    con.execute(
        "create or replace temp table check_actual_columns "
        "(column_name varchar, data_type varchar, ordinal bigint)"
    )
    con.executemany("insert into check_actual_columns values (?, ?, ?)", actual)
    expected = [(c["name"], c["type"], c["nullable"]) for c in expected_columns("1.2")]
    con.execute(
        "create or replace temp table check_expected_columns "
        "(column_name varchar, data_type varchar, nullable boolean)"
    )
    con.executemany("insert into check_expected_columns values (?, ?, ?)", expected)
    con.execute("create or replace temp table check_known_later_columns (column_name varchar)")
    con.executemany(
        "insert into check_known_later_columns values (?)", [(c,) for c in LATER_COLUMNS]
    )
    for tbl, fname in (
        ("check_allowed_values", "allowed_values.csv"),
        ("check_service_subcategories", "service_subcategories.csv"),
        ("check_iso4217", "iso4217.csv"),
    ):
        con.execute(
            f"create or replace temp table {sql.safe_ident(tbl)} as "  # noqa: S608 - fixed names
            "select * from read_csv($path, all_varchar = true, header = true)",
            {"path": str(SPEC_DIR / fname)},
        )


def run_checks(
    con: duckdb.DuckDBPyConnection,
    *,
    table: str = "focus.cost_and_usage",
    period: str | None = None,
    rules_pattern: str | None = None,
    sample_size: int = 3,
) -> list[CheckResult]:
    """Run every conformance rule (or those whose id matches ``rules_pattern``, a glob).

    A rule whose query cannot run (e.g. it needs a column that is missing) is reported as failed with
    the error, so a missing column never passes silently.
    """
    _prepare(con, table, period)
    present = {r[0] for r in con.execute("select column_name from check_actual_columns").fetchall()}
    results = []
    for rule in rules():
        if rules_pattern and not fnmatch.fnmatch(rule.rule_id, rules_pattern):
            continue
        text = sql.load(rule.name)
        try:
            cur = con.execute(f"select count(*) from ({text})")  # noqa: S608 - text is a stored rule
            (failing,) = cur.fetchone() or (0,)
            sample: list[dict[str, Any]] = []
            if failing:
                cur = con.execute(f"select * from ({text}) limit {int(sample_size)}")  # noqa: S608
                names = [d[0] for d in cur.description or []]
                keep = [n for n in names if n in _SAMPLE_COLUMNS or n not in present]
                sample = [
                    {n: v for n, v in zip(names, row, strict=True) if n in keep}
                    for row in cur.fetchall()
                ]
            results.append(CheckResult(rule, int(failing), sample))
        except duckdb.Error as exc:
            results.append(CheckResult(rule, 1, [], error=str(exc).splitlines()[0]))
    return results


_SAMPLE_COLUMNS = {
    "ChargeCategory",
    "ChargeClass",
    "ServiceName",
    "ServiceCategory",
    "ServiceSubcategory",
    "CommitmentDiscountId",
    "CommitmentDiscountStatus",
    "BilledCost",
    "EffectiveCost",
    "x_line_item_type",
    "x_source_file",
    "x_source_row",
    "BillingPeriodStart",
}


def failed(results: list[CheckResult], severity: str = "error") -> list[CheckResult]:
    return [r for r in results if not r.ok and r.rule.severity == severity]


def markdown_report(results: list[CheckResult]) -> str:
    """A readable report: a summary line, then one row per rule, failures first."""
    errors, warnings = failed(results, "error"), failed(results, "warning")
    lines = [
        "# FOCUS 1.2 conformance",
        "",
        f"{len(results)} rules: {len(results) - len(errors) - len(warnings)} pass, "
        f"{len(errors)} errors, {len(warnings)} warnings.",
        "",
        "| status | rule | severity | failing | spec |",
        "|---|---|---|---|---|",
    ]
    for r in sorted(results, key=lambda r: (r.ok, r.rule.rule_id)):
        status = "pass" if r.ok else "FAIL"
        detail = r.error or r.rule.spec
        lines.append(
            f"| {status} | {r.rule.rule_id} | {r.rule.severity} | {r.failing} | {detail} |"
        )
    return "\n".join(lines) + "\n"
