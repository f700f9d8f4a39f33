"""finops_lib.reconcile: FOCUS totals vs source totals, exact, per provider/export/period/account."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import duckdb
import pytest
from aws_raw import BASE, create_raw, insert

from finops_lib import db, state
from finops_lib.build import build
from finops_lib.reconcile import reconcile

RI = "arn:aws:ec2:us-east-1:111111111111:reserved-instances/ri-r"
SP = "arn:aws:savingsplans::111111111111:savingsplan/sp-r"
ROWS: list[dict[str, Any]] = [
    {"line_item_line_item_type": "Usage", "line_item_unblended_cost": "10.10", "line_item_usage_amount": "1"},
    {"line_item_line_item_type": "DiscountedUsage", "line_item_unblended_cost": "0",
     "reservation_reservation_a_r_n": RI, "reservation_effective_cost": "4", "line_item_usage_amount": "1"},
    {"line_item_line_item_type": "RIFee", "line_item_unblended_cost": "5", "reservation_reservation_a_r_n": RI,
     "reservation_unused_amortized_upfront_fee_for_billing_period": "1",
     "reservation_unused_recurring_fee": "0.5", "line_item_usage_amount": "720"},
    {"line_item_line_item_type": "Fee", "line_item_unblended_cost": "30", "reservation_reservation_a_r_n": RI},
    {"line_item_line_item_type": "SavingsPlanCoveredUsage", "line_item_unblended_cost": "3",
     "savings_plan_savings_plan_a_r_n": SP, "savings_plan_savings_plan_effective_cost": "2",
     "line_item_usage_amount": "1"},
    {"line_item_line_item_type": "SavingsPlanNegation", "line_item_unblended_cost": "-3",
     "savings_plan_savings_plan_a_r_n": SP, "line_item_usage_amount": "1"},
    {"line_item_line_item_type": "SavingsPlanRecurringFee", "line_item_unblended_cost": "2.5",
     "savings_plan_savings_plan_a_r_n": SP, "savings_plan_total_commitment_to_date": "2.5",
     "savings_plan_used_commitment": "2", "line_item_usage_amount": "720"},
    {"line_item_line_item_type": "SavingsPlanUpfrontFee", "line_item_unblended_cost": "12",
     "savings_plan_savings_plan_a_r_n": SP},
    {"line_item_line_item_type": "EdpDiscount", "line_item_unblended_cost": "-0.5"},
    {"line_item_line_item_type": "Credit", "line_item_unblended_cost": "-1"},
    {"line_item_line_item_type": "Tax", "line_item_unblended_cost": "0.7"},
    {"line_item_line_item_type": "Refund", "line_item_unblended_cost": "-0.2",
     "line_item_usage_start_date": "2026-08-03 00:00:00+00"},
]  # fmt: skip


def cid_amortized(row: dict[str, Any]) -> D:
    """The CID summary_view amortized_cost, written out again here in Python."""
    t = row["line_item_line_item_type"]
    g = lambda k: D(row.get(k) or 0)  # noqa: E731
    if t == "SavingsPlanCoveredUsage":
        return g("savings_plan_savings_plan_effective_cost")
    if t == "SavingsPlanRecurringFee":
        return g("savings_plan_total_commitment_to_date") - g("savings_plan_used_commitment")
    if t in ("SavingsPlanNegation", "SavingsPlanUpfrontFee"):
        return D(0)
    if t == "DiscountedUsage":
        return g("reservation_effective_cost")
    if t == "RIFee":
        return g("reservation_unused_amortized_upfront_fee_for_billing_period") + g(
            "reservation_unused_recurring_fee"
        )
    if t == "Fee" and row.get("reservation_reservation_a_r_n"):
        return D(0)
    return g("line_item_unblended_cost")


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    c = db.connect(":memory:")
    create_raw(c)
    insert(c, *ROWS)
    build(c)
    measure_source(c)
    return c


def measure_source(con: duckdb.DuckDBPyConnection) -> None:
    """What the pipeline does after a load: the provider's totals query into meta.source_totals."""
    state.ensure_meta(con)
    state.record_load(
        con,
        provider="AWS",
        export_name=BASE["x_export_name"],
        period=BASE["x_billing_period"],
        fmt="v1",
        delivery_id="m-1",
        location="manifest.json",
        files=1,
        rows=len(ROWS),
        load_id="l-1",
        totals_queries=["reconcile/aws_cur_totals"],
    )


