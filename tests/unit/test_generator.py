"""The demo generator: deterministic, real layouts, every line item type, exact expected totals."""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from finops_lib.demo import deliver_restatement, generate_aws

MONTHS = ("2026-08", "2026-09")


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("gen")
    return out, generate_aws(out, rows=6000, months=MONTHS)


def digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_identical_files(generated, tmp_path):
    out, _ = generated
    generate_aws(tmp_path, rows=6000, months=MONTHS)
    assert digest(tmp_path) == digest(out)


def test_v1_top_level_manifest_points_at_the_newest_assembly(generated):
    out, gen = generated
    root = gen.exports["v1"].root
    restated = root / "cur/demo-cur/20260901-20261001"
    assemblies = [p for p in restated.iterdir() if p.is_dir()]
    assert len(assemblies) == 2  # the older delivery stays in the bucket
    top = json.loads((restated / "demo-cur-Manifest.json").read_text())
    assert top["assemblyId"] == gen.expected["v1"]["periods"]["2026-09"]["manifest_id"]
    for key in top["reportKeys"]:
        assert (root / key).is_file() and top["assemblyId"] in key
    assert top["billingPeriod"] == {"start": "20260901T000000.000Z", "end": "20261001T000000.000Z"}


def test_v2_manifest_lists_full_s3_uris_of_existing_files(generated):
    _, gen = generated
    root = gen.exports["v2"].root
    manifests = sorted(
        root.glob("exports/demo-cur2/metadata/BILLING_PERIOD=2026-09/*/*-Manifest.json")
    )
    assert len(manifests) == 2
    newest = json.loads(manifests[-1].read_text())
    assert newest["executionId"] == gen.expected["v2"]["periods"]["2026-09"]["manifest_id"]
    for uri in newest["dataFiles"]:
        assert uri.startswith("s3://demo-billing/")
        assert (root / uri.removeprefix("s3://demo-billing/")).is_file()
    names = {c["name"]: c["type"] for c in newest["columns"]}
    assert (
        names["resource_tags"] == "map<string,string>" and names["discount"] == "map<string,double>"
    )


def test_every_line_item_type_appears(generated):
    _, gen = generated
    types = set()
    for period in gen.expected["v1"]["periods"].values():
        types |= set(period["rows_by_line_item_type"])
    assert types >= {
        "Usage",
        "DiscountedUsage",
        "RIFee",
        "Fee",
        "SavingsPlanUpfrontFee",
        "SavingsPlanRecurringFee",
        "SavingsPlanCoveredUsage",
        "SavingsPlanNegation",
        "EdpDiscount",
        "PrivateRateDiscount",
        "Credit",
        "Refund",
        "Tax",
    }


def cid_amortized(col) -> str:
    return f"""sum(case {col("line_item_line_item_type")}
        when 'SavingsPlanCoveredUsage' then {col("savings_plan_savings_plan_effective_cost")}
        when 'SavingsPlanRecurringFee' then {col("savings_plan_total_commitment_to_date")} - {col("savings_plan_used_commitment")}
        when 'SavingsPlanNegation' then 0 when 'SavingsPlanUpfrontFee' then 0
        when 'DiscountedUsage' then {col("reservation_effective_cost")}
        when 'RIFee' then {col("reservation_unused_amortized_upfront_fee_for_billing_period")} + {col("reservation_unused_recurring_fee")}
        else case when {col("line_item_line_item_type")} = 'Fee' and {col("reservation_reservation_a_r_n")} is not null then 0
                  else {col("line_item_unblended_cost")} end end)"""


V1 = {
    "line_item_line_item_type": "lineItem/LineItemType",
    "line_item_unblended_cost": "lineItem/UnblendedCost",
    "line_item_net_unblended_cost": "lineItem/NetUnblendedCost",
    "savings_plan_savings_plan_effective_cost": "savingsPlan/SavingsPlanEffectiveCost",
    "savings_plan_total_commitment_to_date": "savingsPlan/TotalCommitmentToDate",
    "savings_plan_used_commitment": "savingsPlan/UsedCommitment",
    "reservation_effective_cost": "reservation/EffectiveCost",
    "reservation_unused_amortized_upfront_fee_for_billing_period": "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod",
    "reservation_unused_recurring_fee": "reservation/UnusedRecurringFee",
    "reservation_reservation_a_r_n": "reservation/ReservationARN",
}


