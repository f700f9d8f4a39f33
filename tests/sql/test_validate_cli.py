"""`finops validate` on a real warehouse file: exit 0 when conformant and reconciled, 1 otherwise."""

from __future__ import annotations

from pathlib import Path

import duckdb
from focus_rows import conformant_rows, make_table
from typer.testing import CliRunner

from finops_lib.cli import app


def warehouse(path: Path, rows: list[dict]) -> None:
    """focus.cost_and_usage from hand-written rows, and source totals that match them exactly."""
    con = duckdb.connect(str(path))
    con.execute("SET TimeZone = 'UTC'")
    make_table(con, rows)
    con.execute("create schema focus")
    con.execute(
        "create table focus.cost_and_usage as select *, 'AWS' as x_provider, "
        "'cur' as x_export_name, strftime(BillingPeriodStart, '%Y-%m') as x_billing_period, "
        "'source' as x_row_kind from focus_input"
    )
    con.execute("drop table focus_input")
    con.execute("create schema meta")
    con.execute(
        "create table meta.source_totals as select x_provider as provider, x_export_name as "
        "export_name, x_billing_period as billing_period, 'm1' as delivery_id, BillingAccountId as "
        "billing_account_id, BillingCurrency as currency, count(*) as rows, sum(BilledCost) as "
        "billed_cost, sum(EffectiveCost) as effective_cost, 'BilledCost' as billed_basis, "
        "'EffectiveCost' as effective_basis from focus.cost_and_usage group by all"
    )
    con.close()


def test_conformant_reconciled_warehouse_passes(tmp_path):
    db = tmp_path / "finops.duckdb"
    warehouse(db, conformant_rows())
    report = tmp_path / "report.md"
    result = CliRunner().invoke(app, ["--database", str(db), "validate", "--output", str(report)])
    assert result.exit_code == 0, result.output
    assert "| FAIL |" not in report.read_text()


def test_one_bad_row_fails_with_a_report_naming_the_rule(tmp_path):
    db = tmp_path / "finops.duckdb"
    warehouse(db, [*conformant_rows(), {"ServiceCategory": "Taxes", "ServiceName": "Tax"}])
    report = tmp_path / "report.md"
    result = CliRunner().invoke(app, ["--database", str(db), "validate", "--output", str(report)])
    assert result.exit_code == 1, result.output
    assert "| FAIL | FOCUS-1.2/ServiceCategory/allowed-values | error | 1 |" in report.read_text()
