"""AWS ingestion from a local bucket copy: naming, manifests, FOCUS export, zip, and bad input.

Every bad-input case runs against a warehouse that already holds a good load and checks that the
load is untouched afterwards (raw rows, source totals and state compared before/after).
"""

from __future__ import annotations

import gzip
import json
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from finops_lib import db
from finops_lib.config import load_settings
from finops_lib.demo import generate_aws
from finops_lib.errors import InputError
from finops_lib.pipeline import import_provider
from finops_lib.sources.aws_cur.helpers import (
    classify_column,
    parse_v1_manifest,
    safe_local_path,
    to_snake,
    uri_to_key,
    v2_manifest_keys,
)

REPO = Path(__file__).resolve().parents[2]
MONTHS = ("2026-08", "2026-09")


def _settings(tmp: Path, name: str = "w.duckdb"):
    return (
        load_settings(None)
        .override("project", "database", str(tmp / name))
        .override("aws", "download_dir", str(tmp / "downloads"))
        .override("project", "publish_dir", str(Path(tmp / "downloads").parent / "published"))
    )


# --- pure helpers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "canonical"),
    [
        ("lineItem/UnblendedCost", "line_item_unblended_cost"),
        ("line_item_unblended_cost", "line_item_unblended_cost"),
        ("reservation/ReservationARN", "reservation_reservation_a_r_n"),
        ("reservation_reservation_a_r_n", "reservation_reservation_a_r_n"),
        ("savingsPlan/SavingsPlanARN", "savings_plan_savings_plan_a_r_n"),
        ("bill/PayerAccountId", "bill_payer_account_id"),
        ("identity/LineItemId", "identity_line_item_id"),
    ],
)
def test_naming_styles_normalise_to_cur2_names(source: str, canonical: str) -> None:
    assert to_snake(source) == canonical


def test_v1_category_columns_go_into_maps() -> None:
    assert classify_column("resourceTags/user:CostCenter") == ("resource_tags", "user:CostCenter")
    assert classify_column("costCategory/Team") == ("cost_category", "Team")
    assert classify_column("product/operatingSystem") == ("product", "operating_system")
    assert classify_column("lineItem/UsageType") == ("line_item_usage_type", None)


def test_keys_tolerate_leading_slash_and_s3_uris() -> None:
    doc = {"assemblyId": "a1", "reportKeys": ["/p/r/20240101-20240201/a1/r-1.csv.gz"]}
    d = parse_v1_manifest(json.dumps(doc), "m.json", "AWS", "r", "2024-01")
    assert d.files == ("p/r/20240101-20240201/a1/r-1.csv.gz",)
    assert uri_to_key("s3://bkt/x/y.parquet") == "x/y.parquet"


@pytest.mark.parametrize("key", ["../outside.csv", "a/../../outside.csv", "/../x", "a//..//b"])
def test_keys_escaping_the_download_dir_are_refused(tmp_path: Path, key: str) -> None:
    with pytest.raises(InputError, match="escape"):
        safe_local_path(tmp_path / "dl", key)


def test_create_new_version_takes_the_newest_manifest_per_partition() -> None:
    base = "p/e/metadata/BILLING_PERIOD=2024-05/"
    keys = [
        base + "2024-06-01T00:00:00.000Z-aaa/e-Manifest.json",
        base + "2024-06-03T00:00:00.000Z-bbb/e-Manifest.json",
        "p/e/metadata/billing_period=2024-06/e-Manifest.json",
    ]
    found = v2_manifest_keys(keys, "p", "e")
    assert found == {"2024-05": keys[1], "2024-06": keys[2]}


# --- end to end on a local copy -----------------------------------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory):
    return generate_aws(tmp_path_factory.mktemp("gen"), rows=300, seed=3, months=MONTHS)


def _snapshot(path: Path) -> tuple:
    con = db.connect(path, read_only=True)
    try:
        return (
            con.execute(
                "select x_billing_period, count(*), sum(line_item_unblended_cost) from raw_aws.cur"
                " group by all order by all"
            ).fetchall(),
            con.execute(
                "select * exclude (loaded_at) from meta.load_state order by all"
            ).fetchall(),
            con.execute("select * from meta.source_totals order by all").fetchall(),
        )
    finally:
        con.close()


