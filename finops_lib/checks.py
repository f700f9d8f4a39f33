"""FOCUS conformance: runs ``queries/checks/*.sql`` and returns the failing rows of each rule.

Every rule is one SQL file whose header names it (``-- rule:``), its severity (``-- severity:``) and
the spec text it implements (``-- spec:``); the query selects the rows (or columns) that break it. Unlike
the official validator, allowed values are checked on every row, not "some row has an allowed value".
The checked relation is exposed to the rules as the temp view ``focus_check_input`` (the period's rows)
and ``focus_check_all`` (every row, for dataset-level rules); the table name comes from an allowlist and
is quoted in one place (``_prepare``), the period is a bound parameter.
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
from rich.table import Table

from finops_lib import db, sql
from finops_lib.errors import FinopsError
from finops_lib.periods import parse_period

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
_MODEL_PREFIX = "focus-validator 2.2.1 model-1.2.0.1 "
_HEADER = re.compile(r"^--\s*(rule|severity|spec|model):\s*(.+)$", re.M)


@dataclass(frozen=True)
class Rule:
    """One conformance rule: its file, stable id, severity, the spec text and validator model ids."""

    name: str
    rule_id: str
    severity: str
    spec: str
    model: str = ""


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
def load_rules() -> tuple[Rule, ...]:
    """Every rule in ``queries/checks``, read from the file headers (``-- rule/severity/spec:``)."""
    out = []
    for name in sql.names("checks"):
        meta = dict(_HEADER.findall(sql.load(name)))
        out.append(
            Rule(
                name,
                meta["rule"].strip(),
                meta["severity"].strip(),
                meta["spec"].strip(),
                meta.get("model", "").strip(),
            )
        )
    return tuple(out)


@cache
def _spec_columns() -> tuple[dict[str, Any], ...]:
    data = json.loads((SPEC_DIR / "focus_columns.json").read_text(encoding="utf-8"))
    return tuple(c for c in data if c["dataset"] == "CostAndUsage")


def expected_columns(version: str = "1.2") -> list[dict[str, Any]]:
    """FOCUS Cost and Usage columns of one version: name, data type, nullability."""
    return [c for c in _spec_columns() if version in c["in_versions"]]


def _prepare(con: duckdb.DuckDBPyConnection, table: str, period: str | None) -> None:
    if table not in CHECKABLE_TABLES:
        raise FinopsError(
            f"cannot check {table!r}", hint=f"use one of {', '.join(CHECKABLE_TABLES)}"
        )
    schema, _, name = table.rpartition(".")
    source = (sql.safe_ident(schema) + "." if schema else "") + sql.safe_ident(name)
    if not db.table_exists(con, schema or "main", name):
        raise FinopsError(
            f"{table} does not exist", hint="run `finops focus build` after an import"
        )
    con.execute("drop view if exists focus_check_input")
    con.execute("drop table if exists focus_check_input")
    # Dataset-level rules that need history outside the period (e.g. a commitment's upfront
    # purchase in an earlier month) read the unfiltered relation as focus_check_all.
    con.execute(f"create or replace temp view focus_check_all as select * from {source}")  # noqa: S608
    if period:
        period = parse_period(period)
        con.execute(
            f"create temp table focus_check_input as select * from {source} "  # noqa: S608
            "where strftime(BillingPeriodStart, '%Y-%m') = $period",
            {"period": period},
        )
        (count,) = con.execute("select count(*) from focus_check_input").fetchone() or (0,)
        if not count:
            raise FinopsError(
                f"{table} has no rows for billing period {period}",
                hint="check the period (YYYY-MM) or import it first",
            )
    else:
        con.execute(f"create temp view focus_check_input as select * from {source}")  # noqa: S608
    con.execute(
        "create or replace temp table check_actual_columns as "
        "select column_name, column_type as data_type, row_number() over () as ordinal "
        "from (describe select * from focus_check_input)"
    )
    expected = expected_columns("1.2")
    con.execute(
        "create or replace temp table check_expected_columns as select "
        "unnest($n::varchar[]) as column_name, unnest($t::varchar[]) as data_type, "
        "unnest($o::boolean[]) as nullable",
        {
            "n": [c["name"] for c in expected],
            "t": [c["type"] for c in expected],
            "o": [bool(c["nullable"]) for c in expected],
        },
    )
    con.execute(
        "create or replace temp table check_known_later_columns as "
        "select unnest($n::varchar[]) as column_name",
        {"n": list(LATER_COLUMNS)},
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
    rules: str | None = None,
    sample_size: int = 3,
) -> list[CheckResult]:
    """Run every conformance rule, or those whose id matches ``rules`` (a glob such as ``*Charge*``).

    Args:
        con: a connection to the warehouse (read-only is enough: the inputs are temp objects).
        table: the relation to check; one of ``CHECKABLE_TABLES``, never free SQL text.
        period: only rows of this billing period (``YYYY-MM``, bound as a parameter).
        rules: a glob on rule ids; ``None`` runs every rule.
        sample_size: how many failing rows to keep per rule.

    Returns:
        One result per rule, in file order. A rule whose query cannot run (e.g. it needs a column
        that is missing) is reported as failed with the error, so a missing column never passes.

    Raises:
        FinopsError: unknown table, missing table, bad period, or a glob that matches no rule.
    """
    _prepare(con, table, period)
    present = {r[0] for r in con.execute("select column_name from check_actual_columns").fetchall()}
    results = []
    selected = [r for r in load_rules() if rules is None or fnmatch.fnmatch(r.rule_id, rules)]
    if not selected:
        raise FinopsError(
            f"no conformance rule matches {rules!r}",
            hint="rule ids look like FOCUS-1.2/ChargeCategory/allowed-values; use a glob like '*Charge*'",
        )
    for rule in selected:
        text = sql.load(rule.name)
        try:
            cur = con.execute(f"select count(*) from ({text})")  # noqa: S608 - text is a stored rule
            (failing,) = cur.fetchone() or (0,)
            sample: list[dict[str, Any]] = []
            if failing:
                cur = con.execute(f"select * from ({text}) limit {int(sample_size)}")  # noqa: S608
                names = [d[0] for d in cur.description or []]
                # The columns the rule reads, the row's identity, and any computed columns.
                keep = [
                    n
                    for n in names
                    if n in _IDENTITY_COLUMNS or n not in present or re.search(rf"\b{n}\b", text)
                ]
                sample = [
                    {n: v for n, v in zip(names, row, strict=True) if n in keep}
                    for row in cur.fetchall()
                ]
            results.append(CheckResult(rule, int(failing), sample))
        except duckdb.Error as exc:
            results.append(CheckResult(rule, 1, [], error=str(exc).splitlines()[0]))
    return results


_IDENTITY_COLUMNS = {
    "BillingPeriodStart",
    "ChargeCategory",
    "ServiceName",
    "x_provider",
    "x_export_name",
    "x_source_file",
    "x_source_row",
}


def failed(results: list[CheckResult], severity: str = "error") -> list[CheckResult]:
    """The results of one severity (``error`` or ``warning``) whose rule does not hold."""
    return [r for r in results if not r.ok and r.rule.severity == severity]


def _cell(value: Any) -> str:
    return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")


def _summary(results: list[CheckResult]) -> str:
    errors, warnings = failed(results, "error"), failed(results, "warning")
    return (
        f"{len(results)} rules: {len(results) - len(errors) - len(warnings)} pass, "
        f"{len(errors)} errors, {len(warnings)} warnings."
    )


def markdown_report(results: list[CheckResult], title: str = "FOCUS 1.2 conformance") -> str:
    """A readable markdown report: a summary, one row per rule (failures first), sample rows."""
    lines = [
        f"# {title}",
        "",
        _summary(results),
        "",
        "| status | rule | severity | failing | spec | official validator rule |",
        "|---|---|---|---|---|---|",
    ]
    ordered = sorted(results, key=lambda r: (r.ok, r.rule.severity, r.rule.rule_id))
    for r in ordered:
        status = "pass" if r.ok else "FAIL"
        detail = f"could not run: {r.error}" if r.error else r.rule.spec
        lines.append(
            f"| {status} | {r.rule.rule_id} | {r.rule.severity} | {r.failing} | {_cell(detail)} "
            f"| {_cell(r.rule.model.removeprefix(_MODEL_PREFIX))} |"
        )
    samples = [r for r in ordered if r.sample]
    if samples:
        lines += ["", "## Sample failing rows", ""]
    for r in samples:
        names = list(r.sample[0])
        lines += [
            f"### {r.rule.rule_id} ({r.failing} failing, file `queries/{r.rule.name}.sql`)",
            "",
            "| " + " | ".join(names) + " |",
            "|" + "---|" * len(names),
            *("| " + " | ".join(_cell(row.get(n)) for n in names) + " |" for row in r.sample),
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"


def rich_table(results: list[CheckResult], *, show_passing: bool = False) -> Table:
    """The results as a rich table for the terminal: failures (and optionally passes), errors first."""
    table = Table(title="FOCUS 1.2 conformance", caption=_summary(results))
    for col, justify in (
        ("status", "left"),
        ("rule", "left"),
        ("severity", "left"),
        ("failing", "right"),
        ("detail", "left"),
    ):
        table.add_column(col, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for r in sorted(results, key=lambda r: (r.ok, r.rule.severity, r.rule.rule_id)):
        if r.ok and not show_passing:
            continue
        style = "" if r.ok else ("red" if r.rule.severity == "error" else "yellow")
        table.add_row(
            "pass" if r.ok else "FAIL",
            r.rule.rule_id,
            r.rule.severity,
            f"{r.failing:,}",
            f"could not run: {r.error}" if r.error else r.rule.spec,
            style=style,
        )
    return table
