"""Deterministic demo billing exports with known expected totals.

``generate_aws`` writes two organisations' AWS deliveries in the real S3 layouts: CUR v1 (CSV.gz,
"create new version" mode, top-level + assembly manifests) under ``<out>/cur-v1`` and CUR 2.0 Data
Exports (parquet, one execution folder per delivery) under ``<out>/cur-v2``. The last month is restated:
an older delivery stays in the bucket and the current manifest points at the newer one. The deliveries
also carry what real and third-party CURs do (``quirks.py``: odd units, Marketplace lines, a CUR v1
month without ``bill/InvoicingEntity``, the text ``None`` in numeric v1 columns), EC2 Spot usage
billed at the spot price beside its on-demand list price, 1-year commitments renewed every 12
months, and one planted usage anomaly in the last month (``planted.py``). Expected totals
(per export, period and payer) are computed from the generated integers, independently of any reader,
and written to ``expected_totals.json`` in each bucket root (the CUR v1 one also describes the
planted anomaly under ``planted_anomaly``). ``DEFAULT_MONTHS``: 13 months, 2025-10 to 2026-10.
"""

from __future__ import annotations

import json
import tomllib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow.compute as pc

from finops_lib.demo import quirks
from finops_lib.demo.azure import generate_azure
from finops_lib.demo.catalog import organisation
from finops_lib.demo.gcp import generate_gcp
from finops_lib.demo.rows import Month, MonthGenerator, iso
from finops_lib.demo.writers import V1Writer, V2Writer, money_str

BUCKET = "demo-billing"
NAMES = {"v1": ("cur", "demo-cur"), "v2": ("exports", "demo-cur2")}
# 13 months, 2025-10 .. 2026-10: a year of history plus the month a year-over-year view compares
DEFAULT_MONTHS = tuple(f"{2025 + (9 + i) // 12}-{(9 + i) % 12 + 1:02d}" for i in range(13))


@dataclass(frozen=True)
class Export:
    flavour: str
    root: Path  # the bucket root (a local directory with the S3 layout)
    prefix: str
    name: str
    bucket: str = BUCKET


@dataclass
class GeneratedExports:
    exports: dict[str, Export]
    expected: dict[str, dict] = field(default_factory=dict)  # flavour -> expected_totals.json


def _uuid(*parts: object) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "open-finops-demo/" + repr(parts)))


def _stamp(month: Month, delivery: int) -> datetime:
    return month.end + timedelta(days=2 + 3 * delivery, hours=4, minutes=12)


def _deliver(
    flavour: str,
    root: Path,
    month: Month,
    rows: int,
    seed: int,
    delivery: int,
    rows_per_file: int,
    current: bool,
    on_rows: Callable[[int], None] | None = None,
    anomaly: bool = False,
) -> dict:
    """Write one delivery of one month; return its expected totals (with the planted anomaly
    under ``planted_anomaly`` when this delivery holds it)."""
    org = organisation(flavour)
    prefix, name = NAMES[flavour]
    gen = MonthGenerator(org, month, rows, seed, flavour, anomaly=anomaly)
    assembly = _uuid(flavour, month.period, seed, delivery)
    start, end = month.start.strftime("%Y%m%d"), month.end.strftime("%Y%m%d")
    if flavour == "v1":
        writer: V1Writer | V2Writer = V1Writer(
            root,
            prefix,
            name,
            start,
            end,
            assembly,
            rows_per_file,
            absent=quirks.v1_absent_columns(month.index),
        )
    else:
        stamp = _stamp(month, delivery).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        writer = V2Writer(root, prefix, name, month.period, stamp, assembly, rows_per_file)
    totals: dict[str, int] = {"rows": 0, "unblended": 0, "net_unblended": 0, "amortized": 0}
    by_type: dict[str, int] = {}

    def emit(cols: dict) -> None:
        n = len(cols["identity_line_item_id"])
        gen.common(cols, n)
        writer.write(cols)
        if on_rows is not None:
            on_rows(n)
        totals["rows"] += n
        totals["unblended"] += int(np.sum(cols["_unblended"], dtype=np.int64))
        totals["net_unblended"] += int(np.sum(cols["_net"], dtype=np.int64))
        totals["amortized"] += int(np.sum(cols["_amortized"], dtype=np.int64))
        counts = pc.value_counts(cols["line_item_line_item_type"]).to_pylist()
        for item in counts:
            kind = item["values"]
            by_type[kind] = by_type.get(kind, 0) + item["counts"]

    for chunk in gen.usage_chunks():
        emit(chunk)
    emit(gen.special_chunk())
    billing = (month.start.strftime("%Y%m%dT000000.000Z"), month.end.strftime("%Y%m%dT000000.000Z"))
    if isinstance(writer, V1Writer):
        writer.finish(BUCKET, org.payer_id, *billing, top_level=current)
    else:
        writer.finish(BUCKET, org.payer_id, iso(month.start), iso(month.end))
    out = {
        "payer_account_id": org.payer_id,
        "manifest_id": assembly,
        "files": len(writer.keys),
        "rows": totals["rows"],
        "rows_by_line_item_type": dict(sorted(by_type.items())),
        "unblended_cost": money_str(totals["unblended"]),
        "net_unblended_cost": money_str(totals["net_unblended"]),
        "amortized_cost": money_str(totals["amortized"]),
    }
    if gen.planted is not None:
        out["planted_anomaly"] = gen.planted
    return out


