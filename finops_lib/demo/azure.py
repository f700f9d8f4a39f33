"""Deterministic demo Azure Cost Management exports, in the real Blob layout, with known totals.

``generate_azure`` writes, under a local folder that stands for a storage container::

    <out>/<ROOT>/<exportName>/<YYYYMMDD-YYYYMMDD>/<YYYYMMDDHHMM>/<runId>/part_0_0001.csv[.gz]
    <out>/<ROOT>/<exportName>/<YYYYMMDD-YYYYMMDD>/<YYYYMMDDHHMM>/<runId>/manifest.json

three datasets (a dataset is the Azure exports of one scope that load together, named after its
first export, as the Azure source names one given by flags):

* ``demo-ea``: an Enterprise Agreement enrollment in USD, ActualCost (CSV) + AmortizedCost (CSV.gz)
  exports (``demo-ea``, ``demo-ea-amortized``) with the EA column names of the public samples,
  ``MM/DD/YYYY`` dates, a UTF-8 BOM and tags without braces. On-demand and Spot VM usage
  (``PricingModel`` Spot, ``PayGPrice`` the list price), a VM reservation (1 year, paid upfront
  in the first month and renewed every 12) and a monthly compute savings plan (purchases in the
  actual export; covered usage with ``benefitId``/``benefitName`` at 0 in the actual and amortised
  in the amortized export; unused capacity as ``UnusedReservation`` / ``UnusedSavingsPlan`` rows of
  the amortized export) and a reservation refund (second month). The last month has two runs of the
  actual export: the older one (a partial month-to-date run) must lose to the newer one (latest
  ``submittedTime`` wins).
* ``demo-mca``: a Microsoft Customer Agreement billing profile billed in EUR and priced in USD
  (``exchangeRatePricingToBilling`` per month), camelCase columns, ISO dates, ActualCost (CSV.gz)
  + AmortizedCost (CSV), with a savings plan.
* ``demo-focus``: a FocusCost export (FOCUS 1.0 columns as Microsoft writes them, parquet) of a
  third scope, its rows converted from the same kind of charges with Microsoft's rules.

Money is generated as ``Decimal`` rounded to 8 places (never a float sum), so the totals written to
``<out>/expected_totals.json`` are exact: per dataset and period, ``billed_cost`` = sum of the
ActualCost export's ``CostInBillingCurrency`` and ``effective_cost`` = sum of the AmortizedCost
export's (FocusCost: sums of ``BilledCost`` / ``EffectiveCost``).
"""

from __future__ import annotations

import calendar
import csv
import gzip
import io
import json
import random
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache
from pathlib import Path
from typing import Any, cast

import pyarrow as pa
import pyarrow.parquet as pq

ROOT = "exports"  # the exports' rootFolderPath in the container
# 13 months, 2025-10 .. 2026-10: a year of history plus the month a year-over-year view compares
DEFAULT_MONTHS = tuple(f"{2025 + (9 + i) // 12}-{(9 + i) % 12 + 1:02d}" for i in range(13))
MANIFEST_VERSION = "2024-04-01"
COST_DATA_VERSION = "2023-05-01"
FOCUS_DATA_VERSION = "1.0"
EIGHT = Decimal("0.00000001")
SIX = Decimal("0.000001")

