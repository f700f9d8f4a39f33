"""A deterministic local extract of a GCP detailed billing export (``gcp_billing_export_resource_v1_*``)
with known expected totals.

The rows are nested as BigQuery exports them (``service``/``sku``/``project``/``usage``/``credits``
structs and ``[{key, value}]`` label lists) and written as Parquet with nested types, one file per
invoice month, in ``<out>/gcp_billing_export_resource_v1_<account>/`` (the ``extract`` folder);
``<out>/expected_totals.json`` sits outside it so the extract reader never sees it.

What the data carries, over 13 invoice months (2025-10 .. 2026-10, as the AWS and Azure demo):
usage of a few services in three projects (labels, project labels, system labels), Spot /
preemptible N2 cores (at least one row a month), committed use discount credits
(``COMMITTED_USAGE_DISCOUNT``, covering all of the N2 core usage they apply to in the commitment's
region) with the commitment's monthly fee SKU (``Commitment v1: ...``) as its own row, partly used,
sustained use discount credits, a promotion credit, a tax row per month, usage at 03:00 UTC on the
1st of the next month invoiced in the month (Google's invoice months are Pacific time), and a late
correction of the first month (negative cost, later ``export_time``).

Money: every amount is a whole number of 1/64 dollars (``TICK``), so its 6-place decimal is exact and
the float64 BigQuery writes holds it exactly. Expected totals are computed from those integers
(``Decimal``), never from a reader: per invoice month, billed = effective = cost + all credits.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq

# 13 invoice months, as the AWS and Azure demo
DEFAULT_MONTHS = (
    "2025-10",
    "2025-11",
    "2025-12",
    "2026-01",
    "2026-02",
    "2026-03",
    "2026-04",
    "2026-05",
    "2026-06",
    "2026-07",
    "2026-08",
    "2026-09",
    "2026-10",
)
EXPORT_NAME = "demo-gcp"
BILLING_ACCOUNT = "01D3A5-7E2C44-9B0F61"
TABLE = "gcp_billing_export_resource_v1_" + BILLING_ACCOUNT.replace("-", "_")
CURRENCY = "USD"
TICK = Decimal(1) / Decimal(64)  # 0.015625: exact in 6 decimal places and in binary
PACIFIC = ZoneInfo("America/Los_Angeles")
CUD_ID = "projects/acme-prod/regions/us-central1/commitments/cud-n2-1y"
CUD_NAME = "Commitment v1: N2 Cpu in Americas for 1 Year"
CUD_REGION = "us-central1"
CUD_CORES = 2  # committed N2 cores, 730 hours a month each at 1 tick (half the list price)
SPOT_SKU = 2  # index of the Spot N2 core SKU in SERVICES["Compute Engine"]

KV = pa.list_(pa.struct([("key", pa.string()), ("value", pa.string())]))
SCHEMA = pa.schema(
    [
        ("billing_account_id", pa.string()),
        ("service", pa.struct([("id", pa.string()), ("description", pa.string())])),
        ("sku", pa.struct([("id", pa.string()), ("description", pa.string())])),
        ("usage_start_time", pa.timestamp("us", tz="UTC")),
        ("usage_end_time", pa.timestamp("us", tz="UTC")),
        (
            "project",
            pa.struct(
                [
                    ("id", pa.string()),
                    ("number", pa.string()),
                    ("name", pa.string()),
                    ("labels", KV),
                    ("ancestry_numbers", pa.string()),
                ]
            ),
        ),
        ("labels", KV),
        ("system_labels", KV),
        (
            "location",
            pa.struct([(k, pa.string()) for k in ("location", "country", "region", "zone")]),
        ),
        ("resource", pa.struct([("name", pa.string()), ("global_name", pa.string())])),
        (
            "price",
            pa.struct(
                [
                    ("effective_price", pa.float64()),
                    ("tier_start_amount", pa.float64()),
                    ("unit", pa.string()),
                    ("pricing_unit_quantity", pa.float64()),
                ]
            ),
        ),
        ("transaction_type", pa.string()),
        ("seller_name", pa.string()),
        ("export_time", pa.timestamp("us", tz="UTC")),
        ("cost", pa.float64()),
        ("currency", pa.string()),
        ("currency_conversion_rate", pa.float64()),
        (
            "usage",
            pa.struct(
                [
                    ("amount", pa.float64()),
                    ("unit", pa.string()),
                    ("amount_in_pricing_units", pa.float64()),
                    ("pricing_unit", pa.string()),
                ]
            ),
        ),
        (
            "credits",
            pa.list_(
                pa.struct(
                    [
                        ("name", pa.string()),
                        ("amount", pa.float64()),
                        ("full_name", pa.string()),
                        ("id", pa.string()),
                        ("type", pa.string()),
                    ]
                )
            ),
        ),
        ("invoice", pa.struct([("month", pa.string()), ("publisher_type", pa.string())])),
        ("cost_type", pa.string()),
        (
            "adjustment_info",
            pa.struct([(k, pa.string()) for k in ("id", "description", "mode", "type")]),
        ),
        ("cost_at_list", pa.float64()),
    ]
)

# project id -> (number, name, project labels)
PROJECTS = {
    "acme-prod": ("410027395521", "Acme Production", {"team": "platform", "cost-center": "cc-100"}),
    "acme-data": ("410027395522", "Acme Data", {"team": "data", "cost-center": "cc-200"}),
    "acme-dev": ("410027395523", "Acme Dev", {"team": "platform", "env": "dev"}),
}
# service description -> (service id, [(sku id, sku description, usage unit, pricing unit,
# usage per pricing unit, list price per pricing unit in ticks)])
SERVICES = {
    "Compute Engine": (
        "6F81-5844-456A",
        [
            ("CF4E-A0C7-E3BF", "N2 Instance Core running in Americas", "seconds", "hour", 3600, 2),
            (
                "F449-33EC-A5EF",
                "N2 Instance Ram running in Americas",
                "byte-seconds",
                "gibibyte hour",
                3600 * 2**30,
                1,
            ),
            (
                "C54D-2A3B-8E6F",
                "Spot Preemptible N2 Instance Core running in Americas",
                "seconds",
                "hour",
                3600,
                1,
            ),
        ],
    ),
    "Cloud Storage": (
        "95FF-2EF5-5EA1",
        [
            (
                "E5F0-6A5D-7BAD",
                "Standard Storage US Multi-region",
                "byte-seconds",
                "gibibyte month",
                2**30 * 2_592_000,
                2,
            )
        ],
    ),
    "BigQuery": (
        "24E6-581D-38E5",
        [("3362-E469-6BEF", "Analysis", "bytes", "tebibyte", 2**40, 400)],
    ),
    "Cloud SQL": (
        "9662-B51E-5089",
        [
            (
                "A5A4-9B2C-57D1",
                "Cloud SQL for PostgreSQL: Zonal - vCPU in Americas",
                "seconds",
                "hour",
                3600,
                3,
            )
        ],
    ),
}
WEIGHTS = {"Compute Engine": 5, "Cloud Storage": 2, "BigQuery": 2, "Cloud SQL": 1}
ZONES = ("us-central1-a", "us-central1-b", "us-east1-c")
APPS = ("web", "api", "etl", "reports")


@dataclass
class GeneratedGcp:
    """Where the extract is (``extract``: the folder to configure) and its expected totals."""

    root: Path
    extract: Path
    name: str = EXPORT_NAME
    files: list[Path] = field(default_factory=list)
    expected: dict = field(default_factory=dict)


def _money(ticks: int) -> Decimal:
    return (Decimal(ticks) * TICK).quantize(Decimal("0.000001"))


def _float(ticks: int) -> float:
    return float(_money(ticks))  # exact: a multiple of 1/64 with 6 decimals


def _window(period: str) -> tuple[datetime, datetime]:
    """The invoice month in Pacific time, as UTC instants [start, end)."""
    year, month = int(period[:4]), int(period[5:7])
    nxt = (year + month // 12, month % 12 + 1)
    start = datetime(year, month, 1, tzinfo=PACIFIC).astimezone(UTC)
    end = datetime(nxt[0], nxt[1], 1, tzinfo=PACIFIC).astimezone(UTC)
    return start, end


def _kv(d: dict[str, str]) -> list[dict[str, str]]:
    return [{"key": k, "value": v} for k, v in d.items()]


class _Month:
    """One invoice month's rows, with the integer (tick) totals they add up to."""

    def __init__(self, period: str) -> None:
        self.period = period
        self.invoice = period.replace("-", "")
        self.rows: list[dict] = []
        self.cost = 0
        self.credits: dict[str, int] = {}
        self.by_cost_type: dict[str, int] = {}

    def add(self, row: dict, cost: int, credits: list[tuple[str, int, str, str]]) -> None:
        """credits: (type, ticks, name, id)."""
        row["cost"] = _float(cost)
        row["credits"] = [
            {"name": name, "amount": _float(t), "full_name": name, "id": cid, "type": kind}
            for kind, t, name, cid in credits
        ]
        row["billing_account_id"] = BILLING_ACCOUNT
        row["currency"] = CURRENCY
        row["currency_conversion_rate"] = 1.0
        row["invoice"] = {"month": self.invoice, "publisher_type": "GOOGLE"}
        row.setdefault("adjustment_info", None)
        self.rows.append(row)
        self.cost += cost
        for kind, t, _, _ in credits:
            self.credits[kind] = self.credits.get(kind, 0) + t
        self.by_cost_type[row["cost_type"]] = self.by_cost_type.get(row["cost_type"], 0) + 1

    @property
    def net(self) -> int:
        return self.cost + sum(self.credits.values())

    def totals(self) -> dict:
        net = _money(self.net)
        return {
            "billing_account_id": BILLING_ACCOUNT,
            "currency": CURRENCY,
            "rows": len(self.rows),
            "rows_by_cost_type": dict(sorted(self.by_cost_type.items())),
            "cost": str(_money(self.cost)),
            "credits": str(_money(sum(self.credits.values()))),
            "credits_by_type": {k: str(_money(v)) for k, v in sorted(self.credits.items())},
            "billed_cost": str(net),
            "effective_cost": str(net),
        }


