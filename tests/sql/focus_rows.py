"""Hand-written conformant FOCUS 1.2 rows for checker tests; tests override single fields."""

from __future__ import annotations

from typing import Any

import duckdb

from finops_lib import sql
from finops_lib.checks import LATER_COLUMNS, expected_columns

TYPES = {
    "Decimal": "DECIMAL(38,10)",
    "DateTime": "TIMESTAMPTZ",
    "String": "VARCHAR",
    "JSON": "JSON",
}

BASE: dict[str, Any] = {
    "BilledCost": 10,
    "BillingAccountId": "111111111111",
    "BillingAccountName": "Payer",
    "BillingAccountType": "Management Account",
    "BillingCurrency": "USD",
    "BillingPeriodStart": "2026-09-01 00:00:00+00",
    "BillingPeriodEnd": "2026-10-01 00:00:00+00",
    "ChargeCategory": "Usage",
    "ChargeDescription": "t3.micro hours",
    "ChargeFrequency": "Usage-Based",
    "ChargePeriodStart": "2026-09-02 00:00:00+00",
    "ChargePeriodEnd": "2026-09-02 01:00:00+00",
    "ConsumedQuantity": 10,
    "ConsumedUnit": "Hours",
    "ContractedCost": 10,
    "ContractedUnitPrice": 1,
    "EffectiveCost": 10,
    "InvoiceIssuerName": "AWS",
    "ListCost": 10,
    "ListUnitPrice": 1,
    "PricingCategory": "Standard",
    "PricingCurrency": "USD",
    "PricingCurrencyEffectiveCost": 10,
    "PricingQuantity": 10,
    "PricingUnit": "Hours",
    "ProviderName": "AWS",
    "PublisherName": "AWS",
    "RegionId": "us-east-1",
    "RegionName": "US East (N. Virginia)",
    "ResourceId": "i-1",
    "ServiceCategory": "Compute",
    "ServiceName": "Amazon EC2",
    "ServiceSubcategory": "Virtual Machines",
    "SkuId": "SKU1",
    "SkuPriceId": "SKU1.RATE",
    "SkuPriceDetails": '{"InstanceType": "t3.micro"}',
    "SubAccountId": "222222222222",
    "SubAccountName": "dev",
    "Tags": '{"team": "web"}',
    "ServiceProviderName": "AWS",
    "HostProviderName": "AWS",
    "ResourceType": "Instance",
    "SubAccountType": "Linked Account",
    "SkuMeter": "Compute Hours",
    "InvoiceId": "INV-2026-09",
}

TAX = {
    "ChargeCategory": "Tax",
    "ChargeFrequency": "Recurring",
    "ConsumedQuantity": None,
    "ConsumedUnit": None,
    "ContractedUnitPrice": None,
    "ListUnitPrice": None,
    "PricingCategory": None,
    "PricingQuantity": None,
    "PricingUnit": None,
    "SkuId": None,
    "SkuPriceId": None,
    "SkuPriceDetails": None,
    "ResourceId": None,
    "ResourceType": None,
    "SkuMeter": None,
    "RegionId": None,
    "RegionName": None,
    "ServiceName": "Tax",
    "ServiceCategory": "Other",
    "ServiceSubcategory": "Other (Other)",
    "BilledCost": 1,
    "EffectiveCost": 1,
    "ListCost": 1,
    "ContractedCost": 1,
    "PricingCurrencyEffectiveCost": 1,
}

RI = "arn:aws:ec2:us-east-1:111111111111:reserved-instances/ri-1"
PURCHASE = {
    "ChargeCategory": "Purchase",
    "ChargeFrequency": "One-Time",
    "CommitmentDiscountId": RI,
    "CommitmentDiscountCategory": "Usage",
    "CommitmentDiscountType": "Reserved Instance",
    "CommitmentDiscountName": "ri-1",
    "ConsumedQuantity": None,
    "ConsumedUnit": None,
    "BilledCost": 100,
    "EffectiveCost": 0,
    "PricingCurrencyEffectiveCost": 0,
    "ListCost": 100,
    "ContractedCost": 100,
    "ListUnitPrice": 100,
    "ContractedUnitPrice": 100,
    "PricingQuantity": 1,
    "PricingUnit": "Units",
}
USED = {
    "CommitmentDiscountId": RI,
    "CommitmentDiscountCategory": "Usage",
    "CommitmentDiscountType": "Reserved Instance",
    "CommitmentDiscountName": "ri-1",
    "CommitmentDiscountStatus": "Used",
    "PricingCategory": "Committed",
    "BilledCost": 0,
    "EffectiveCost": 5,
    "PricingCurrencyEffectiveCost": 5,
}
UNUSED = {
    **USED,
    "CommitmentDiscountStatus": "Unused",
    "ConsumedQuantity": None,
    "ConsumedUnit": None,
}

