"""Google Cloud Billing export -> FOCUS: hand-written raw rows in, the exact FOCUS rows out.

``raw_gcp.billing`` is created here with the columns and types of the GCP source contract (the
loader flattens the BigQuery records: ``service.description`` -> ``service_description``, labels as
JSON object text, credits as a JSON array text).
"""

from __future__ import annotations

import json
from decimal import Decimal as D
from typing import Any

import duckdb
import pytest

from finops_lib import db, state
from finops_lib.build import build
from finops_lib.checks import failed, run_checks
from finops_lib.reconcile import reconcile

V, T, N = "VARCHAR", "TIMESTAMPTZ", "DECIMAL(38,10)"
COLUMNS: dict[str, str] = {
    **{
        c: V
        for c in "billing_account_id service_id service_description sku_id sku_description".split()
    },
    **{c: T for c in "usage_start_time usage_end_time export_time".split()},
    **{
        c: V
        for c in (
            "project_id project_number project_name project_labels project_ancestry_numbers labels"
            " system_labels location_location location_country location_region location_zone"
            " resource_name resource_global_name"
        ).split()
    },
    **{c: N for c in "cost cost_at_list currency_conversion_rate".split()},
    "currency": V,
    **{c: N for c in "usage_amount usage_amount_in_pricing_units".split()},
    **{
        c: V
        for c in (
            "usage_unit usage_pricing_unit credits invoice_month invoice_publisher_type cost_type"
            " adjustment_info_id adjustment_info_description adjustment_info_mode"
            " adjustment_info_type"
        ).split()
    },
    **{
        c: N
        for c in "price_effective_price price_tier_start_amount price_pricing_unit_quantity".split()
    },
    **{c: V for c in "price_unit transaction_type seller_name".split()},
    **{
        c: V
        for c in "x_provider x_export_name x_billing_period x_delivery_id x_source_file".split()
    },
    "x_source_row": "BIGINT",
    "x_load_id": V,
    "x_export_kind": V,
}

CUD_ID = "projects/1234/regions/us-central1/commitments/cud-1"

BASE: dict[str, Any] = {
    "billing_account_id": "01ABCD-234567-89EFGH",
    "service_id": "6F81-5844-456A",
    "service_description": "Compute Engine",
    "sku_id": "2E27-4F75-95CD",
    "sku_description": "N2 Instance Core running in Americas",
    "usage_start_time": "2026-09-04 10:00:00+00",
    "usage_end_time": "2026-09-04 11:00:00+00",
    "export_time": "2026-09-04 15:00:00+00",
    "project_id": "shop-prod",
    "project_number": "1234",
    "project_name": "Shop Production",
    "location_location": "us-central1",
    "location_country": "US",
    "location_region": "us-central1",
    "location_zone": "us-central1-a",
    "cost": "10",
    "cost_at_list": "12",
    "currency_conversion_rate": "1",
    "currency": "USD",
    "usage_amount": "3600",
    "usage_unit": "seconds",
    "usage_amount_in_pricing_units": "1",
    "usage_pricing_unit": "hour",
    "invoice_month": "202609",
    "invoice_publisher_type": "GOOGLE",
    "cost_type": "regular",
    "price_effective_price": "10",
    "price_tier_start_amount": "0",
    "price_pricing_unit_quantity": "1",
    "price_unit": "hour",
    "x_provider": "GCP",
    "x_export_name": "main",
    "x_billing_period": "2026-09",
    "x_delivery_id": "delivery-1",
    "x_source_file": "main/2026-09/part-0.parquet",
    "x_load_id": "load-1",
    "x_export_kind": "standard",
}


def credit(type_: str, amount: str, **more: str) -> dict[str, str]:
    return {"name": more.get("name", type_.title()), "amount": amount, "full_name": more.get("full_name"),
            "id": more.get("id"), "type": type_}  # fmt: skip