EA_COLUMNS = (
    "InvoiceSectionName", "AccountName", "AccountOwnerId", "SubscriptionId", "SubscriptionName",
    "ResourceGroup", "ResourceLocation", "Date", "ProductName", "MeterCategory", "MeterSubCategory",
    "MeterId", "MeterName", "MeterRegion", "UnitOfMeasure", "Quantity", "EffectivePrice",
    "CostInBillingCurrency", "CostCenter", "ConsumedService", "ResourceId", "Tags", "OfferId",
    "AdditionalInfo", "ServiceInfo1", "ServiceInfo2", "ResourceName", "ReservationId",
    "ReservationName", "UnitPrice", "ProductOrderId", "ProductOrderName", "Term", "PublisherType",
    "PublisherName", "ChargeType", "Frequency", "PricingModel", "AvailabilityZone",
    "BillingAccountId", "BillingAccountName", "BillingCurrencyCode", "BillingPeriodStartDate",
    "BillingPeriodEndDate", "BillingProfileId", "BillingProfileName", "InvoiceSectionId",
    "IsAzureCreditEligible", "PartNumber", "PayGPrice", "PlanName", "ServiceFamily",
    "CostAllocationRuleName", "benefitId", "benefitName",
)  # fmt: skip
MCA_COLUMNS = (
    "invoiceId", "previousInvoiceId", "billingAccountId", "billingAccountName", "billingProfileId",
    "billingProfileName", "invoiceSectionId", "invoiceSectionName", "partnerName", "resellerName",
    "resellerMpnId", "costCenter", "billingPeriodEndDate", "billingPeriodStartDate",
    "servicePeriodEndDate", "servicePeriodStartDate", "date", "serviceFamily", "productOrderId",
    "productOrderName", "consumedService", "meterId", "meterName", "meterCategory",
    "meterSubCategory", "meterRegion", "ProductId", "ProductName", "SubscriptionId",
    "subscriptionName", "publisherType", "publisherId", "publisherName", "resourceGroupName",
    "ResourceId", "resourceLocation", "location", "effectivePrice", "quantity", "unitOfMeasure",
    "chargeType", "billingCurrency", "pricingCurrency", "costInBillingCurrency",
    "costInPricingCurrency", "costInUsd", "paygCostInBillingCurrency", "paygCostInUsd",
    "exchangeRatePricingToBilling", "exchangeRateDate", "isAzureCreditEligible", "serviceInfo1",
    "serviceInfo2", "additionalInfo", "tags", "PayGPrice", "frequency", "term", "reservationId",
    "reservationName", "pricingModel", "unitPrice", "costAllocationRuleName", "benefitId",
    "benefitName", "provider",
)  # fmt: skip
#: FOCUS 1.0 FocusCost columns as Microsoft writes them (FocusCost_1.0.json) and their types.
FOCUS_COLUMNS: dict[str, str] = {
    **dict.fromkeys(
        ("BilledCost", "ConsumedQuantity", "ContractedCost", "ContractedUnitPrice",
         "EffectiveCost", "ListCost", "ListUnitPrice", "PricingQuantity", "x_BilledCostInUsd",
         "x_BilledUnitPrice", "x_BillingExchangeRate", "x_ContractedCostInUsd",
         "x_EffectiveCostInUsd", "x_EffectiveUnitPrice", "x_ListCostInUsd", "x_PricingBlockSize"),
        "decimal",
    ),
    **dict.fromkeys(
        ("BillingPeriodEnd", "BillingPeriodStart", "ChargePeriodEnd", "ChargePeriodStart",
         "x_BillingExchangeRateDate", "x_ServicePeriodEnd", "x_ServicePeriodStart"),
        "datetime",
    ),
    "x_SkuIsCreditEligible": "bool",
    "x_SkuTerm": "int",
}  # fmt: skip
FOCUS_ORDER = (
    "BilledCost", "BillingAccountId", "BillingAccountName", "BillingAccountType", "BillingCurrency",
    "BillingPeriodEnd", "BillingPeriodStart", "ChargeCategory", "ChargeClass", "ChargeDescription",
    "ChargeFrequency", "ChargePeriodEnd", "ChargePeriodStart", "CommitmentDiscountCategory",
    "CommitmentDiscountId", "CommitmentDiscountName", "CommitmentDiscountStatus",
    "CommitmentDiscountType", "ConsumedQuantity", "ConsumedUnit", "ContractedCost",
    "ContractedUnitPrice", "EffectiveCost", "InvoiceIssuerName", "ListCost", "ListUnitPrice",
    "PricingCategory", "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName",
    "RegionId", "RegionName", "ResourceId", "ResourceName", "ResourceType", "ServiceCategory",
    "ServiceName", "SkuId", "SkuPriceId", "SubAccountId", "SubAccountName", "SubAccountType",
    "Tags", "x_AccountId", "x_AccountName", "x_AccountOwnerId", "x_BilledCostInUsd",
    "x_BilledUnitPrice", "x_BillingAccountId", "x_BillingAccountName", "x_BillingExchangeRate",
    "x_BillingExchangeRateDate", "x_BillingProfileId", "x_BillingProfileName",
    "x_ContractedCostInUsd", "x_CostAllocationRuleName", "x_CostCenter", "x_CustomerId",
    "x_CustomerName", "x_EffectiveCostInUsd", "x_EffectiveUnitPrice", "x_InvoiceId",
    "x_InvoiceIssuerId", "x_InvoiceSectionId", "x_InvoiceSectionName", "x_ListCostInUsd",
    "x_PartnerCreditApplied", "x_PartnerCreditRate", "x_PricingBlockSize", "x_PricingCurrency",
    "x_PricingSubcategory", "x_PricingUnitDescription", "x_PublisherCategory", "x_PublisherId",
    "x_ResellerId", "x_ResellerName", "x_ResourceGroupName", "x_ResourceType",
    "x_ServicePeriodEnd", "x_ServicePeriodStart", "x_SkuDescription", "x_SkuDetails",
    "x_SkuIsCreditEligible", "x_SkuMeterCategory", "x_SkuMeterId", "x_SkuMeterName",
    "x_SkuMeterSubcategory", "x_SkuOfferId", "x_SkuOrderId", "x_SkuOrderName", "x_SkuPartNumber",
    "x_SkuRegion", "x_SkuServiceFamily", "x_SkuTerm", "x_SkuTier",
)  # fmt: skip
#: UnitOfMeasure -> (PricingBlockSize, DistinctUnits), as lookups/azure_pricing_units.csv has them.
UNITS = {
    "1 Hour": (1, "Hours"),
    "1/Month": (1, "Units/Month"),
    "1 GB/Month": (1, "GB/Month"),
    "1 GB": (1, "GB"),
    "10K": (10000, "Units"),
}


@dataclass(frozen=True)
class Meter:
    """One priced Azure meter and the resources it is billed on."""

    key: str
    category: str  # MeterCategory
    sub_category: str
    name: str  # MeterName
    consumed_service: str
    resource_type: str  # ARM provider/type of the resource
    unit: str  # UnitOfMeasure
    price: Decimal  # pay-as-you-go unit price, USD
    weight: int
    family: str  # ServiceFamily
    service: tuple[str, str, str]  # ServiceName, ServiceCategory, ServiceSubcategory
    benefit: str = ""  # 'ri' | 'sp': the commitment that covers it; 'spot': a Spot VM


METERS = (
    Meter("vm_d2", "Virtual Machines", "Dv3/DSv3 Series", "D2s v3", "Microsoft.Compute",
          "Microsoft.Compute/virtualMachines", "1 Hour", Decimal("0.096"), 18, "Compute",
          ("Virtual Machines", "Compute", "Virtual Machines"), "ri"),
    Meter("vm_e4", "Virtual Machines", "Esv5 Series", "E4s v5", "Microsoft.Compute",
          "Microsoft.Compute/virtualMachines", "1 Hour", Decimal("0.252"), 12, "Compute",
          ("Virtual Machines", "Compute", "Virtual Machines"), "sp"),
    Meter("vm_b2", "Virtual Machines", "BS Series", "B2s", "Microsoft.Compute",
          "Microsoft.Compute/virtualMachines", "1 Hour", Decimal("0.0416"), 8, "Compute",
          ("Virtual Machines", "Compute", "Virtual Machines")),
    # Spot VMs: billed at the spot price (SPOT_RATE of pay-as-you-go), PayGPrice the list price
    Meter("vm_d4_spot", "Virtual Machines", "Dv3/DSv3 Series", "D4s v3 Spot", "Microsoft.Compute",
          "Microsoft.Compute/virtualMachines", "1 Hour", Decimal("0.192"), 6, "Compute",
          ("Virtual Machines", "Compute", "Virtual Machines"), "spot"),
    Meter("disk", "Storage", "Premium SSD Managed Disks", "P10 LRS Disk", "Microsoft.Compute",
          "Microsoft.Compute/disks", "1/Month", Decimal("19.71"), 14, "Storage",
          ("Virtual Machines", "Compute", "Virtual Machines")),
    Meter("blob", "Storage", "Tiered Block Blob", "Hot LRS Data Stored", "Microsoft.Storage",
          "Microsoft.Storage/storageAccounts", "1 GB/Month", Decimal("0.0184"), 12, "Storage",
          ("Storage Accounts", "Storage", "Storage Platforms")),
    Meter("sql", "SQL Database", "General Purpose - Compute Gen5", "vCore", "Microsoft.Sql",
          "Microsoft.Sql/servers", "1 Hour", Decimal("0.2522"), 10, "Databases",
          ("Azure SQL Database", "Databases", "Relational Databases")),
    Meter("logs", "Log Analytics", "Analytics Logs", "Data Ingestion",
          "Microsoft.OperationalInsights", "Microsoft.OperationalInsights/workspaces", "1 GB",
          Decimal("2.30"), 8, "Management and Governance",
          ("Azure Monitor", "Management and Governance", "Observability")),
    Meter("kv", "Key Vault", "Standard", "Operations", "Microsoft.KeyVault",
          "Microsoft.KeyVault/vaults", "10K", Decimal("0.03"), 6, "Security",
          ("Key Vault", "Security", "Secret Management")),
    Meter("pip", "Virtual Network", "IP Addresses", "Standard IPv4 Static Public IP",
          "Microsoft.Network", "Microsoft.Network/publicIPAddresses", "1 Hour", Decimal("0.005"),
          10, "Networking", ("Virtual Network", "Networking", "Network Infrastructure")),
)  # fmt: skip
TEAMS = ("web", "data", "platform", "ml")
ENVS = ("prod", "staging", "dev")
POOL = 8  # resources per meter
SP_DISCOUNT = Decimal("0.65")  # savings plan price = pay-as-you-go x this
RI_RATE = Decimal("0.0416")  # the reservation's amortised hourly rate per instance (USD)
SPOT_RATE = Decimal("0.2")  # spot price = pay-as-you-go x this (Azure's spot discounts: up to 90%)


