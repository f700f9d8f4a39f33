"""`finops validate`: FOCUS conformance (every row, every rule) and reconciliation to the source."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from finops_lib import checks, db
from finops_lib.cli.common import console, state


def validate(
    ctx: typer.Context,
    period: Annotated[str | None, typer.Option(help="Only this billing period (YYYY-MM).")] = None,
    rules: Annotated[
        str | None, typer.Option(help="Only rules whose id matches this glob, e.g. '*ChargeCategory*'.")
    ] = None,
    output: Annotated[Path | None, typer.Option(help="Also write a markdown report here.")] = None,
    official: Annotated[
        bool, typer.Option("--official", help="Also run the official focus-validator 2.2.1 (second opinion).")
    ] = False,
) -> None:
    """Check focus.cost_and_usage against FOCUS 1.2 and reconcile it to the source; exit 1 on failure."""
    settings = state(ctx).settings
    con = db.connect(settings.database, read_only=True)
    try:
        with console.status("checking FOCUS conformance..."):
            results = checks.run_checks(con, period=period, rules_pattern=rules)
        table = Table(title="FOCUS 1.2 conformance (failures and warnings)")
        for col in ("rule", "severity", "failing rows", "detail"):
            table.add_column(col)
        for r in results:
            if not r.ok:
                table.add_row(r.rule.rule_id, r.rule.severity, str(r.failing), r.error or r.rule.spec)
        errors = checks.failed(results, "error")
        warnings = checks.failed(results, "warning")
        if errors or warnings:
            console.print(table)
        console.print(
            f"conformance: {len(results)} rules, {len(errors)} errors, {len(warnings)} warnings"
        )
        recon_bad = _reconciliation(con, period)
        if output:
            output.write_text(checks.markdown_report(results))
            console.print(f"report written to {output}")
        official_bad = _official(con, period) if official else 0
    finally:
        con.close()
    if errors or recon_bad or official_bad:
        raise typer.Exit(1)


def _reconciliation(con, period: str | None) -> int:
    try:
        from finops_lib.reconcile import reconcile
    except ImportError:
        console.print("reconciliation: not available in this build")
        return 0
    frame = reconcile(con)
    if period is not None and "billing_period" in frame.columns:
        frame = frame.filter(frame["billing_period"] == period)
    table = Table(title="Reconciliation: FOCUS vs source, per period and billing account")
    for col in frame.columns:
        table.add_column(col)
    for row in frame.iter_rows():
        table.add_row(*("" if v is None else str(v) for v in row))
    console.print(table)
    bad = frame.height - int(frame["ok"].sum()) if frame.height else 0
    console.print(f"reconciliation: {frame.height} rows, {bad} with a difference")
    return bad


def _official(con, period: str | None) -> int:
    import tempfile

    from finops_lib import official_validator

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "focus-1.2.parquet"
        from finops_lib.export import export

        export(con, path, focus_version="1.2", fmt="parquet", period=period)
        with console.status("running the official focus-validator 2.2.1..."):
            result = official_validator.run(path)
    console.print(
        f"official validator: {result.total} rules, {len(result.real_failures)} failures, "
        f"{len(result.known_defects)} known-defective rules failing (ignored)"
    )
    for rule_id in result.real_failures:
        console.print(f"  FAIL {rule_id}")
    return len(result.real_failures)
