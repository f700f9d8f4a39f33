"""What real and third-party CUR deliveries do that a tidy generator would not, so imports meet it.

* Units as CUR months write them, which the FOCUS mapping must bring into FOCUS UnitFormat:
  ``days``, ``Terabytes``, ``User``, ``ConfigurationItemRecorded`` (:func:`odd_unit_rows`).
* AWS Marketplace lines: ``bill/BillingEntity`` = ``AWS Marketplace`` and the third-party seller as
  ``lineItem/LegalEntity``; AWS still invoices them (:func:`marketplace_rows`).
* CUR v1 only (applied by the CSV writer): the text ``None`` in the numeric savings plan columns of
  EC2 usage rows, as koku-nise writes it (:data:`NONE_TEXT_COLUMNS`, :func:`none_text_rows`), and
  a first month delivered without the ``bill/InvoicingEntity`` column, as older CURs and koku-nise
  deliver it (:func:`v1_absent_columns`).

Rows are plain dicts for ``MonthGenerator.special_rows`` (money in integer 1e-8 ``UNITS``, so every
expected total stays exact); nothing here draws from the month's random generator, so the other rows
of a month do not change when a quirk is added.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyarrow as pa
import pyarrow.compute as pc

# money and quantities are integers of 1e-8, as everywhere in the generator (rows.UNITS)
UNITS = 10**8

#: v1 CSV columns that carry the text ``None`` (not an empty field) on rows without a savings plan.
NONE_TEXT_COLUMNS = ("savings_plan_savings_plan_effective_cost", "savings_plan_savings_plan_rate")


@dataclass(frozen=True)
class OddUnit:
    product_code: str
    product_name: str
    family: str
    usage_type: str
    operation: str
    unit: str  # pricing/unit exactly as the CUR writes it
    rate: int  # public on-demand rate per unit, in UNITS
    amounts: tuple[int, int]  # whole units on the two rows of a month


ODD_UNITS: tuple[OddUnit, ...] = (
    OddUnit(
        "AWSConfig",
        "AWS Config",
        "Management Tools - AWS Config",
        "ConfigurationItemRecorded",
        "",
        "ConfigurationItemRecorded",
        300_000,  # $0.003 per configuration item recorded
        (12_000, 7_500),
    ),
    OddUnit(
        "AmazonAthena",
        "Amazon Athena",
        "Serverless",
        "DataScannedInTB",
        "RunQuery",
        "Terabytes",
        500_000_000,  # $5 per TB scanned
        (3, 2),
    ),
    OddUnit(
        "AmazonQuickSight",
        "Amazon QuickSight",
        "Subscription",
        "QS-User-Enterprise-Month",
        "",
        "User",
        1_800_000_000,  # $18 per author per month
        (1, 1),
    ),
    OddUnit(
        "AmazonChime",
        "Amazon Chime",
        "Chime Pro",
        "Pro-User-Day",
        "",
        "days",
        300_000_000,  # $3 per user-day
        (12, 8),
    ),
)

# (seller of record, product name, product code, usage type, unit, rate in UNITS, hours or units a day)
MARKETPLACE: tuple[tuple[str, str, str, str, str, int, int], ...] = (
    (
        "Nimbus Observability Inc.",
        "Nimbus Observability Agent",
        "b7x2q9nimbus4k1z8mp5d3w6r",
        "SoftwareUsage:m6i.large",
        "Hrs",
        5_000_000,  # $0.05 per instance hour
        24,
    ),
    (
        "Cobalt Security Ltd.",
        "Cobalt Threat Intelligence (SaaS)",
        "c0b4lt7th1nt3l2s9a4s8x6q1",
        "MP:Units",
        "Units",
        25_000_000,  # $0.25 per unit
        50,
    ),
)

Row = Callable[..., dict[str, object]]


def _usage(
    row: Row, account: int, start: str, end: str, amount: int, rate: int, **kw: object
) -> dict[str, object]:
    cost = amount * rate  # whole units x rate in UNITS: exact
    rate_text = f"{rate / UNITS:.10f}"
    return row(
        "Usage",
        account,
        cost,
        line_item_usage_start_date=start,
        line_item_usage_end_date=end,
        line_item_usage_amount=amount * UNITS,
        line_item_unblended_rate=rate_text,
        pricing_public_on_demand_rate=rate_text,
        pricing_public_on_demand_cost=cost,
        pricing_term="OnDemand",
        product_region_code="us-east-1",
        product_location="US East (N. Virginia)",
        **kw,
    )


def odd_unit_rows(
    row: Row, month_start: datetime, month_index: int, accounts: list[int]
) -> list[dict[str, object]]:
    """Two usage rows per odd-unit service: days 3 and 17 of the month, on two linked accounts;
    a monthly per-user subscription (unit ``User``) from day 1 to the month's end, as bills show it.
    Each row stays under the anomaly detector's minimum impact (50 USD): quirks, not anomalies."""
    out = []
    month_end = (month_start + timedelta(days=32)).replace(day=1)
    for s, svc in enumerate(ODD_UNITS):
        for k, amount in enumerate(svc.amounts):
            day = month_start + timedelta(days=3 + 14 * k)
            end = day + timedelta(days=1)
            if svc.unit == "User":
                day, end = month_start, month_end
            sku = f"ODD{s:02d}{svc.usage_type[:8].upper()}"
            out.append(
                _usage(
                    row,
                    accounts[(s + k) % len(accounts)],
                    _iso(day),
                    _iso(end),
                    amount + month_index % 2,
                    svc.rate,
                    line_item_product_code=svc.product_code,
                    product_product_name=svc.product_name,
                    product_servicecode=svc.product_code,
                    product_product_family=svc.family,
                    line_item_usage_type=svc.usage_type,
                    line_item_operation=svc.operation or None,
                    pricing_unit=svc.unit,
                    product_sku=sku,
                    pricing_rate_code=f"{sku}.JRTCKXETXF.6YS6EN2CT7",
                    line_item_line_item_description=(
                        f"${svc.rate / UNITS:g} per {svc.unit} for {svc.product_name}"
                    ),
                )
            )
    return out