@dataclass(frozen=True)
class Scope:
    """The billing scope of one dataset and what it buys."""

    dataset: str  # the dataset's name = its first export's name
    agreement: str  # 'EA' | 'MCA' | 'FOCUS'
    account_id: str
    account_name: str
    profile_id: str
    profile_name: str
    currency: str  # billing currency
    location: str  # ResourceLocation of its resources (= FOCUS RegionId)
    region: str  # MeterRegion
    region_name: str  # FOCUS RegionName
    rates: tuple[str, ...] = ()  # pricing (USD) -> billing, per month; empty: 1
    reservation: bool = False
    refund: bool = False
    savings_plan: bool = True
    exports: tuple[tuple[str, str, str, str], ...] = ()  # (name, type, format, compression)


SCOPES = (
    Scope("demo-ea", "EA", "84731520", "Fabrikam Demo (EA)", "84731520", "Fabrikam Demo (EA)",
          "USD", "eastus", "US East", "East US", reservation=True, refund=True,
          exports=(("demo-ea", "ActualCost", "Csv", "None"),
                   ("demo-ea-amortized", "AmortizedCost", "Csv", "Gzip"))),
    Scope("demo-mca", "MCA", "5e1c7a0b-3f4d-4c8e-9a2b-6d7e8f901234:1a2b3c4d_2019-05-31",
          "Contoso Europe GmbH", "QWER-ASDF-ZXC-PGB", "Contoso Europe EUR", "EUR", "westeurope",
          "EU West", "West Europe", rates=("0.9213", "0.9187", "0.9242", "0.9199"),
          exports=(("demo-mca", "ActualCost", "Csv", "Gzip"),
                   ("demo-mca-amortized", "AmortizedCost", "Csv", "None"))),
    Scope("demo-focus", "FOCUS", "7f3e9d21-5b6a-4c1d-8e2f-0a9b8c7d6e5f:2b3c4d5e_2019-05-31",
          "Northwind Traders Inc.", "TYUI-GHJK-BNM-PGB", "Northwind US", "USD", "eastus2",
          "US East 2", "East US 2", reservation=True,
          exports=(("demo-focus", "FocusCost", "Parquet", "Snappy"),)),
)  # fmt: skip


@dataclass
class Charge:
    """One line of cost: what both cost exports (and the FOCUS conversion) are written from.
    Amounts are in the pricing currency (USD); ``rate`` converts them to the billing currency."""

    day: date
    charge_type: str  # Usage | Purchase | Refund | UnusedReservation | UnusedSavingsPlan
    pricing_model: str  # OnDemand | Spot | Reservation | SavingsPlan
    frequency: str  # UsageBased | Recurring | OneTime
    meter: Meter
    quantity: Decimal
    unit_price: Decimal  # the price sheet's (contracted) price
    payg_price: Decimal
    actual_price: Decimal
    actual_cost: Decimal | None  # None: not in the ActualCost export
    amortized_price: Decimal
    amortized_cost: Decimal | None  # None: not in the AmortizedCost export
    resource: Resource | None = None
    benefit: Benefit | None = None
    product: str = ""


@dataclass(frozen=True)
class Resource:
    subscription: tuple[str, str]  # id, name
    group: str
    id: str
    name: str
    tags: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Benefit:
    kind: str  # Reservation | SavingsPlan
    id: str  # benefitId
    name: str
    order: str  # product order id
    order_name: str
    reservation_id: str = ""


@dataclass(frozen=True)
class Dataset:
    """One generated dataset: pass ``container`` and ``exports`` to the Azure source."""

    name: str
    agreement: str
    container: Path  # the local folder holding <exportName>/... (the rootFolderPath)
    exports: tuple[str, ...]


@dataclass
class GeneratedAzure:
    root: Path  # the folder standing for the container
    datasets: dict[str, Dataset] = field(default_factory=dict)
    expected: dict = field(default_factory=dict)  # expected_totals.json


@cache
def _uuid(*parts: object) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "open-finops-demo/azure/" + repr(parts)))


def _q(value: Decimal, places: Decimal = EIGHT) -> Decimal:
    return value.quantize(places, rounding=ROUND_HALF_EVEN)


def _num(value: Decimal | None) -> str:
    """A decimal as Azure writes it: plain notation, no trailing zeros."""
    if value is None:
        return ""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def money(value: Decimal) -> str:
    """Exact decimal text of an amount (8 places), as expected_totals.json holds it."""
    return format(_q(value), "f")


@cache
def _month(period: str) -> tuple[date, int]:
    year, month = (int(p) for p in period.split("-"))
    return date(year, month, 1), calendar.monthrange(year, month)[1]