def generate_aws(
    out_dir: Path,
    *,
    rows: int = 20_000,
    seed: int = 7,
    months: tuple[str, ...] = DEFAULT_MONTHS,
    flavours: tuple[str, ...] = ("v1", "v2"),
    rows_per_file: int = 1_000_000,
    restate_last: bool = True,
    on_rows: Callable[[int], None] | None = None,
    plant_anomaly: bool = True,
) -> GeneratedExports:
    """Write demo AWS billing exports (see the module doc) and return where they are.

    Args:
        rows: usage rows in total across months (commitment, discount, tax... rows come on top).
        months: billing periods 'YYYY-MM', oldest first.
        flavours: 'v1' (CUR v1 CSV.gz) and/or 'v2' (CUR 2.0 parquet).
        rows_per_file: split a delivery into several files past this many rows, as AWS does.
        restate_last: deliver the last month twice (an older delivery left in the bucket).
        on_rows: called with the number of rows just written (for a progress display).
        plant_anomaly: plant the usage burst of ``demo/planted.py`` in the last month (CUR v1);
            ``expected_totals.json`` describes it under ``planted_anomaly``.
    """
    out_dir = Path(out_dir)
    result = GeneratedExports({})
    per_month = max(1, rows // max(1, len(months)))
    for flavour in flavours:
        root = out_dir / f"cur-{flavour}"
        prefix, name = NAMES[flavour]
        result.exports[flavour] = Export(flavour, root, prefix, name)
        expected: dict = {
            "export_name": name,
            "prefix": prefix,
            "bucket": BUCKET,
            "flavour": flavour,
            "seed": seed,
            "rows_per_month": per_month,
            "rows_per_file": rows_per_file,
            "months": list(months),
            "periods": {},
        }
        for i, period in enumerate(months):
            month = Month.of(period, i)
            month_seed = seed * 1000 + i + (0 if flavour == "v1" else 500)
            last = i == len(months) - 1
            # the planted anomaly: in the last month, in both of its deliveries
            plant = last and plant_anomaly
            if restate_last and last:
                # The first delivery of the month: left in the bucket, no longer current.
                _deliver(
                    flavour,
                    root,
                    month,
                    int(per_month * 0.9),
                    month_seed + 97,
                    0,
                    rows_per_file,
                    current=False,
                    on_rows=on_rows,
                    anomaly=plant,
                )
            totals = _deliver(
                flavour,
                root,
                month,
                per_month,
                month_seed,
                1 if restate_last and last else 0,
                rows_per_file,
                current=True,
                on_rows=on_rows,
                anomaly=plant,
            )
            if "planted_anomaly" in totals:
                expected["planted_anomaly"] = totals.pop("planted_anomaly")
            expected["periods"][period] = totals
        (root / "expected_totals.json").write_text(json.dumps(expected, indent=2))
        result.expected[flavour] = expected
    return result


DEMO_CONFIG = Path(__file__).resolve().parent / "demo_config.toml"


def demo_config() -> dict:
    """The demo's ``[allocation]`` (virtual dimensions, shared-cost split) and ``[budgets]``
    tables (``demo_config.toml``), chosen for the generated data of all three clouds."""
    return tomllib.loads(DEMO_CONFIG.read_text(encoding="utf-8"))


def deliver_restatement(root: Path, flavour: str, period: str, seed: int) -> dict:
    """AWS refreshes a delivered month: write a new delivery and make it the current one.

    Returns the new expected totals of that period (also written to ``expected_totals.json``).
    """
    root = Path(root)
    expected = json.loads((root / "expected_totals.json").read_text())
    months = expected["months"]
    month = Month.of(period, months.index(period))
    deliveries = 2 + seed % 7  # a later delivery than any generate_aws wrote
    totals = _deliver(
        flavour,
        root,
        month,
        expected["rows_per_month"],
        seed,
        deliveries,
        expected["rows_per_file"],
        current=True,
        anomaly="planted_anomaly" in expected and period == months[-1],
    )
    if "planted_anomaly" in totals:
        expected["planted_anomaly"] = totals.pop("planted_anomaly")
    expected["periods"][period] = totals
    (root / "expected_totals.json").write_text(json.dumps(expected, indent=2))
    return totals


__all__ = [
    "DEMO_CONFIG",
    "Export",
    "GeneratedExports",
    "deliver_restatement",
    "demo_config",
    "generate_aws",
    "generate_azure",
    "generate_gcp",
]
