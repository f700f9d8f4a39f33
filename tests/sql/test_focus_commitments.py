"""Per commitment, FOCUS's amortisation rule: Σ Usage EffectiveCost = Σ Purchase BilledCost over the term."""

from __future__ import annotations

from decimal import Decimal as D

import duckdb
import pytest
from aws_raw import create_raw, insert

from finops_lib import db
from finops_lib.build import build

RI = "arn:aws:ec2:us-east-1:111111111111:reserved-instances/ri-term"
SP = "arn:aws:savingsplans::111111111111:savingsplan/sp-term"


def period(month: int) -> dict[str, str]:
    nxt = f"2026-{month + 1:02d}-01 00:00:00+00"
    start = f"2026-{month:02d}-01 00:00:00+00"
    return {
        "bill_billing_period_start_date": start,
        "bill_billing_period_end_date": nxt,
        "line_item_usage_start_date": start,
        "line_item_usage_end_date": nxt,
        "x_billing_period": f"2026-{month:02d}",
    }


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    c = db.connect(":memory:")
    create_raw(c)
    return c


def totals(con: duckdb.DuckDBPyConnection, commitment: str) -> tuple[D, D]:
    row = con.execute(
        "select sum(EffectiveCost) filter (where ChargeCategory = 'Usage'), "
        "sum(BilledCost) filter (where ChargeCategory = 'Purchase') "
        "from focus.cost_and_usage where CommitmentDiscountId = $id",
        {"id": commitment},
    ).fetchone()
    assert row is not None
    return row[0], row[1]


def test_partial_upfront_ri_amortises_to_its_purchases_over_a_two_month_term(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # A 2-month RI: 120 upfront + 30/month recurring = 180 paid. Upfront amortises 60/month.
    ri = {"reservation_reservation_a_r_n": RI}
    insert(
        con,
        {**period(9), **ri, "line_item_line_item_type": "Fee", "line_item_unblended_cost": "120",
         "line_item_usage_amount": "1", "line_item_unblended_rate": "120"},
        # September: 80 of the 90 amortised (60 upfront + 30 recurring) used, 10 unused
        {**period(9), **ri, "line_item_line_item_type": "RIFee", "line_item_unblended_cost": "30",
         "line_item_usage_amount": "720",
         "reservation_unused_amortized_upfront_fee_for_billing_period": "6.6666666667",
         "reservation_unused_recurring_fee": "3.3333333333"},
        {**period(9), **ri, "line_item_line_item_type": "DiscountedUsage",
         "line_item_unblended_cost": "0", "line_item_usage_amount": "640",
         "reservation_effective_cost": "80"},
        # October: fully used
        {**period(10), **ri, "line_item_line_item_type": "RIFee", "line_item_unblended_cost": "30",
         "line_item_usage_amount": "744",
         "reservation_unused_amortized_upfront_fee_for_billing_period": "0",
         "reservation_unused_recurring_fee": "0"},
        {**period(10), **ri, "line_item_line_item_type": "DiscountedUsage",
         "line_item_unblended_cost": "0", "line_item_usage_amount": "744",
         "reservation_effective_cost": "90"},
    )  # fmt: skip
    build(con)
    amortised, purchased = totals(con, RI)
    assert purchased == D(120) + D(30) + D(30)
    assert amortised == purchased


def test_no_upfront_savings_plan_amortises_per_period(con: duckdb.DuckDBPyConnection) -> None:
    sp = {"savings_plan_savings_plan_a_r_n": SP, "line_item_product_code": "ComputeSavingsPlans"}
    insert(
        con,
        {**period(9), **sp, "line_item_line_item_type": "SavingsPlanRecurringFee",
         "line_item_unblended_cost": "72", "line_item_usage_amount": "720",
         "savings_plan_total_commitment_to_date": "72", "savings_plan_used_commitment": "50.25"},
        {**period(9), **sp, "line_item_line_item_type": "SavingsPlanCoveredUsage",
         "line_item_product_code": "AmazonEC2", "line_item_unblended_cost": "70",
         "line_item_usage_amount": "700", "savings_plan_savings_plan_effective_cost": "50.25"},
        {**period(9), **sp, "line_item_line_item_type": "SavingsPlanNegation",
         "line_item_product_code": "AmazonEC2", "line_item_unblended_cost": "-70",
         "line_item_usage_amount": "700"},
    )  # fmt: skip
    build(con)
    amortised, purchased = totals(con, SP)
    assert purchased == D(72)
    assert amortised == purchased