def marketplace_rows(
    row: Row, month_start: datetime, month_end: datetime, accounts: list[int]
) -> list[dict[str, object]]:
    """One usage line a day per Marketplace product and account, billed through AWS (metered
    daily, as the seller reports it: a steady series, no month-long line on day 1)."""
    out = []
    days = (month_end - month_start).days
    for seller, product, code, usage_type, unit, rate, amount in MARKETPLACE:
        for k, account in enumerate(accounts):
            for d in range(days):
                day = month_start + timedelta(days=d)
                out.append(
                    _usage(
                        row,
                        account,
                        _iso(day),
                        _iso(day + timedelta(days=1)),
                        amount // (k + 1),
                        rate,
                        bill_billing_entity="AWS Marketplace",
                        line_item_legal_entity=seller,
                        line_item_product_code=code,
                        product_product_name=product,
                        line_item_usage_type=usage_type,
                        line_item_operation="Hourly" if unit == "Hrs" else "Usage",
                        pricing_unit=unit,
                        product_sku=code[:12].upper(),
                        pricing_rate_code=f"{code[:12].upper()}.MPOFFER.{code[-6:].upper()}",
                        line_item_line_item_description=f"AWS Marketplace: {product} ({seller})",
                    )
                )
    return out


def none_text_rows(cols: dict[str, pa.Array]) -> pa.Array:
    """The rows koku-nise writes ``None`` on: EC2 usage rows (they never carry a savings plan)."""
    is_ec2_usage = pc.and_(
        pc.equal(cols["line_item_line_item_type"], "Usage"),
        pc.equal(cols["line_item_product_code"], "AmazonEC2"),
    )
    return pc.fill_null(is_ec2_usage, False)


def with_none_text(values: pa.Array, rows: pa.Array) -> pa.Array:
    """``values`` as text, with ``None`` where ``rows`` is set and there is no value."""
    text = values if pa.types.is_string(values.type) else pc.cast(values, pa.string())
    return pc.if_else(pc.and_(rows, pc.is_null(text)), pa.scalar("None"), text)


def v1_absent_columns(month_index: int) -> frozenset[str]:
    """Columns a CUR v1 delivery of the month lacks: the first month predates bill/InvoicingEntity."""
    return frozenset({"bill_invoicing_entity"}) if month_index == 0 else frozenset()


def _iso(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")
