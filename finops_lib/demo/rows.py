"""Line items of one demo month, generated vectorised in chunks, in canonical CUR 2.0 names.

Money and quantities are integers of 1e-8 (``UNITS``) so that every total is exact; writers turn them
into decimal strings (CUR v1 CSV) or doubles (CUR 2.0 parquet). Each chunk is a dict of column name
to a pyarrow array (strings, decimals) plus the hidden integer columns ``_unblended``, ``_net`` and
``_amortized`` (the CID amortized-cost formula) that feed the expected totals.
"""

from __future__ import annotations

import calendar
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from finops_lib.demo import planted, quirks
from finops_lib.demo.catalog import (
    APPS,
    BUSINESS_UNITS,
    COST_CENTERS,
    ENVS,
    REGIONS,
    SERVICES,
    TEAMS,
    Organisation,
)

UNITS = 10**8
CHUNK = 250_000
POOL = 48  # resources per (service, account, region)
MONEY = pa.decimal128(38, 8)
EDP_RATE = 0.05  # enterprise discount on every usage row
PRIVATE_RATE = 0.10  # private pricing on S3 in the data-lake account
TAX_RATE = 0.0825
SPOT_RATE = 0.35  # EC2 Spot price = on-demand x this; pricing/publicOnDemand* keep the list price

STRING_COLUMNS = (
    "identity_line_item_id",
    "identity_time_interval",
    "bill_invoice_id",
    "bill_invoicing_entity",
    "bill_billing_entity",
    "bill_bill_type",
    "bill_payer_account_id",
    "bill_payer_account_name",
    "bill_billing_period_start_date",
    "bill_billing_period_end_date",
    "line_item_usage_account_id",
    "line_item_usage_account_name",
    "line_item_line_item_type",
    "line_item_usage_start_date",
    "line_item_usage_end_date",
    "line_item_product_code",
    "line_item_usage_type",
    "line_item_operation",
    "line_item_availability_zone",
    "line_item_resource_id",
    "line_item_currency_code",
    "line_item_unblended_rate",
    "line_item_line_item_description",
    "line_item_tax_type",
    "line_item_legal_entity",
    "product_product_name",
    "product_servicecode",
    "product_sku",
    "product_region",
    "product_region_code",
    "product_location",
    "product_instance_type",
    "product_product_family",
    "product_operating_system",
    "pricing_term",
    "pricing_unit",
    "pricing_public_on_demand_rate",
    "pricing_rate_code",
    "pricing_rate_id",
    "reservation_reservation_a_r_n",
    "reservation_start_time",
    "reservation_end_time",
    "savings_plan_savings_plan_a_r_n",
    "savings_plan_savings_plan_rate",
    "savings_plan_offering_type",
    "savings_plan_payment_option",
    "savings_plan_purchase_term",
    "savings_plan_start_time",
    "savings_plan_end_time",
    "tag_team",
    "tag_env",
    "tag_cost_center",
    "tag_app",
    "tag_aws_created_by",
    "cc_business_unit",
)
MONEY_COLUMNS = (
    "line_item_usage_amount",
    "line_item_unblended_cost",
    "line_item_net_unblended_cost",
    "pricing_public_on_demand_cost",
    "reservation_effective_cost",
    "reservation_amortized_upfront_cost_for_usage",
    "reservation_recurring_fee_for_usage",
    "reservation_amortized_upfront_fee_for_billing_period",
    "reservation_unused_amortized_upfront_fee_for_billing_period",
    "reservation_unused_recurring_fee",
    "reservation_total_reserved_units",
    "reservation_unused_quantity",
    "savings_plan_savings_plan_effective_cost",
    "savings_plan_total_commitment_to_date",
    "savings_plan_used_commitment",
    "savings_plan_amortized_upfront_commitment_for_billing_period",
    "savings_plan_recurring_commitment_for_billing_period",
    "discount_edp",
    "discount_private_rate",
)
COLUMNS = STRING_COLUMNS + MONEY_COLUMNS


