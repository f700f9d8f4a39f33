"""AWS CUR -> FOCUS: for every line item type, hand-written raw rows in, the exact FOCUS rows out."""

from __future__ import annotations

import csv
import json
import re
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import duckdb
import pytest
from aws_raw import create_raw, insert

from finops_lib import build as build_module
from finops_lib import db
from finops_lib.build import build

RI = "arn:aws:ec2:us-east-1:111111111111:reserved-instances/ri-0001"
SP = "arn:aws:savingsplans::111111111111:savingsplan/sp-0001"
KEYS = (
    "ChargeCategory",
    "ChargeClass",
    "ChargeFrequency",
    "BilledCost",
    "EffectiveCost",
    "ListCost",
    "ContractedCost",
    "PricingCategory",
    "CommitmentDiscountId",
    "CommitmentDiscountStatus",
    "CommitmentDiscountCategory",
    "x_row_kind",
)


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    c = db.connect(":memory:")
    create_raw(c)
    return c


def focus(con: duckdb.DuckDBPyConnection, *rows: dict[str, Any]) -> list[dict[str, Any]]:
    """Insert raw rows, build, return the FOCUS rows (source row order, synthetic rows last)."""
    insert(con, *rows)
    build(con)
    cur = con.execute(
        "select * from focus.cost_and_usage order by x_source_row, x_row_kind = 'unused_commitment'"
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def key(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in KEYS}


def expect(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "ChargeClass": None,
        "PricingCategory": None,
        "CommitmentDiscountId": None,
        "CommitmentDiscountStatus": None,
        "CommitmentDiscountCategory": None,
        "x_row_kind": "source",
    }
    base.update(kw)
    return {k: (D(str(v)) if isinstance(v, int | float) else v) for k, v in base.items()}


USAGE = {
    "line_item_line_item_type": "Usage",
    "line_item_usage_amount": "2",
    "line_item_unblended_rate": "0.096",
    "line_item_unblended_cost": "0.192",
    "pricing_public_on_demand_rate": "0.096",
    "pricing_public_on_demand_cost": "0.192",
}


def test_usage_row_is_standard_usage(con: duckdb.DuckDBPyConnection) -> None:
    (row,) = focus(con, USAGE)
    assert key(row) == expect(
        ChargeCategory="Usage", ChargeFrequency="Usage-Based", BilledCost=0.192,
        EffectiveCost=0.192, ListCost=0.192, ContractedCost=0.192, PricingCategory="Standard",
    )  # fmt: skip
    assert (row["ConsumedQuantity"], row["ConsumedUnit"]) == (D(2), "Hours")
    assert (row["PricingQuantity"], row["PricingUnit"]) == (D(2), "Hours")
    assert (row["ListUnitPrice"], row["ContractedUnitPrice"]) == (D("0.096"), D("0.096"))
    assert row["ServiceName"] == "Amazon Elastic Compute Cloud"
    assert (row["ServiceCategory"], row["ServiceSubcategory"]) == ("Compute", "Virtual Machines")
    assert (row["RegionId"], row["RegionName"]) == ("us-east-1", "US East (N. Virginia)")
    assert (row["SubAccountId"], row["SubAccountName"]) == ("222222222222", "dev")
    assert row["BillingPeriodEnd"].isoformat() == "2026-10-01T00:00:00+00:00"


def test_spot_usage_is_dynamic_with_on_demand_list_cost(con: duckdb.DuckDBPyConnection) -> None:
    (row,) = focus(
        con,
        {
            **USAGE,
            "line_item_usage_type": "USE1-SpotUsage:m5.large",
            "line_item_unblended_rate": "0.03",
            "line_item_unblended_cost": "0.06",
        },
    )
    assert key(row) == expect(
        ChargeCategory="Usage", ChargeFrequency="Usage-Based", BilledCost=0.06, EffectiveCost=0.06,
        ListCost=0.192, ContractedCost=0.06, PricingCategory="Dynamic",
    )  # fmt: skip


def test_spot_by_pricing_term_is_dynamic_priced_at_spot_and_listed_on_demand(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # the demo's (and CUR 2.0's) spot line in us-east-1: no region prefix, pricing/term Spot, the
    # spot price as the unblended rate and the on-demand public price beside it
    (row,) = focus(
        con,
        {
            **USAGE,
            "line_item_usage_type": "SpotUsage:m5.4xlarge",
            "pricing_term": "Spot",
            "line_item_usage_amount": "1",
            "line_item_unblended_rate": "0.2688",
            "line_item_unblended_cost": "0.2688",
            "pricing_public_on_demand_rate": "0.768",
            "pricing_public_on_demand_cost": "0.768",
        },
    )
    assert key(row) == expect(
        ChargeCategory="Usage", ChargeFrequency="Usage-Based", BilledCost=0.2688,
        EffectiveCost=0.2688, ListCost=0.768, ContractedCost=0.2688, PricingCategory="Dynamic",
    )  # fmt: skip
    assert (row["ListUnitPrice"], row["ContractedUnitPrice"]) == (D("0.768"), D("0.2688"))
    assert row["ListCost"] - row["EffectiveCost"] == D("0.4992")  # the savings against list


def test_discounted_usage_is_committed_used_with_amortised_cost(
    con: duckdb.DuckDBPyConnection,
) -> None:
    (row,) = focus(
        con,
        {
            **USAGE,
            "line_item_line_item_type": "DiscountedUsage",
            "line_item_unblended_rate": "0",
            "line_item_unblended_cost": "0",
            "reservation_reservation_a_r_n": RI,
            "reservation_effective_cost": "0.12",
        },
    )
    assert key(row) == expect(
        ChargeCategory="Usage", ChargeFrequency="Usage-Based", BilledCost=0, EffectiveCost=0.12,
        ListCost=0.192, ContractedCost=0.192, PricingCategory="Committed",
        CommitmentDiscountId=RI, CommitmentDiscountStatus="Used", CommitmentDiscountCategory="Usage",
    )  # fmt: skip
    assert row["CommitmentDiscountName"] == "ri-0001"
    assert row["CommitmentDiscountType"] == "Reserved Instance"
    assert (row["CommitmentDiscountQuantity"], row["CommitmentDiscountUnit"]) == (D(2), "Hours")


RIFEE = {
    "line_item_line_item_type": "RIFee",
    "line_item_usage_amount": "720",
    "line_item_unblended_rate": "0.06",
    "line_item_unblended_cost": "43.2",
    "reservation_reservation_a_r_n": RI,
    "reservation_unused_amortized_upfront_fee_for_billing_period": "5",
    "reservation_unused_recurring_fee": "2",
    "reservation_unused_quantity": "100",
    "line_item_usage_start_date": "2026-09-01 00:00:00+00",
    "line_item_usage_end_date": "2026-10-01 00:00:00+00",
}


def test_rifee_row_is_recurring_purchase_with_zero_effective_cost(
    con: duckdb.DuckDBPyConnection,
) -> None:
    purchase, _ = focus(con, RIFEE)
    assert key(purchase) == expect(
        ChargeCategory="Purchase", ChargeFrequency="Recurring", BilledCost=43.2, EffectiveCost=0,
        ListCost=43.2, ContractedCost=43.2, PricingCategory="Standard",
        CommitmentDiscountId=RI, CommitmentDiscountCategory="Usage",
    )  # fmt: skip


def test_rifee_row_emits_unused_commitment_row(con: duckdb.DuckDBPyConnection) -> None:
    _, unused = focus(con, RIFEE)
    # unused = unused amortised upfront (5) + unused recurring fee (2)
    assert key(unused) == expect(
        ChargeCategory="Usage", ChargeFrequency="Usage-Based", BilledCost=0, EffectiveCost=7,
        ListCost=0, ContractedCost=0, PricingCategory="Committed", CommitmentDiscountId=RI,
        CommitmentDiscountStatus="Unused", CommitmentDiscountCategory="Usage",
        x_row_kind="unused_commitment",
    )  # fmt: skip
    assert (unused["CommitmentDiscountQuantity"], unused["CommitmentDiscountUnit"]) == (
        D(100),
        "Hours",
    )
    assert unused["ConsumedQuantity"] is None and unused["PricingQuantity"] is None


def test_fully_used_rifee_emits_no_unused_row(con: duckdb.DuckDBPyConnection) -> None:
    rows = focus(
        con,
        {
            **RIFEE,
            "reservation_unused_amortized_upfront_fee_for_billing_period": "0",
            "reservation_unused_recurring_fee": "0",
        },
    )
    assert [r["x_row_kind"] for r in rows] == ["source"]


def test_ri_upfront_fee_is_one_time_purchase(con: duckdb.DuckDBPyConnection) -> None:
    (row,) = focus(
        con,
        {
            "line_item_line_item_type": "Fee",
            "bill_bill_type": "Purchase",
            "line_item_usage_amount": "1",
            "line_item_unblended_rate": "500",
            "line_item_unblended_cost": "500",
            "reservation_reservation_a_r_n": RI,
        },
    )
    assert key(row) == expect(
        ChargeCategory="Purchase", ChargeFrequency="One-Time", BilledCost=500, EffectiveCost=0,
        ListCost=500, ContractedCost=500, PricingCategory="Standard", CommitmentDiscountId=RI,
        CommitmentDiscountCategory="Usage",
    )  # fmt: skip


def test_savings_plan_upfront_fee_is_one_time_purchase(con: duckdb.DuckDBPyConnection) -> None:
    (row,) = focus(
        con,
        {
            "line_item_line_item_type": "SavingsPlanUpfrontFee",
            "line_item_product_code": "ComputeSavingsPlans",
            "line_item_usage_amount": "1",
            "line_item_unblended_rate": "1000",
            "line_item_unblended_cost": "1000",
            "savings_plan_savings_plan_a_r_n": SP,
        },
    )
    assert key(row) == expect(
        ChargeCategory="Purchase", ChargeFrequency="One-Time", BilledCost=1000, EffectiveCost=0,
        ListCost=1000, ContractedCost=1000, PricingCategory="Standard", CommitmentDiscountId=SP,
        CommitmentDiscountCategory="Spend",
    )  # fmt: skip
    assert row["CommitmentDiscountType"] == "Savings Plan"
    assert row["CommitmentDiscountName"] == "sp-0001"


def test_savings_plan_recurring_fee_emits_unused_row(con: duckdb.DuckDBPyConnection) -> None:
    purchase, unused = focus(
        con,
        {
            "line_item_line_item_type": "SavingsPlanRecurringFee",
            "line_item_product_code": "ComputeSavingsPlans",
            "line_item_usage_amount": "720",
            "line_item_unblended_rate": "0.125",
            "line_item_unblended_cost": "90",
            "savings_plan_savings_plan_a_r_n": SP,
            "savings_plan_total_commitment_to_date": "90",
            "savings_plan_used_commitment": "72.5",
        },
    )
    assert key(purchase) == expect(
        ChargeCategory="Purchase", ChargeFrequency="Recurring", BilledCost=90, EffectiveCost=0,
        ListCost=90, ContractedCost=90, PricingCategory="Standard", CommitmentDiscountId=SP,
        CommitmentDiscountCategory="Spend",
    )  # fmt: skip
    assert key(unused) == expect(
        ChargeCategory="Usage", ChargeFrequency="Usage-Based", BilledCost=0, EffectiveCost=17.5,
        ListCost=0, ContractedCost=0, PricingCategory="Committed", CommitmentDiscountId=SP,
        CommitmentDiscountStatus="Unused", CommitmentDiscountCategory="Spend",
        x_row_kind="unused_commitment",
    )  # fmt: skip


COVERED = {
    **USAGE,
    "line_item_line_item_type": "SavingsPlanCoveredUsage",
    "savings_plan_savings_plan_a_r_n": SP,
    "savings_plan_savings_plan_effective_cost": "0.14",
}
NEGATION = {
    **USAGE,
    "line_item_line_item_type": "SavingsPlanNegation",
    "line_item_unblended_rate": "-0.096",
    "line_item_unblended_cost": "-0.192",
    "savings_plan_savings_plan_a_r_n": SP,
}


def test_savings_plan_covered_usage_is_committed_used(con: duckdb.DuckDBPyConnection) -> None:
    (row,) = focus(con, COVERED)
    assert key(row) == expect(
        ChargeCategory="Usage", ChargeFrequency="Usage-Based", BilledCost=0.192,
        EffectiveCost=0.14, ListCost=0.192, ContractedCost=0.192, PricingCategory="Committed",
        CommitmentDiscountId=SP, CommitmentDiscountStatus="Used", CommitmentDiscountCategory="Spend",
    )  # fmt: skip


def test_savings_plan_negation_cancels_billed_cost_without_double_counting(
    con: duckdb.DuckDBPyConnection,
) -> None:
    covered, negation = focus(con, COVERED, NEGATION)
    assert key(negation) == expect(
        ChargeCategory="Usage", ChargeFrequency="Usage-Based", BilledCost=-0.192, EffectiveCost=0,
        ListCost=0, ContractedCost=0, PricingCategory="Committed", CommitmentDiscountId=SP,
        CommitmentDiscountStatus="Used", CommitmentDiscountCategory="Spend",
    )  # fmt: skip
    both = (covered, negation)
    assert sum(r["BilledCost"] for r in both) == 0
    assert sum(r["EffectiveCost"] for r in both) == D("0.14")
    assert sum(r["ListCost"] for r in both) == D("0.192")
    assert sum(r["ConsumedQuantity"] for r in both) == D(2)


@pytest.mark.parametrize("kind", ["EdpDiscount", "PrivateRateDiscount", "BundledDiscount"])
def test_discount_rows_are_usage_based_credits(con: duckdb.DuckDBPyConnection, kind: str) -> None:
    (row,) = focus(
        con,
        {
            "line_item_line_item_type": kind,
            "line_item_usage_amount": "2",
            "line_item_unblended_cost": "-0.0192",
        },
    )
    assert key(row) == expect(
        ChargeCategory="Credit", ChargeFrequency="Usage-Based", BilledCost=-0.0192,
        EffectiveCost=-0.0192, ListCost=-0.0192, ContractedCost=-0.0192,
    )  # fmt: skip
    assert row["PricingQuantity"] is None and row["ConsumedQuantity"] is None
    assert row["SkuId"] is None and row["SkuPriceId"] is None


def test_credit_row_is_one_time_credit(con: duckdb.DuckDBPyConnection) -> None:
    (row,) = focus(
        con,
        {
            "line_item_line_item_type": "Credit",
            "line_item_unblended_cost": "-25",
            "line_item_resource_id": None,
        },
    )
    assert key(row) == expect(
        ChargeCategory="Credit", ChargeFrequency="One-Time", BilledCost=-25, EffectiveCost=-25,
        ListCost=-25, ContractedCost=-25,
    )  # fmt: skip


def test_refund_of_earlier_period_is_a_correction(con: duckdb.DuckDBPyConnection) -> None:
    (row,) = focus(
        con,
        {
            "line_item_line_item_type": "Refund",
            "line_item_unblended_cost": "-3.5",
            "line_item_usage_start_date": "2026-08-10 00:00:00+00",
            "line_item_usage_end_date": "2026-08-11 00:00:00+00",
        },
    )
    assert key(row) == expect(
        ChargeCategory="Usage", ChargeClass="Correction", ChargeFrequency="One-Time",
        BilledCost=-3.5, EffectiveCost=-3.5, ListCost=-3.5, ContractedCost=-3.5,
    )  # fmt: skip


def test_refund_within_period_is_a_credit(con: duckdb.DuckDBPyConnection) -> None:
    (row,) = focus(con, {"line_item_line_item_type": "Refund", "line_item_unblended_cost": "-1"})
    assert (row["ChargeCategory"], row["ChargeClass"]) == ("Credit", None)


def test_tax_row_has_no_pricing_columns(con: duckdb.DuckDBPyConnection) -> None:
    (row,) = focus(
        con,
        {
            "line_item_line_item_type": "Tax",
            "line_item_unblended_cost": "1.9",
            "line_item_usage_amount": "1",
            "line_item_resource_id": None,
        },
    )
    assert key(row) == expect(
        ChargeCategory="Tax", ChargeFrequency="Recurring", BilledCost=1.9, EffectiveCost=1.9,
        ListCost=1.9, ContractedCost=1.9,
    )  # fmt: skip
    nulls = ("PricingQuantity", "PricingUnit", "ListUnitPrice", "ContractedUnitPrice", "SkuId")
    assert all(row[c] is None for c in (*nulls, "SkuPriceId", "ConsumedQuantity"))


def test_tags_strip_user_prefix_and_keep_aws_prefix(con: duckdb.DuckDBPyConnection) -> None:
    v1, v2 = focus(
        con,
        {**USAGE, "resource_tags": {"user:CostCenter": "42", "aws:createdBy": "me"}},
        {**USAGE, "resource_tags": {"user_cost_center": "42", "aws_created_by": "me"}},
    )
    assert json.loads(v1["Tags"]) == {"CostCenter": "42", "aws:createdBy": "me"}
    assert json.loads(v2["Tags"]) == {"cost_center": "42", "aws:created_by": "me"}


def test_untagged_row_has_null_tags_and_cost_categories_are_kept(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # NULL, and '{}', how the loader writes "no tags", both mean no tags
    row, empty = focus(
        con, {**USAGE, "cost_category": {"Team": "web"}}, {**USAGE, "resource_tags": {}}
    )
    assert row["Tags"] is None and empty["Tags"] is None
    assert json.loads(row["x_extras"])["cost_categories"] == {"Team": "web"}


def test_extras_hold_the_cur_only_columns_with_exact_money_text(
    con: duckdb.DuckDBPyConnection,
) -> None:
    (row,) = focus(
        con,
        {
            **USAGE,
            "line_item_net_unblended_cost": "0.1824",
            "pricing_public_on_demand_cost": "0.1234567891",
            "cost_category": {"Team": "web", "Unit": 'Retail "A"'},
        },
    )
    assert json.loads(row["x_extras"]) == {
        "line_item_type": "Usage",
        "cur_version": "v2",
        "usage_type": "USE1-BoxUsage:m5.large",
        "operation": "RunInstances",
        "public_on_demand_cost": "0.1234567891",
        "net_unblended_cost": "0.1824000000",
        "cost_categories": {"Team": "web", "Unit": 'Retail "A"'},
    }


def test_extras_leave_out_null_members(con: duckdb.DuckDBPyConnection) -> None:
    (row,) = focus(
        con,
        {
            "line_item_line_item_type": "Tax",
            "line_item_unblended_cost": "1.9",
            "line_item_usage_type": None,
            "line_item_operation": None,
            "x_cur_version": "v1",
        },
    )
    assert json.loads(row["x_extras"]) == {"line_item_type": "Tax", "cur_version": "v1"}


def test_unknown_product_code_falls_back_to_other(con: duckdb.DuckDBPyConnection) -> None:
    (row,) = focus(
        con,
        {**USAGE, "line_item_product_code": "AmazonNewThing", "product_product_name": "New"},
    )
    assert (row["ServiceName"], row["ServiceCategory"], row["ServiceSubcategory"]) == (
        "New",
        "Other",
        "Other (Other)",
    )


def test_source_identity_is_carried_in_x_columns(con: duckdb.DuckDBPyConnection) -> None:
    (row,) = focus(con, USAGE)
    assert (row["x_provider"], row["x_export_name"], row["x_billing_period"]) == (
        "AWS",
        "cur",
        "2026-09",
    )
    assert (row["x_source_row"], row["x_load_id"], row["x_delivery_id"]) == (1, "load-1", "m-1")
    assert row["x_row_kind"] == "source"


def test_unused_commitment_row_carries_the_fee_rows_extras(con: duckdb.DuckDBPyConnection) -> None:
    fee, unused = focus(con, RIFEE)
    assert unused["x_extras"] == fee["x_extras"]
    assert json.loads(unused["x_extras"])["line_item_type"] == "RIFee"


# FOCUS UnitFormat (spec attribute "Unit Format"): allowed data size abbreviations, allowed time unit
# names, capitalised count nouns; simple <plural-units>, compound <singular-unit>-<plural-time-units>,
# ratio <plural-units>/<singular-time-unit>, an optional "<unit quantity> " in front.
SIZE = r"(?:[KMGTPE]i?)?[Bb]"
TIME = r"(?:Year|Month|Day|Hour|Minute|Second)"
WORD = r"(?:[A-Z]|v[A-Z])[A-Za-z0-9]*"
BASE = rf"(?:{SIZE}|{WORD}(?: {WORD})*|{SIZE}/{TIME})"
UNIT_FORMAT = re.compile(rf"(?:[1-9][0-9]* )?(?:{BASE}|{BASE}-{TIME}s|{BASE}/{TIME})")
# CUR spellings FOCUS does not allow in a base unit: abbreviated or singular time units, spelled-out
# data sizes, a plural data size abbreviation
NOT_FOCUS = re.compile(
    rf"(?:^|[ -])(?:Hrs?|Mo|Mos|Mths?|Secs?|Mins?|Yrs?|{TIME})(?:$|[ -])|[Bb]ytes?\b|^{SIZE}s$"
)


def follows_unit_format(unit: str) -> bool:
    base = re.sub(rf"(?:-{TIME}s|/{TIME})$", "", unit)
    return UNIT_FORMAT.fullmatch(unit) is not None and NOT_FOCUS.search(base) is None


@pytest.mark.parametrize(
    ("cur_unit", "focus_unit"),
    [("Hrs", "Hours"), ("GB-Mo", "GB-Months"), ("Obj-Month", "Obj-Months"), ("LCU-Hrs", "LCU-Hours"),
     ("Requests", "Requests"), ("Lambda-GB-Second", "Lambda GB-Seconds"), ("GB", "GB"),
     ("days", "Days"), ("Terabytes", "TB"), ("User", "Users"),
     ("ConfigurationItemRecorded", "ConfigurationItemsRecorded"), ("hours", "Hours"),
     ("TB-Mo", "TB-Months"), ("Gigabyte-Month", "GB-Months"), ("GBs", "GB"), ("Bytes", "B"),
     ("Request Per Second", "Requests/Second"), ("Gigabyte Per Hour", "GB/Hour"),
     ("1K Requests", "1000 Requests"), ("10 Requests", "10 Requests"), ("1 Hour", "Hours"),
     ("Query", "Queries"), ("requests", "Requests"), ("Instance Hours", "Instance-Hours"),
     ("Widget-Hr", "Widget-Hours"), ("Foo-Bar-Mo", "Foo Bar-Months")],
)  # fmt: skip
def test_pricing_units_follow_focus_unit_format(
    con: duckdb.DuckDBPyConnection, cur_unit: str, focus_unit: str
) -> None:
    (row,) = focus(con, {**USAGE, "pricing_unit": cur_unit})
    assert (row["PricingUnit"], row["ConsumedUnit"]) == (focus_unit, focus_unit)
    assert follows_unit_format(focus_unit)


@pytest.mark.parametrize("cur_unit", ["vCPU", "IOPS", "Hourly", "FooBared", "Data", "Mbps"])
def test_units_no_rule_can_tell_stay_as_delivered(
    con: duckdb.DuckDBPyConnection, cur_unit: str
) -> None:
    (row,) = focus(con, {**USAGE, "pricing_unit": cur_unit})
    assert row["PricingUnit"] == cur_unit


@pytest.mark.parametrize("unit", ["Hrs", "GB-Mo", "days", "Terabytes", "GBs", "Day", "hours"])
def test_unit_format_check_rejects_cur_spellings(unit: str) -> None:
    assert not follows_unit_format(unit)


def test_unit_lookup_never_contradicts_the_unit_rules(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """lookups/aws_units.csv caches the unit rules for the common CUR units and spells the few units
    the rules leave as delivered: with it emptied, every listed unit comes out as listed or as
    delivered, and every listed spelling follows UnitFormat."""
    lookups = Path(build_module.LOOKUPS_DIR)
    listed = dict(csv.reader((lookups / "aws_units.csv").read_text().splitlines()[1:]))
    assert [u for u in listed.values() if not follows_unit_format(u)] == []
    for f in lookups.glob("*.csv"):
        (tmp_path / f.name).write_text(
            f.read_text() if f.name != "aws_units.csv" else "pricing_unit,unit_focus\n"
        )
    monkeypatch.setattr(build_module, "LOOKUPS_DIR", tmp_path)
    rows = focus(con, *({**USAGE, "pricing_unit": u} for u in listed))
    by_rules = {list(listed)[r["x_source_row"] - 1]: r["PricingUnit"] for r in rows}
    contradicted = {
        u: (focus_unit, by_rules[u])
        for u, focus_unit in listed.items()
        if by_rules[u] not in (focus_unit, u)
    }
    assert contradicted == {}


def test_support_fee_is_recurring_usage_not_a_prepaid_purchase(
    con: duckdb.DuckDBPyConnection,
) -> None:
    (row,) = focus(
        con,
        {
            "line_item_line_item_type": "Fee",
            "line_item_product_code": "AWSSupportBusiness",
            "line_item_unblended_cost": "310",
            "pricing_unit": None,
        },
    )
    assert key(row) == expect(
        ChargeCategory="Usage", ChargeFrequency="Recurring", BilledCost=310, EffectiveCost=310,
        ListCost=310, ContractedCost=310, PricingCategory="Standard",
    )  # fmt: skip
    assert (row["PricingQuantity"], row["ListUnitPrice"], row["ConsumedQuantity"]) == (
        D(1),
        D(310),
        D(1),
    )
    assert row["ServiceCategory"] == "Management and Governance"


def test_non_commitment_fee_is_one_time_purchase_at_its_cost(
    con: duckdb.DuckDBPyConnection,
) -> None:
    (row,) = focus(
        con,
        {
            "line_item_line_item_type": "Fee",
            "line_item_product_code": "AmazonRoute53",
            "line_item_unblended_cost": "12",
        },
    )
    assert key(row) == expect(
        ChargeCategory="Purchase", ChargeFrequency="One-Time", BilledCost=12, EffectiveCost=12,
        ListCost=12, ContractedCost=12, PricingCategory="Standard",
    )  # fmt: skip


def test_sku_price_id_always_has_its_sku_as_parent(con: duckdb.DuckDBPyConnection) -> None:
    own, foreign = focus(
        con,
        {**USAGE, "product_sku": "ABC", "pricing_rate_code": "ABC.JRTCKXETXF.6YS6EN2CT7"},
        {**USAGE, "product_sku": "XYZ", "pricing_rate_code": "ABC.JRTCKXETXF.6YS6EN2CT7"},
    )
    assert own["SkuPriceId"] == "ABC.JRTCKXETXF.6YS6EN2CT7"
    assert foreign["SkuPriceId"] == "XYZ.ABC.JRTCKXETXF.6YS6EN2CT7"


PROVIDERS = ("InvoiceIssuerName", "PublisherName", "ServiceProviderName", "HostProviderName")
MARKETPLACE = {
    **USAGE,
    "bill_billing_entity": "AWS Marketplace",
    "line_item_legal_entity": "Red Hat, Inc.",
    "line_item_product_code": "5hnnev4d0v7mapf09j0v8of0o2",
    "product_product_name": "Red Hat Enterprise Linux 8",
}


def providers(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[c] for c in PROVIDERS)


def test_marketplace_line_without_invoicing_entity_is_invoiced_by_aws(
    con: duckdb.DuckDBPyConnection,
) -> None:
    (row,) = focus(con, {**MARKETPLACE, "bill_invoicing_entity": None})
    assert providers(row) == ("AWS", "Red Hat, Inc.", "Red Hat, Inc.", "AWS")
    assert row["ProviderName"] == "AWS"


def test_marketplace_line_with_invoicing_entity_is_invoiced_by_it(
    con: duckdb.DuckDBPyConnection,
) -> None:
    aws, emea = focus(
        con,
        MARKETPLACE,
        {**MARKETPLACE, "bill_invoicing_entity": "Amazon Web Services EMEA SARL"},
    )
    assert providers(aws) == ("AWS", "Red Hat, Inc.", "Red Hat, Inc.", "AWS")
    assert providers(emea) == ("AWS", "Red Hat, Inc.", "Red Hat, Inc.", "AWS")


@pytest.mark.parametrize(
    "entity",
    ["Amazon AWS Serviços Brasil Ltda.", "Amazon Internet Services Private Limited",
     "PT Amazon Web Services Indonesia", "AWS"],
)  # fmt: skip
def test_every_aws_invoicing_entity_is_named_aws(
    con: duckdb.DuckDBPyConnection, entity: str
) -> None:
    (row,) = focus(con, {**USAGE, "bill_invoicing_entity": entity})
    assert row["InvoiceIssuerName"] == "AWS"


def test_a_reseller_invoicing_entity_keeps_its_name(con: duckdb.DuckDBPyConnection) -> None:
    (row,) = focus(con, {**USAGE, "bill_invoicing_entity": "Example Reseller GmbH"})
    assert providers(row) == ("Example Reseller GmbH", "AWS", "AWS", "AWS")


def test_without_invoicing_entity_the_seller_of_record_invoices_aws_usage(
    con: duckdb.DuckDBPyConnection,
) -> None:
    aws, operator = focus(
        con,
        {**USAGE, "bill_invoicing_entity": None},
        {
            **USAGE,
            "bill_invoicing_entity": None,
            "line_item_legal_entity": "Beijing Sinnet Technology Co., Ltd.",
        },
    )
    assert providers(aws) == ("AWS", "AWS", "AWS", "AWS")
    assert operator["InvoiceIssuerName"] == "Beijing Sinnet Technology Co., Ltd."


def test_usage_without_a_public_rate_takes_the_rate_behind_list_cost(
    con: duckdb.DuckDBPyConnection,
) -> None:
    same, cheaper = focus(
        con,
        {**MARKETPLACE, "pricing_public_on_demand_rate": None},
        {
            **USAGE,
            "pricing_public_on_demand_rate": None,
            "pricing_public_on_demand_cost": "0.25",
            "line_item_usage_amount": "2",
        },
    )
    assert (same["ListUnitPrice"], same["ListCost"]) == (D("0.096"), D("0.192"))
    assert (cheaper["ListUnitPrice"], cheaper["ListCost"]) == (D("0.125"), D("0.25"))


def test_savings_plan_arn_in_nise_spelling_is_read() -> None:
    """koku-nise writes ``savingsPlan/SavingsPlanArn``: the loader reads it as the canonical
    ``..._a_r_n`` column (AWS's ``SavingsPlanARN``), so the mapping sees one column."""
    from finops_lib.sources.aws_cur.helpers import classify_column

    for spelling in ("savingsPlan/SavingsPlanArn", "savingsPlan/SavingsPlanARN"):
        assert classify_column(spelling) == ("savings_plan_savings_plan_a_r_n", None)
    assert classify_column("lineItem/ResourceId") == ("line_item_resource_id", None)
