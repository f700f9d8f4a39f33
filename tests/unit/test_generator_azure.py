"""The Azure demo generator: same seed same bytes, manifests that describe their files, and expected
totals that equal the written files read back with DuckDB (not with the Azure source)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from finops_lib.demo import generate_azure
from finops_lib.demo.azure import ROOT, GeneratedAzure

ROWS = 900


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _manifests(root: Path) -> list[tuple[Path, dict]]:
    return [(p, json.loads(p.read_text())) for p in sorted(root.rglob("manifest.json"))]


def _relation(path: Path) -> str:
    if path.name.endswith(".parquet"):
        return f"read_parquet('{path}')"
    return f"read_csv('{path}', all_varchar = true, header = true)"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> GeneratedAzure:
    return generate_azure(tmp_path_factory.mktemp("az") / "c", rows=ROWS, seed=3)


def test_same_seed_writes_the_same_bytes(tmp_path: Path, generated: GeneratedAzure) -> None:
    again = generate_azure(tmp_path / "again", rows=ROWS, seed=3)
    first, second = _tree(generated.root), _tree(again.root)
    first.pop("expected_totals.json"), second.pop("expected_totals.json")  # names the folder
    assert first == second
    assert generated.expected["datasets"] == again.expected["datasets"]


def test_another_seed_writes_other_data(tmp_path: Path, generated: GeneratedAzure) -> None:
    other = generate_azure(tmp_path / "other", rows=ROWS, seed=4)
    assert other.expected["datasets"] != generated.expected["datasets"]


def test_layout_is_the_improved_exports_one(generated: GeneratedAzure) -> None:
    for path, _ in _manifests(generated.root):
        parts = path.relative_to(generated.root).parts
        assert parts[0] == ROOT and len(parts) == 6
        assert len(parts[2]) == 17 and parts[2][8] == "-"  # YYYYMMDD-YYYYMMDD
        assert len(parts[3]) == 12 and parts[3].isdigit()  # YYYYMMDDHHMM
    names = {p.relative_to(generated.root).as_posix() for p in generated.root.rglob("part_*")}
    assert {n.rsplit(".", 1)[-1] for n in names} == {"csv", "gz", "parquet"}


def test_manifests_describe_their_blobs(generated: GeneratedAzure) -> None:
    con = duckdb.connect()
    for path, doc in _manifests(generated.root):
        assert doc["manifestVersion"] and doc["exportConfig"]["type"]
        assert doc["deliveryConfig"]["rootFolderPath"] == ROOT
        assert doc["runInfo"]["runId"] == path.parent.name
        assert doc["blobCount"] == len(doc["blobs"])
        for blob in doc["blobs"]:
            file = generated.root / blob["blobName"]  # relative to the container
            assert file.is_file(), blob["blobName"]
            assert blob["byteCount"] == file.stat().st_size
            rows = con.execute(f"select count(*) from {_relation(file)}").fetchone()
            assert rows is not None and blob["dataRowCount"] == rows[0]
        assert doc["dataRowCount"] == sum(b["dataRowCount"] for b in doc["blobs"])


def _runs(root: Path) -> dict[str, dict]:
    return {doc["runInfo"]["runId"]: doc for _, doc in _manifests(root)}


def test_expected_totals_equal_the_files_read_back(generated: GeneratedAzure) -> None:
    con = duckdb.connect()
    runs = _runs(generated.root)
    on_disk = json.loads((generated.root / "expected_totals.json").read_text())
    assert on_disk["datasets"] == generated.expected["datasets"]
    for name, ds in on_disk["datasets"].items():
        for period, totals in ds["periods"].items():
            sums = {"billed": Decimal(0), "effective": Decimal(0)}
            rows = 0
            for run_id in totals["runs"].values():
                doc = runs[run_id]
                kind = doc["exportConfig"]["type"]
                for blob in doc["blobs"]:
                    rel = _relation(generated.root / blob["blobName"])
                    if kind == "FocusCost":
                        b, e, n = con.execute(
                            f"select sum(BilledCost), sum(EffectiveCost), count(*) from {rel}"
                        ).fetchone()  # type: ignore[misc]
                        sums["billed"] += b
                        sums["effective"] += e
                    else:
                        col = (
                            "CostInBillingCurrency"
                            if ds["agreement"] == "EA"
                            else "costInBillingCurrency"
                        )
                        s, n = con.execute(
                            f'select sum(cast("{col}" as decimal(38, 10))), count(*) from {rel}'
                        ).fetchone()  # type: ignore[misc]
                        sums["billed" if kind == "ActualCost" else "effective"] += s
                    rows += n
            assert (name, period, rows) == (name, period, totals["rows"])
            assert sums["billed"] == Decimal(totals["billed_cost"]), (name, period)
            assert sums["effective"] == Decimal(totals["effective_cost"]), (name, period)


def test_the_older_ea_actual_run_is_superseded(generated: GeneratedAzure) -> None:
    last = generated.expected["months"][-1]
    want = generated.expected["datasets"]["demo-ea"]["periods"][last]["runs"]["demo-ea"]
    runs = [
        doc for doc in _runs(generated.root).values()
        if doc["exportConfig"]["exportName"] == "demo-ea" and doc["runInfo"]["startDate"].startswith(last)
    ]  # fmt: skip
    assert len(runs) == 2
    newest = max(runs, key=lambda d: d["runInfo"]["submittedTime"])
    assert newest["runInfo"]["runId"] == want


def test_ea_files_are_ea_shaped(generated: GeneratedAzure) -> None:
    part = next(generated.root.glob(f"{ROOT}/demo-ea/*/*/*/part_0_0001.csv"))
    data = part.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    header, first = data.decode("utf-8-sig").splitlines()[:2]
    assert "CostInBillingCurrency" in header and "benefitId" in header
    con = duckdb.connect()
    files = [str(p) for p in generated.root.glob(f"{ROOT}/demo-ea/*/*/*/part_*")]
    kinds = {
        r[0]
        for r in con.execute(
            f"select distinct ChargeType || '/' || PricingModel"
            f" from read_csv({files}, all_varchar = true)"
        ).fetchall()
    }
    assert kinds == {
        "Usage/OnDemand", "Usage/Spot", "Usage/Reservation", "Usage/SavingsPlan",
        "Purchase/Reservation", "Purchase/SavingsPlan", "Refund/Reservation",
    }  # fmt: skip
    date, tags = con.execute(
        f"select Date, Tags from {_relation(part)} where Tags is not null limit 1"
    ).fetchone()  # type: ignore[misc]
    assert len(date) == 10 and date[2] == "/" and date[5] == "/"
    assert tags.startswith('"') and not tags.startswith("{")


def test_amortized_export_carries_unused_commitment(generated: GeneratedAzure) -> None:
    con = duckdb.connect()
    files = [str(p) for p in generated.root.glob(f"{ROOT}/demo-ea-amortized/*/*/*/part_*")]
    kinds = {
        r[0]
        for r in con.execute(
            f"select distinct ChargeType from read_csv({files}, all_varchar = true)"
        ).fetchall()
    }
    assert {"UnusedReservation", "UnusedSavingsPlan", "Usage"} == kinds


def test_mca_is_billed_in_eur_and_priced_in_usd(generated: GeneratedAzure) -> None:
    part = next(generated.root.glob(f"{ROOT}/demo-mca/*/*/*/part_0_0001.csv.gz"))
    row = (
        duckdb.connect()
        .execute(
            f"select distinct billingCurrency, pricingCurrency, exchangeRatePricingToBilling, date"
            f" from {_relation(part)} limit 1"
        )
        .fetchone()
    )
    assert row is not None and row[:2] == ("EUR", "USD") and Decimal(row[2]) < 1
    assert row[3][4] == "-"  # ISO dates
