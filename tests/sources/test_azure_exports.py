"""Azure Cost Management exports from a local copy of the container: discovery, datasets, the raw
contract, exactly-once loads and bad input that must not harm what is loaded.

The layouts are built here around the public samples in tests/fixtures/azure (SOURCES.md).
Expected figures come from plain DuckDB reads of those files, never from the importer.
"""

from __future__ import annotations

import gzip
import json
import os
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from finops_lib import db
from finops_lib.cli import main
from finops_lib.cli.common import console
from finops_lib.config import load_settings
from finops_lib.errors import ConfigError, InputError
from finops_lib.pipeline import import_provider
from finops_lib.sources import providers
from finops_lib.sources.azure_exports.helpers import column_targets, to_snake

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "azure"
ACTUAL = FIXTURES / "EA_ActualCost_Small.csv"
AMORTIZED = FIXTURES / "EA_AmortizedCost_Small.csv"
ANON = FIXTURES / "sample-anonymous-ea-export-dataset.csv"
KOKU = FIXTURES / "azure_version_2.csv"
ROOT = "exports"  # the exports' root folder in the container (manifests' rootFolderPath)
SEPT = "20230901-20230930"


@dataclass
class Run:
    run_id: str
    folder: Path


def rows_of(data: bytes) -> int:
    """Data rows of a CSV (every sample has one line per row)."""
    return len(data.decode("utf-8-sig").strip().splitlines()) - 1


