"""Azure Cost Management exports -> FOCUS: hand-written raw rows in, the exact FOCUS rows out.

``raw_azure.cost`` / ``raw_azure.focus`` are created here with the columns and types the Azure source
contract declares (docs/CONTRACTS.md, the Azure source); the public EA samples in
``tests/fixtures/azure_sql`` are loaded into them by a small test-side loader.
"""

from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import duckdb
import pytest

from finops_lib import db, state
from finops_lib.build import build
from finops_lib.checks import run_checks
from finops_lib.reconcile import reconcile

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "azure_sql"

V, T, N = "VARCHAR", "TIMESTAMPTZ", "DECIMAL(38,10)"
COST_COLUMNS: dict[str, str] = {
    **{
        c: V
        for c in (
            "billing_account_id billing_account_name billing_profile_id billing_profile_name"
            " invoice_section_id invoice_section_name billing_currency pricing_currency"
            " subscription_id subscription_name resource_group resource_id resource_name"
            " resource_location location meter_id meter_name meter_category meter_sub_category"
            " meter_region product_id product_name consumed_service unit_of_measure charge_type"
            " frequency pricing_model publisher_type publisher_name benefit_id benefit_name"
            " reservation_id reservation_name invoice_id partner_name availability_zone"
            " service_family additional_info tags cost_center"
        ).split()
    },
    "date": T,
    "billing_period_start_date": T,
    "billing_period_end_date": T,
    **{
        c: N
        for c in (
            "quantity effective_price unit_price payg_price cost_in_billing_currency"
            " cost_in_pricing_currency cost_in_usd payg_cost_in_billing_currency payg_cost_in_usd"
            " exchange_rate_pricing_to_billing"
        ).split()
    },
    "x_provider": V,
    "x_export_name": V,
    "x_billing_period": V,
    "x_delivery_id": V,
    "x_source_file": V,
    "x_source_row": "BIGINT",
    "x_load_id": V,
    "x_cost_type": V,
    "x_schema": V,
    "x_azure_export": V,
}

FOCUS_COLUMNS: dict[str, str] = {
    **{
        c: V
        for c in (
            "BillingAccountId BillingAccountName BillingAccountType BillingCurrency ChargeCategory"
            " ChargeClass ChargeDescription ChargeFrequency CommitmentDiscountCategory"
            " CommitmentDiscountId CommitmentDiscountName CommitmentDiscountStatus"
            " CommitmentDiscountType ConsumedUnit InvoiceIssuerName PricingCategory PricingUnit"
            " ProviderName PublisherName RegionId RegionName ResourceId ResourceName ResourceType"
            " ServiceCategory ServiceName SkuId SkuPriceId SubAccountId SubAccountName Tags"
            " x_SkuMeterName x_PricingCurrency x_InvoiceId x_BillingExchangeRate"
            " x_ResourceGroupName x_PricingBlockSize"
        ).split()
    },
    **{
        c: N
        for c in (
            "BilledCost ConsumedQuantity ContractedCost ContractedUnitPrice EffectiveCost ListCost"
            " ListUnitPrice PricingQuantity"
        ).split()
    },
    **{
        c: T
        for c in "BillingPeriodStart BillingPeriodEnd ChargePeriodStart ChargePeriodEnd".split()
    },
    "x_provider": V,
    "x_export_name": V,
    "x_billing_period": V,
    "x_delivery_id": V,
    "x_source_file": V,
    "x_source_row": "BIGINT",
    "x_load_id": V,
    "x_cost_type": V,
    "x_focus_version": V,
}

RESERVATION = (
    "/providers/Microsoft.Capacity/reservationOrders/11111111-1111-1111-1111-111111111111"
    "/reservations/22222222-2222-2222-2222-222222222222"
)
SAVINGS_PLAN = (
    "/providers/Microsoft.BillingBenefits/savingsPlanOrders/33333333-3333-3333-3333-333333333333"
    "/savingsPlans/44444444-4444-4444-4444-444444444444"
)
VM = (
    "/subscriptions/55555555-5555-5555-5555-555555555555/resourceGroups/rg-web/providers"
    "/Microsoft.Compute/virtualMachines/web-01"
)