@pytest.mark.parametrize("flavour", ["v1", "v2"])
def test_expected_totals_equal_a_duckdb_reread_of_the_current_files(generated, flavour):
    _, gen = generated
    root = gen.exports[flavour].root
    con = duckdb.connect()
    for period, expected in gen.expected[flavour]["periods"].items():
        if flavour == "v1":
            start = period.replace("-", "") + "01"
            folder = next(root.glob(f"cur/demo-cur/{start}-*"))
            keys = json.loads((folder / "demo-cur-Manifest.json").read_text())["reportKeys"]
            files = [str(root / k) for k in keys]

            def col(name):
                quoted = '"' + V1[name] + '"'
                if name == "line_item_line_item_type" or name == "reservation_reservation_a_r_n":
                    return f"nullif({quoted}, '')"
                return f"try_cast({quoted} as decimal(38,8))"

            source = "read_csv($files, all_varchar=true)"
        else:
            manifest = sorted(
                root.glob(f"exports/demo-cur2/metadata/BILLING_PERIOD={period}/*/*.json")
            )[-1]
            files = [
                str(root / u.removeprefix("s3://demo-billing/"))
                for u in json.loads(manifest.read_text())["dataFiles"]
            ]

            def col(name):
                return (
                    name
                    if name in ("line_item_line_item_type", "reservation_reservation_a_r_n")
                    else f"{name}::decimal(38,8)"
                )

            source = "read_parquet($files)"
        rows, unblended, net, amortized = con.execute(
            f"select count(*), sum({col('line_item_unblended_cost')}), "
            f"sum({col('line_item_net_unblended_cost')}), {cid_amortized(col)} from {source}",
            {"files": files},
        ).fetchone()
        assert rows == expected["rows"]
        for got, key in (
            (unblended, "unblended_cost"),
            (net, "net_unblended_cost"),
            (amortized, "amortized_cost"),
        ):
            if flavour == "v1":  # exact decimal strings in the CSV: equal to the last digit
                assert Decimal(got) == Decimal(expected[key]), (period, key, got)
            else:  # AWS delivers doubles: equal to the cent
                assert abs(Decimal(got) - Decimal(expected[key])) < Decimal("0.005"), (period, key)