SP = "arn:aws:savingsplans::111111111111:savingsplan/sp-1"
SP_PURCHASE = {
    **PURCHASE,
    "ChargeFrequency": "Recurring",
    "CommitmentDiscountId": SP,
    "CommitmentDiscountCategory": "Spend",
    "CommitmentDiscountType": "Savings Plan",
    "CommitmentDiscountName": "sp-1",
    "BilledCost": 50,
    "ListCost": 50,
    "ContractedCost": 50,
    "ListUnitPrice": 50,
    "ContractedUnitPrice": 50,
}
SP_USED = {
    **USED,
    "CommitmentDiscountId": SP,
    "CommitmentDiscountCategory": "Spend",
    "CommitmentDiscountType": "Savings Plan",
    "CommitmentDiscountName": "sp-1",
    "EffectiveCost": 50,
    "PricingCurrencyEffectiveCost": 50,
}


def columns() -> list[tuple[str, str]]:
    """``(name, type)`` of a focus table like the build's: 1.2 + 1.3 columns sorted, then an x_ column."""
    cols = [(c["name"], TYPES[c["type"]]) for c in expected_columns("1.2")]
    cols += [
        (c, "JSON" if c.startswith(("AllocatedT", "AllocatedMethodD", "Contract")) else "VARCHAR")
        for c in LATER_COLUMNS
    ]
    cols.sort()
    return cols + [("x_source_row", "BIGINT")]


def make_table(
    con: duckdb.DuckDBPyConnection,
    rows: list[dict[str, Any]],
    name: str = "focus_input",
    drop: tuple[str, ...] = (),
) -> None:
    """Create table ``name`` with the full column set; each row is ``BASE`` updated by its overrides."""
    cols = [(n, t) for n, t in columns() if n not in drop]
    ddl = ", ".join(f"{sql.quote_ident(n)} {t}" for n, t in cols)
    con.execute(f"create or replace table {sql.safe_ident(name)} ({ddl})")
    insert_rows(con, rows, name)


def insert_rows(
    con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]], name: str = "focus_input"
) -> None:
    """Append rows (``BASE`` updated by each row's overrides) to an existing focus table."""
    cols = [r[0] for r in con.execute(f"describe {sql.safe_ident(name)}").fetchall()]
    (start,) = con.execute(f"select count(*) from {sql.safe_ident(name)}").fetchone() or (0,)
    placeholders = ", ".join("?" for _ in cols)
    con.executemany(
        f"insert into {sql.safe_ident(name)} values ({placeholders})",
        [
            [{**BASE, **overrides, "x_source_row": i}.get(n) for n in cols]
            for i, overrides in enumerate(rows, start=start + 1)
        ],
    )


def conformant_rows() -> list[dict[str, Any]]:
    """One row per charge kind (usage, tax, RI and SP purchase and usage, credit), all conformant."""
    return [
        {},
        {"SubAccountId": "333333333333", "SubAccountName": "prod"},
        TAX,
        PURCHASE,
        USED,
        UNUSED,
        SP_PURCHASE,
        SP_USED,
        {
            "ChargeCategory": "Credit",
            "ChargeFrequency": "One-Time",
            "BilledCost": -2,
            "EffectiveCost": -2,
            "ContractedCost": -2,
            "ListCost": -2,
            "ConsumedQuantity": None,
            "ConsumedUnit": None,
            "PricingCurrencyEffectiveCost": -2,
            "ListUnitPrice": None,
            "ContractedUnitPrice": None,
            "PricingQuantity": None,
            "PricingUnit": None,
            "PricingCategory": None,
            "SkuPriceDetails": None,
            "SkuPriceId": None,
            "SkuId": None,
            "SkuMeter": None,
        },
    ]