CUD_USAGE = {
    "credits": json.dumps([
        credit("SUSTAINED_USAGE_DISCOUNT", "-1.5"),
        credit("COMMITTED_USAGE_DISCOUNT", "-6", id=CUD_ID, full_name="Committed use discount: N2 CPU"),
    ]),
}  # fmt: skip
CUD_FEE = {
    "sku_id": "CF1A-0000-0001",
    "sku_description": "Commitment v1: N2 Cpu in Americas for 1 Year",
    "cost": "6",
    "cost_at_list": "6",
    "usage_amount": "3600",
    "usage_amount_in_pricing_units": "1",
    "price_effective_price": "6",
}
PROMOTION = {"credits": json.dumps([credit("PROMOTION", "-10", id="promo-1")])}
FREE_TIER = {
    "service_description": "Cloud Storage",
    "sku_description": "Standard Storage US Multi-region",
    "location_region": None,
    "location_zone": None,
    "location_location": "us",
    "cost": "0.5",
    "cost_at_list": None,
    "usage_amount": "1073741824",
    "usage_unit": "byte-seconds",
    "usage_amount_in_pricing_units": "0.025",
    "usage_pricing_unit": "gibibyte month",
    "price_effective_price": "20",
    "credits": json.dumps([credit("FREE_TIER", "-0.5")]),
}
TAX = {
    "service_description": "Invoice",
    "service_id": None,
    "sku_id": None,
    "sku_description": "Tax",
    "cost_type": "tax",
    "cost": "1.7",
    "cost_at_list": None,
    "usage_amount": None,
    "usage_unit": None,
    "usage_amount_in_pricing_units": None,
    "usage_pricing_unit": None,
    "price_effective_price": None,
    "location_region": None,
    "location_zone": None,
    "location_location": None,
}
ADJUSTMENT = {
    "cost_type": "adjustment",
    "cost": "-4",
    "cost_at_list": None,
    "usage_start_time": "2026-08-20 00:00:00+00",
    "usage_end_time": "2026-08-21 00:00:00+00",
    "adjustment_info_id": "adj-1",
    "adjustment_info_description": "Usage correction for August",
    "adjustment_info_mode": "PARTIAL_CORRECTION",
    "adjustment_info_type": "USAGE_CORRECTION",
}
DETAILED = {
    "x_export_kind": "detailed",
    "resource_name": "web-1",
    "resource_global_name": "//compute.googleapis.com/projects/shop-prod/zones/us-central1-a/instances/42",
    "labels": json.dumps({"team": "web", "env": "prod"}),
    "project_labels": json.dumps({"env": "production", "cost-center": "cc-7"}),
    "system_labels": json.dumps({"compute.googleapis.com/machine_spec": "n2-standard-2"}),
}