def _usage(
    rng: random.Random,
    month: _Month,
    start: datetime,
    hours: int,
    *,
    service: str | None = None,
    at: datetime | None = None,
    promotion: bool = False,
    sku: int | None = None,
) -> None:
    """One usage row (random service, project, hour), with the credits its SKU earns."""
    if service is None:
        service = rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
    service_id, skus = SERVICES[service]
    sku_id, sku_desc, unit, pricing_unit, per_unit, list_price = (
        rng.choice(skus) if sku is None else skus[sku]
    )
    project = rng.choice(list(PROJECTS))
    number, pname, plabels = PROJECTS[project]
    begin = at if at is not None else start + timedelta(hours=rng.randrange(hours))
    zone = rng.choice(ZONES)
    quantity = rng.randint(1, 8) if service == "BigQuery" else rng.randint(1, 400)  # pricing units
    price = list_price * 9 // 10 if service == "BigQuery" else list_price  # a negotiated price
    list_cost, cost = quantity * list_price, quantity * price
    app = rng.choice(APPS)
    labels = {"app": app, "env": "dev" if project == "acme-dev" else "prod"}
    if rng.random() < 0.15:
        labels = {}
    resource = f"{app}-{rng.randrange(1, 9)}"
    credits: list[tuple[str, int, str, str]] = []
    system_labels: dict[str, str] = {}
    if service == "Compute Engine":
        system_labels = {"compute.googleapis.com/machine_spec": "n2-standard-4"}
        covered = sku_desc.startswith("N2 Instance Core") and zone.startswith(CUD_REGION)
        if covered and project == "acme-prod" and rng.random() < 0.6:
            # the commitment covers the whole row: its credit cancels the on-demand cost
            credits.append(
                ("COMMITTED_USAGE_DISCOUNT", -cost, "Committed use discount: N2 Core", CUD_ID)
            )
        elif "Spot" not in sku_desc and rng.random() < 0.5:
            credits.append(
                ("SUSTAINED_USAGE_DISCOUNT", -(cost * 20 // 100), "Sustained Usage Discount", "sud")
            )
    if promotion:
        credits.append(("PROMOTION", -min(cost, 640), "Free trial credit", "promo-free-trial-2026"))
    month.add(
        {
            "service": {"id": service_id, "description": service},
            "sku": {"id": sku_id, "description": sku_desc},
            "usage_start_time": begin,
            "usage_end_time": begin + timedelta(hours=1),
            "project": {
                "id": project,
                "number": number,
                "name": pname,
                "labels": _kv(plabels),
                "ancestry_numbers": f"/518394022081/{number}/",
            },
            "labels": _kv(labels),
            "system_labels": _kv(system_labels),
            "location": {
                "location": zone[:-2],
                "country": "US",
                "region": zone[:-2],
                "zone": zone if service in ("Compute Engine", "Cloud SQL") else None,
            },
            "resource": {
                "name": resource,
                "global_name": f"//compute.googleapis.com/projects/{project}/zones/{zone}/instances/{resource}"
                if service == "Compute Engine"
                else None,
            },
            "price": {
                "effective_price": _float(price),
                "tier_start_amount": 0.0,
                "unit": pricing_unit,
                "pricing_unit_quantity": 1.0,
            },
            "transaction_type": "GOOGLE",
            "seller_name": "Google",
            "export_time": begin + timedelta(hours=1 + rng.randrange(2, 20)),
            "usage": {
                "amount": float(quantity * per_unit),
                "unit": unit,
                "amount_in_pricing_units": float(quantity),
                "pricing_unit": pricing_unit,
            },
            "cost_type": "regular",
            "cost_at_list": _float(list_cost),
        },
        cost,
        credits,
    )


def _fixed(month: _Month, start: datetime, end: datetime, **row) -> dict:
    """A month-long row's common fields (the CUD fee, tax)."""
    return {
        "usage_start_time": start,
        "usage_end_time": end,
        "labels": [],
        "system_labels": [],
        "location": {"location": None, "country": None, "region": None, "zone": None},
        "resource": {"name": None, "global_name": None},
        "transaction_type": "GOOGLE",
        "seller_name": "Google",
        **row,
    }


def _month_rows(
    rng: random.Random, period: str, usage_rows: int, first: bool, cud_fee: bool
) -> _Month:
    month = _Month(period)
    start, end = _window(period)
    hours = int((end - start).total_seconds() // 3600)
    for i in range(usage_rows):
        _usage(rng, month, start, hours, promotion=i == 0)
    # Spot capacity every month (PricingCategory Dynamic)
    _usage(rng, month, start, hours, service="Compute Engine", sku=SPOT_SKU)
    # usage at 03:00 UTC on the 1st of the next month: still this (Pacific) invoice month
    boundary = end.replace(hour=3)
    _usage(rng, month, start, hours, service="Compute Engine", at=boundary)
    # the monthly fee of the resource-based commitment, its own row (the mapping amortises it over
    # the N2 core usage its credits cover in us-central1; the rest is unused commitment)
    number, pname, plabels = PROJECTS["acme-prod"]
    committed_hours = CUD_CORES * 730
    fee = committed_hours  # at 1 tick an hour: 22.8125 for 2 cores
    fee_row = (
        _fixed(
            month,
            start,
            end,
            service={"id": "6F81-5844-456A", "description": "Compute Engine"},
            sku={"id": "9A7E-1C1B-2F0D", "description": CUD_NAME},
            project={
                "id": "acme-prod",
                "number": number,
                "name": pname,
                "labels": _kv(plabels),
                "ancestry_numbers": f"/518394022081/{number}/",
            },
            location={
                "location": "us-central1",
                "country": "US",
                "region": "us-central1",
                "zone": None,
            },
            price={
                "effective_price": _float(1),
                "tier_start_amount": 0.0,
                "unit": "hour",
                "pricing_unit_quantity": 1.0,
            },
            export_time=end + timedelta(hours=6),
            usage={
                "amount": committed_hours * 3600.0,
                "unit": "seconds",
                "amount_in_pricing_units": float(committed_hours),
                "pricing_unit": "hour",
            },
            cost_type="regular",
            cost_at_list=_float(fee),
        ),
        fee,
    )
    if cud_fee:
        month.add(*fee_row, [])
    if first:
        # a late correction of usage already exported: negative cost, exported days later
        number, pname, plabels = PROJECTS["acme-data"]
        month.add(
            _fixed(
                month,
                start + timedelta(days=3),
                start + timedelta(days=3, hours=1),
                service={"id": "24E6-581D-38E5", "description": "BigQuery"},
                sku={"id": "3362-E469-6BEF", "description": "Analysis"},
                project={
                    "id": "acme-data",
                    "number": number,
                    "name": pname,
                    "labels": _kv(plabels),
                    "ancestry_numbers": f"/518394022081/{number}/",
                },
                location={"location": "US", "country": "US", "region": None, "zone": None},
                price={
                    "effective_price": 5.0,
                    "tier_start_amount": 0.0,
                    "unit": "tebibyte",
                    "pricing_unit_quantity": 1.0,
                },
                export_time=end + timedelta(days=9, hours=5),
                usage={
                    "amount": -float(2**39),
                    "unit": "bytes",
                    "amount_in_pricing_units": -0.5,
                    "pricing_unit": "tebibyte",
                },
                cost_type="regular",
                cost_at_list=_float(-160),
            ),
            -160,  # -2.50
            [],
        )
    # tax: 5% of the month's net charges, floored to a tick
    month.add(
        _fixed(
            month,
            start,
            end,
            service={"id": "B0E3-7A45-E9C0", "description": "Invoice"},
            sku={"id": "TAX-US-0001", "description": "Tax"},
            project=None,
            location={"location": None, "country": "US", "region": None, "zone": None},
            price=None,
            export_time=end + timedelta(days=2),
            usage={
                "amount": 0.0,
                "unit": None,
                "amount_in_pricing_units": 0.0,
                "pricing_unit": None,
            },
            cost_type="tax",
            cost_at_list=None,
        ),
        month.net * 5 // 100,
        [],
    )
    return month


def generate_gcp(
    out_dir: Path,
    *,
    rows: int = 2_000,
    seed: int = 7,
    months: tuple[str, ...] = DEFAULT_MONTHS,
    cud_fee: bool = True,
) -> GeneratedGcp:
    """Write the demo GCP detailed billing export extract (see the module doc) and return where.

    Args:
        rows: usage rows in total across months (the monthly Spot, boundary, CUD fee, tax and
            correction rows come on top).
        months: invoice months 'YYYY-MM', oldest first.
        cud_fee: add the commitment's monthly fee row (on by default; the FOCUS mapping books it
            as a Purchase with EffectiveCost 0 and amortises it over the covered usage).
    """
    out_dir = Path(out_dir)
    extract = out_dir / TABLE
    extract.mkdir(parents=True, exist_ok=True)
    result = GeneratedGcp(out_dir, extract)
    per_month = max(1, rows // max(1, len(months)))
    expected: dict = {
        "export_name": EXPORT_NAME,
        "table": TABLE,
        "seed": seed,
        "rows_per_month": per_month,
        "months": list(months),
        "periods": {},
    }
    for i, period in enumerate(months):
        rng = random.Random(f"open-finops-demo/gcp/{seed}/{period}")
        month = _month_rows(rng, period, per_month, first=i == 0, cud_fee=cud_fee)
        path = extract / f"invoice_month={month.invoice}" / "000000000000.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(month.rows, schema=SCHEMA), path)
        result.files.append(path)
        expected["periods"][period] = month.totals()
    (out_dir / "expected_totals.json").write_text(json.dumps(expected, indent=2))
    result.expected = expected
    return result