def _resources(scope: Scope) -> dict[str, list[Resource]]:
    subs = [
        (_uuid(scope.dataset, "sub", team), f"{scope.account_name.split()[0]} {team.title()}")
        for team in TEAMS
    ]
    pools: dict[str, list[Resource]] = {}
    for meter in METERS:
        pool = []
        for i in range(POOL):
            team, env = TEAMS[i % len(TEAMS)], ENVS[(i // len(TEAMS) + len(meter.key)) % len(ENVS)]
            sub = subs[i % len(subs)]
            group = f"rg-{team}-{env}"
            name = f"{meter.key.replace('_', '')}-{team}-{env}-{i:02d}"
            arm = f"{meter.resource_type}/{name}"
            if meter.key == "sql":
                arm = f"{meter.resource_type}/sql-{team}-{env}/databases/{name}"
            rid = f"/subscriptions/{sub[0]}/resourceGroups/{group}/providers/{arm}"
            tags: tuple[tuple[str, str], ...] = ()
            if i % 5 != 4:  # one resource in five is untagged
                tags = (
                    ("team", team),
                    ("env", env),
                    ("cost_center", f"CC-{100 + TEAMS.index(team)}"),
                )
            pool.append(Resource(sub, group, rid, name, tags))
        pools[meter.key] = pool
    return pools


def _benefits(scope: Scope) -> dict[str, Benefit]:
    out: dict[str, Benefit] = {}
    if scope.reservation:
        order, rid = _uuid(scope.dataset, "ri-order"), _uuid(scope.dataset, "ri")
        out["ri"] = Benefit(
            "Reservation",
            f"/providers/Microsoft.Capacity/reservationOrders/{order}/reservations/{rid}",
            "VM_RI_D2s_v3_1Y",
            order,
            f"Reserved VM Instance, Standard_D2s_v3, {scope.region}, 1 Year",
            rid,
        )
        order, rid = _uuid(scope.dataset, "ri-old-order"), _uuid(scope.dataset, "ri-old")
        out["ri_old"] = Benefit(
            "Reservation",
            f"/providers/Microsoft.Capacity/reservationOrders/{order}/reservations/{rid}",
            "VM_RI_B2s_3Y_exchanged",
            order,
            f"Reserved VM Instance, Standard_B2s, {scope.region}, 3 Years",
            rid,
        )
    if scope.savings_plan:
        order, sid = _uuid(scope.dataset, "sp-order"), _uuid(scope.dataset, "sp")
        out["sp"] = Benefit(
            "SavingsPlan",
            f"/providers/Microsoft.BillingBenefits/savingsPlanOrders/{order}/savingsPlans/{sid}",
            "Compute_SavingsPlan_1Y",
            order,
            "Compute Savings Plan, 1 Year",
        )
    return out


def _quantity(meter: Meter, rng: random.Random, days: int) -> Decimal:
    if meter.unit == "1 Hour":
        return Decimal(rng.choice((24, 24, 24, rng.randint(1, 23))))
    if meter.unit == "1/Month":
        return _q(Decimal(1) / days)
    if meter.unit == "1 GB/Month":
        return _q(Decimal(rng.randint(1_000, 40_000_000)) / 1_000_000 / days)
    if meter.unit == "1 GB":  # a day's log ingestion: up to 4 GB, so no row is a spike by itself
        return Decimal(rng.randint(1_000, 4_000_000)) / 1_000_000
    return Decimal(rng.randint(1, 500_000)) / 10_000  # 10K operations


def _commitment_meter(kind: str) -> Meter:
    if kind == "Reservation":
        return Meter("ri", "Virtual Machines", "Dv3/DSv3 Series", "D2s v3", "Microsoft.Capacity",
                     "Microsoft.Capacity/reservationOrders", "1 Hour", Decimal(0), 0, "Compute",
                     ("Azure Reservations", "Management and Governance", "Cost Management"))  # fmt: skip
    return Meter("sp", "Savings Plan", "Compute Savings Plan", "Compute Savings Plan",
                 "Microsoft.BillingBenefits", "Microsoft.BillingBenefits/savingsPlanOrders",
                 "1 Hour", Decimal(0), 0, "Compute",
                 ("Azure Savings Plan for Compute", "Compute", "Other (Compute)"))  # fmt: skip


def month_charges(scope: Scope, period: str, index: int, rows: int, seed: int) -> list[Charge]:
    """The charges of one dataset month: ``rows`` usage lines (some split in two where a
    reservation covers part of them), commitment purchases, unused commitment and the refund."""
    rng = random.Random(seed)
    first, days = _month(period)
    pools = _resources(scope)
    benefits = _benefits(scope)
    weights = [m.weight for m in METERS]
    picks = rng.choices(METERS, weights=weights, k=rows)
    usage = []
    for meter in picks:
        res = rng.choice(pools[meter.key])
        day = first + timedelta(days=rng.randrange(days))
        usage.append((day, meter, res, _quantity(meter, rng, days)))
    usage.sort(key=lambda u: (u[0], u[1].key, u[2].id))

    share = Decimal(rows) / days / sum(weights)  # expected lines per day per weight unit
    # reservation: about 80% of the expected D2s v3 hours; the savings plan: 85% of E4s v5 spend
    instances = max(1, int(share * METERS[0].weight * 20 * Decimal("0.8") / 24))
    hourly = max(
        Decimal("0.01"),
        _q(
            share * METERS[1].weight * 20 * METERS[1].price * SP_DISCOUNT * Decimal("0.85") / 24,
            Decimal("0.01"),
        ),
    )
    ri_left = {first + timedelta(days=d): Decimal(24 * instances) for d in range(days)}
    sp_left = {first + timedelta(days=d): hourly * 24 for d in range(days)}
    charges: list[Charge] = []
    for day, meter, res, qty in usage:
        cost = _q(qty * meter.price)
        if meter.benefit == "ri" and "ri" in benefits and ri_left[day] > 0:
            covered = min(qty, ri_left[day])
            ri_left[day] -= covered
            charges.append(_covered(day, meter, res, covered, RI_RATE, benefits["ri"]))
            qty -= covered
            cost = _q(qty * meter.price)
            if qty == 0:
                continue
        if meter.benefit == "sp" and "sp" in benefits:
            sp_cost = _q(qty * meter.price * SP_DISCOUNT)
            if sp_cost <= sp_left[day]:
                sp_left[day] -= sp_cost
                price = _q(meter.price * SP_DISCOUNT, SIX)
                charges.append(_covered(day, meter, res, qty, price, benefits["sp"], sp_cost))
                continue
        if meter.benefit == "spot":  # the spot price is the contracted one; PayGPrice the list
            price = _q(meter.price * SPOT_RATE, SIX)
            cost = _q(qty * price)
            charges.append(
                Charge(
                    day,
                    "Usage",
                    "Spot",
                    "UsageBased",
                    meter,
                    qty,
                    price,
                    meter.price,
                    price,
                    cost,
                    price,
                    cost,
                    res,
                )  # fmt: skip
            )
            continue
        charges.append(
            Charge(
                day,
                "Usage",
                "OnDemand",
                "UsageBased",
                meter,
                qty,
                meter.price,
                meter.price,
                meter.price,
                cost,
                meter.price,
                cost,
                res,
            )  # fmt: skip
        )
    if "ri" in benefits:
        ri = benefits["ri"]
        if index % 12 == 0:  # paid upfront for a year in the first month (renewed yearly)
            charges.append(_purchase(first, ri, RI_RATE * 24 * instances * 365, "OneTime"))
        for day, left in ri_left.items():
            if left > 0:
                cost = _q(left * RI_RATE)
                charges.append(
                    Charge(
                        day,
                        "UnusedReservation",
                        "Reservation",
                        "UsageBased",
                        _commitment_meter("Reservation"),
                        left,
                        RI_RATE,
                        Decimal(0),
                        RI_RATE,
                        None,
                        RI_RATE,
                        cost,
                        None,
                        ri,
                    )  # fmt: skip
                )
    if "sp" in benefits:
        sp = benefits["sp"]
        charges.append(_purchase(first, sp, hourly * 24 * days))
        for day, left in sp_left.items():
            if left > 0:
                qty = _q(left / hourly, SIX)
                charges.append(
                    Charge(
                        day,
                        "UnusedSavingsPlan",
                        "SavingsPlan",
                        "UsageBased",
                        _commitment_meter("SavingsPlan"),
                        qty,
                        hourly,
                        Decimal(0),
                        hourly,
                        None,
                        hourly,
                        left,
                        None,
                        sp,
                    )  # fmt: skip
                )
    if scope.refund and index == 1:
        old = benefits["ri_old"]
        amount = Decimal("-412.80")
        charges.append(
            Charge(
                first + timedelta(days=9),
                "Refund",
                "Reservation",
                "OneTime",
                _commitment_meter("Reservation"),
                Decimal(1),
                -amount,
                Decimal(0),
                -amount,
                amount,
                -amount,
                None,
                None,
                old,
                old.order_name,
            )  # fmt: skip
        )
    charges.sort(key=lambda c: c.day)
    return charges


def _covered(
    day: date, meter: Meter, res: Resource, qty: Decimal, price: Decimal, benefit: Benefit,
    cost: Decimal | None = None,
) -> Charge:  # fmt: skip
    """Usage a commitment covers: 0 in the actual export, amortised in the amortized one."""
    return Charge(
        day, "Usage", benefit.kind, "UsageBased", meter, qty, meter.price, meter.price,
        Decimal(0), Decimal(0), price, cost if cost is not None else _q(qty * price), res, benefit,
    )  # fmt: skip


def _purchase(first: date, benefit: Benefit, fee: Decimal, frequency: str = "Recurring") -> Charge:
    """A payment for a commitment (monthly or upfront): in the actual export only."""
    fee = _q(fee)
    return Charge(
        first, "Purchase", benefit.kind, frequency, _commitment_meter(benefit.kind), Decimal(1),
        fee, Decimal(0), fee, fee, fee, None, None, benefit, benefit.order_name,
    )  # fmt: skip


def _rate(scope: Scope, index: int) -> Decimal:
    return Decimal(scope.rates[index % len(scope.rates)]) if scope.rates else Decimal(1)


def _product(c: Charge, scope: Scope) -> str:
    if c.product:
        return c.product
    return f"{c.meter.category} {c.meter.sub_category} - {c.meter.name} - {scope.region}"


@cache
def _tags(res: Resource | None, braces: bool) -> str:
    if res is None or not res.tags:
        return ""
    body = ",".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in res.tags)
    return "{" + body + "}" if braces else body


def _common(c: Charge, scope: Scope) -> dict[str, str]:
    """Values both cost schemas share, under EA names."""
    res, ben = c.resource, c.benefit
    return {
        "SubscriptionId": res.subscription[0] if res else "",
        "SubscriptionName": res.subscription[1] if res else "",
        "ResourceGroup": res.group if res else "",
        "ResourceId": res.id
        if res
        else (
            ben.id
            if ben and c.charge_type != "UnusedSavingsPlan" and c.charge_type != "UnusedReservation"
            else ""
        ),
        "ResourceName": res.name if res else "",
        "ResourceLocation": scope.location if res else "",
        "ProductName": _product(c, scope),
        "MeterCategory": c.meter.category,
        "MeterSubCategory": c.meter.sub_category,
        "MeterId": _uuid("meter", c.meter.key),
        "MeterName": c.meter.name,
        "MeterRegion": scope.region,
        "UnitOfMeasure": c.meter.unit,
        "Quantity": _num(c.quantity),
        "ConsumedService": c.meter.consumed_service,
        "ReservationId": ben.reservation_id if ben else "",
        "ReservationName": ben.name if ben and ben.kind == "Reservation" else "",
        "ProductOrderId": ben.order if ben else "",
        "ProductOrderName": ben.order_name if ben else "",
        "Term": ("36" if c.charge_type == "Refund" else "12") if ben else "",
        "ChargeType": c.charge_type,
        "Frequency": c.frequency,
        "PricingModel": c.pricing_model,
        "PayGPrice": _num(c.payg_price),
        "ServiceFamily": c.meter.family,
        "benefitId": ben.id if ben else "",
        "benefitName": ben.name if ben else "",
        "CostCenter": dict(res.tags).get("cost_center", "") if res else "",
    }


def ea_row(c: Charge, scope: Scope, period: str, amortized: bool) -> list[str]:
    first, days = _month(period)
    v = _common(c, scope)
    cost = c.amortized_cost if amortized else c.actual_cost
    team = dict(c.resource.tags).get("team", "shared") if c.resource else "shared"
    v |= {
        "InvoiceSectionName": f"{team.title()} department",
        "InvoiceSectionId": str(100 + (TEAMS.index(team) if team in TEAMS else 9)),
        "AccountName": f"{team.title()} enrollment account",
        "AccountOwnerId": f"{team}@fabrikam.example",
        "Date": c.day.strftime("%m/%d/%Y"),
        "EffectivePrice": _num(c.amortized_price if amortized else c.actual_price),
        "CostInBillingCurrency": _num(cost),
        "Tags": _tags(c.resource, braces=False),
        "OfferId": "MS-AZR-0017P",
        "UnitPrice": _num(c.unit_price),
        "PublisherType": "Azure",
        "PublisherName": "Microsoft",
        "BillingAccountId": scope.account_id,
        "BillingAccountName": scope.account_name,
        "BillingCurrencyCode": scope.currency,
        "BillingPeriodStartDate": first.strftime("%m/%d/%Y"),
        "BillingPeriodEndDate": (first + timedelta(days=days - 1)).strftime("%m/%d/%Y"),
        "BillingProfileId": scope.profile_id,
        "BillingProfileName": scope.profile_name,
        "IsAzureCreditEligible": "True",
        "PartNumber": f"AAA-{_uuid('part', c.meter.key)[:5].upper()}",
    }
    return [v.get(col, "") for col in EA_COLUMNS]


def mca_row(c: Charge, scope: Scope, period: str, index: int, amortized: bool) -> list[str]:
    first, days = _month(period)
    rate = _rate(scope, index)
    v = _common(c, scope)
    usd = c.amortized_cost if amortized else c.actual_cost
    assert usd is not None
    payg = _q(c.quantity * c.payg_price) if c.charge_type == "Usage" else Decimal(0)
    team = dict(c.resource.tags).get("team", "shared") if c.resource else "shared"
    last = first + timedelta(days=days - 1)
    out = {
        "invoiceId": f"E{period.replace('-', '')}{scope.profile_id[:4]}",
        "billingAccountId": scope.account_id,
        "billingAccountName": scope.account_name,
        "billingProfileId": scope.profile_id,
        "billingProfileName": scope.profile_name,
        "invoiceSectionId": _uuid(scope.dataset, "section", team)[:18].upper(),
        "invoiceSectionName": f"{team.title()} section",
        "costCenter": v["CostCenter"],
        "billingPeriodStartDate": first.isoformat(),
        "billingPeriodEndDate": last.isoformat(),
        "servicePeriodStartDate": first.isoformat(),
        "servicePeriodEndDate": last.isoformat(),
        "date": c.day.isoformat(),
        "serviceFamily": v["ServiceFamily"],
        "productOrderId": v["ProductOrderId"],
        "productOrderName": v["ProductOrderName"],
        "consumedService": v["ConsumedService"],
        "meterId": v["MeterId"],
        "meterName": v["MeterName"],
        "meterCategory": v["MeterCategory"],
        "meterSubCategory": v["MeterSubCategory"],
        "meterRegion": v["MeterRegion"],
        "ProductId": f"DZH318Z0{_uuid('product', c.meter.key)[:4].upper()}",
        "ProductName": v["ProductName"],
        "SubscriptionId": v["SubscriptionId"],
        "subscriptionName": v["SubscriptionName"],
        "publisherType": "Microsoft",
        "publisherName": "Microsoft",
        "resourceGroupName": v["ResourceGroup"],
        "ResourceId": v["ResourceId"],
        "resourceLocation": v["ResourceLocation"],
        "location": scope.region if c.resource else "",
        "effectivePrice": _num(c.amortized_price if amortized else c.actual_price),
        "quantity": v["Quantity"],
        "unitOfMeasure": v["UnitOfMeasure"],
        "chargeType": c.charge_type,
        "billingCurrency": scope.currency,
        "pricingCurrency": "USD",
        "costInBillingCurrency": _num(_q(usd * rate)),
        "costInPricingCurrency": _num(usd),
        "costInUsd": _num(usd),
        "paygCostInBillingCurrency": _num(_q(payg * rate)),
        "paygCostInUsd": _num(payg),
        "exchangeRatePricingToBilling": _num(rate),
        "exchangeRateDate": first.isoformat(),
        "isAzureCreditEligible": "True",
        "tags": _tags(c.resource, braces=True),
        "PayGPrice": v["PayGPrice"],
        "frequency": c.frequency,
        "term": v["Term"],
        "reservationId": v["ReservationId"],
        "reservationName": v["ReservationName"],
        "pricingModel": c.pricing_model,
        "unitPrice": _num(c.unit_price),
        "benefitId": v["benefitId"],
        "benefitName": v["benefitName"],
        "provider": "Azure",
    }
    return [out.get(col, "") for col in MCA_COLUMNS]


def focus_row(c: Charge, scope: Scope, period: str, index: int) -> dict[str, object]:
    """One FocusCost row with Microsoft's conversion rules (amortized rows + actual purchases and
    refunds; BilledCost 0 on covered and unused, EffectiveCost 0 on purchases and refunds)."""
    first, days = _month(period)
    rate = _rate(scope, index)
    ben, res, meter = c.benefit, c.resource, c.meter
    block, unit = UNITS[meter.unit]
    covered_or_unused = (
        c.pricing_model != "OnDemand" and c.charge_type != "Purchase" and c.charge_type != "Refund"
    )
    billed = Decimal(0) if covered_or_unused else (c.actual_cost or Decimal(0))
    effective = (
        Decimal(0) if c.charge_type in ("Purchase", "Refund") else (c.amortized_cost or Decimal(0))
    )
    unused = c.charge_type.startswith("Unused")
    category = {"Purchase": "Purchase", "Refund": "Purchase"}.get(c.charge_type, "Usage")
    pricing_qty = _q(c.quantity / block, Decimal("0.0000000001"))
    list_price = c.payg_price if c.payg_price else c.unit_price
    is_ri = ben is not None and ben.kind == "Reservation"
    name, svc_cat, svc_sub = meter.service
    v: dict[str, object] = {
        "BilledCost": _q(billed * rate),
        "BillingAccountId": f"/providers/Microsoft.Billing/billingAccounts/{scope.account_id}/billingProfiles/{scope.profile_id}",
        "BillingAccountName": scope.profile_name,
        "BillingAccountType": "Billing Profile",
        "BillingCurrency": scope.currency,
        "BillingPeriodEnd": first + timedelta(days=days),
        "BillingPeriodStart": first,
        "ChargeCategory": category,
        "ChargeClass": "Correction" if c.charge_type == "Refund" else None,
        "ChargeDescription": _product(c, scope),
        "ChargeFrequency": {"Recurring": "Recurring", "OneTime": "One-Time"}.get(
            c.frequency, "Usage-Based"
        ),
        "ChargePeriodEnd": c.day + timedelta(days=1),
        "ChargePeriodStart": c.day,
        "CommitmentDiscountCategory": (("Usage" if is_ri else "Spend") if ben else None),
        "CommitmentDiscountId": ben.id if ben else None,
        "CommitmentDiscountName": ben.name if ben else None,
        "CommitmentDiscountStatus": ("Unused" if unused else "Used")
        if ben and category == "Usage"
        else None,
        "CommitmentDiscountType": (("Reservation" if is_ri else "Savings Plan") if ben else None),
        "ConsumedQuantity": c.quantity if c.charge_type == "Usage" else None,
        "ConsumedUnit": unit if c.charge_type == "Usage" else None,
        "ContractedCost": _q(c.unit_price * pricing_qty * rate)
        if category == "Usage"
        else _q(billed * rate),
        "ContractedUnitPrice": _q(c.unit_price * rate, Decimal("0.0000000001")),
        "EffectiveCost": _q(effective * rate),
        "InvoiceIssuerName": "Microsoft",
        "ListCost": _q(list_price * pricing_qty * rate)
        if category == "Usage"
        else _q(billed * rate),
        "ListUnitPrice": _q(list_price * rate, Decimal("0.0000000001")),
        "PricingCategory": None
        if c.charge_type == "Refund"
        else (
            "Committed"
            if ben and category == "Usage"
            else ("Dynamic" if c.pricing_model == "Spot" else "Standard")
        ),
        "PricingQuantity": pricing_qty,
        "PricingUnit": unit,
        "ProviderName": "Microsoft",
        "PublisherName": "Microsoft",
        "RegionId": scope.location if res else None,
        "RegionName": scope.region_name if res else None,
        "ResourceId": res.id if res else None,
        "ResourceName": res.name if res else None,
        "ResourceType": (
            "Virtual machine"
            if meter.resource_type.endswith("virtualMachines")
            else meter.resource_type.split("/")[-1]
        )
        if res
        else None,
        "ServiceCategory": svc_cat,
        "ServiceName": name,
        "SkuId": f"DZH318Z0{_uuid('product', meter.key)[:4].upper()}",
        "SkuPriceId": None,
        "SubAccountId": f"/subscriptions/{res.subscription[0]}" if res else None,
        "SubAccountName": res.subscription[1] if res else None,
        "SubAccountType": "Subscription" if res else None,
        "Tags": _tags(res, braces=True) or None,
        "x_BilledCostInUsd": billed,
        "x_BillingAccountId": scope.account_id,
        "x_BillingAccountName": scope.account_name,
        "x_BillingExchangeRate": rate,
        "x_BillingExchangeRateDate": first,
        "x_BillingProfileId": scope.profile_id,
        "x_BillingProfileName": scope.profile_name,
        "x_EffectiveCostInUsd": effective,
        "x_EffectiveUnitPrice": c.amortized_price,
        "x_PricingBlockSize": Decimal(block),
        "x_PricingCurrency": "USD",
        "x_PricingUnitDescription": meter.unit,
        "x_ResourceGroupName": res.group if res else None,
        "x_ResourceType": meter.resource_type if res else None,
        "x_ServicePeriodEnd": first + timedelta(days=days),
        "x_ServicePeriodStart": first,
        "x_SkuIsCreditEligible": True,
        "x_SkuMeterCategory": meter.category,
        "x_SkuMeterId": _uuid("meter", meter.key),
        "x_SkuMeterName": meter.name,
        "x_SkuMeterSubcategory": meter.sub_category,
        "x_SkuOrderId": ben.order if ben else None,
        "x_SkuOrderName": ben.order_name if ben else None,
        "x_SkuRegion": scope.region,
        "x_SkuServiceFamily": meter.family,
        "x_SkuTerm": 12 if ben else None,
    }
    return v


def _focus_rows(charges: list[Charge], scope: Scope, period: str, index: int) -> list[dict]:
    """Microsoft's input rule: every amortized row, plus the actual commitment purchases and refunds."""
    return [
        focus_row(c, scope, period, index)
        for c in charges
        if c.amortized_cost is not None or c.charge_type in ("Purchase", "Refund")
    ]


def _csv_bytes(header: Iterable[str], rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _gzip(data: bytes) -> bytes:
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, compresslevel=6, mtime=0) as gz:
        gz.write(data)
    return out.getvalue()


def _parquet_bytes(rows: list[dict]) -> bytes:
    arrays = []
    for col in FOCUS_ORDER:
        kind = FOCUS_COLUMNS.get(col, "string")
        values = [r.get(col) for r in rows]
        if kind == "decimal":
            arrays.append(pa.array(values, pa.decimal128(38, 10)))
        elif kind == "datetime":
            arrays.append(
                pa.array(
                    [datetime(v.year, v.month, v.day, tzinfo=UTC) if v else None for v in values],
                    pa.timestamp("us", tz="UTC"),
                )
            )
        elif kind == "bool":
            arrays.append(pa.array(values, pa.bool_()))
        elif kind == "int":
            arrays.append(pa.array(values, pa.int64()))
        else:
            arrays.append(pa.array(values, pa.string()))
    table = pa.table(arrays, names=list(FOCUS_ORDER))
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="snappy")
    return sink.getvalue().to_pybytes()