def create_raw(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists raw_gcp")
    ddl = ", ".join(f'"{c}" {t}' for c, t in COLUMNS.items())
    con.execute(f"create table raw_gcp.billing ({ddl})")


def insert(con: duckdb.DuckDBPyConnection, *rows: dict[str, Any]) -> None:
    for n, row in enumerate(rows, start=1):
        row = {**BASE, "x_source_row": n, **row}
        cols = ", ".join(f'"{c}"' for c in row)
        marks = ", ".join("?" for _ in row)
        con.execute(f"insert into raw_gcp.billing ({cols}) values ({marks})", list(row.values()))


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    c = db.connect(":memory:")
    create_raw(c)
    return c


def focus(con: duckdb.DuckDBPyConnection, *rows: dict[str, Any]) -> list[dict[str, Any]]:
    insert(con, *rows)
    build(con)
    cur = con.execute(
        "select * from focus.cost_and_usage order by x_source_file, x_source_row, x_row_kind"
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def d(value: str) -> D:
    return D(value)


def iso(row: dict[str, Any], *cols: str) -> list[str]:
    return [row[c].isoformat() for c in cols]


def test_usage_with_sustained_and_committed_use_credits(con: duckdb.DuckDBPyConnection) -> None:
    (row,) = focus(con, CUD_USAGE)
    assert (row["ChargeCategory"], row["ChargeClass"], row["ChargeFrequency"]) == (
        "Usage", None, "Usage-Based",
    )  # fmt: skip
    # 10 - 1.5 (SUD) - 6 (CUD), not clamped; ListCost / ContractedCost before credits
    assert (row["BilledCost"], row["EffectiveCost"]) == (d("2.5"), d("2.5"))
    assert (row["ListCost"], row["ContractedCost"]) == (d("12"), d("10"))
    assert (row["ListUnitPrice"], row["ContractedUnitPrice"]) == (d("12"), d("10"))
    assert (row["CommitmentDiscountId"], row["CommitmentDiscountName"]) == (
        CUD_ID, "Committed use discount: N2 CPU",
    )  # fmt: skip
    assert (row["CommitmentDiscountCategory"], row["CommitmentDiscountStatus"]) == ("Usage", "Used")
    assert row["CommitmentDiscountType"] == "Resource-based Committed Use Discount"
    assert row["PricingCategory"] == "Committed"
    assert (row["ConsumedQuantity"], row["ConsumedUnit"]) == (d("3600"), "Seconds")
    assert (row["PricingQuantity"], row["PricingUnit"]) == (d("1"), "Hours")
    assert (row["ServiceName"], row["ServiceCategory"], row["ServiceSubcategory"]) == (
        "Compute Engine", "Compute", "Virtual Machines",
    )  # fmt: skip
    assert (row["RegionId"], row["RegionName"], row["AvailabilityZone"]) == (
        "us-central1", "us-central1", "us-central1-a",
    )  # fmt: skip
    assert (row["SubAccountId"], row["SubAccountName"], row["SubAccountType"]) == (
        "shop-prod", "Shop Production", "Project",
    )  # fmt: skip
    assert (row["BillingAccountId"], row["BillingCurrency"]) == ("01ABCD-234567-89EFGH", "USD")
    # invoice month in America/Los_Angeles (PDT, UTC-7), end exclusive
    assert iso(row, "BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd") == [
        "2026-09-01T07:00:00+00:00", "2026-10-01T07:00:00+00:00",
        "2026-09-04T10:00:00+00:00", "2026-09-04T11:00:00+00:00",
    ]  # fmt: skip
    assert (row["ProviderName"], row["PublisherName"], row["InvoiceIssuerName"]) == (
        "Google Cloud",
    ) * 3
    assert (row["ServiceProviderName"], row["HostProviderName"]) == ("Google Cloud", "Google Cloud")
    assert (row["SkuId"], row["SkuPriceId"]) == ("2E27-4F75-95CD", "2E27-4F75-95CD/0")
    assert (row["ResourceId"], row["Tags"]) == (None, None)
    assert (row["x_provider"], row["x_row_kind"], row["x_delivery_id"]) == (
        "GCP",
        "source",
        "delivery-1",
    )
    extras = json.loads(row["x_extras"])
    assert extras["credits_by_type"] == {
        "COMMITTED_USAGE_DISCOUNT": "-6.0000000000", "SUSTAINED_USAGE_DISCOUNT": "-1.5000000000",
    }  # fmt: skip
    assert (extras["export_kind"], extras["cost_type"], extras["cost"]) == (
        "standard", "regular", "10.0000000000",
    )  # fmt: skip
    assert extras["sku_description"] == BASE["sku_description"] and len(extras["credits"]) == 2


def test_spend_based_cud_credit_is_a_spend_commitment(con: duckdb.DuckDBPyConnection) -> None:
    (row,) = focus(con, {"credits": json.dumps([credit(
        "COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE", "-3", full_name="Spend-based CUD 1",
    )])})  # fmt: skip
    assert (row["CommitmentDiscountId"], row["CommitmentDiscountCategory"]) == (
        "Spend-based CUD 1",
        "Spend",
    )
    assert row["CommitmentDiscountType"] == "Spend-based Committed Use Discount"
    assert (row["BilledCost"], row["EffectiveCost"]) == (d("7"), d("7"))


def test_cud_fee_without_covered_usage_is_a_purchase_and_an_unused_row(
    con: duckdb.DuckDBPyConnection,
) -> None:
    fee, unused = focus(con, CUD_FEE)
    assert (fee["ChargeCategory"], fee["ChargeFrequency"], fee["ChargeClass"]) == (
        "Purchase", "Recurring", None,
    )  # fmt: skip
    # FOCUS commitment purchase: billed at the fee, EffectiveCost 0 (EffectiveCost-C-005-C)
    assert (fee["BilledCost"], fee["EffectiveCost"], fee["ListCost"]) == (d("6"), d("0"), d("6"))
    assert fee["PricingCurrencyEffectiveCost"] == d("0")
    assert (fee["PricingCategory"], fee["CommitmentDiscountStatus"]) == ("Standard", None)
    # no CUD credit names the commitment: an id made of the pool (account, region, category, kind)
    assert fee["CommitmentDiscountId"] == "gcp-cud:01ABCD-234567-89EFGH/us-central1/usage/cpu"
    assert (fee["CommitmentDiscountCategory"], fee["CommitmentDiscountType"]) == (
        "Usage", "Resource-based Committed Use Discount",
    )  # fmt: skip
    assert (fee["ConsumedQuantity"], fee["PricingQuantity"]) == (None, d("1"))
    # nothing covered: all of the fee is unused commitment
    assert (unused["ChargeCategory"], unused["ChargeFrequency"], unused["x_row_kind"]) == (
        "Usage", "Usage-Based", "unused_commitment",
    )  # fmt: skip
    assert (unused["BilledCost"], unused["EffectiveCost"], unused["ListCost"]) == (
        d("0"), d("6"), d("0"),
    )  # fmt: skip
    assert (unused["CommitmentDiscountStatus"], unused["PricingCategory"]) == (
        "Unused",
        "Committed",
    )
    assert unused["CommitmentDiscountId"] == fee["CommitmentDiscountId"]
    assert (unused["ConsumedQuantity"], unused["PricingQuantity"]) == (None, None)
    assert unused["ChargeDescription"] == "Unused commitment: " + CUD_FEE["sku_description"]


def covered_usage(region: str, cud_id: str, hours: str, cost: str, credit_amount: str) -> dict:
    """A usage row of ``hours`` core-hours in ``region`` whose CUD credit is ``credit_amount``."""
    return {
        "location_region": region, "location_location": region, "location_zone": region + "-b",
        "usage_amount": str(D(hours) * 3600), "usage_amount_in_pricing_units": hours,
        "cost": cost, "cost_at_list": cost,
        "credits": json.dumps([credit(
            "COMMITTED_USAGE_DISCOUNT", credit_amount, id=cud_id, full_name="CUD " + region,
        )]),
    }  # fmt: skip


def cud_fee(region: str, fee: str, hours: str) -> dict:
    """The month's CUD fee of ``hours`` committed core-hours in ``region``."""
    return {
        **CUD_FEE, "location_region": region, "location_location": region, "location_zone": None,
        "cost": fee, "cost_at_list": fee, "usage_amount": str(D(hours) * 3600),
        "usage_amount_in_pricing_units": hours, "usage_start_time": "2026-09-01 07:00:00+00",
        "usage_end_time": "2026-10-01 07:00:00+00",
    }  # fmt: skip


def test_cud_fee_is_split_over_covered_usage_to_the_last_unit(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # 10 for 3 committed core-hours, three fully covered core-hours of equal value: 10 / 3 each,
    # floored at the 10th decimal, the one unit left to the first row (largest remainder, tie)
    rows = focus(con, cud_fee("us-central1", "10", "3"),
                 *[covered_usage("us-central1", CUD_ID, "1", "4", "-4")] * 3)  # fmt: skip
    fee, *usage = rows
    assert len(rows) == 4  # fully used: no Unused row
    assert (fee["ChargeCategory"], fee["BilledCost"], fee["EffectiveCost"]) == (
        "Purchase", d("10"), d("0"),
    )  # fmt: skip
    assert (fee["CommitmentDiscountId"], fee["CommitmentDiscountName"]) == (
        CUD_ID,
        "CUD us-central1",
    )
    assert [u["EffectiveCost"] for u in usage] == [
        d("3.3333333334"), d("3.3333333333"), d("3.3333333333"),
    ]  # fmt: skip
    assert sum(u["EffectiveCost"] for u in usage) == d("10")
    assert [u["BilledCost"] for u in usage] == [d("0")] * 3  # the credit cancelled the cost
    assert {(u["CommitmentDiscountStatus"], u["PricingCategory"]) for u in usage} == {
        ("Used", "Committed"),
    }  # fmt: skip


def test_cud_fee_partly_unused_in_two_regions(con: duckdb.DuckDBPyConnection) -> None:
    east_id = "projects/1234/regions/us-east1/commitments/cud-2"
    rows = [
        cud_fee("us-central1", "6", "4"),  # 4 committed core-hours, 2 used: half of it unused
        covered_usage("us-central1", CUD_ID, "2", "10", "-10"),
        cud_fee("us-east1", "4", "2"),  # 2 committed, 2 used (1.5 + 0.5): split 3 : 1
        covered_usage("us-east1", east_id, "1.5", "3", "-3"),
        covered_usage("us-east1", east_id, "0.5", "1", "-1"),
        {"location_region": "us-east1", "credits": "[]"},  # on demand: no share of any fee
    ]
    insert(con, *rows)
    state.ensure_meta(con)
    state.record_load(
        con, provider="GCP", export_name="main", period="2026-09", fmt="standard",
        delivery_id="delivery-1", location="bq", files=1, rows=len(rows), load_id="load-1",
        totals_queries=["reconcile/gcp_billing_totals"],
    )  # fmt: skip
    build(con)
    got = con.execute(
        "select x_source_row, x_row_kind, ChargeCategory, CommitmentDiscountId,"
        " CommitmentDiscountStatus, BilledCost, EffectiveCost from focus.cost_and_usage"
        " order by x_source_row, x_row_kind"
    ).fetchall()
    assert got == [
        (1, "source", "Purchase", CUD_ID, None, d("6"), d("0")),
        (1, "unused_commitment", "Usage", CUD_ID, "Unused", d("0"), d("3")),
        (2, "source", "Usage", CUD_ID, "Used", d("0"), d("3")),
        (3, "source", "Purchase", east_id, None, d("4"), d("0")),
        (4, "source", "Usage", east_id, "Used", d("0"), d("3")),
        (5, "source", "Usage", east_id, "Used", d("0"), d("1")),
        (6, "source", "Usage", None, None, d("10"), d("10")),
    ]
    # the month's EffectiveCost is its billed cost: cost + credits (reconciliation's basis)
    (out,) = reconcile(con).to_dicts()
    assert out["source_effective_cost"] == sum(
        D(r.get("cost", BASE["cost"]))
        + sum(D(c["amount"]) for c in json.loads(r.get("credits", "[]")))
        for r in rows
    )
    assert out["ok"], out
    results = run_checks(con)
    assert failed(results) == [], [(r.rule.rule_id, r.failing) for r in failed(results)]
    # per commitment and period, usage EffectiveCost = the recurring purchase (the FOCUS balance)
    balance = [r for r in results if r.rule.rule_id.endswith("commitment-amortisation")]
    assert len(balance) == 1 and balance[0].ok, balance


def test_cud_pools_by_resource_kind_and_spend_fees_pool_every_region(
    con: duckdb.DuckDBPyConnection,
) -> None:
    spend_id = "spend-cud-1"
    rows = focus(
        con,
        cud_fee("us-central1", "2", "1"),  # a Cpu commitment: RAM usage is not its to cover
        {**covered_usage("us-central1", CUD_ID, "1", "3", "-3"),
         "sku_description": "N2 Instance Ram running in Americas", "usage_pricing_unit": "gibibyte hour"},
        # a global spend-based fee covers dollar-based CUD usage in any region
        {**cud_fee("global", "5", "1"), "sku_description": "Commitment - dollar based v1: Cloud SQL for 1 year",
         "usage_pricing_unit": None, "usage_amount_in_pricing_units": None},
        {**covered_usage("us-east1", spend_id, "1", "4", "-1"),
         "credits": json.dumps([credit("COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE", "-1", id=spend_id)])},
        {**covered_usage("europe-west1", spend_id, "1", "12", "-3"),
         "credits": json.dumps([credit("COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE", "-3", id=spend_id)])},
    )  # fmt: skip
    got = [(r["x_source_row"], r["x_row_kind"], r["CommitmentDiscountId"],
            r["CommitmentDiscountCategory"], r["EffectiveCost"]) for r in rows]  # fmt: skip
    assert got == [
        # nothing of the Cpu kind covered: all of its fee unused, under the pool's own id
        (1, "source", "gcp-cud:01ABCD-234567-89EFGH/us-central1/usage/cpu", "Usage", d("0")),
        (
            1,
            "unused_commitment",
            "gcp-cud:01ABCD-234567-89EFGH/us-central1/usage/cpu",
            "Usage",
            d("2"),
        ),
        (2, "source", CUD_ID, "Usage", d("0")),
        # spend-based: no quantity in one unit, so all of the fee is used, split 1 : 3
        (3, "source", spend_id, "Spend", d("0")),
        (4, "source", spend_id, "Spend", d("3") + d("1.25")),
        (5, "source", spend_id, "Spend", d("9") + d("3.75")),
    ]
    assert rows[3]["CommitmentDiscountType"] == "Spend-based Committed Use Discount"


def test_promotion_and_free_tier_credits(con: duckdb.DuckDBPyConnection) -> None:
    promo, free = focus(con, PROMOTION, FREE_TIER)
    assert (promo["BilledCost"], promo["EffectiveCost"], promo["PricingCategory"]) == (
        d("0"), d("0"), "Standard",
    )  # fmt: skip
    assert json.loads(promo["x_extras"])["credits_by_type"] == {"PROMOTION": "-10.0000000000"}
    assert (free["BilledCost"], free["EffectiveCost"], free["ListCost"]) == (
        d("0"),
        d("0"),
        d("0.5"),
    )
    assert (free["ServiceCategory"], free["ServiceSubcategory"]) == ("Storage", "Object Storage")
    assert (free["ConsumedUnit"], free["PricingUnit"]) == ("B-Seconds", "GiB-Months")
    assert (free["ListUnitPrice"], free["ContractedUnitPrice"]) == (d("20"), d("20"))
    assert (free["RegionId"], free["RegionName"], free["AvailabilityZone"]) == ("us", "us", None)


def test_tax_has_no_pricing(con: duckdb.DuckDBPyConnection) -> None:
    (row,) = focus(con, TAX)
    assert (row["ChargeCategory"], row["ChargeFrequency"]) == ("Tax", "Recurring")
    assert (row["BilledCost"], row["EffectiveCost"], row["ListCost"], row["ContractedCost"]) == (
        d("1.7"),
    ) * 4
    assert [
        row[c]
        for c in (
            "PricingCategory",
            "PricingQuantity",
            "SkuId",
            "SkuPriceId",
            "ListUnitPrice",
            "ContractedUnitPrice",
            "ConsumedQuantity",
        )
    ] == [None] * 7
    assert (row["ServiceName"], row["ServiceCategory"], row["ServiceSubcategory"]) == (
        "Invoice", "Other", "Other (Other)",
    )  # fmt: skip


def test_adjustment_is_a_correction_and_negative_cost_is_not_clamped(
    con: duckdb.DuckDBPyConnection,
) -> None:
    adjustment, rounding, negative = focus(
        con, ADJUSTMENT,
        {**TAX, "cost_type": "rounding_error", "cost": "-0.01", "sku_description": None},
        {"cost": "-2", "cost_at_list": "-2", "credits": json.dumps([credit("DISCOUNT", "-1")])},
    )  # fmt: skip
    assert (adjustment["ChargeCategory"], adjustment["ChargeClass"]) == ("Adjustment", "Correction")
    assert (adjustment["BilledCost"], adjustment["EffectiveCost"]) == (d("-4"), d("-4"))
    assert adjustment["ChargeDescription"] == BASE["sku_description"]
    # a correction of August usage, invoiced in September: ChargePeriod before the billing period
    assert iso(adjustment, "ChargePeriodStart", "BillingPeriodStart") == [
        "2026-08-20T00:00:00+00:00", "2026-09-01T07:00:00+00:00",
    ]  # fmt: skip
    assert (rounding["ChargeCategory"], rounding["ChargeClass"], rounding["BilledCost"]) == (
        "Adjustment", None, d("-0.01"),
    )  # fmt: skip
    assert (negative["ChargeCategory"], negative["BilledCost"], negative["EffectiveCost"]) == (
        "Usage", d("-3"), d("-3"),
    )  # fmt: skip


def test_detailed_export_resource_and_merged_tags(con: duckdb.DuckDBPyConnection) -> None:
    (row,) = focus(con, DETAILED)
    assert (row["ResourceId"], row["ResourceName"], row["ResourceType"]) == (
        DETAILED["resource_global_name"], "web-1", "compute.googleapis.com/instances",
    )  # fmt: skip
    # project labels and labels merged, unprefixed; the row's label wins
    assert json.loads(row["Tags"]) == {"env": "prod", "team": "web", "cost-center": "cc-7"}
    extras = json.loads(row["x_extras"])
    assert extras["export_kind"] == "detailed"
    assert extras["system_labels"] == {"compute.googleapis.com/machine_spec": "n2-standard-2"}


def test_invoice_month_in_pacific_time_holds_the_utc_month_boundary(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # 2026-12-01 05:00 UTC is still November in Los Angeles: invoice month 202611 (PST, UTC-8)
    (row,) = focus(con, {
        "invoice_month": "202611", "x_billing_period": "2026-11",
        "usage_start_time": "2026-12-01 05:00:00+00", "usage_end_time": "2026-12-01 06:00:00+00",
    })  # fmt: skip
    assert iso(row, "BillingPeriodStart", "BillingPeriodEnd") == [
        "2026-11-01T07:00:00+00:00", "2026-12-01T08:00:00+00:00",
    ]  # fmt: skip
    assert row["BillingPeriodStart"] <= row["ChargePeriodStart"] < row["BillingPeriodEnd"]


def test_reconciles_and_passes_the_checks(con: duckdb.DuckDBPyConnection) -> None:
    rows = (CUD_USAGE, CUD_FEE, PROMOTION, FREE_TIER, TAX, ADJUSTMENT, DETAILED,
            {"cost": "-2", "credits": json.dumps([credit("DISCOUNT", "-1")])},
            {"credits": "[]", "sku_description": "Spot Preemptible N2 Instance Core"})  # fmt: skip
    insert(con, *rows)
    state.ensure_meta(con)
    state.record_load(
        con, provider="GCP", export_name="main", period="2026-09", fmt="standard",
        delivery_id="delivery-1", location="bq", files=1, rows=len(rows), load_id="load-1",
        totals_queries=["reconcile/gcp_billing_totals"],
    )  # fmt: skip
    build(con)
    (out,) = reconcile(con).to_dicts()
    assert (out["billing_account_id"], out["currency"]) == ("01ABCD-234567-89EFGH", "USD")
    assert (out["source_rows"], out["focus_source_rows"]) == (len(rows), len(rows))
    # 2.5 + 6 + 0 + 0 + 1.7 - 4 + 10 - 3 + 10
    assert (out["source_billed_cost"], out["source_effective_cost"]) == (d("23.2"), d("23.2"))
    assert out["ok"], out
    assert con.execute(
        "select count(*) from focus.cost_and_usage where PricingCategory = 'Dynamic'"
    ).fetchone() == (1,)
    errors = failed(run_checks(con))
    assert errors == [], [(r.rule.id, r.failing, r.error) for r in errors]