def create_raw(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists raw_azure")
    for table, cols in (("cost", COST_COLUMNS), ("focus", FOCUS_COLUMNS)):
        ddl = ", ".join(f'"{c}" {t}' for c, t in cols.items())
        con.execute(f"create table raw_azure.{table} ({ddl})")


BASE: dict[str, Any] = {
    "billing_account_id": "8611537",
    "billing_account_name": "Contoso EA",
    "billing_profile_id": "8611537",
    "billing_profile_name": "Contoso EA",
    "billing_currency": "USD",
    "subscription_id": "55555555-5555-5555-5555-555555555555",
    "subscription_name": "Production",
    "resource_group": "rg-web",
    "resource_id": VM,
    "resource_name": "web-01",
    "resource_location": "EastUS",
    "meter_id": "m-1",
    "meter_name": "D2 v3/D2s v3",
    "meter_category": "Virtual Machines",
    "meter_sub_category": "Dv3/DSv3 Series",
    "product_name": "Virtual Machines Dv3 Series - D2 v3 - US East",
    "consumed_service": "Microsoft.Compute",
    "unit_of_measure": "1 Hour",
    "charge_type": "Usage",
    "frequency": "UsageBased",
    "pricing_model": "OnDemand",
    "publisher_type": "Azure",
    "publisher_name": "Microsoft",
    "date": "2026-09-04 00:00:00+00",
    "billing_period_start_date": "2026-09-01 00:00:00+00",
    "billing_period_end_date": "2026-09-30 00:00:00+00",
    "quantity": "24",
    "effective_price": "0.11",
    "unit_price": "0.11",
    "payg_price": "0.11",
    "cost_in_billing_currency": "2.64",
    "x_provider": "Azure",
    "x_export_name": "contoso",
    "x_billing_period": "2026-09",
    "x_delivery_id": "run-1",
    "x_source_file": "contoso/20260901-20260930/part_0_0001.csv",
    "x_load_id": "load-1",
    "x_cost_type": "AmortizedCost",
    "x_schema": "EA",
    "x_azure_export": "contoso-amortized",
}

RESERVED_USAGE = {
    "pricing_model": "Reservation",
    "benefit_id": RESERVATION,
    "benefit_name": "VM_RI_D2v3",
    "reservation_id": "22222222-2222-2222-2222-222222222222",
    "reservation_name": "VM_RI_D2v3",
    "quantity": "24",
    "effective_price": "0.05",
    "unit_price": "0.11",
    "payg_price": "0.11",
    "cost_in_billing_currency": "1.2",
}

RESERVATION_PURCHASE = {
    "x_cost_type": "ActualCost",
    "x_azure_export": "contoso-actual",
    "charge_type": "Purchase",
    "frequency": "Recurring",
    "pricing_model": "Reservation",
    "consumed_service": "Microsoft.Capacity",
    "resource_id": RESERVATION,
    "resource_name": None,
    "resource_group": None,
    "benefit_id": RESERVATION,
    "benefit_name": "VM_RI_D2v3",
    "meter_category": "Virtual Machines",
    "product_name": "Reserved VM Instance, Standard_D2_v3, US East, 1 Year",
    "date": "2026-09-01 00:00:00+00",
    "quantity": "1",
    "effective_price": "36.5",
    "unit_price": "36.5",
    "payg_price": "0",
    "cost_in_billing_currency": "36.5",
}


def insert(con: duckdb.DuckDBPyConnection, table: str, *rows: dict[str, Any]) -> None:
    for n, row in enumerate(rows, start=1):
        row = {"x_source_row": n, **row}
        cols = ", ".join(f'"{c}"' for c in row)
        marks = ", ".join("?" for _ in row)
        con.execute(f"insert into raw_azure.{table} ({cols}) values ({marks})", list(row.values()))


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    c = db.connect(":memory:")
    create_raw(c)
    return c


def focus(con: duckdb.DuckDBPyConnection, *rows: dict[str, Any]) -> list[dict[str, Any]]:
    """Insert raw_azure.cost rows (each over BASE), build, return the FOCUS rows by source row."""
    insert(con, "cost", *({**BASE, **r} for r in rows))
    build(con)
    cur = con.execute("select * from focus.cost_and_usage order by x_source_file, x_source_row")
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def only(rows: list[dict[str, Any]], **match: Any) -> dict[str, Any]:
    (row,) = [r for r in rows if all(r[k] == v for k, v in match.items())]
    return row


def d(value: str) -> D:
    return D(value)


def test_on_demand_usage_is_standard_usage(con: duckdb.DuckDBPyConnection) -> None:
    (row,) = focus(con, {})
    assert (row["ChargeCategory"], row["ChargeClass"], row["ChargeFrequency"]) == (
        "Usage", None, "Usage-Based",
    )  # fmt: skip
    assert (row["BilledCost"], row["EffectiveCost"], row["ListCost"], row["ContractedCost"]) == (
        d("2.64"), d("2.64"), d("2.64"), d("2.64"),
    )  # fmt: skip
    assert (row["PricingCategory"], row["CommitmentDiscountId"]) == ("Standard", None)
    assert (row["ConsumedQuantity"], row["ConsumedUnit"]) == (d("24"), "Hours")
    assert (row["PricingQuantity"], row["PricingUnit"]) == (d("24"), "Hours")
    assert (row["ListUnitPrice"], row["ContractedUnitPrice"]) == (d("0.11"), d("0.11"))
    assert (row["ServiceName"], row["ServiceCategory"], row["ServiceSubcategory"]) == (
        "Virtual Machines", "Compute", "Virtual Machines",
    )  # fmt: skip
    assert (row["RegionId"], row["RegionName"]) == ("eastus", "East US")
    assert (row["ResourceType"], row["ResourceName"]) == (
        "microsoft.compute/virtualmachines",
        "web-01",
    )
    assert (row["BillingAccountId"], row["BillingAccountType"]) == ("8611537", "Billing Account")
    assert (row["SubAccountId"], row["SubAccountType"]) == (BASE["subscription_id"], "Subscription")
    assert [row[c].isoformat() for c in (
        "BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd",
    )] == [
        "2026-09-01T00:00:00+00:00", "2026-10-01T00:00:00+00:00",
        "2026-09-04T00:00:00+00:00", "2026-09-05T00:00:00+00:00",
    ]  # fmt: skip
    assert (row["ProviderName"], row["PublisherName"], row["InvoiceIssuerName"]) == (
        "Microsoft",
    ) * 3
    assert (row["ServiceProviderName"], row["HostProviderName"]) == ("Microsoft", "Microsoft")
    assert (row["x_provider"], row["x_row_kind"], row["x_delivery_id"]) == (
        "Azure",
        "source",
        "run-1",
    )
    extras = json.loads(row["x_extras"])
    assert extras["cost_type"] == "AmortizedCost" and extras["schema"] == "EA"
    assert extras["meter_category"] == "Virtual Machines" and extras["pricing_model"] == "OnDemand"
    assert extras["cost_in_billing_currency"] == "2.6400000000"


def test_reservation_usage_amortized_and_its_purchase_counted_once(
    con: duckdb.DuckDBPyConnection,
) -> None:
    actual_usage = {**RESERVED_USAGE, "x_cost_type": "ActualCost", "cost_in_billing_currency": "0"}
    rows = focus(con, RESERVED_USAGE, actual_usage, RESERVATION_PURCHASE)
    assert len(rows) == 2  # the actual usage row is not mapped: the amortized one stands for it
    usage = only(rows, ChargeCategory="Usage")
    assert (usage["BilledCost"], usage["EffectiveCost"]) == (d("0"), d("1.2"))
    assert (usage["PricingCategory"], usage["CommitmentDiscountStatus"]) == ("Committed", "Used")
    assert (usage["CommitmentDiscountId"], usage["CommitmentDiscountName"]) == (
        RESERVATION,
        "VM_RI_D2v3",
    )
    assert (usage["CommitmentDiscountCategory"], usage["CommitmentDiscountType"]) == (
        "Usage", "Reservation",
    )  # fmt: skip
    assert (usage["ListCost"], usage["ConsumedQuantity"]) == (d("2.64"), d("24"))
    purchase = only(rows, ChargeCategory="Purchase")
    assert (purchase["BilledCost"], purchase["EffectiveCost"]) == (d("36.5"), d("0"))
    assert (purchase["ChargeFrequency"], purchase["ChargeClass"]) == ("Recurring", None)
    assert (purchase["PricingCategory"], purchase["CommitmentDiscountStatus"]) == ("Standard", None)
    assert (purchase["CommitmentDiscountId"], purchase["ConsumedQuantity"]) == (RESERVATION, None)
    assert (purchase["ListUnitPrice"], purchase["ListCost"]) == (d("36.5"), d("36.5"))
    assert purchase["ServiceName"] == "Azure Reservations"
    assert purchase["ResourceName"] is None  # EA: ResourceName as delivered, never the id


def test_unused_reservation_is_unused_usage_billed_zero(con: duckdb.DuckDBPyConnection) -> None:
    (row,) = focus(
        con,
        {
            **RESERVED_USAGE,
            "charge_type": "UnusedReservation",
            "subscription_id": None,
            "subscription_name": None,
            "resource_id": None,
            "resource_name": None,
            "quantity": "6",
            "cost_in_billing_currency": "0.3",
        },
    )
    assert (row["ChargeCategory"], row["ChargeFrequency"]) == ("Usage", "Usage-Based")
    assert (row["BilledCost"], row["EffectiveCost"]) == (d("0"), d("0.3"))
    assert (row["CommitmentDiscountStatus"], row["PricingCategory"]) == ("Unused", "Committed")
    assert (row["ConsumedQuantity"], row["ConsumedUnit"]) == (None, None)
    assert (row["SubAccountId"], row["SubAccountType"], row["ResourceType"]) == (None, None, None)


def test_savings_plan_usage_is_spend_commitment(con: duckdb.DuckDBPyConnection) -> None:
    (row,) = focus(
        con,
        {
            "pricing_model": "SavingsPlan",
            "benefit_id": SAVINGS_PLAN,
            "benefit_name": "Compute_SavingsPlan",
            "effective_price": "0.0187",
            "cost_in_billing_currency": "0.4488",
        },
    )
    assert (row["BilledCost"], row["EffectiveCost"]) == (d("0"), d("0.4488"))
    assert (row["CommitmentDiscountCategory"], row["CommitmentDiscountType"]) == (
        "Spend", "Savings Plan",
    )  # fmt: skip
    assert (row["CommitmentDiscountStatus"], row["PricingCategory"]) == ("Used", "Committed")
    assert row["CommitmentDiscountName"] == "Compute_SavingsPlan"


def test_refund_is_a_purchase_correction(con: duckdb.DuckDBPyConnection) -> None:
    refund = {
        **RESERVATION_PURCHASE,
        "charge_type": "Refund",
        "frequency": "OneTime",
        "cost_in_billing_currency": "-36.5",
    }
    (row,) = focus(con, refund, {**RESERVED_USAGE, "cost_in_billing_currency": "0"})[:1]
    assert (row["ChargeCategory"], row["ChargeClass"], row["ChargeFrequency"]) == (
        "Purchase", "Correction", "One-Time",
    )  # fmt: skip
    assert (row["BilledCost"], row["EffectiveCost"], row["PricingCategory"]) == (
        d("-36.5"), d("0"), None,
    )  # fmt: skip


def test_ea_tags_without_braces_become_a_json_object(con: duckdb.DuckDBPyConnection) -> None:
    rows = focus(
        con,
        {"tags": '"CostCenter": "1234","env": "prod","org": ""'},
        {"tags": '{"team":"web"}'},
        {"tags": "not json"},
    )
    assert [None if r["Tags"] is None else json.loads(r["Tags"]) for r in rows] == [
        {"CostCenter": "1234", "env": "prod", "org": ""},
        {"team": "web"},
        None,
    ]


def test_mca_prices_in_pricing_currency_convert_to_billing(con: duckdb.DuckDBPyConnection) -> None:
    (row,) = focus(
        con,
        {
            "x_schema": "MCA",
            "billing_account_id": "acc:1111_2018-09-30",
            "billing_account_name": "Contoso MCA",
            "billing_profile_id": "AB12-CD34-EF5-GH6",
            "billing_profile_name": "Contoso EUR",
            "billing_currency": "EUR",
            "pricing_currency": "USD",
            "product_id": "DZH318Z0BQPS",
            "exchange_rate_pricing_to_billing": "0.9",
            "unit_price": "0.11",
            "payg_price": "0.12",
            "quantity": "24",
            "cost_in_pricing_currency": "2.64",
            "cost_in_billing_currency": "2.376",
            "payg_cost_in_billing_currency": "2.592",
        },
    )
    assert (row["BillingAccountId"], row["BillingAccountName"], row["BillingAccountType"]) == (
        "AB12-CD34-EF5-GH6", "Contoso EUR", "Billing Profile",
    )  # fmt: skip
    assert (row["BillingCurrency"], row["PricingCurrency"]) == ("EUR", "USD")
    assert (row["BilledCost"], row["EffectiveCost"], row["PricingCurrencyEffectiveCost"]) == (
        d("2.376"), d("2.376"), d("2.64"),
    )  # fmt: skip
    assert (row["ListUnitPrice"], row["PricingCurrencyListUnitPrice"]) == (d("0.108"), d("0.12"))
    assert (row["ListCost"], row["ContractedCost"]) == (d("2.592"), d("2.376"))
    assert (row["ContractedUnitPrice"], row["PricingCurrencyContractedUnitPrice"]) == (
        d("0.099"), d("0.11"),
    )  # fmt: skip
    assert (row["SkuId"], row["SkuMeter"]) == ("DZH318Z0BQPS", "D2 v3/D2s v3")
    assert row["ResourceName"] == "web-01"  # MCA: the last segment of the resource id


def test_mca_line_of_a_billion_yen_builds(con: duckdb.DuckDBPyConnection) -> None:
    # unit price x exchange rate x quantity as three DECIMAL(38, 10) has 30 places, which overflow
    # from 10^8: a yen (or won, rupiah) line of that size failed the whole build
    (row,) = focus(
        con,
        {
            "x_schema": "MCA",
            "billing_currency": "JPY",
            "pricing_currency": "USD",
            "product_id": "DZH318Z0BQPS",
            "exchange_rate_pricing_to_billing": "150.5",
            "unit_price": "0.11",
            "payg_price": "0.12",
            "quantity": "100000000",
            "cost_in_pricing_currency": "11000000",
            "cost_in_billing_currency": "1655500000",
            "payg_cost_in_billing_currency": "1806000000",
        },
    )
    assert (row["ContractedUnitPrice"], row["ListUnitPrice"]) == (d("16.555"), d("18.06"))
    assert (row["ContractedCost"], row["ListCost"]) == (d("1655500000"), d("1806000000"))
    assert row["BilledCost"] == d("1655500000")


def test_block_priced_unit_divides_quantity_by_block_size(con: duckdb.DuckDBPyConnection) -> None:
    (row,) = focus(
        con,
        {
            "consumed_service": "Microsoft.Storage",
            "resource_id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st1",
            "unit_of_measure": "10K",
            "quantity": "40000",
            "unit_price": "0.1",
            "payg_price": "0.1",
            "cost_in_billing_currency": "0.4",
        },
    )
    assert (row["PricingQuantity"], row["PricingUnit"]) == (d("4"), "Units")
    assert (row["ConsumedQuantity"], row["ConsumedUnit"]) == (d("40000"), "Units")
    assert (row["ContractedCost"], row["ListCost"]) == (d("0.4"), d("0.4"))
    assert (row["ServiceName"], row["ServiceCategory"]) == ("Storage Accounts", "Storage")


def test_actual_only_dataset_maps_every_actual_row(con: duckdb.DuckDBPyConnection) -> None:
    actual = {"x_cost_type": "ActualCost"}
    rows = focus(
        con,
        {**actual},
        {**RESERVED_USAGE, **actual, "cost_in_billing_currency": "0"},
        RESERVATION_PURCHASE,
    )
    assert [(r["ChargeCategory"], r["BilledCost"], r["EffectiveCost"]) for r in rows] == [
        ("Usage", d("2.64"), d("2.64")),
        ("Usage", d("0"), d("0")),
        ("Purchase", d("36.5"), d("36.5")),
    ]


def test_focus_cost_1_0_row_is_normalised(con: duckdb.DuckDBPyConnection) -> None:
    insert(
        con,
        "focus",
        {
            "BilledCost": "2.64", "EffectiveCost": "2.64", "ListCost": "2.64", "ContractedCost": "2.64",
            "BillingAccountId": "8611537", "BillingAccountName": "Contoso EA", "BillingCurrency": "USD",
            "BillingPeriodStart": "2026-09-01 00:00:00+00", "BillingPeriodEnd": "2026-10-01 00:00:00+00",
            "ChargePeriodStart": "2026-09-04 00:00:00+00", "ChargePeriodEnd": "2026-09-05 00:00:00+00",
            "ChargeCategory": "Usage", "ChargeFrequency": "Usage-Based", "PricingCategory": "On-Demand",
            "ProviderName": "Microsoft", "PublisherName": "Microsoft", "InvoiceIssuerName": "Microsoft",
            "ServiceName": "Virtual Machines", "ServiceCategory": "Compute", "SkuId": "DZH318Z0BQPS",
            "x_SkuMeterName": "D2 v3/D2s v3", "x_PricingCurrency": "USD", "x_InvoiceId": "G012345678",
            "x_ResourceGroupName": "rg-web", "x_PricingBlockSize": "1", "Tags": '{"env":"prod"}',
            "x_provider": "Azure", "x_export_name": "contoso-focus", "x_billing_period": "2026-09",
            "x_delivery_id": "run-9", "x_source_file": "f.parquet", "x_load_id": "load-9",
            "x_cost_type": "FocusCost", "x_focus_version": "1.0",
        },
    )  # fmt: skip
    build(con)
    cur = con.execute("select * from focus.cost_and_usage")
    (row,) = [dict(zip([c[0] for c in cur.description], r, strict=True)) for r in cur.fetchall()]
    assert (row["PricingCategory"], row["ServiceSubcategory"]) == ("Standard", "Virtual Machines")
    assert (row["InvoiceId"], row["PricingCurrency"], row["SkuMeter"]) == (
        "G012345678", "USD", "D2 v3/D2s v3",
    )  # fmt: skip
    assert (row["PricingCurrencyEffectiveCost"], row["BilledCost"]) == (d("2.64"), d("2.64"))
    assert (row["ServiceProviderName"], row["HostProviderName"]) == ("Microsoft", "Microsoft")
    assert json.loads(row["Tags"]) == {"env": "prod"}
    assert (row["x_row_kind"], row["x_delivery_id"]) == ("source", "run-9")
    assert json.loads(row["x_extras"]) == {
        "cost_type": "FocusCost", "focus_version": "1.0", "resource_group": "rg-web",
        "pricing_block_size": "1.0000000000",
    }  # fmt: skip


# --- end to end: Microsoft's public EA samples -------------------------------------------------

SAMPLE_COLUMNS = {
    # EA sample column -> raw_azure.cost column (the older EA names: Cost, BillingCurrency, Product)
    "BillingAccountId": "billing_account_id", "BillingAccountName": "billing_account_name",
    "BillingProfileId": "billing_profile_id", "BillingProfileName": "billing_profile_name",
    "SubscriptionId": "subscription_id", "SubscriptionName": "subscription_name",
    "Product": "product_name", "MeterId": "meter_id", "ServiceFamily": "service_family",
    "MeterCategory": "meter_category", "MeterSubCategory": "meter_sub_category",
    "MeterRegion": "meter_region", "MeterName": "meter_name", "BillingCurrency": "billing_currency",
    "ResourceLocation": "resource_location", "AvailabilityZone": "availability_zone",
    "ConsumedService": "consumed_service", "ResourceId": "resource_id", "ResourceName": "resource_name",
    "AdditionalInfo": "additional_info", "Tags": "tags", "InvoiceSectionId": "invoice_section_id",
    "InvoiceSection": "invoice_section_name", "CostCenter": "cost_center",
    "UnitOfMeasure": "unit_of_measure", "ResourceGroup": "resource_group",
    "ReservationId": "reservation_id", "ReservationName": "reservation_name",
    "PublisherName": "publisher_name", "ChargeType": "charge_type", "Frequency": "frequency",
    "PublisherType": "publisher_type", "PricingModel": "pricing_model", "benefitId": "benefit_id",
    "benefitName": "benefit_name",
}  # fmt: skip
SAMPLE_DATES = {"Date": "date", "BillingPeriodStartDate": "billing_period_start_date",
                "BillingPeriodEndDate": "billing_period_end_date"}  # fmt: skip
SAMPLE_MONEY = {"Quantity": "quantity", "EffectivePrice": "effective_price", "Cost": "cost_in_billing_currency",
                "UnitPrice": "unit_price", "PayGPrice": "payg_price"}  # fmt: skip


def load_sample(con: duckdb.DuckDBPyConnection, file: str, export: str, cost_type: str) -> None:
    """A small test-side loader: the EA sample CSV into raw_azure.cost (the Azure source does this)."""
    cols = [
        *(f"nullif(\"{s}\", '') as {t}" for s, t in SAMPLE_COLUMNS.items()),
        *(
            f"strptime(nullif(\"{s}\", ''), '%m/%d/%Y')::timestamptz as {t}"
            for s, t in SAMPLE_DATES.items()
        ),
        *(f"nullif(\"{s}\", '')::decimal(38,10) as {t}" for s, t in SAMPLE_MONEY.items()),
    ]
    con.execute(
        f"insert into raw_azure.cost by name select {', '.join(cols)}, 'Azure' as x_provider,"
        " $export as x_export_name, '2023-09' as x_billing_period, $file as x_delivery_id,"
        " $file as x_source_file, row_number() over () as x_source_row, 'load-1' as x_load_id,"
        " $cost_type as x_cost_type, 'EA' as x_schema, $file as x_azure_export"
        " from read_csv($path, all_varchar = true, header = true)",
        {"export": export, "file": file, "cost_type": cost_type, "path": str(FIXTURES / file)},
    )


def actual_total(con: duckdb.DuckDBPyConnection) -> D:
    return con.execute(
        "select sum(Cost::decimal(38,10)) from read_csv($p, all_varchar = true, header = true)",
        {"p": str(FIXTURES / "EA_ActualCost_Small.csv")},
    ).fetchone()[0]


def totals(con: duckdb.DuckDBPyConnection, export: str) -> tuple[D, D, int]:
    return con.execute(
        "select sum(BilledCost), sum(EffectiveCost), count(*) from focus.cost_and_usage"
        " where x_export_name = $e",
        {"e": export},
    ).fetchone()


def error_failures(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r.rule.rule_id for r in run_checks(con) if not r.ok and r.rule.severity == "error"]


def test_ea_sample_pair_builds_conformant_focus_rows(con: duckdb.DuckDBPyConnection) -> None:
    load_sample(con, "EA_ActualCost_Small.csv", "ea", "ActualCost")
    load_sample(con, "EA_AmortizedCost_Small.csv", "ea", "AmortizedCost")
    build(con)
    assert error_failures(con) == []
    billed, effective, rows = totals(con, "ea")
    amortized, amortized_on_demand = con.execute(
        "select sum(cost_in_billing_currency) filter (where x_cost_type = 'AmortizedCost'),"
        " sum(cost_in_billing_currency) filter (where x_cost_type = 'AmortizedCost'"
        "   and pricing_model = 'OnDemand')"
        " from raw_azure.cost"
    ).fetchone()
    assert rows == 29  # the 28 amortized rows + the reservation purchase of the actual file
    assert effective == amortized
    # BilledCost: the purchase (3.25) + the amortized on-demand rows. The sample files are excerpts:
    # the amortized one has 16 on-demand rows the actual one lacks (tests/fixtures/azure_sql/
    # SOURCES.md), so the pair's BilledCost exceeds the actual file's total by exactly those rows.
    assert billed == D("3.25") + amortized_on_demand
    assert billed - actual_total(con) == D("10.5027723494")


def test_ea_actual_only_dataset_bills_the_actual_total(con: duckdb.DuckDBPyConnection) -> None:
    load_sample(con, "EA_ActualCost_Small.csv", "ea-actual", "ActualCost")
    build(con)
    billed, effective, rows = totals(con, "ea-actual")
    assert rows == 11
    assert round(billed, 2) == round(actual_total(con), 2) == round(effective, 2)
    assert billed == actual_total(con)
    # without amortized rows the reservation purchase keeps its cost as EffectiveCost (the dataset
    # rule), which FOCUS's prepaid-purchase rule reports: the one error, on that one row
    assert error_failures(con) == ["FOCUS-1.2/EffectiveCost/prepaid-purchase-zero"]


def test_reconcile_compares_focus_to_the_raw_totals(con: duckdb.DuckDBPyConnection) -> None:
    load_sample(con, "EA_ActualCost_Small.csv", "ea", "ActualCost")
    load_sample(con, "EA_AmortizedCost_Small.csv", "ea", "AmortizedCost")
    load_sample(con, "EA_ActualCost_Small.csv", "ea-actual", "ActualCost")
    state.ensure_meta(con)
    for export, rows in (("ea", 39), ("ea-actual", 11)):
        state.record_load(
            con, provider="Azure", export_name=export, period="2023-09", fmt="ea",
            delivery_id="d", location="l", files=1, rows=rows, load_id="load-1",
            totals_queries=["reconcile/azure_cost_totals"],
        )  # fmt: skip
    build(con)
    out = {r["export_name"]: r for r in reconcile(con).to_dicts()}
    assert set(out) == {"ea", "ea-actual"}
    assert (out["ea-actual"]["billing_account_id"], out["ea-actual"]["currency"]) == (
        "8611537",
        "USD",
    )
    assert (out["ea-actual"]["ok"], out["ea-actual"]["source_rows"]) == (True, 11)
    # the pair: EffectiveCost matches the amortized file; BilledCost exceeds the actual file by the
    # on-demand rows only the amortized excerpt has, and reconciliation says so
    assert out["ea"]["effective_cost_diff"] == 0
    assert out["ea"]["billed_cost_diff"] == D("10.5027723494")
    assert (out["ea"]["ok"], out["ea"]["source_rows"], out["ea"]["focus_source_rows"]) == (
        False,
        39,
        29,
    )