def _write_run(
    out: Path,
    scope: Scope,
    export: tuple[str, str, str, str],
    period: str,
    submitted: datetime,
    run_id: str,
    parts: list[tuple[bytes, int]],
    end: date,
) -> dict:
    """One run's blobs and its manifest.json; returns the manifest."""
    name, kind, fmt, compression = export
    first, days = _month(period)
    rng = f"{first:%Y%m%d}-{first + timedelta(days=days - 1):%Y%m%d}"
    folder = f"{ROOT}/{name}/{rng}/{submitted:%Y%m%d%H%M}/{run_id}"
    suffix = {"Gzip": ".csv.gz", "None": ".csv", "Snappy": ".snappy.parquet"}[compression]
    blobs: list[dict[str, Any]] = []
    for i, (data, count) in enumerate(parts, start=1):
        blob = f"{folder}/part_0_{i:04d}{suffix}"
        path = out / blob
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        blobs.append({"blobName": blob, "byteCount": len(data), "dataRowCount": count})
    account = (
        scope.account_id
        if scope.agreement == "EA"
        else f"{scope.account_id}/billingProfiles/{scope.profile_id}"
    )
    manifest = {
        "manifestVersion": MANIFEST_VERSION,
        "byteCount": sum(b["byteCount"] for b in blobs),
        "blobCount": len(blobs),
        "dataRowCount": sum(b["dataRowCount"] for b in blobs),
        "exportConfig": {
            "exportName": name,
            "resourceId": f"/providers/Microsoft.Billing/billingAccounts/{account}/providers/Microsoft.CostManagement/exports/{name}",
            "dataVersion": FOCUS_DATA_VERSION if kind == "FocusCost" else COST_DATA_VERSION,
            "apiVersion": "2023-07-01-preview",
            "type": kind,
            "timeFrame": "MonthToDate",
            "granularity": "Daily",
        },
        "deliveryConfig": {
            "partitionData": True,
            "dataOverwriteBehavior": "CreateNewReport",
            "fileFormat": fmt,
            "compressionMode": compression,
            "containerUri": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/finops/providers/Microsoft.Storage/storageAccounts/finopsdemo",
            "rootFolderPath": ROOT,
        },
        "runInfo": {
            "executionType": "Scheduled",
            "submittedTime": submitted.strftime("%Y-%m-%dT%H:%M:%S.")
            + f"{submitted.microsecond:06d}0Z",
            "runId": run_id,
            "startDate": f"{first:%Y-%m-%d}T00:00:00",
            "endDate": f"{end:%Y-%m-%d}T00:00:00Z",
        },
        "blobs": blobs,
    }
    (out / folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return manifest


def _split(rows: list, rows_per_file: int) -> list[list]:
    return [rows[i : i + rows_per_file] for i in range(0, len(rows), rows_per_file)] or [[]]


def _cost_parts(
    charges: list[Charge], scope: Scope, period: str, index: int, amortized: bool,
    compression: str, rows_per_file: int,
) -> tuple[list[tuple[bytes, int]], Decimal, int]:  # fmt: skip
    """The blobs of one cost export run, the sum of its CostInBillingCurrency, its rows."""
    chosen = [c for c in charges if (c.amortized_cost if amortized else c.actual_cost) is not None]
    header: tuple[str, ...]
    if scope.agreement == "EA":
        header, rows = EA_COLUMNS, [ea_row(c, scope, period, amortized) for c in chosen]
        col = EA_COLUMNS.index("CostInBillingCurrency")
    else:
        header, rows = MCA_COLUMNS, [mca_row(c, scope, period, index, amortized) for c in chosen]
        col = MCA_COLUMNS.index("costInBillingCurrency")
    total = sum((Decimal(r[col]) for r in rows), Decimal(0))
    parts = []
    for chunk in _split(rows, rows_per_file):
        data = _csv_bytes(header, chunk)
        parts.append((_gzip(data) if compression == "Gzip" else data, len(chunk)))
    return parts, total, len(rows)


def _submitted(period: str, run: int) -> datetime:
    first, days = _month(period)
    return datetime(first.year, first.month, first.day, 5, 17, 42, 123456, tzinfo=UTC) + timedelta(
        days=days + 1 + 2 * run, minutes=13 * run
    )


def generate_azure(
    out_dir: Path,
    *,
    rows: int = 6_000,
    seed: int = 7,
    months: tuple[str, ...] = DEFAULT_MONTHS,
    rows_per_file: int = 100_000,
) -> GeneratedAzure:
    """Write the demo Azure exports (see the module doc) under ``out_dir`` and return where they are.

    Args:
        rows: usage lines per dataset across the months (commitment rows come on top).
        seed: same seed, same bytes.
        months: billing periods 'YYYY-MM', oldest first.
        rows_per_file: split a run into several ``part_0_NNNN`` blobs past this many rows.

    Returns:
        The container folder, the datasets (name, container = ``<out>/<ROOT>``, export names) and
        the expected totals (also written to ``<out>/expected_totals.json``).
    """
    out = Path(out_dir)
    per_month = max(1, rows // max(1, len(months)))
    result = GeneratedAzure(out)
    expected: dict = {"container": str(out), "root_folder": ROOT, "seed": seed,
                      "rows_per_month": per_month, "months": list(months), "datasets": {}}  # fmt: skip
    for s, scope in enumerate(SCOPES):
        names = tuple(e[0] for e in scope.exports)
        result.datasets[scope.dataset] = Dataset(scope.dataset, scope.agreement, out / ROOT, names)
        periods: dict[str, dict] = {}
        for i, period in enumerate(months):
            first, days = _month(period)
            last = first + timedelta(days=days)
            month_seed = seed * 1000 + 100 * s + i
            charges = month_charges(scope, period, i, per_month, month_seed)
            totals: dict[str, Any] = {"billing_account_id": scope.account_id if scope.agreement == "EA" else
                      (f"/providers/Microsoft.Billing/billingAccounts/{scope.account_id}/billingProfiles/{scope.profile_id}"
                       if scope.agreement == "FOCUS" else scope.profile_id),
                      "currency": scope.currency, "rows": 0, "runs": {}}  # fmt: skip
            if scope.agreement == "FOCUS":
                focus = _focus_rows(charges, scope, period, i)
                export = scope.exports[0]
                run_id = _uuid(export[0], period, seed, 0)
                parts = [
                    (_parquet_bytes(chunk), len(chunk)) for chunk in _split(focus, rows_per_file)
                ]
                _write_run(out, scope, export, period, _submitted(period, 0), run_id, parts, last)
                billed = sum((cast(Decimal, r["BilledCost"]) for r in focus), Decimal(0))
                effective = sum((cast(Decimal, r["EffectiveCost"]) for r in focus), Decimal(0))
                totals |= {"rows": len(focus), "runs": {export[0]: run_id}}
            else:
                billed = effective = Decimal(0)
                for export in scope.exports:
                    amortized = export[1] == "AmortizedCost"
                    if not amortized and scope.agreement == "EA" and i == len(months) - 1:
                        # an older, partial run of the month: left in the container, it must lose
                        early = month_charges(
                            scope, period, i, int(per_month * 0.6), month_seed + 97
                        )
                        early = [c for c in early if c.day < first + timedelta(days=days - 5)]
                        parts, _, _ = _cost_parts(
                            early, scope, period, i, False, export[3], rows_per_file
                        )
                        _write_run(out, scope, export, period, _submitted(period, -1),
                                   _uuid(export[0], period, seed, "early"), parts,
                                   first + timedelta(days=days - 5))  # fmt: skip
                    parts, total, n = _cost_parts(
                        charges, scope, period, i, amortized, export[3], rows_per_file
                    )
                    run_id = _uuid(export[0], period, seed, 0)
                    _write_run(
                        out, scope, export, period, _submitted(period, 0), run_id, parts, last
                    )
                    if amortized:
                        effective = total
                    else:
                        billed = total
                    totals["rows"] += n
                    totals["runs"][export[0]] = run_id
            totals |= {"billed_cost": money(billed), "effective_cost": money(effective)}
            totals["delivery_id"] = "+".join(sorted(totals["runs"].values()))
            periods[period] = totals
        expected["datasets"][scope.dataset] = {
            "agreement": scope.agreement,
            "exports": {e[0]: e[1] for e in scope.exports},
            "periods": periods,
        }
    (out / "expected_totals.json").write_text(json.dumps(expected, indent=2))
    result.expected = expected
    return result


__all__ = ["DEFAULT_MONTHS", "ROOT", "Dataset", "GeneratedAzure", "generate_azure"]