def shift_source(con: duckdb.DuckDBPyConnection, billed: D) -> None:
    con.execute("update meta.source_totals set billed_cost = billed_cost + $d", {"d": billed})


def test_every_line_item_type_reconciles_exactly(con: duckdb.DuckDBPyConnection) -> None:
    unblended = sum(D(r["line_item_unblended_cost"]) for r in ROWS)
    amortized = sum(cid_amortized(r) for r in ROWS)
    (row,) = reconcile(con).to_dicts()
    assert (row["source_billed_cost"], row["source_effective_cost"]) == (unblended, amortized)
    assert row["focus_billed_cost"] == unblended
    assert row["focus_effective_cost"] == amortized
    assert (row["billed_cost_diff"], row["effective_cost_diff"]) == (0, 0)
    assert (row["billed_basis"], row["effective_basis"]) == (
        "unblended cost",
        "CID amortised formula",
    )
    assert (row["source_rows"], row["focus_source_rows"]) == (len(ROWS), len(ROWS))
    assert row["ok"] is True


def test_a_difference_is_reported_with_its_amount(con: duckdb.DuckDBPyConnection) -> None:
    shift_source(con, D("0.01"))
    (row,) = reconcile(con).to_dicts()
    assert row["billed_cost_diff"] == D("-0.01")
    assert row["ok"] is False


def test_missing_focus_rows_show_up_as_not_ok(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("delete from focus.cost_and_usage")
    (row,) = reconcile(con).to_dicts()
    assert row["focus_billed_cost"] is None
    assert row["ok"] is False


def test_empty_warehouse_reconciles_to_no_rows() -> None:
    assert reconcile(db.connect(":memory:")).height == 0


def test_demo_exports_reconcile_exactly_on_every_period(tmp_path) -> None:  # noqa: ANN001
    """Generator -> ingestion -> FOCUS: totals equal the generator's own sums, every period."""
    from finops_lib.checks import failed, run_checks
    from finops_lib.config import load_settings
    from finops_lib.demo import generate_aws
    from finops_lib.pipeline import import_provider

    generated = generate_aws(tmp_path / "bucket", rows=1500)
    settings = load_settings(env={}).override("aws", "download_dir", str(tmp_path / "dl"))
    con = db.connect(tmp_path / "w.duckdb")
    for flavour, export in generated.exports.items():
        import_provider("aws", settings, bucket=str(export.root), prefix=export.prefix,
                   export_name=export.name, cur_version=flavour, con=con)  # fmt: skip
    frame = reconcile(con)
    expected = {
        (e["export_name"], period): (D(t["unblended_cost"]), D(t["amortized_cost"]))
        for e in generated.expected.values()
        for period, t in e["periods"].items()
    }
    got = {
        (r["export_name"], r["billing_period"]): (r["focus_billed_cost"], r["focus_effective_cost"])
        for r in frame.to_dicts()
    }
    assert got == expected
    assert frame["ok"].all()
    assert failed(run_checks(con), "error") == []


def test_reconcile_cli_exits_by_difference(tmp_path) -> None:  # noqa: ANN001
    """`finops focus reconcile` on a warehouse file: 0 when equal (shown as 0), 1 on a difference."""
    from typer.testing import CliRunner

    from finops_lib.cli import app

    path = tmp_path / "w.duckdb"
    c = db.connect(path)
    create_raw(c)
    insert(c, *ROWS)
    build(c)
    measure_source(c)
    c.close()
    for shift, code in ((D(0), 0), (D("0.25"), 1)):
        c = db.connect(path)
        shift_source(c, shift)
        c.close()
        result = CliRunner().invoke(app, ["--database", str(path), "focus", "reconcile"])
        assert result.exit_code == code, result.output
        assert ("-0.25" in result.output) is (code == 1)
        assert "E-" not in result.output