@pytest.fixture(scope="module")
def imported_once(generated, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The v1 bucket and a warehouse with it imported (a template each test copies)."""
    export = generated.exports["v1"]
    tmp = tmp_path_factory.mktemp("imported")
    shutil.copytree(export.root, tmp / "bucket")
    result = import_provider(
        "aws",
        _settings(tmp),
        bucket=str(tmp / "bucket"),
        prefix=export.prefix,
        export_name=export.name,
        cur_version="v1",
    )
    assert sorted(x.period for x in result.loaded) == list(MONTHS)
    return tmp


@pytest.fixture
def good(generated, imported_once: Path, tmp_path: Path) -> dict:
    """A private copy of the v1 bucket and of the warehouse it was imported into."""
    export = generated.exports["v1"]
    bucket = tmp_path / "bucket"
    shutil.copytree(imported_once / "bucket", bucket)
    shutil.copy(imported_once / "w.duckdb", tmp_path / "w.duckdb")
    s = _settings(tmp_path)
    period_dir = bucket / export.prefix / export.name / "20260801-20260901"
    manifest = period_dir / f"{export.name}-Manifest.json"
    return {
        "export": export,
        "bucket": bucket,
        "settings": s,
        "manifest": manifest,
        "db": tmp_path / "w.duckdb",
    }


def _reimport(good: dict) -> None:
    e = good["export"]
    import_provider(
        "aws",
        good["settings"],
        bucket=str(good["bucket"]),
        prefix=e.prefix,
        export_name=e.name,
        cur_version="v1",
    )


def _new_delivery(good: dict, mutate) -> None:
    """A 'restated' August whose manifest has a new assemblyId, after ``mutate(doc, data_path)``."""
    doc = json.loads(good["manifest"].read_text())
    doc["assemblyId"] = "restated-0001"
    data = good["bucket"] / doc["reportKeys"][0].lstrip("/")
    mutate(doc, data)
    good["manifest"].write_text(json.dumps(doc))


def test_expected_totals_and_amortized_from_the_generator(generated, good: dict) -> None:
    expected = json.loads((generated.exports["v1"].root / "expected_totals.json").read_text())[
        "periods"
    ]
    con = db.connect(good["db"], read_only=True)
    try:
        got = {
            p: (n, u, a)
            for p, n, u, a in con.execute(
                "select billing_period, sum(rows), sum(billed_cost), sum(effective_cost)"
                " from meta.source_totals group by all"
            ).fetchall()
        }
    finally:
        con.close()
    for period, exp in expected.items():
        assert got[period] == (
            exp["rows"],
            Decimal(exp["unblended_cost"]),
            Decimal(exp["amortized_cost"]),
        )


def test_force_reloads_and_rerun_skips(good: dict) -> None:
    e = good["export"]
    before = _snapshot(good["db"])
    again = import_provider(
        "aws",
        good["settings"],
        bucket=str(good["bucket"]),
        prefix=e.prefix,
        export_name=e.name,
        cur_version="v1",
    )
    assert again.loaded == [] and len(again.skipped) == len(MONTHS)
    forced = import_provider(
        "aws",
        good["settings"],
        bucket=str(good["bucket"]),
        prefix=e.prefix,
        export_name=e.name,
        cur_version="v1",
        periods=[MONTHS[0]],
        force=True,
    )
    assert [x.period for x in forced.loaded] == [MONTHS[0]]
    after = _snapshot(good["db"])
    assert after[0] == before[0] and after[2] == before[2]


def _truncate(doc: dict, data: Path) -> None:
    raw = data.read_bytes()
    data.write_bytes(raw[: len(raw) // 2])


def _missing_file(doc: dict, data: Path) -> None:
    doc["reportKeys"].append(doc["reportKeys"][0].replace("-1.csv.gz", "-99.csv.gz"))


def _drop_cost_column(doc: dict, data: Path) -> None:
    with gzip.open(data) as f:
        table = pacsv.read_csv(
            f,
            read_options=pacsv.ReadOptions(),
            convert_options=pacsv.ConvertOptions(strings_can_be_null=False),
        )
    table = table.drop_columns(["lineItem/UnblendedCost"])
    with gzip.open(data, "wb") as f:
        pacsv.write_csv(table, f)


def _empty(doc: dict, data: Path) -> None:
    doc["reportKeys"] = []


def _escape(doc: dict, data: Path) -> None:
    doc["reportKeys"] = ["../../../../etc/passwd"]


def _header_only(doc: dict, data: Path) -> None:
    with gzip.open(data, "rt") as f:
        header = f.readline()
    with gzip.open(data, "wt") as f:
        f.write(header)


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (_truncate, r"cannot read .*demo-cur-1\.csv\.gz"),
        (_missing_file, r"demo-cur-99\.csv\.gz is listed by .*missing"),
        (_drop_cost_column, r"lacks required column\(s\) line_item_unblended_cost"),
        (_empty, r"2026-08.*lists no data files"),
        (_header_only, r"2026-08.*hold no rows"),
        (_escape, r"escape the download directory"),
    ],
    ids=[
        "truncated-gzip",
        "missing-file",
        "missing-column",
        "empty-month",
        "header-only",
        "key-escape",
    ],
)
def test_bad_delivery_is_refused_and_prior_data_intact(good: dict, mutate, match: str) -> None:
    before = _snapshot(good["db"])
    _new_delivery(good, mutate)
    with pytest.raises(InputError, match=match) as info:
        _reimport(good)
    assert info.value.hint
    assert _snapshot(good["db"]) == before


def test_malformed_manifest_json(good: dict) -> None:
    before = _snapshot(good["db"])
    good["manifest"].write_text('{"assemblyId": "x", "reportKeys": [')
    with pytest.raises(InputError, match=r"demo-cur-Manifest\.json is not valid JSON"):
        _reimport(good)
    assert _snapshot(good["db"]) == before


def test_missing_local_bucket(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        import_provider(
            "aws",
            _settings(tmp_path),
            bucket=str(tmp_path / "nope"),
            prefix="p",
            export_name="r",
            cur_version="v1",
        )


# --- real sample files in hand-made layouts -----------------------------------------------------


def test_v1_zip_with_leading_slash_keys_and_map_packing(tmp_path: Path) -> None:
    src = REPO / "data/sample/aws_cur_v1/2023-06-01.csv"
    period_dir = tmp_path / "bucket/pre/rep/20230601-20230701"
    data_dir = period_dir / "asm-1"
    data_dir.mkdir(parents=True)
    with zipfile.ZipFile(data_dir / "rep-1.csv.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(src, "rep-1.csv")
    manifest = {
        "assemblyId": "asm-1",
        "reportKeys": ["/pre/rep/20230601-20230701/asm-1/rep-1.csv.zip"],
    }
    (period_dir / "rep-Manifest.json").write_text(json.dumps(manifest))
    s = _settings(tmp_path)
    result = import_provider(
        "aws", s, bucket=str(tmp_path / "bucket"), prefix="pre", export_name="rep", cur_version="v1"
    )
    assert [x.period for x in result.loaded] == ["2023-06"]
    exp_sum, exp_rows, exp_cc = duckdb.execute(
        'select sum(cast("lineItem/UnblendedCost" as decimal(38,10))), count(*),'
        " count(nullif(\"costCategory/cost_env\", '')) from read_csv($f, all_varchar=true)",
        {"f": str(src)},
    ).fetchone()
    con = db.connect(s.database, read_only=True)
    try:
        got = con.execute(
            "select sum(line_item_unblended_cost), count(*), count(json_extract_string(cost_category, '$.cost_env'))"
            " from raw_aws.cur"
        ).fetchone()
        totals = con.execute(
            "select sum(billed_cost), sum(rows) from meta.source_totals"
        ).fetchone()
    finally:
        con.close()
    assert got == (exp_sum, exp_rows, exp_cc)
    assert totals == (exp_sum, exp_rows)


def test_aws_focus_export_parquet(tmp_path: Path) -> None:
    src = REPO / "data/sample/focus/focus_sample.csv"
    export = tmp_path / "bucket/fx/focus-exp"
    data_dir = export / "data/billing_period=2024-09"
    data_dir.mkdir(parents=True)
    rel = duckdb.execute(
        "select * from read_csv($f, nullstr=['NULL', '']) where ProviderName = 'AWS'",
        {"f": str(src)},
    ).to_arrow_table()
    pq.write_table(rel, data_dir / "focus-exp-00001.snappy.parquet")
    meta_dir = export / "metadata/billing_period=2024-09"
    meta_dir.mkdir(parents=True)
    (meta_dir / "focus-exp-Manifest.json").write_text(
        json.dumps(
            {
                "executionId": "exec-1",
                "dataFiles": [
                    "s3://bkt/fx/focus-exp/data/billing_period=2024-09/focus-exp-00001.snappy.parquet"
                ],
            }
        )
    )
    s = _settings(tmp_path)
    result = import_provider(
        "aws",
        s,
        bucket=str(tmp_path / "bucket"),
        prefix="fx",
        export_name="focus-exp",
        cur_version="focus",
    )
    assert [x.period for x in result.loaded] == ["2024-09"]
    exp_sum, exp_rows = duckdb.execute(
        "select sum(cast(BilledCost as decimal(38,10))), count(*) from read_csv($f, all_varchar=true)"
        " where ProviderName = 'AWS'",
        {"f": str(src)},
    ).fetchone()
    con = db.connect(s.database, read_only=True)
    try:
        got = con.execute("select sum(BilledCost), count(*) from raw_aws.focus").fetchone()
        totals = con.execute(
            "select sum(billed_cost), sum(rows) from meta.source_totals"
        ).fetchone()
    finally:
        con.close()
    assert got[1] == exp_rows and totals[1] == exp_rows
    assert round(got[0], 6) == round(exp_sum, 6)
    assert round(totals[0], 6) == round(exp_sum, 6)


# Amounts as AWS writes them, and edge cases of the two-step decimal parse (reader._cast): small
# amounts take DECIMAL(18,10), amounts of 10^8 and more the DECIMAL(38,10) path.
AMOUNTS = [
    "0.0000000012",
    "1.2E-5",
    "-0.000000000049999",
    "0.00000000005",
    "-0.00000000005",
    "0.123456789012345",
    "0.30000000005",  # a float would round this down
    "12345678.12345678905",
    "99999999.99999999995",
    "100000000",
    "123456789012.3456789",
    "-98765432109876.5",
    "1e9",
    "",
    "7",
]


def _v1_csv_with_costs(path: Path, costs: list[str]) -> None:
    import csv

    src = REPO / "data/sample/aws_cur_v1/2023-06-01.csv"
    with src.open(newline="") as f:
        header, first = list(csv.reader(f))[:2]
    col = header.index("lineItem/UnblendedCost")
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        for cost in costs:
            w.writerow([*first[:col], cost, *first[col + 1 :]])


def _rounded(text: str) -> Decimal | None:
    """The amount rounded half away from zero to 10 places (what DECIMAL(38,10) holds)."""
    from decimal import ROUND_HALF_UP

    return Decimal(text).quantize(Decimal("1e-10"), rounding=ROUND_HALF_UP) if text else None


def test_amounts_parse_exactly_on_both_decimal_paths(tmp_path: Path) -> None:
    period_dir = tmp_path / "bucket/pre/rep/20230601-20230701"
    (period_dir / "asm-1").mkdir(parents=True)
    _v1_csv_with_costs(period_dir / "asm-1/rep-1.csv", AMOUNTS)
    manifest = {"assemblyId": "asm-1", "reportKeys": ["pre/rep/20230601-20230701/asm-1/rep-1.csv"]}
    (period_dir / "rep-Manifest.json").write_text(json.dumps(manifest))
    s = _settings(tmp_path)
    import_provider(
        "aws", s, bucket=str(tmp_path / "bucket"), prefix="pre", export_name="rep", cur_version="v1"
    )
    con = db.connect(s.database, read_only=True)
    try:
        got = con.execute(
            "select line_item_unblended_cost from raw_aws.cur order by x_source_row"
        ).fetchall()
    finally:
        con.close()
    assert [g[0] for g in got] == [_rounded(a) for a in AMOUNTS]


def test_an_amount_that_is_not_a_number_names_the_file(tmp_path: Path) -> None:
    period_dir = tmp_path / "bucket/pre/rep/20230601-20230701"
    (period_dir / "asm-1").mkdir(parents=True)
    _v1_csv_with_costs(period_dir / "asm-1/rep-1.csv", ["1.5", "1,5"])
    manifest = {"assemblyId": "asm-1", "reportKeys": ["pre/rep/20230601-20230701/asm-1/rep-1.csv"]}
    (period_dir / "rep-Manifest.json").write_text(json.dumps(manifest))
    s = _settings(tmp_path)
    with pytest.raises(InputError, match=r"rep-1\.csv.*1,5") as err:
        import_provider(
            "aws",
            s,
            bucket=str(tmp_path / "bucket"),
            prefix="pre",
            export_name="rep",
            cur_version="v1",
        )
    assert "does not fit the column's type" in (err.value.hint or "")
