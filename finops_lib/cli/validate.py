"""`finops validate`: FOCUS conformance (every row, every rule) and reconciliation to the source."""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import duckdb
import polars as pl
import typer
from rich.table import Table

from finops_lib import checks, db
from finops_lib.cli.common import console, from_caller, state
from finops_lib.periods import parse_period

# The reconciliation columns worth a terminal's width; the markdown report carries all of them.
_RECON_COLUMNS = (
    "provider",
    "export_name",
    "billing_period",
    "billing_account_id",
    "currency",
    "focus_billed_cost",
    "billed_cost_diff",
    "focus_effective_cost",
    "effective_cost_diff",
    "ok",
)


def validate(
    ctx: typer.Context,
    period: Annotated[str | None, typer.Option(help="Only this billing period (YYYY-MM).")] = None,
    rules: Annotated[
        str | None,
        typer.Option(help="Only rules whose id matches this glob, e.g. '*ChargeCategory*'."),
    ] = None,
    official: Annotated[
        bool,
        typer.Option(
            "--official", help="Also run the official focus-validator 2.2.1 (second opinion)."
        ),
    ] = False,
    output: Annotated[
        Path | None,
        typer.Option(help="Also write a markdown report here.", callback=from_caller),
    ] = None,
    show_passing: Annotated[
        bool, typer.Option("--show-passing", help="List passing rules too.")
    ] = False,
) -> None:
    """Check focus.cost_and_usage against FOCUS 1.2 and reconcile it to the source; exit 1 on failure."""
    settings = state(ctx).settings
    period = parse_period(period) if period else None
    con = db.connect(settings.database, read_only=True)
    try:
        with console.status("checking FOCUS conformance..."):
            results = checks.run_checks(con, period=period, rules=rules)
        errors = checks.failed(results, "error")
        if show_passing or any(not r.ok for r in results):
            console.print(checks.rich_table(results, show_passing=show_passing))
        else:
            console.print(f"FOCUS 1.2 conformance: all {len(results)} rules pass")
        recon = _reconciliation(con, period)
        recon_bad = recon.height - int(recon["ok"].sum()) if recon.height else 0
        official_lines, official_bad = _official(con, period) if official else ([], 0)
    finally:
        con.close()
    if output:
        text = checks.markdown_report(results)
        if recon.height:
            text += "\n# Reconciliation: FOCUS vs source\n\n" + _markdown_frame(recon)
        if official_lines:
            text += "\n# Official focus-validator 2.2.1\n\n" + "\n".join(official_lines) + "\n"
        output.write_text(text, encoding="utf-8")
        console.print(f"report written to {output}")
    if errors or recon_bad or official_bad:
        console.print(
            f"[red]validation failed[/red]: {len(errors)} conformance errors, "
            f"{recon_bad} reconciliation differences, {official_bad} official-validator failures"
        )
        raise typer.Exit(1)
    console.print("[green]validation passed[/green]")


def _reconciliation(con: duckdb.DuckDBPyConnection, period: str | None) -> pl.DataFrame:
    from finops_lib.reconcile import reconcile

    frame = reconcile(con)
    if period is not None and "billing_period" in frame.columns:
        frame = frame.filter(pl.col("billing_period") == period)
    table = Table(title="Reconciliation: FOCUS vs source, per export, period and billing account")
    shown = [c for c in _RECON_COLUMNS if c in frame.columns]
    for col in shown:
        numeric = frame.schema[col].is_numeric()
        table.add_column(col, justify="right" if numeric else "left", overflow="fold")
    for row in frame.select(shown).iter_rows(named=True):
        style = "" if row.get("ok") else "red"
        table.add_row(*(_show(v) for v in row.values()), style=style)
    bad = frame.height - int(frame["ok"].sum()) if frame.height else 0
    table.caption = f"{frame.height} rows, {bad} with a difference"
    console.print(table)
    return frame


def _show(value: object) -> str:
    """Exact decimals without exponent noise (``0E-10`` -> ``0``)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def _markdown_frame(frame: pl.DataFrame) -> str:
    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * frame.width]
    for row in frame.iter_rows():
        lines.append("| " + " | ".join(_show(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


def _official(con: duckdb.DuckDBPyConnection, period: str | None) -> tuple[list[str], int]:
    from finops_lib import official_validator
    from finops_lib.export import export

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "focus-1.2.parquet"
        export(con, path, focus_version="1.2", fmt="parquet", period=period)
        with console.status("running the official focus-validator 2.2.1..."):
            result = official_validator.run(path)
    lines = [
        f"{result.total} rules: {len(result.real_failures)} failures, "
        f"{len(result.known_defects)} known-defective rules failing (ignored: FOCUS.md §7), "
        f"{result.skipped} skipped."
    ]
    lines += [
        f"- FAIL {rule_id}"
        + (f" ({official_validator.HINTS[rule_id]})" if rule_id in official_validator.HINTS else "")
        for rule_id in result.real_failures
    ]
    lines += [f"- known defect {rule_id}" for rule_id in result.known_defects]
    console.print("official validator: " + lines[0])
    for line in lines[1:]:
        console.print("  " + line)
    return lines, len(result.real_failures)
