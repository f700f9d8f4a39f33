"""Pure helpers of the AWS source: names, keys, manifests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from finops_lib.errors import InputError
from finops_lib.sources.aws_cur.helpers import (
    classify_column,
    parse_v1_manifest,
    parse_v2_manifest,
    safe_local_path,
    to_snake,
    uri_to_key,
    v1_manifest_keys,
    v2_manifest_keys,
)
from finops_lib.sources.aws_cur.settings import CANONICAL_COLUMNS


@pytest.mark.parametrize(
    ("name", "snake"),
    [
        ("lineItem/UnblendedCost", "line_item_unblended_cost"),
        ("reservation/ReservationARN", "reservation_reservation_a_r_n"),
        ("savingsPlan/SavingsPlanARN", "savings_plan_savings_plan_a_r_n"),
        ("bill/PayerAccountId", "bill_payer_account_id"),
        ("line_item_unblended_cost", "line_item_unblended_cost"),
        ("pricing/RateCode", "pricing_rate_code"),
    ],
)
def test_to_snake(name: str, snake: str) -> None:
    assert to_snake(name) == snake


def test_classify_packs_v1_map_categories() -> None:
    assert classify_column("resourceTags/user:CostCenter") == ("resource_tags", "user:CostCenter")
    assert classify_column("costCategory/Team") == ("cost_category", "Team")
    assert classify_column("product/operatingSystem") == ("product", "operating_system")
    assert classify_column("lineItem/UsageAmount") == ("line_item_usage_amount", None)


def test_contract_columns_are_canonical() -> None:
    contract = (Path(__file__).resolve().parents[2] / "docs" / "CONTRACTS.md").read_text()
    section = contract.split("so `CANONICAL_COLUMNS` must contain them:")[1].split(".\n")[0]
    names = [n.strip(" `\n") for n in section.split(",")]
    assert names and all(n in CANONICAL_COLUMNS for n in names), set(names) - set(CANONICAL_COLUMNS)


@pytest.mark.parametrize("key", ["../etc/passwd", "a/../../b", "/../x", "a//../b", "C:/x"])
def test_escaping_keys_are_refused(tmp_path: Path, key: str) -> None:
    with pytest.raises(InputError, match="escape"):
        safe_local_path(tmp_path, key)


def test_leading_slash_is_tolerated(tmp_path: Path) -> None:
    assert safe_local_path(tmp_path, "/a/b.csv.gz") == (tmp_path / "a" / "b.csv.gz").resolve()
    assert uri_to_key("s3://bkt/exports/x/data/f.parquet") == "exports/x/data/f.parquet"


def test_malformed_manifest_names_the_key() -> None:
    with pytest.raises(InputError, match="p/r/m.json"):
        parse_v1_manifest(b"{not json", "p/r/m.json", "AWS", "r", "2024-01")
    with pytest.raises(InputError, match="reportKeys"):
        parse_v1_manifest(json.dumps({"assemblyId": "x"}), "k", "AWS", "r", "2024-01")
    with pytest.raises(InputError, match="dataFiles"):
        parse_v2_manifest(json.dumps({"executionId": "x"}), "k", "AWS", "r", "2024-01", "v2")


def test_v1_top_level_manifest_only() -> None:
    keys = [
        "p/r/20240101-20240201/r-Manifest.json",
        "p/r/20240101-20240201/abc/r-Manifest.json",
        "p/r/20240101-20240201/abc/r-1.csv.gz",
    ]
    assert v1_manifest_keys(keys, "p", "r") == {"2024-01": "p/r/20240101-20240201/r-Manifest.json"}
    assert v1_manifest_keys(["r/20240201-20240301/r-Manifest.json"], "", "r") == {
        "2024-02": "r/20240201-20240301/r-Manifest.json"
    }


def test_v2_newest_manifest_per_partition() -> None:
    base = "e/x/metadata"
    keys = [
        f"{base}/BILLING_PERIOD=2024-05/2024-05-21T04:00:00.000Z-aaa/x-Manifest.json",
        f"{base}/BILLING_PERIOD=2024-05/2024-05-22T04:00:00.000Z-bbb/x-Manifest.json",
        f"{base}/billing_period=2024-06/x-Manifest.json",
    ]
    found = v2_manifest_keys(keys, "e", "x")
    assert found["2024-05"].endswith("22T04:00:00.000Z-bbb/x-Manifest.json")
    assert found["2024-06"] == keys[2]
    doc = {"executionId": "bbb", "dataFiles": ["s3://b/e/x/data/BILLING_PERIOD=2024-05/f.parquet"]}
    d = parse_v2_manifest(json.dumps(doc), found["2024-05"], "AWS", "x", "2024-05", "v2")
    assert d.files == ("e/x/data/BILLING_PERIOD=2024-05/f.parquet",)
