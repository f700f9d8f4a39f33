"""Tiny CUR v1 deliveries written by hand (one file, one payer, EC2 usage rows) and the settings of
a warehouse in a temporary folder: the shared set-up of the publish and FOCUS store tests."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from finops_lib.config import Settings, load_settings
from finops_lib.pipeline import ImportResult, import_provider

HEADER = (
    "identity/LineItemId,bill/PayerAccountId,lineItem/LineItemType,lineItem/UsageStartDate,"
    "lineItem/UsageEndDate,lineItem/CurrencyCode,lineItem/ProductCode,lineItem/UnblendedCost"
)
PERIODS = {
    "2024-01": "20240101-20240201",
    "2024-02": "20240201-20240301",
    "2024-03": "20240301-20240401",
}


def deliver(bucket: Path, period: str, assembly: str, costs: list[str]) -> None:
    """Deliver ``period`` as assembly ``assembly``: one usage row per cost, and its manifest."""
    folder = bucket / "p" / "r" / PERIODS[period]
    (folder / assembly).mkdir(parents=True, exist_ok=True)
    day = f"{period}-02T00:00:00Z"
    lines = [HEADER] + [
        f"id{i},111122223333,Usage,{day},{period}-02T01:00:00Z,USD,AmazonEC2,{c}"
        for i, c in enumerate(costs)
    ]
    (folder / assembly / "r-1.csv.gz").write_bytes(
        gzip.compress(("\n".join(lines) + "\n").encode())
    )
    key = f"p/r/{PERIODS[period]}/{assembly}/r-1.csv.gz"
    (folder / "r-Manifest.json").write_text(
        json.dumps({"assemblyId": assembly, "reportKeys": [key]})
    )


def settings(tmp: Path) -> Settings:
    """A warehouse, downloads and published folder under ``tmp``."""
    return (
        load_settings(None)
        .override("project", "database", str(tmp / "w.duckdb"))
        .override("aws", "download_dir", str(tmp / "downloads"))
        .override("project", "publish_dir", str(tmp / "published"))
    )


def import_cur(tmp: Path) -> ImportResult:
    """Import the bucket ``tmp / "bucket"`` (export ``r`` under prefix ``p``)."""
    return import_provider(
        "aws",
        settings(tmp),
        bucket=str(tmp / "bucket"),
        prefix="p",
        export_name="r",
        cur_version="v1",
    )
