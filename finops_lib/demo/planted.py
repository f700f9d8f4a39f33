"""A planted cost anomaly the anomaly detector must find, on an otherwise steady resource.

One EC2 instance of one linked account of the CUR v1 organisation runs every day of every month
as an ``m6i.2xlarge`` (24 hours a day: a steady daily cost). On two weekdays in the middle of the
anomaly month (the demo's last month) it runs resized to a ``p3.8xlarge`` (same instance id, as a
stop / change type / start keeps it), so its usage cost that day jumps about 30-fold. The rows
are plain dicts for ``MonthGenerator.special_rows`` (money in integer 1e-8 ``UNITS``);
:func:`describe` states the anomaly from the rows written, for ``expected_totals.json``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

UNITS = 10**8
ACCOUNT = "ml-research"  # the linked account (organisation account name suffix)
INSTANCE = "i-0a5e7d1c9b3f2e4a6"
DAYS = (14, 15)  # day of month; in 2026-10 a Wednesday and a Thursday
# (instance type, usage type, public on-demand rate per hour in UNITS: us-east-1 Linux list prices)
STEADY = ("m6i.2xlarge", "BoxUsage:m6i.2xlarge", 38_400_000)
BURST = ("p3.8xlarge", "BoxUsage:p3.8xlarge", 1_224_000_000)

Row = Callable[..., dict[str, object]]


def _iso(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def instance_rows(
    row: Row, account: int, month_start: datetime, month_end: datetime, anomaly: bool
) -> list[dict[str, object]]:
    """One Usage row a day for the instance (24 hours); resized on ``DAYS`` when ``anomaly``."""
    out = []
    for d in range((month_end - month_start).days):
        day = month_start + timedelta(days=d)
        instance_type, usage_type, rate = (
            BURST if anomaly and day.day in DAYS and day.weekday() < 5 else STEADY
        )
        cost = 24 * rate
        rate_text = f"{rate / UNITS:.10f}"
        out.append(
            row(
                "Usage",
                account,
                cost,
                line_item_usage_start_date=_iso(day),
                line_item_usage_end_date=_iso(day + timedelta(days=1)),
                line_item_product_code="AmazonEC2",
                product_product_name="Amazon Elastic Compute Cloud",
                product_servicecode="AmazonEC2",
                product_product_family="Compute Instance",
                product_instance_type=instance_type,
                product_operating_system="Linux",
                product_region_code="us-east-1",
                product_location="US East (N. Virginia)",
                line_item_usage_type=usage_type,
                line_item_operation="RunInstances",
                line_item_availability_zone="us-east-1c",
                line_item_resource_id=INSTANCE,
                line_item_usage_amount=24 * UNITS,
                line_item_unblended_rate=rate_text,
                pricing_public_on_demand_rate=rate_text,
                pricing_public_on_demand_cost=cost,
                pricing_term="OnDemand",
                pricing_unit="Hrs",
                tag_team="ml",
                tag_env="prod",
                tag_cost_center="CC-300",
                tag_app="recommender",
                line_item_line_item_description=(
                    f"${rate / UNITS:g} per On Demand Linux {instance_type} Instance Hour"
                ),
            )
        )
    return out


def describe(
    rows: Sequence[dict[str, object]], payer: str, sub_account: str
) -> dict[str, object] | None:
    """The anomaly as the detector should report it: the burst days and their cost above the
    instance's usual (steady) daily cost, from the rows written; None without a burst."""
    steady = 24 * STEADY[2]
    burst = [r for r in rows if r["product_instance_type"] == BURST[0]]
    if not burst:
        return None
    extra = sum(int(r["line_item_unblended_cost"]) - steady for r in burst)  # type: ignore[call-overload]
    return {
        "provider": "AWS",
        "billing_account": payer,
        "sub_account": sub_account,
        "service": "Amazon Elastic Compute Cloud",
        "resource_id": INSTANCE,
        "days": [str(r["line_item_usage_start_date"])[:10] for r in burst],
        "usual_daily_cost": str(Decimal(steady).scaleb(-8)),
        "extra_cost": str(Decimal(extra).scaleb(-8)),
    }