def write_run(
    base: Path,
    export: str,
    kind: str,
    blobs: dict[str, bytes],
    *,
    submitted: str = "2023-10-01T06:00:00.1234567Z",
    stamp: str = "202310010600",
    start: str = "2023-09-01T00:00:00",
    rng: str = SEPT,
    data_version: str = "2023-05-01",
    row_counts: bool = True,
    blob_count: int | None = None,
) -> Run:
    """One improved-export run: ``<export>/<range>/<stamp>/<runId>/`` with its manifest.json."""
    run_id = str(uuid.uuid4())
    folder = base / export / rng / stamp / run_id
    folder.mkdir(parents=True)
    entries = []
    for name, data in blobs.items():
        (folder / name).write_bytes(data)
        entry: dict[str, object] = {
            "blobName": f"{ROOT}/{export}/{rng}/{stamp}/{run_id}/{name}",
            "byteCount": len(data),
        }
        if row_counts and not name.endswith((".gz", ".parquet")):
            entry["dataRowCount"] = rows_of(data)
        entries.append(entry)
    manifest = {
        "manifestVersion": "2024-04-01",
        "byteCount": sum(len(d) for d in blobs.values()),
        "blobCount": len(blobs) if blob_count is None else blob_count,
        "exportConfig": {
            "exportName": export,
            "resourceId": f"/providers/Microsoft.Billing/billingAccounts/8611537/providers/Microsoft.CostManagement/exports/{export}",
            "dataVersion": data_version,
            "type": kind,
            "timeFrame": "MonthToDate",
        },
        "deliveryConfig": {"partitionData": True, "fileFormat": "Csv", "rootFolderPath": ROOT},
        "runInfo": {
            "executionType": "Scheduled",
            "submittedTime": submitted,
            "runId": run_id,
            "startDate": start,
            "endDate": start[:8] + "30T00:00:00Z",
        },
        "blobs": entries,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return Run(run_id, folder)


def write_legacy(base: Path, export: str, data: bytes, rng: str, age: float = 0.0) -> str:
    """An older export's file ``<export>/<range>/<export>_<guid>.csv``, ``age`` seconds old."""
    guid = str(uuid.uuid4())
    path = base / export / rng / f"{export}_{guid}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    when = path.stat().st_mtime - age
    os.utime(path, (when, when))
    return guid


def config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "finops.toml"
    path.write_text(
        f'[project]\ndatabase = "{tmp_path / "w.duckdb"}"\npublish_dir = "{tmp_path / "pub"}"\n'
        f'[azure]\ndownload_dir = "{tmp_path / "dl"}"\n' + body
    )
    return path


@pytest.fixture
def container(tmp_path: Path) -> Path:
    """The root folder of the copy: the trey dataset (actual + amortized, with an older run of the
    actual export and a newer empty one), plus two older manifest-less exports."""
    base = tmp_path / "container"
    data = ACTUAL.read_bytes()
    head = b"\n".join(data.split(b"\n")[:4]) + b"\n"  # header + 3 rows
    write_run(
        base,
        "trey-actual",
        "ActualCost",
        {"part_0_0001.csv": head},
        submitted="2023-10-01T06:00:00Z",
        stamp="202310010600",
    )
    write_run(
        base,
        "trey-actual",
        "ActualCost",
        {"part_0_0001.csv": data},
        submitted="2023-10-02T06:00:00.5Z",
        stamp="202310020600",
    )
    write_run(
        base,
        "trey-actual",
        "ActualCost",
        {},
        submitted="2023-10-03T06:00:00Z",
        stamp="202310030600",
        blob_count=0,
    )
    write_run(base, "trey-amortized", "AmortizedCost", {"part_0_0001.csv": AMORTIZED.read_bytes()})
    anon = ANON.read_bytes()
    write_legacy(base, "anon", b"\n".join(anon.split(b"\n")[:3]) + b"\n", SEPT, age=3600)
    write_legacy(base, "anon", anon, SEPT)
    write_legacy(base, "koku", KOKU.read_bytes(), "20200901-20200930")
    return base


DATASETS = """
[azure.exports.trey]
container = "{c}"
exports = ["trey-actual", "trey-amortized"]
[azure.exports.anon]
container = "{c}"
type = "ActualCost"
[azure.exports.koku]
container = "{c}"
type = "ActualCost"
"""


def settings_for(tmp_path: Path, container: Path, body: str = DATASETS):
    return load_settings(config(tmp_path, body.format(c=container)), env={})


def csv_sum(path: Path, column: str) -> Decimal:
    """Σ of a column read by plain DuckDB as exact decimals (the independent expectation)."""
    con = duckdb.connect()
    try:
        return con.execute(
            f'select sum(cast("{column}" as decimal(38,10))) from read_csv($p, all_varchar=true)',  # noqa: S608
            {"p": str(path)},
        ).fetchone()[0]
    finally:
        con.close()


def q(tmp_path: Path, sql: str, params: dict | None = None) -> list[tuple]:
    con = db.connect(tmp_path / "w.duckdb", read_only=True)
    try:
        return con.execute(sql, params or {}).fetchall()
    finally:
        con.close()


def test_provider_is_found_by_listing() -> None:
    azure = providers()["azure"]
    assert (azure.name, azure.label, azure.query_prefix) == ("azure", "Azure", "azure")


def test_column_names_normalise_with_aliases() -> None:
    assert to_snake("\ufeffCostInBillingCurrency") == "cost_in_billing_currency"
    assert to_snake("costInUSD") == "cost_in_usd"
    assert to_snake("MeterSubCategory") == "meter_sub_category"
    got = column_targets(
        [
            "Cost",
            "PayGPrice",
            "InstanceName",
            "ResourceId",
            "Product",
            "MeterSubcategory",
            "BillingCurrencyCode",
            "benefitId",
            "paygCostInBillingCurrency",
            "UsageDate",
        ]
    )
    assert got == {
        "Cost": "cost_in_billing_currency",
        "PayGPrice": "payg_price",
        "InstanceName": "instance_name",  # ResourceId is there: kept under its own name
        "ResourceId": "resource_id",
        "Product": "product_name",
        "MeterSubcategory": "meter_sub_category",
        "BillingCurrencyCode": "billing_currency",
        "benefitId": "benefit_id",
        "paygCostInBillingCurrency": "payg_cost_in_billing_currency",
        "UsageDate": "date",
    }


def test_dataset_loads_latest_run_of_each_export_as_one_delivery(tmp_path, container) -> None:
    settings = settings_for(tmp_path, container)
    result = import_provider("azure", settings, exports=["trey"])
    assert [(x.export, x.period, x.rows) for x in result.loaded] == [("trey", "2023-09", 39)]
    latest = [
        json.loads(p.read_text())["runInfo"]["runId"]
        for p in sorted(container.glob("trey-*/*/*/*/manifest.json"))
        if p.parts[-3] in ("202310020600", "202310010600")
        and "amortized" in p.parts[-5]
        or p.parts[-3] == "202310020600"
    ]
    wanted = "+".join(sorted(latest))
    state = q(
        tmp_path,
        "select provider, export_name, format, billing_period, delivery_id, files, rows"
        " from meta.load_state",
    )
    assert state == [("Azure", "trey", "ActualCost+AmortizedCost", "2023-09", wanted, 2, 39)]
    got = dict(
        q(
            tmp_path,
            "select x_cost_type, sum(cost_in_billing_currency) from raw_azure.cost group by 1",
        )
    )
    assert got == {
        "ActualCost": csv_sum(ACTUAL, "Cost"),
        "AmortizedCost": csv_sum(AMORTIZED, "Cost"),
    }


def test_raw_rows_carry_the_contract_metadata_and_types(tmp_path, container) -> None:
    import_provider("azure", settings_for(tmp_path, container), exports=["trey"])
    meta = q(
        tmp_path,
        "select distinct x_provider, x_export_name, x_billing_period, x_azure_export,"
        " x_cost_type, x_schema, x_delivery_id = split_part(x_source_file, '/', 4)"
        " from raw_azure.cost order by all",
    )
    assert meta == [
        ("Azure", "trey", "2023-09", "trey-actual", "ActualCost", "EA", True),
        ("Azure", "trey", "2023-09", "trey-amortized", "AmortizedCost", "EA", True),
    ]
    assert q(
        tmp_path,
        "select min(x_source_row), max(x_source_row), count(*) from raw_azure.cost"
        " where x_cost_type = 'ActualCost'",
    ) == [(1, 11, 11)]
    # the first row of EA_ActualCost_Small.csv: a reservation purchase, dates MM/DD/YYYY
    row = q(
        tmp_path,
        "select cast(date as varchar), cast(billing_period_end_date as varchar),"
        " cost_in_billing_currency, product_name, billing_currency, charge_type,"
        " pricing_model, benefit_name, resource_location"
        " from raw_azure.cost where x_cost_type = 'ActualCost' and x_source_row = 1",
    )
    assert row == [
        (
            "2023-09-21 00:00:00+00",
            "2023-09-30 00:00:00+00",
            Decimal("3.25"),
            "Virtual Machines BS Series - B1s - UK South",
            "USD",
            "Purchase",
            "Reservation",
            "VM_RI_06-21-2023_18-56",
            "uksouth",
        )
    ]
    types = dict(
        q(
            tmp_path,
            "select column_name, data_type from information_schema.columns"
            " where table_schema = 'raw_azure' and table_name = 'cost'",
        )
    )
    assert types["cost_in_billing_currency"] == "DECIMAL(38,10)"
    assert types["date"] == "TIMESTAMP WITH TIME ZONE"
    assert types["cost_in_usd"] == "DECIMAL(38,10)" and types["invoice_id"] == "VARCHAR"
    assert types["account_owner_id"] == "VARCHAR"  # a column outside the contract, kept


def test_rerun_loads_nothing_and_a_new_run_replaces_the_period(tmp_path, container) -> None:
    settings = settings_for(tmp_path, container)
    import_provider("azure", settings, exports=["trey"])
    again = import_provider("azure", settings, exports=["trey"])
    assert (again.loaded, again.skipped) == ([], [("Azure", "trey", "2023-09")])
    newer = write_run(
        container,
        "trey-amortized",
        "AmortizedCost",
        {"part_0_0001.csv": AMORTIZED.read_bytes()},
        submitted="2023-10-05T06:00:00Z",
        stamp="202310050600",
    )
    third = import_provider("azure", settings, exports=["trey"])
    assert [x.rows for x in third.loaded] == [39]
    assert q(tmp_path, "select count(*), count(distinct x_load_id) from raw_azure.cost") == [
        (39, 1)
    ]
    assert newer.run_id in q(tmp_path, "select delivery_id from meta.load_state")[0][0]


def test_legacy_exports_newest_file_per_range_wins(tmp_path, container) -> None:
    result = import_provider("azure", settings_for(tmp_path, container), exports=["anon", "koku"])
    assert sorted((x.export, x.period, x.rows) for x in result.loaded) == [
        ("anon", "2023-09", rows_of(ANON.read_bytes())),
        ("koku", "2020-09", rows_of(KOKU.read_bytes())),
    ]
    got = dict(
        q(
            tmp_path,
            "select x_export_name, sum(cost_in_billing_currency) from raw_azure.cost group by 1",
        )
    )
    assert got == {
        "anon": csv_sum(ANON, "CostInBillingCurrency"),
        "koku": csv_sum(KOKU, "CostInBillingCurrency"),
    }
    tags, day = q(
        tmp_path,
        "select tags, cast(date as varchar) from raw_azure.cost"
        " where x_export_name = 'anon' and x_source_row = 1",
    )[0]
    assert tags == '"tagA": "valueA","tagB": "valueB","tagC": "valueC"'  # as delivered
    assert day == "2023-09-02 00:00:00+00"  # M/D/YYYY
    assert q(
        tmp_path,
        "select cast(min(date) as varchar) from raw_azure.cost where x_export_name = 'koku'",
    ) == [("2020-09-01 00:00:00+00",)]


MCA = (
    b"invoiceId,billingAccountId,billingProfileId,billingProfileName,date,chargeType,"
    b"costInBillingCurrency,costInPricingCurrency,paygCostInBillingCurrency,PayGPrice,"
    b"exchangeRatePricingToBilling,billingCurrency,pricingCurrency,productId,tags\n"
    b"G001,acct:1_2019-05-31,BP1,Profile One,2024-03-05,Usage,12.3456789012,"
    b'13.1,None,0.5,1.0612345678,EUR,USD,DZH318Z0BQ4B,"{""env"":""prod""}"\n'
    b"G001,acct:1_2019-05-31,BP1,Profile One,2024-03-06T00:00:00.0000000Z,Purchase,"
    b"100,,,null,,EUR,USD,,\n"
)


def test_mca_camelcase_file_with_null_spellings(tmp_path) -> None:
    base = tmp_path / "container"
    write_run(
        base,
        "mca-actual",
        "ActualCost",
        {"part_0_0001.csv": MCA},
        start="2024-03-01T00:00:00",
        rng="20240301-20240331",
    )
    settings = settings_for(tmp_path, base, 'container = "{c}"\nexports = ["mca-actual"]\n')
    import_provider("azure", settings)
    rows = q(
        tmp_path,
        "select x_export_name, x_schema, billing_profile_id, cost_in_billing_currency,"
        " payg_cost_in_billing_currency, payg_price, exchange_rate_pricing_to_billing,"
        " pricing_currency, product_id, tags, cast(date as varchar)"
        " from raw_azure.cost order by x_source_row",
    )
    assert rows == [
        (
            "mca-actual",
            "MCA",
            "BP1",
            Decimal("12.3456789012"),
            None,
            Decimal("0.5"),
            Decimal("1.0612345678"),
            "USD",
            "DZH318Z0BQ4B",
            '{"env":"prod"}',
            "2024-03-05 00:00:00+00",
        ),
        (
            "mca-actual",
            "MCA",
            "BP1",
            Decimal("100"),
            None,
            None,
            None,
            "USD",
            None,
            None,
            "2024-03-06 00:00:00+00",
        ),
    ]


FOCUS = (
    b"BilledCost,EffectiveCost,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargeCategory,"
    b"ChargePeriodStart,ChargePeriodEnd,ServiceName,Tags,x_SkuMeterCategory\n"
    b"1.5000000001,1.25,USD,2024-05-01T00:00:00Z,2024-06-01T00:00:00Z,Usage,"
    b'2024-05-02T00:00:00Z,2024-05-03T00:00:00Z,Virtual Machines,"{""team"":""a""}",Compute\n'
    b"2,2,USD,2024-05-01T00:00:00Z,2024-06-01T00:00:00Z,Purchase,"
    b"2024-05-01T00:00:00Z,2024-06-01T00:00:00Z,Azure Savings Plan,,\n"
)


def test_focus_cost_export_gz_goes_to_raw_focus(tmp_path) -> None:
    base = tmp_path / "container"
    run = write_run(
        base,
        "focus",
        "FocusCost",
        {"part_0_0001.csv.gz": gzip.compress(FOCUS)},
        start="2024-05-01T00:00:00",
        rng="20240501-20240531",
        data_version="1.0r2",
    )
    settings = settings_for(tmp_path, base, 'container = "{c}"\nexports = ["focus"]\n')
    import_provider("azure", settings)
    rows = q(
        tmp_path,
        "select x_export_name, x_cost_type, x_focus_version, x_delivery_id,"
        " BilledCost, ChargeCategory, Tags, x_SkuMeterCategory, x_source_row"
        " from raw_azure.focus order by x_source_row",
    )
    assert rows == [
        (
            "focus",
            "FocusCost",
            "1.0r2",
            run.run_id,
            Decimal("1.5000000001"),
            "Usage",
            '{"team":"a"}',
            "Compute",
            1,
        ),
        ("focus", "FocusCost", "1.0r2", run.run_id, Decimal("2"), "Purchase", None, None, 2),
    ]
    assert q(tmp_path, "select format from meta.load_state") == [("FocusCost",)]


def test_parquet_blob_loads_like_its_csv(tmp_path) -> None:
    base = tmp_path / "container"
    pq = tmp_path / "part.snappy.parquet"
    con = duckdb.connect()
    con.execute(
        f"copy (select * from read_csv('{ACTUAL}', all_varchar=true)) to '{pq}' (format parquet)"
    )  # noqa: S608
    con.close()
    write_run(base, "pq", "ActualCost", {"part_0_0001.snappy.parquet": pq.read_bytes()})
    import_provider("azure", settings_for(tmp_path, base, 'container = "{c}"\nexports = ["pq"]\n'))
    assert q(
        tmp_path,
        "select count(*), sum(cost_in_billing_currency), max(x_source_row),"
        " cast(min(date) as varchar) from raw_azure.cost",
    ) == [(11, csv_sum(ACTUAL, "Cost"), 11, "2023-09-04 00:00:00+00")]


# --- bad input: one line naming the blob or setting, nothing loaded before harmed -------------


def _loaded_before(tmp_path: Path, container: Path):
    settings = settings_for(tmp_path, container)
    import_provider("azure", settings, exports=["trey"])
    return (
        settings,
        q(tmp_path, "select * from meta.load_state"),
        q(tmp_path, "select count(*), sum(cost_in_billing_currency) from raw_azure.cost"),
    )


def _unharmed(tmp_path: Path, state, raw) -> None:
    assert q(tmp_path, "select * from meta.load_state") == state
    assert q(tmp_path, "select count(*), sum(cost_in_billing_currency) from raw_azure.cost") == raw


def _newer_actual(container: Path, data: bytes, **kw) -> Run:
    return write_run(
        container,
        "trey-actual",
        "ActualCost",
        {"part_0_0001.csv": data},
        submitted="2023-10-09T06:00:00Z",
        stamp="202310090600",
        **kw,
    )


def test_truncated_blob_is_one_line_error_naming_it(tmp_path, container) -> None:
    settings, state, raw = _loaded_before(tmp_path, container)
    data = ACTUAL.read_bytes()
    run = _newer_actual(container, data[: len(data) // 2], row_counts=False)
    with pytest.raises(InputError) as err:
        import_provider("azure", settings, exports=["trey"])
    assert f"{run.run_id}/part_0_0001.csv" in str(err.value) and "\n" not in str(err.value)
    _unharmed(tmp_path, state, raw)


def test_blob_cut_at_a_line_is_caught_by_the_manifest_row_count(tmp_path, container) -> None:
    settings, state, raw = _loaded_before(tmp_path, container)
    run = _newer_actual(container, ACTUAL.read_bytes())
    lines = (run.folder / "part_0_0001.csv").read_bytes().split(b"\n")
    (run.folder / "part_0_0001.csv").write_bytes(b"\n".join(lines[:6]) + b"\n")
    with pytest.raises(InputError, match=r"holds 5 rows but .*manifest.json says 11"):
        import_provider("azure", settings, exports=["trey"])
    _unharmed(tmp_path, state, raw)


def test_manifest_listing_a_missing_blob_names_it(tmp_path, container) -> None:
    settings, state, raw = _loaded_before(tmp_path, container)
    run = _newer_actual(container, ACTUAL.read_bytes())
    (run.folder / "part_0_0001.csv").unlink()
    with pytest.raises(
        InputError,
        match=rf"blob .*{run.run_id}/part_0_0001.csv \(listed by .*manifest.json\) is missing",
    ):
        import_provider("azure", settings, exports=["trey"])
    _unharmed(tmp_path, state, raw)


def test_unknown_export_type_names_the_manifest(tmp_path, container) -> None:
    settings, state, raw = _loaded_before(tmp_path, container)
    write_run(
        container,
        "trey-actual",
        "PriceSheet",
        {"part_0_0001.csv": b"a\n1\n"},
        submitted="2023-10-09T06:00:00Z",
        stamp="202310090600",
    )
    with pytest.raises(
        InputError, match=r"manifest .*manifest.json: unknown export type 'PriceSheet'"
    ):
        import_provider("azure", settings, exports=["trey"])
    _unharmed(tmp_path, state, raw)


@pytest.mark.parametrize("column", ["Cost", "Date", "ChargeType"])
def test_missing_required_column_names_the_blob(tmp_path, container, column) -> None:
    settings, state, raw = _loaded_before(tmp_path, container)
    lines = ACTUAL.read_text(encoding="utf-8-sig").splitlines()
    lines[0] = lines[0].replace(f",{column},", f",Renamed{column},")
    run = _newer_actual(container, ("\n".join(lines) + "\n").encode())
    with pytest.raises(InputError, match=rf"{run.run_id}/part_0_0001.csv lacks required column"):
        import_provider("azure", settings, exports=["trey"])
    _unharmed(tmp_path, state, raw)


def test_value_that_does_not_parse_names_the_blob(tmp_path, container) -> None:
    settings, state, raw = _loaded_before(tmp_path, container)
    text = ACTUAL.read_text(encoding="utf-8-sig").replace("09/21/2023", "21/09/2023", 1)
    run = _newer_actual(container, text.encode())
    with pytest.raises(InputError, match=rf"cannot read .*{run.run_id}/part_0_0001.csv"):
        import_provider("azure", settings, exports=["trey"])
    _unharmed(tmp_path, state, raw)


def test_legacy_export_without_type_is_refused(tmp_path, container) -> None:
    settings = settings_for(tmp_path, container, '[azure.exports.anon]\ncontainer = "{c}"\n')
    with pytest.raises(
        InputError, match=r"export anon has files without a manifest.json and no type"
    ):
        import_provider("azure", settings)


def test_wrong_connection_string_names_the_setting_not_its_value(
    tmp_path, capsys, monkeypatch
) -> None:
    secret = "AccountName=x;AccountKy=c2VjcmV0LXRoYXQtbXVzdC1ub3Qtc2hvdw=="  # misspelt key
    monkeypatch.setenv(
        "OPEN_FINOPS_AZURE_CONNECTION_STRING", "DefaultEndpointsProtocol=https;" + secret
    )
    cfg = config(tmp_path, 'container = "azure://costs/exports"\nexports = ["a"]\n')
    code = main(["--config", str(cfg), "azure", "import"])
    err = capsys.readouterr().err
    assert code == ConfigError.exit_code
    assert err.startswith("error: [azure].connection_string (OPEN_FINOPS_AZURE_CONNECTION_STRING)")
    assert "c2VjcmV0" not in err and len(err.strip().splitlines()) == 1


def test_unreachable_endpoint_is_one_line_error(tmp_path, capsys, monkeypatch) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
    monkeypatch.setenv(
        "OPEN_FINOPS_AZURE_CONNECTION_STRING",
        f"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={key};"
        f"BlobEndpoint=http://127.0.0.1:{port}/devstoreaccount1;",
    )
    cfg = config(tmp_path, 'container = "azure://costs/exports"\nexports = ["a"]\n')
    assert main(["--config", str(cfg), "azure", "import"]) == InputError.exit_code
    err = capsys.readouterr().err
    assert err.startswith("error: cannot reach the storage endpoint of azure://costs")
    assert key[:12] not in err and len(err.strip().splitlines()) == 1


# --- CLI and finops import ---------------------------------------------------------------------


def test_cli_import_list_show(tmp_path, container, capsys, monkeypatch) -> None:
    monkeypatch.setattr(console, "width", 250)
    cfg = config(tmp_path, "")
    base = ["--config", str(cfg), "azure"]
    src = [
        "--container",
        str(container),
        "--export-name",
        "trey-actual",
        "--export-name",
        "trey-amortized",
    ]
    assert main([*base, "list-exports", *src]) == 0
    out = capsys.readouterr().out
    assert out.count("latest") == 2 and out.count("2023-10-0") == 4  # 3 + 1 runs, one empty
    assert main([*base, "import", *src]) == 0
    assert "loaded 1 period(s), 39 rows" in capsys.readouterr().out
    assert main([*base, "import", *src, "--period", "2023-09"]) == 0
    assert "skipped 1" in capsys.readouterr().out
    assert main([*base, "show-state"]) == 0
    out = capsys.readouterr().out
    assert "trey-actual" in out and "ActualCost+AmortizedCost" in out
    legacy = ["--container", str(container), "--export-name", "anon", "--type", "ActualCost"]
    assert main([*base, "import", *legacy]) == 0
    assert "27 rows" in capsys.readouterr().out


def consistent_amortized() -> bytes:
    """An AmortizedCost file that matches EA_ActualCost_Small (the two public samples are not one
    month's pair: their on-demand rows differ): the actual file's on-demand usage lines plus the
    amortized sample's reservation and savings-plan usage lines."""
    actual = ACTUAL.read_text(encoding="utf-8-sig").splitlines()
    amortized = AMORTIZED.read_text(encoding="utf-8-sig").splitlines()
    assert actual[0] == amortized[0]
    lines = [actual[0]] + [x for x in actual[1:] if ",Usage," in x and ",OnDemand," in x]
    lines += [
        x
        for x in amortized[1:]
        if ",Usage," in x and (",Reservation," in x or ",SavingsPlan," in x)
    ]
    return ("\n".join(lines) + "\n").encode()


def test_finops_import_picks_azure_up_and_validate_reconciles(
    tmp_path, capsys, monkeypatch
) -> None:
    repo = Path(__file__).resolve().parents[2]
    if not (repo / "queries" / "focus" / "sources" / "azure_cost.sql").is_file():
        pytest.skip(
            "the Azure FOCUS mapping (queries/focus/sources/azure_cost.sql) is not there yet"
        )
    monkeypatch.setattr(console, "width", 250)
    base = tmp_path / "container"
    write_run(base, "pair-actual", "ActualCost", {"part_0_0001.csv": ACTUAL.read_bytes()})
    write_run(base, "pair-amortized", "AmortizedCost", {"part_0_0001.csv": consistent_amortized()})
    write_legacy(base, "anon", ANON.read_bytes(), SEPT)
    cfg = config(
        tmp_path,
        f'[azure.exports.pair]\ncontainer = "{base}"\nexports = ["pair-actual", "pair-amortized"]\n'
        f'[azure.exports.anon]\ncontainer = "{base}"\ntype = "ActualCost"\n',
    )
    assert main(["--config", str(cfg), "import"]) == 0
    assert "loaded 2 period(s)" in capsys.readouterr().out
    code = main(["--config", str(cfg), "validate"])
    out = capsys.readouterr().out
    from finops_lib.reconcile import reconcile

    con = db.connect(tmp_path / "w.duckdb", read_only=True)
    try:
        frame = reconcile(con)
        focus_rows = q(
            tmp_path,
            "select x_export_name, count(*) from focus.cost_and_usage group by 1 order by 1",
        )
    finally:
        con.close()
    assert sorted(frame["export_name"].to_list()) == ["anon", "pair"]
    assert frame["ok"].all(), frame.select("export_name", "billed_cost_diff", "effective_cost_diff")
    assert [n for n, _ in focus_rows] == ["anon", "pair"]
    assert "0 reconciliation differences" in out or code == 0, out[-400:]