def iso(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def to_decimal(values: np.ndarray) -> pa.Array:
    """int64 numbers of 1e-8 -> exact decimal128(38, 8), without going through floats."""
    v = np.ascontiguousarray(values, dtype=np.int64)
    words = np.empty((len(v), 2), dtype=np.int64)
    words[:, 0] = v
    words[:, 1] = v >> 63  # sign extension into the high word
    return pa.Array.from_buffers(MONEY, len(v), [None, pa.py_buffer(words.tobytes())])


def decimal_list(values: list[int | None]) -> pa.Array:
    return pa.array([None if v is None else Decimal(v).scaleb(-8) for v in values], type=MONEY)


@dataclass
class Month:
    period: str  # YYYY-MM
    start: datetime
    end: datetime
    hours: int
    index: int  # 0-based position in the generated months

    @classmethod
    def of(cls, period: str, index: int) -> Month:
        year, month = (int(p) for p in period.split("-"))
        start = datetime(year, month, 1, tzinfo=UTC)
        days = calendar.monthrange(year, month)[1]
        return cls(period, start, start + timedelta(days=days), days * 24, index)


@dataclass
class Sums:
    """Running per-account sums a month's summary rows are derived from."""

    usage: dict[int, int] = field(default_factory=dict)
    edp: dict[int, int] = field(default_factory=dict)
    private: dict[int, int] = field(default_factory=dict)


@cache
def _org_pools(org: Organisation) -> dict:
    """Resources and their tags per (service, account, region): stable across months and runs."""
    n_acct = len(org.accounts)
    keys = []
    tags: dict[str, list[str | None]] = {
        k: [] for k in ("team", "env", "cost_center", "app", "by", "bu")
    }
    # the draws of one generator, in the order the loop takes them (at most 5 per resource): the
    # same numbers as a call of rng.random() each, without a numpy call per draw
    size = len(SERVICES) * n_acct * len(REGIONS) * POOL
    draws = iter(np.random.default_rng(1234).random(5 * size).tolist())
    for s, svc in enumerate(SERVICES):
        for a, (acct, _) in enumerate(org.accounts):
            for r, (region, _, _, _) in enumerate(REGIONS):
                for k in range(POOL):
                    i = ((s * n_acct + a) * len(REGIONS) + r) * POOL + k
                    keys.append(
                        svc.resource.format(i=i + 1, acct=acct, region=region)
                        if svc.resource
                        else ""
                    )
                    tagged = next(draws) > 0.3
                    tags["team"].append(TEAMS[(a + k) % len(TEAMS)] if tagged else None)
                    tags["env"].append(ENVS[k % 3] if tagged and next(draws) > 0.1 else None)
                    tags["cost_center"].append(
                        COST_CENTERS[a % 4] if tagged and next(draws) > 0.25 else None
                    )
                    tags["app"].append(
                        APPS[(s + k) % len(APPS)] if tagged and next(draws) > 0.4 else None
                    )
                    tags["by"].append("terraform" if next(draws) > 0.5 else None)
                    tags["bu"].append(BUSINESS_UNITS[a % 3] if a else None)
    sr = [(s, r) for s in range(len(SERVICES)) for r in range(len(REGIONS))]
    return {
        "resource": pa.array(keys),
        "tags": {k: pa.array(v, pa.string()) for k, v in tags.items()},
        "usage_type": pa.array([SERVICES[s].usage_type.format(p=REGIONS[r][2]) for s, r in sr]),
        "sku": pa.array(
            [
                f"SKU{zlib.crc32((SERVICES[s].usage_type + REGIONS[r][0]).encode()):010d}"
                for s, r in sr
            ]
        ),
    }


class MonthGenerator:
    """Streams the line items of one billing month of one organisation."""

    def __init__(
        self,
        org: Organisation,
        month: Month,
        rows: int,
        seed: int,
        flavour: str,
        anomaly: bool = False,
    ) -> None:
        """``anomaly``: plant the burst of ``demo/planted.py`` in this month (CUR v1 only)."""
        self.org, self.month, self.rows, self.flavour = org, month, rows, flavour
        self.anomaly = anomaly
        self.planted: dict[str, object] | None = None  # the planted anomaly, once written
        self.rng = np.random.default_rng(seed)
        self.sums = Sums()
        self.counter = 0
        self.invoice = f"{org.payer_id[-4:]}-{month.period.replace('-', '')}"
        self._pools()

    # -- static lookups ------------------------------------------------------------------------------
    def _pools(self) -> None:
        hours = [iso(self.month.start + timedelta(hours=h)) for h in range(self.month.hours + 1)]
        self.hour_strings = pa.array(hours)
        pools = _org_pools(self.org)
        self.resource_pool, self.tag_pool = pools["resource"], pools["tags"]
        self.usage_type_pool, self.sku_pool = pools["usage_type"], pools["sku"]
        self.region_pool = pa.array([r[0] for r in REGIONS])
        self.location_pool = pa.array([r[1] for r in REGIONS])
        self.acct_pool = pa.array([a for a, _ in self.org.accounts])
        self.acct_name_pool = pa.array([n for _, n in self.org.accounts])
        self.weights = np.array([s.weight for s in SERVICES]) / sum(s.weight for s in SERVICES)
        self.region_weights = np.array([r[3] for r in REGIONS]) / sum(r[3] for r in REGIONS)

    def _svc(self, attr: str) -> pa.Array:
        return pa.array([getattr(s, attr) or None for s in SERVICES], pa.string())

    # -- usage rows ----------------------------------------------------------------------------------
    def usage_chunks(self) -> Iterator[dict[str, pa.Array | np.ndarray]]:
        remaining = self.rows
        while remaining > 0:
            n = min(CHUNK, remaining)
            remaining -= n
            yield self._usage(n)

    def _ids(self, n: int) -> pa.Array:
        first = self.counter
        self.counter += n
        nums = pc.cast(pa.array(np.arange(first, first + n)), pa.string())
        prefix = f"{self.flavour}{self.month.period.replace('-', '')}{self.org.payer_id[-3:]}x"
        return pc.binary_join_element_wise(pa.scalar(prefix), nums, "")

    def _usage(self, n: int) -> dict[str, pa.Array | np.ndarray]:
        rng = self.rng
        n_acct = len(self.org.accounts)
        svc = rng.choice(len(SERVICES), n, p=self.weights)
        acct = rng.integers(1, n_acct, n)
        region = rng.choice(len(REGIONS), n, p=self.region_weights)
        slot = rng.integers(0, POOL, n)
        hour = rng.integers(0, self.month.hours, n)
        lo = np.array([s.amount[0] for s in SERVICES])[svc]
        hi = np.array([s.amount[1] for s in SERVICES])[svc]
        amount = np.round((lo + (hi - lo) * rng.random(n)) * 10_000).astype(np.int64) * 10_000
        rate = np.array([s.rate for s in SERVICES])[svc]
        od_cost = np.round(amount * rate).astype(np.int64)
        spot = np.array(["SpotUsage" in s.usage_type for s in SERVICES])[svc]
        cost = np.where(spot, np.round(od_cost * SPOT_RATE).astype(np.int64), od_cost)
        edp = np.floor(cost * EDP_RATE).astype(np.int64)
        data_lake = next(
            i for i, (_, name) in enumerate(self.org.accounts) if name.endswith("data-lake")
        )
        is_private = (acct == data_lake) & (
            np.array([s.product_code == "AmazonS3" for s in SERVICES])[svc]
        )
        private = np.where(is_private, np.floor(cost * PRIVATE_RATE), 0).astype(np.int64)
        net = cost - edp - private
        for key, values in (
            (self.sums.usage, cost),
            (self.sums.edp, edp),
            (self.sums.private, private),
        ):
            for a in np.unique(acct):
                key[int(a)] = key.get(int(a), 0) + int(values[acct == a].sum())

        pool = ((svc * n_acct + acct) * len(REGIONS) + region) * POOL + slot
        pool_idx = pa.array(pool)
        has_resource = np.array([bool(s.resource) for s in SERVICES])[svc]
        resource = pc.if_else(pa.array(has_resource), pc.take(self.resource_pool, pool_idx), None)
        svc_idx, region_idx, acct_idx = pa.array(svc), pa.array(region), pa.array(acct)
        az = pc.binary_join_element_wise(pc.take(self.region_pool, region_idx), pa.scalar("a"), "")
        per_instance = np.array([s.unit == "Hrs" for s in SERVICES])[svc]
        rate_str = pa.array([f"{s.rate:.10f}" for s in SERVICES])
        spot_rate_str = pa.array([f"{s.rate * SPOT_RATE:.10f}" for s in SERVICES])
        cols: dict[str, pa.Array | np.ndarray] = {
            "identity_line_item_id": self._ids(n),
            "identity_time_interval": pc.binary_join_element_wise(
                pc.take(self.hour_strings, pa.array(hour)),
                pc.take(self.hour_strings, pa.array(hour + 1)),
                "/",
            ),
            "line_item_line_item_type": pa.array(np.full(n, "Usage")),
            "bill_bill_type": pa.array(np.full(n, "Anniversary")),
            "line_item_usage_account_id": pc.take(self.acct_pool, acct_idx),
            "line_item_usage_account_name": pc.take(self.acct_name_pool, acct_idx),
            "line_item_usage_start_date": pc.take(self.hour_strings, pa.array(hour)),
            "line_item_usage_end_date": pc.take(self.hour_strings, pa.array(hour + 1)),
            "line_item_product_code": pc.take(self._svc("product_code"), svc_idx),
            "line_item_usage_type": pc.take(
                self.usage_type_pool, pa.array(svc * len(REGIONS) + region)
            ),
            "line_item_operation": pc.take(self._svc("operation"), svc_idx),
            "line_item_availability_zone": pc.if_else(pa.array(per_instance), az, None),
            "line_item_resource_id": resource,
            "line_item_unblended_rate": pc.if_else(
                pa.array(spot), pc.take(spot_rate_str, svc_idx), pc.take(rate_str, svc_idx)
            ),
            "line_item_line_item_description": pc.take(
                pa.array(
                    [
                        f"${s.rate:.10f}".rstrip("0")
                        + f" per {s.unit} for {s.usage_type.format(p='')}"
                        for s in SERVICES
                    ]
                ),
                svc_idx,
            ),
            "product_product_name": pc.take(self._svc("product_name"), svc_idx),
            "product_servicecode": pc.take(self._svc("servicecode"), svc_idx),
            "product_sku": pc.take(self.sku_pool, pa.array(svc * len(REGIONS) + region)),
            "product_region_code": pc.take(self.region_pool, region_idx),
            "product_location": pc.take(self.location_pool, region_idx),
            "product_instance_type": pc.take(self._svc("instance_type"), svc_idx),
            "product_product_family": pc.take(self._svc("family"), svc_idx),
            "product_operating_system": pc.take(self._svc("operating_system"), svc_idx),
            "pricing_term": pc.if_else(pa.array(spot), "Spot", "OnDemand"),
            "pricing_unit": pc.take(self._svc("unit"), svc_idx),
            "pricing_public_on_demand_rate": pc.take(rate_str, svc_idx),
            "pricing_rate_code": pc.binary_join_element_wise(
                pc.take(pa.array([f"SKU{i:04d}" for i in range(len(SERVICES))]), svc_idx),
                pa.scalar("JRTCKXETXF"),
                ".",
            ),
            "tag_team": pc.take(self.tag_pool["team"], pool_idx),
            "tag_env": pc.take(self.tag_pool["env"], pool_idx),
            "tag_cost_center": pc.take(self.tag_pool["cost_center"], pool_idx),
            "tag_app": pc.take(self.tag_pool["app"], pool_idx),
            "tag_aws_created_by": pc.take(self.tag_pool["by"], pool_idx),
            "cc_business_unit": pc.take(self.tag_pool["bu"], pool_idx),
            "line_item_usage_amount": amount,
            "line_item_unblended_cost": cost,
            "line_item_net_unblended_cost": net,
            "pricing_public_on_demand_cost": od_cost,
            "discount_edp": -edp,
            "discount_private_rate": -private,
            "_unblended": cost,
            "_net": net,
            "_amortized": cost,
        }
        return cols

    # -- commitment, discount, credit, refund, tax and fee rows ------------------------------------------
    def special_rows(self) -> list[dict[str, object]]:
        """Rows that depend on the month's totals: written after the usage chunks."""
        m, org = self.month, self.org
        h = m.hours
        days = h // 24
        rows: list[dict[str, object]] = []
        acct = {name.split("-", 1)[1]: (i, a) for i, (a, name) in enumerate(org.accounts)}
        payer = org.payer_id
        rng = np.random.default_rng(int(self.rng.integers(0, 2**31)))
        # 1-year commitments bought in the first month and renewed every 12 months (a new RI or
        # savings plan, so a 13-month demo sees one renewal)
        first = m.index % 12 == 0
        term = m.index // 12
        back = m.start.year * 12 + m.start.month - 1 - m.index % 12
        term_start = datetime(back // 12, back % 12 + 1, 1, tzinfo=UTC)
        term_end = term_start.replace(year=term_start.year + 1)

        def row(kind: str, account: int, unblended: int, **kw: object) -> dict[str, object]:
            r: dict[str, object] = {
                "line_item_line_item_type": kind,
                "line_item_usage_account_id": org.accounts[account][0],
                "line_item_usage_account_name": org.accounts[account][1],
                "bill_bill_type": "Anniversary",
                "line_item_usage_start_date": iso(m.start),
                "line_item_usage_end_date": iso(m.end),
                "line_item_unblended_cost": unblended,
                "line_item_net_unblended_cost": unblended,
                "_amortized": unblended,
            }
            r.update(kw)
            return r

        if self.flavour == "v1":  # a steady instance of one linked account, and its planted burst
            ml = acct[planted.ACCOUNT][0]
            steady = planted.instance_rows(row, ml, m.start, m.end, self.anomaly)
            for r in steady:
                cost = int(r["line_item_unblended_cost"])  # type: ignore[call-overload]
                edp = cost * 5 // 100  # EDP_RATE
                r["line_item_net_unblended_cost"] = cost - edp
                r["discount_edp"] = -edp
                self.sums.usage[ml] = self.sums.usage.get(ml, 0) + cost
                self.sums.edp[ml] = self.sums.edp.get(ml, 0) + edp
            self.planted = planted.describe(steady, org.payer_id, org.accounts[ml][0])
            rows += steady

        # Reserved Instance A: all upfront, 4 x m6i.large, 1 year, bought in the first month.
        ri_a = f"arn:aws:ec2:us-east-1:{org.accounts[acct['payments-prod'][0]][0]}:reserved-instances/{org.payer_id[-4:]}aaaa-{term + 1:04d}"
        a_idx = acct["payments-prod"][0]
        hourly_a = 6_000_000  # $0.06 per hour amortised
        ri_common = {
            "reservation_reservation_a_r_n": ri_a,
            "line_item_product_code": "AmazonEC2",
            "product_product_name": "Amazon Elastic Compute Cloud",
            "product_region_code": "us-east-1",
            "product_location": "US East (N. Virginia)",
            "product_instance_type": "m6i.large",
            "line_item_usage_type": "HeavyUsage:m6i.large",
            "pricing_unit": "Hrs",
            "reservation_start_time": iso(term_start),
            "reservation_end_time": iso(term_end),
        }
        if first:
            rows.append(
                row(
                    "Fee",
                    a_idx,
                    4 * 8760 * hourly_a // 100 * 100,
                    bill_bill_type="Purchase",
                    line_item_line_item_description="Sign up charge for subscription: 4 x m6i.large, all upfront",
                    line_item_usage_amount=4 * UNITS,
                    _amortized=0,
                    **ri_common,
                )
            )
        used_a = 0
        for inst in range(4):
            for d in range(days):
                if rng.random() < 0.12:
                    continue  # idle instance-day: unused reservation
                eff = 24 * hourly_a
                used_a += eff
                start = m.start + timedelta(days=d)
                rows.append(
                    row(
                        "DiscountedUsage",
                        a_idx,
                        0,
                        **{
                            **ri_common,
                            "line_item_usage_type": "BoxUsage:m6i.large",
                            "line_item_operation": "RunInstances",
                            "line_item_usage_start_date": iso(start),
                            "line_item_usage_end_date": iso(start + timedelta(days=1)),
                            "line_item_resource_id": f"i-0{int(a_idx):02d}{inst:013x}",
                            "line_item_availability_zone": "us-east-1a",
                            "line_item_usage_amount": 24 * UNITS,
                            "line_item_net_unblended_cost": 0,
                            "pricing_public_on_demand_cost": 24 * 9_600_000,
                            "pricing_public_on_demand_rate": "0.0960000000",
                            "pricing_term": "Reserved",
                            "reservation_effective_cost": eff,
                            "reservation_amortized_upfront_cost_for_usage": eff,
                            "reservation_recurring_fee_for_usage": 0,
                            "line_item_line_item_description": "USD 0.0 hourly fee per Linux/UNIX (Amazon VPC), m6i.large instance",
                            "_amortized": eff,
                        },
                    )
                )
        period_a = 4 * h * hourly_a
        rows.append(
            row(
                "RIFee",
                a_idx,
                0,
                **{
                    **ri_common,
                    "line_item_usage_amount": 4 * h * UNITS,
                    "reservation_amortized_upfront_fee_for_billing_period": period_a,
                    "reservation_unused_amortized_upfront_fee_for_billing_period": period_a
                    - used_a,
                    "reservation_unused_recurring_fee": 0,
                    "reservation_total_reserved_units": 4 * h * UNITS,
                    "reservation_unused_quantity": (period_a - used_a) // hourly_a * UNITS,
                    "line_item_line_item_description": "USD 0.00 hourly fee per Linux/UNIX (Amazon VPC), m6i.large instance",
                    "_amortized": period_a - used_a,
                },
            )
        )

        # Reserved Instance B: no upfront, 2 x db.r6g.large (RDS), billed monthly.
        b_idx = acct["search-prod"][0]
        ri_b = f"arn:aws:rds:us-west-2:{org.accounts[b_idx][0]}:ri:{org.payer_id[-4:]}-rds-0002"
        hourly_b = 15_000_000
        rb_common = {
            "reservation_reservation_a_r_n": ri_b,
            "line_item_product_code": "AmazonRDS",
            "product_product_name": "Amazon Relational Database Service",
            "product_region_code": "us-west-2",
            "product_location": "US West (Oregon)",
            "product_instance_type": "db.r6g.large",
            "line_item_usage_type": "USW2-HeavyUsage:db.r6g.large",
            "pricing_unit": "Hrs",
        }
        used_b = 0
        for inst in range(2):
            for d in range(days):
                if rng.random() < 0.2:
                    continue
                eff = 24 * hourly_b
                used_b += eff
                start = m.start + timedelta(days=d)
                rows.append(
                    row(
                        "DiscountedUsage",
                        b_idx,
                        0,
                        **{
                            **rb_common,
                            "line_item_usage_type": "USW2-InstanceUsage:db.r6g.large",
                            "line_item_operation": "CreateDBInstance:0016",
                            "line_item_usage_start_date": iso(start),
                            "line_item_usage_end_date": iso(start + timedelta(days=1)),
                            "line_item_resource_id": f"arn:aws:rds:us-west-2:{org.accounts[b_idx][0]}:db:search-{inst}",
                            "line_item_usage_amount": 24 * UNITS,
                            "line_item_net_unblended_cost": 0,
                            "pricing_public_on_demand_cost": 24 * 22_500_000,
                            "pricing_public_on_demand_rate": "0.2250000000",
                            "pricing_term": "Reserved",
                            "reservation_effective_cost": eff,
                            "reservation_amortized_upfront_cost_for_usage": 0,
                            "reservation_recurring_fee_for_usage": eff,
                            "line_item_line_item_description": "USD 0.15 hourly fee per PostgreSQL, db.r6g.large instance",
                            "_amortized": eff,
                        },
                    )
                )
        fee_b = 2 * h * hourly_b
        rows.append(
            row(
                "RIFee",
                b_idx,
                fee_b,
                **{
                    **rb_common,
                    "line_item_usage_amount": 2 * h * UNITS,
                    "reservation_amortized_upfront_fee_for_billing_period": 0,
                    "reservation_unused_amortized_upfront_fee_for_billing_period": 0,
                    "reservation_unused_recurring_fee": fee_b - used_b,
                    "reservation_total_reserved_units": 2 * h * UNITS,
                    "reservation_unused_quantity": (fee_b - used_b) // hourly_b * UNITS,
                    "line_item_line_item_description": "USD 0.15 hourly fee per PostgreSQL, db.r6g.large instance",
                    "_amortized": fee_b - used_b,
                },
            )
        )

        # Compute Savings Plan: $1.50/hour, partial upfront (half), owned by the payer.
        sp = f"arn:aws:savingsplans::{payer}:savingsplan/{org.payer_id[-4:]}-sp-{term + 1:04d}"
        commit_h, upfront_h = 150_000_000, 75_000_000
        sp_common = {
            "savings_plan_savings_plan_a_r_n": sp,
            "savings_plan_offering_type": "ComputeSavingsPlans",
            "savings_plan_payment_option": "Partial Upfront",
            "savings_plan_purchase_term": "1yr",
            "savings_plan_start_time": iso(term_start),
            "savings_plan_end_time": iso(term_end),
            "line_item_product_code": "ComputeSavingsPlans",
            "product_product_name": "Savings Plans for AWS Compute usage",
        }
        if first:
            rows.append(
                row(
                    "SavingsPlanUpfrontFee",
                    0,
                    upfront_h * 8760,
                    bill_bill_type="Purchase",
                    _amortized=0,
                    line_item_line_item_description="Savings Plan upfront fee",
                    **sp_common,
                )
            )
        used_sp = 0
        covered_accounts = [
            acct[k][0] for k in ("payments-prod", "web-prod", "data-lake", "search-prod")
        ]
        for d in range(days):
            target = int(24 * commit_h * (0.75 + 0.2 * rng.random()))
            for j in range(4):
                eff = target // 4
                od = eff * 100 // 72  # SP rate = 72% of on-demand
                hours_used = od * 100 // 17_000_000  # c6i.xlarge at $0.17
                used_sp += eff
                a = covered_accounts[j]
                start = m.start + timedelta(days=d)
                cov = {
                    "line_item_product_code": "AmazonEC2",
                    "product_product_name": "Amazon Elastic Compute Cloud",
                    "line_item_usage_type": "BoxUsage:c6i.xlarge",
                    "line_item_operation": "RunInstances",
                    "product_region_code": "us-east-1",
                    "product_location": "US East (N. Virginia)",
                    "product_instance_type": "c6i.xlarge",
                    "pricing_unit": "Hrs",
                    "pricing_term": "OnDemand",
                    "line_item_usage_start_date": iso(start),
                    "line_item_usage_end_date": iso(start + timedelta(days=1)),
                    "line_item_resource_id": f"i-0sp{int(a):02d}{j:011x}",
                    "line_item_availability_zone": "us-east-1b",
                    "line_item_usage_amount": hours_used * UNITS // 100,
                    "line_item_unblended_rate": "0.1700000000",
                    "pricing_public_on_demand_cost": od,
                    "pricing_public_on_demand_rate": "0.1700000000",
                    "savings_plan_savings_plan_a_r_n": sp,
                    "savings_plan_savings_plan_rate": "0.1224000000",
                    "tag_team": TEAMS[j],
                    "tag_env": "prod",
                }
                rows.append(
                    row(
                        "SavingsPlanCoveredUsage",
                        a,
                        od,
                        **{
                            **cov,
                            "savings_plan_savings_plan_effective_cost": eff,
                            "_amortized": eff,
                            "line_item_line_item_description": "Savings Plan covered usage: c6i.xlarge",
                        },
                    )
                )
                rows.append(
                    row(
                        "SavingsPlanNegation",
                        a,
                        -od,
                        **{
                            **cov,
                            "_amortized": 0,
                            "pricing_public_on_demand_cost": None,
                            "line_item_line_item_description": f"SavingsPlanNegation used by AccountId : {org.accounts[a][0]} and UsageSku : c6i",
                        },
                    )
                )
        total_sp = commit_h * h
        rows.append(
            row(
                "SavingsPlanRecurringFee",
                0,
                (commit_h - upfront_h) * h,
                **{
                    **sp_common,
                    "savings_plan_total_commitment_to_date": total_sp,
                    "savings_plan_used_commitment": used_sp,
                    "savings_plan_amortized_upfront_commitment_for_billing_period": upfront_h * h,
                    "savings_plan_recurring_commitment_for_billing_period": (commit_h - upfront_h)
                    * h,
                    "line_item_line_item_description": "Savings Plan recurring fee",
                    "_amortized": total_sp - used_sp,
                },
            )
        )

        # Discounts (net unblended is already reduced on the usage rows), credit, refund, support, tax.
        for a, edp in sorted(self.sums.edp.items()):
            if edp:
                rows.append(
                    row(
                        "EdpDiscount",
                        a,
                        -edp,
                        line_item_net_unblended_cost=0,
                        line_item_product_code="AmazonEC2",
                        product_product_name="Amazon Elastic Compute Cloud",
                        line_item_line_item_description="Enterprise Discount Program discount",
                    )
                )
        for a, priv in sorted(self.sums.private.items()):
            if priv:
                rows.append(
                    row(
                        "PrivateRateDiscount",
                        a,
                        -priv,
                        line_item_net_unblended_cost=0,
                        line_item_product_code="AmazonS3",
                        product_product_name="Amazon Simple Storage Service",
                        line_item_line_item_description="Private rate discount for Amazon S3",
                    )
                )
        rows.append(
            row(
                "Credit",
                0,
                -250 * UNITS,
                line_item_product_code="AmazonEC2",
                product_product_name="Amazon Elastic Compute Cloud",
                line_item_line_item_description="AWS Promotional Credit",
            )
        )
        if m.index > 0:
            prev_start = (m.start - timedelta(days=1)).replace(day=1)
            rows.append(
                row(
                    "Refund",
                    acct["web-prod"][0],
                    -120 * UNITS - 4_500_000,
                    bill_bill_type="Refund",
                    line_item_product_code="AmazonCloudFront",
                    product_product_name="Amazon CloudFront",
                    line_item_usage_start_date=iso(prev_start),
                    line_item_usage_end_date=iso(m.start),
                    line_item_line_item_description="Refund for CloudFront service issue of the previous month",
                )
            )
        total_usage = sum(self.sums.usage.values())
        rows.append(
            row(
                "Fee",
                0,
                total_usage * 3 // 100 // 100 * 100,
                line_item_product_code="AWSSupportBusiness",
                product_product_name="AWS Support (Business)",
                line_item_usage_type="Dollar",
                line_item_line_item_description="AWS Support (Business) monthly fee",
            )
        )
        for a, usage in sorted(self.sums.usage.items()):
            rows.append(
                row(
                    "Tax",
                    a,
                    int(usage * TAX_RATE),
                    line_item_product_code="AmazonEC2",
                    product_product_name="Amazon Elastic Compute Cloud",
                    line_item_tax_type="Sales tax",
                    line_item_line_item_description="Sales tax on AWS usage",
                )
            )
        # what real and third-party deliveries do: units as CUR writes them, Marketplace lines
        linked = [acct[name][0] for name in ("data-lake", "web-prod", "platform-tools")]
        rows += quirks.odd_unit_rows(row, m.start, m.index, linked)
        rows += quirks.marketplace_rows(row, m.start, m.end, linked[:2])
        ids = self._ids(len(rows)).to_pylist()
        for r, i in zip(rows, ids, strict=True):
            r["identity_line_item_id"] = i
            r["identity_time_interval"] = (
                f"{r['line_item_usage_start_date']}/{r['line_item_usage_end_date']}"
            )
        return rows

    def special_chunk(self) -> dict[str, pa.Array | np.ndarray]:
        rows = self.special_rows()
        cols: dict[str, pa.Array | np.ndarray] = {}
        for c in STRING_COLUMNS:
            cols[c] = pa.array([r.get(c) for r in rows], pa.string())
        for c in MONEY_COLUMNS:
            cols[c] = decimal_list([r.get(c) for r in rows])  # type: ignore[misc]
        cols["_unblended"] = np.array([r["line_item_unblended_cost"] for r in rows], dtype=np.int64)
        cols["_net"] = np.array([r["line_item_net_unblended_cost"] for r in rows], dtype=np.int64)
        cols["_amortized"] = np.array([r["_amortized"] for r in rows], dtype=np.int64)
        return cols

    def common(self, cols: dict[str, pa.Array | np.ndarray], n: int) -> None:
        """Columns that are the same on every row of the month (filled in place)."""
        const = {
            "bill_invoice_id": self.invoice,
            "bill_invoicing_entity": self.org.invoicing_entity,
            "bill_billing_entity": "AWS",
            "bill_payer_account_id": self.org.payer_id,
            "bill_payer_account_name": self.org.payer_name,
            "bill_billing_period_start_date": iso(self.month.start),
            "bill_billing_period_end_date": iso(self.month.end),
            "line_item_currency_code": "USD",
            "line_item_legal_entity": "Amazon Web Services, Inc.",
        }
        for c, v in const.items():
            given = cols.get(c)  # a special row may set its own (a Marketplace line's seller)
            cols[c] = (
                pc.fill_null(given, v) if isinstance(given, pa.Array) else pa.array(np.full(n, v))
            )
        region = cols.get("product_region")
        if not isinstance(region, pa.Array) or region.null_count == n:
            cols["product_region"] = cols["product_region_code"]  # CUR v1's older name
        for c in STRING_COLUMNS:
            if c not in cols:
                cols[c] = pa.nulls(n, pa.string())
        for c in MONEY_COLUMNS:
            value = cols.get(c)
            if value is None:
                cols[c] = pa.nulls(n, MONEY)
            elif isinstance(value, np.ndarray):
                cols[c] = to_decimal(value)