def test_rows_scale_and_files_split(tmp_path):
    gen = generate_aws(
        tmp_path,
        rows=30_000,
        months=("2026-08",),
        flavours=("v1",),
        rows_per_file=8_000,
        restate_last=False,
    )
    period = gen.expected["v1"]["periods"]["2026-08"]
    assert period["rows"] >= 30_000 and period["files"] == -(-period["rows"] // 8_000)


def test_restatement_becomes_current(generated, tmp_path):
    gen = generate_aws(tmp_path, rows=3000, months=MONTHS, flavours=("v1",))
    before = gen.expected["v1"]["periods"]["2026-08"]
    after = deliver_restatement(gen.exports["v1"].root, "v1", "2026-08", seed=99)
    assert after["manifest_id"] != before["manifest_id"]
    top = json.loads(
        (
            gen.exports["v1"].root / "cur/demo-cur/20260801-20260901/demo-cur-Manifest.json"
        ).read_text()
    )
    assert top["assemblyId"] == after["manifest_id"]


def v1_rows(gen, period: str) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows (as text) of the current v1 delivery of ``period``."""
    root = gen.exports["v1"].root
    folder = next(root.glob(f"cur/demo-cur/{period.replace('-', '')}01-*"))
    keys = json.loads((folder / "demo-cur-Manifest.json").read_text())["reportKeys"]
    header: list[str] = []
    rows: list[dict[str, str]] = []
    for key in keys:
        with gzip.open(root / key, "rt", newline="") as fh:
            reader = csv.DictReader(fh)
            header = list(reader.fieldnames or [])
            rows += list(reader)
    return header, rows


def test_first_v1_month_is_delivered_without_the_invoicing_entity_column(generated):
    _, gen = generated
    first, later = (v1_rows(gen, p)[0] for p in MONTHS)
    assert "bill/InvoicingEntity" not in first and "bill/InvoicingEntity" in later
    root = gen.exports["v1"].root
    manifest = json.loads(
        next(root.glob("cur/demo-cur/20260801-*/demo-cur-Manifest.json")).read_text()
    )
    assert "InvoicingEntity" not in {
        c["name"] for c in manifest["columns"] if c["category"] == "bill"
    }


def test_marketplace_lines_name_the_seller_as_legal_entity(generated):
    _, gen = generated
    for period in MONTHS:
        _, rows = v1_rows(gen, period)
        market = [r for r in rows if r["bill/BillingEntity"] == "AWS Marketplace"]
        assert market and all(r["lineItem/LineItemType"] == "Usage" for r in market)
        sellers = {r["lineItem/LegalEntity"] for r in market}
        assert sellers and "Amazon Web Services, Inc." not in sellers
        others = {r["lineItem/LegalEntity"] for r in rows if r not in market}
        assert others == {"Amazon Web Services, Inc."}


def test_v1_savings_plan_columns_hold_the_text_none_only_without_a_savings_plan(generated):
    _, gen = generated
    _, rows = v1_rows(gen, MONTHS[0])
    for column in ("savingsPlan/SavingsPlanEffectiveCost", "savingsPlan/SavingsPlanRate"):
        with_none = [r for r in rows if r[column] == "None"]
        assert with_none
        assert {r["lineItem/LineItemType"] for r in with_none} == {"Usage"}
        assert all(r["savingsPlan/SavingsPlanARN"] == "" for r in with_none)


def test_v1_carries_units_as_cur_months_write_them(generated):
    _, gen = generated
    for period in MONTHS:
        _, rows = v1_rows(gen, period)
        units = {r["pricing/unit"] for r in rows}
        assert units >= {"days", "Terabytes", "User", "ConfigurationItemRecorded", "Hrs", "GB-Mo"}


def test_planted_anomaly_is_described_from_the_rows_of_the_last_month(generated):
    _, gen = generated
    planted = gen.expected["v1"]["planted_anomaly"]
    assert "planted_anomaly" not in gen.expected["v2"]
    _, rows = v1_rows(gen, MONTHS[-1])
    daily: dict[str, Decimal] = {}
    for r in rows:
        if (
            r["lineItem/ResourceId"] == planted["resource_id"]
            and r["lineItem/LineItemType"] == "Usage"
        ):
            day = r["lineItem/UsageStartDate"][:10]
            daily[day] = daily.get(day, Decimal(0)) + Decimal(r["lineItem/UnblendedCost"])
            assert r["lineItem/UsageAccountId"] == planted["sub_account"]
            assert r["bill/PayerAccountId"] == planted["billing_account"]
    usual = sorted(daily.values())[len(daily) // 2]  # the median day
    bursts = sorted(day for day, cost in daily.items() if cost > 5 * usual)
    assert bursts == planted["days"] and len(bursts) == 2
    assert all(date.fromisoformat(d).weekday() < 5 for d in bursts)
    extra = sum(daily[d] - usual for d in bursts)
    assert extra == Decimal(planted["extra_cost"]) and extra >= 300


def test_no_usage_row_spans_more_than_a_day_and_monthly_fees_start_on_day_one(generated):
    _, gen = generated
    for period in MONTHS:
        _, rows = v1_rows(gen, period)
        for r in rows:
            start = datetime.fromisoformat(r["lineItem/UsageStartDate"].replace("Z", "+00:00"))
            end = datetime.fromisoformat(r["lineItem/UsageEndDate"].replace("Z", "+00:00"))
            if r["lineItem/LineItemType"] == "Usage" and r["pricing/unit"] != "User":
                assert end - start <= timedelta(days=1), r["lineItem/ProductCode"]
            if r["lineItem/LineItemType"] in ("Fee", "RIFee", "SavingsPlanRecurringFee"):
                assert start.day == 1 and start.strftime("%Y-%m") == period
