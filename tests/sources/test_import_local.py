"""Import from a local bucket copy: layouts, formats, and bad input that must not harm loaded data."""

from __future__ import annotations

import gzip
import io
import json
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from finops_lib import db
from finops_lib.config import load_settings
from finops_lib.errors import InputError
from finops_lib.pipeline import import_all, import_provider

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data" / "sample" / "aws_cur_v1_s3"
FOCUS_SAMPLE = REPO / "data" / "sample" / "focus" / "focus_sample.csv"
HEADER = [
    "identity/LineItemId",
    "bill/PayerAccountId",
    "lineItem/LineItemType",
    "lineItem/UsageStartDate",
    "lineItem/CurrencyCode",
    "lineItem/UnblendedCost",
    "resourceTags/user:team",
    "costCategory/Unit",
    "product/operatingSystem",
    "myVendor/Extra",
]


def _row(i: int, cost: str) -> list[str]:
    return [
        f"id{i}",
        "111122223333",
        "Usage",
        "2024-01-02T00:00:00Z",
        "USD",
        cost,
        "core" if i % 2 else "",
        "BU1",
        "Linux",
        "x",
    ]


def _csv(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    lines = [",".join(header)] + [",".join(r) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def _deliver_v1(
    root: Path, assembly: str | None, files: dict[str, bytes], period: str = "20240101-20240201"
) -> list[str]:
    """Write a CUR v1 delivery (create-new-version, or overwrite when ``assembly`` is None)."""
    folder = root / "p" / "r" / period
    sub = folder / assembly if assembly else folder
    sub.mkdir(parents=True, exist_ok=True)
    keys = []
    for name, data in files.items():
        (sub / name).write_bytes(data)
        keys.append(
            "/" + str((sub / name).relative_to(root))
        )  # leading slash, as some manifests have
    manifest = json.dumps({"assemblyId": assembly or "overwrite-1", "reportKeys": keys})
    (folder / "r-Manifest.json").write_text(manifest)
    return keys


def _settings(tmp: Path):
    return (
        load_settings(None)
        .override("project", "database", str(tmp / "w.duckdb"))
        .override("aws", "download_dir", str(tmp / "dl"))
        .override("project", "publish_dir", str(Path(tmp / "dl").parent / "published"))
    )


def _snapshot(tmp: Path) -> tuple:
    con = db.connect(tmp / "w.duckdb", read_only=True)
    try:
        return (
            con.execute(
                "select export_name, billing_period, delivery_id, rows from meta.load_state order by all"
            ).fetchall(),
            con.execute(
                "select x_billing_period, sum(line_item_unblended_cost), count(*) from raw_aws.cur group by all order by all"
            ).fetchall(),
            con.execute("select * from meta.source_totals order by all").fetchall(),
        )
    finally:
        con.close()


def _import(tmp: Path, bucket: Path, **kw):
    return import_provider(
        "aws",
        _settings(tmp),
        bucket=str(bucket),
        prefix="p",
        export_name="r",
        cur_version="v1",
        **kw,
    )


@pytest.fixture
def good(tmp_path: Path) -> Path:
    """A bucket with one good January delivery, already imported."""
    bucket = tmp_path / "bucket"
    rows = [_row(i, f"{i}.0123456789") for i in range(1, 11)]
    _deliver_v1(bucket, "a1", {"r-1.csv.gz": gzip.compress(_csv(rows))})
    result = _import(tmp_path, bucket)
    assert [x.period for x in result.loaded] == ["2024-01"]
    return bucket


def test_untagged_rows_hold_an_empty_object_and_get_no_tags(good: Path, tmp_path: Path) -> None:
    # resource_tags is '{}' when the file has tag columns but the row has no tag (not NULL: the
    # FOCUS build's Tags rewrite then runs per distinct tag set); FOCUS Tags stays NULL for it
    con = db.connect(tmp_path / "w.duckdb", read_only=True)
    raw = con.execute(
        "select x_source_row % 2, resource_tags, count(*) from raw_aws.cur group by all order by 1"
    ).fetchall()
    tags = con.execute(
        "select x_source_row % 2, Tags::varchar, count(*) from focus.cost_and_usage"
        " where x_row_kind = 'source' group by all order by 1"
    ).fetchall()
    con.close()
    assert raw == [(0, "{}", 5), (1, '{"user:team":"core"}', 5)]
    assert tags == [(0, None, 5), (1, '{"team":"core"}', 5)]


def test_v1_maps_extras_and_typed_nulls(good: Path, tmp_path: Path) -> None:
    con = db.connect(tmp_path / "w.duckdb", read_only=True)
    got = con.execute(
        "select sum(line_item_unblended_cost), count(*), count(json_extract_string(resource_tags, '$.\"user:team\"')),"
        " any_value(json_extract_string(cost_category, '$.Unit')), any_value(product_operating_system),"
        " any_value(my_vendor_extra), count(line_item_net_unblended_cost), min(x_source_row), max(x_source_row),"
        " any_value(x_source_file)"
        " from raw_aws.cur"
    ).fetchone()
    types = dict(
        con.execute(
            "select column_name, data_type from information_schema.columns where table_name='cur'"
        ).fetchall()
    )
    con.close()
    assert got[0] == sum(Decimal(f"{i}.0123456789") for i in range(1, 11))
    assert got[1:] == (10, 5, "BU1", "Linux", "x", 0, 1, 10, "p/r/20240101-20240201/a1/r-1.csv.gz")
    assert types["line_item_net_unblended_cost"] == "DECIMAL(38,10)"
    assert types["line_item_usage_start_date"] == "TIMESTAMP WITH TIME ZONE"


def _restate_and_expect_error(
    good: Path,
    tmp: Path,
    files: dict[str, bytes],
    match: str,
    listed_extra: list[str] | None = None,
) -> None:
    before = _snapshot(tmp)
    keys = _deliver_v1(good, "a2", files)
    if listed_extra is not None:
        top = good / "p/r/20240101-20240201/r-Manifest.json"
        doc = json.loads(top.read_text())
        doc["reportKeys"] = keys + listed_extra
        top.write_text(json.dumps(doc))
    with pytest.raises(InputError, match=match):
        _import(tmp, good)
    assert _snapshot(tmp) == before


def test_truncated_gzip(good: Path, tmp_path: Path) -> None:
    data = gzip.compress(_csv([_row(i, "1.5") for i in range(2000)]))
    _restate_and_expect_error(good, tmp_path, {"r-1.csv.gz": data[: len(data) // 2]}, "r-1.csv.gz")
    # AWS re-delivers the file complete: a plain re-run loads it
    (good / "p/r/20240101-20240201/a2/r-1.csv.gz").write_bytes(data)
    assert [(x.export, x.period, x.rows) for x in _import(tmp_path, good).loaded] == [
        ("r", "2024-01", 2000)
    ]
    assert _snapshot(tmp_path)[0] == [("r", "2024-01", "a2", 2000)]


def test_manifest_lists_missing_file(good: Path, tmp_path: Path) -> None:
    files = {"r-1.csv.gz": gzip.compress(_csv([_row(1, "2")]))}
    _restate_and_expect_error(
        good, tmp_path, files, "r-2.csv.gz", ["p/r/20240101-20240201/a2/r-2.csv.gz"]
    )


def test_header_lacks_required_column(good: Path, tmp_path: Path) -> None:
    header = [h for h in HEADER if h != "lineItem/UnblendedCost"]
    rows = [[v for h, v in zip(HEADER, _row(1, "2"), strict=True) if h != "lineItem/UnblendedCost"]]
    files = {"r-1.csv.gz": gzip.compress(_csv(rows, header))}
    _restate_and_expect_error(good, tmp_path, files, "line_item_unblended_cost")


def test_empty_month(good: Path, tmp_path: Path) -> None:
    _restate_and_expect_error(good, tmp_path, {"r-1.csv.gz": gzip.compress(_csv([]))}, "empty")


def test_malformed_manifest(good: Path, tmp_path: Path) -> None:
    before = _snapshot(tmp_path)
    (good / "p/r/20240101-20240201/r-Manifest.json").write_text(
        '{"assemblyId": "a3", "reportKeys": ['
    )
    with pytest.raises(InputError, match="r-Manifest.json"):
        _import(tmp_path, good)
    assert _snapshot(tmp_path) == before


def test_escaping_key(good: Path, tmp_path: Path) -> None:
    before = _snapshot(tmp_path)
    top = good / "p/r/20240101-20240201/r-Manifest.json"
    top.write_text(json.dumps({"assemblyId": "a4", "reportKeys": ["../../outside.csv.gz"]}))
    with pytest.raises(InputError, match="escape"):
        _import(tmp_path, good)
    assert _snapshot(tmp_path) == before


def test_overwrite_mode_zip_and_parquet_restatement(good: Path, tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("r-1.csv", _csv([_row(1, "7.25"), _row(2, "0.75")]))
    _deliver_v1(good, None, {"r-1.zip": buf.getvalue()})
    result = _import(tmp_path, good)
    assert [(x.export, x.period, x.rows) for x in result.loaded] == [("r", "2024-01", 2)]
    assert _snapshot(tmp_path)[1] == [("2024-01", Decimal("8.0000000000"), 2)]
    table = pa.table(
        {
            "line_item_line_item_type": ["Usage"],
            "line_item_usage_start_date": ["2024-01-03T00:00:00Z"],
            "line_item_unblended_cost": [3.5],
            "resource_tags": pa.array([[("user_team", "a")]], pa.map_(pa.string(), pa.string())),
        }
    )
    out = io.BytesIO()
    pq.write_table(table, out)
    _deliver_v1(good, "a9", {"r-00001.snappy.parquet": out.getvalue()})
    again = _import(tmp_path, good)
    assert [(x.export, x.period, x.rows) for x in again.loaded] == [("r", "2024-01", 1)]
    con = db.connect(tmp_path / "w.duckdb", read_only=True)
    assert con.execute(
        "select resource_tags, line_item_unblended_cost from raw_aws.cur"
    ).fetchall() == [('{"user_team":"a"}', Decimal("3.5"))]
    con.close()


def test_focus_export(tmp_path: Path) -> None:
    bucket = tmp_path / "bucket"
    part = "billing_period=2024-09"
    data = bucket / "fx" / "focus1" / "data" / part
    meta = bucket / "fx" / "focus1" / "metadata" / part
    data.mkdir(parents=True)
    meta.mkdir(parents=True)
    src = str(FOCUS_SAMPLE)
    duckdb.execute(
        f"copy (select * exclude (Id) from read_csv('{src}', nullstr=['NULL', '']) where ProviderName = 'AWS') to '{data}/focus1-00001.snappy.parquet' (format parquet)"
    )
    (meta / "focus1-Manifest.json").write_text(
        json.dumps(
            {
                "executionId": "e1",
                "dataFiles": [f"s3://b/fx/focus1/data/{part}/focus1-00001.snappy.parquet"],
            }
        )
    )
    s = _settings(tmp_path)
    result = import_provider(
        "aws", s, bucket=str(bucket), prefix="fx", export_name="focus1", cur_version="focus"
    )
    assert (result.loaded[0].export, result.loaded[0].period) == ("focus1", "2024-09")
    expected = duckdb.execute(
        f"select sum(cast(BilledCost as decimal(38,10))), count(*) from read_csv('{src}', all_varchar=true, nullstr=['NULL', '']) where ProviderName='AWS'"
    ).fetchone()
    con = db.connect(tmp_path / "w.duckdb", read_only=True)
    got = con.execute(
        "select sum(BilledCost), count(*) from raw_aws.focus where x_load_export_name='focus1'"
    ).fetchone()
    totals = con.execute(
        "select sum(billed_cost) from meta.source_totals where export_name='focus1'"
    ).fetchone()
    billed = con.execute(
        "select sum(BilledCost), count(*) from focus.cost_and_usage where x_export_name='focus1'"
    ).fetchone()
    con.close()
    assert got == expected
    assert billed == expected
    assert totals[0] == expected[0]


def test_sample_copy_in_place(tmp_path: Path) -> None:
    bucket = tmp_path / "b"
    shutil.copytree(SAMPLE, bucket)
    result = import_provider(
        "aws",
        _settings(tmp_path),
        bucket=str(bucket),
        prefix="my-prefix",
        export_name="my-report",
        cur_version="v1",
        periods=["2018-08"],
    )
    assert result.rows > 0
    with pytest.raises(InputError, match="2019-01"):
        import_provider(
            "aws",
            _settings(tmp_path),
            bucket=str(bucket),
            prefix="my-prefix",
            export_name="my-report",
            cur_version="v1",
            periods=["2019-01"],
        )


def test_configured_exports_side_by_side(tmp_path: Path) -> None:
    """Two [aws.exports.*] with the same report name in two buckets do not clash."""
    for org in ("a", "b"):
        shutil.copytree(SAMPLE, tmp_path / f"bucket-{org}")
    cfg = tmp_path / "finops.toml"
    cfg.write_text(
        "".join(
            f'[aws.exports.org-{org}]\nbucket = "{tmp_path / f"bucket-{org}"}"\n'
            'prefix = "my-prefix"\nexport_name = "my-report"\ncur_version = "v1"\n\n'
            for org in ("a", "b")
        )
    )
    s = (
        load_settings(cfg)
        .override("project", "database", str(tmp_path / "w.duckdb"))
        .override("aws", "download_dir", str(tmp_path / "dl"))
        .override("project", "publish_dir", str(Path(tmp_path / "dl").parent / "published"))
    )
    result = import_all(s)
    assert sorted((x.export, x.period) for x in result.loaded) == [
        ("org-a", "2018-08"),
        ("org-b", "2018-08"),
    ]
    assert result.published and Path(result.published).is_file()  # the snapshot readers open
    con = db.connect(tmp_path / "w.duckdb", read_only=True)
    per = con.execute(
        "select x_export_name, count(*), sum(line_item_unblended_cost) from raw_aws.cur group by all order by 1"
    ).fetchall()
    con.close()
    assert [e for e, _, _ in per] == ["org-a", "org-b"]
    assert per[0][1:] == per[1][1:]
    assert import_provider("aws", s).loaded == []


def test_source_row_follows_file_order_across_parallel_chunks(tmp_path: Path) -> None:
    """x_source_row is the 1-based data row of the file even when the file is parsed in parallel.

    The first file is 36 MB, many blocks of the CSV reader (1 MB each), parsed by several threads
    and inserted without keeping insertion order; every row's id carries its own line number.
    """
    bucket = tmp_path / "bucket"
    files: dict[str, bytes] = {}
    sizes = {"r-1.csv": 120_000, "r-2.csv": 1_000}
    for name, n in sizes.items():
        out = tmp_path / name
        duckdb.execute(
            "copy (select 'id' || i as \"identity/LineItemId\", '111122223333' as \"bill/PayerAccountId\","
            " 'Usage' as \"lineItem/LineItemType\", '2024-01-02T00:00:00Z' as \"lineItem/UsageStartDate\","
            ' \'USD\' as "lineItem/CurrencyCode", (i % 97) * 0.01 as "lineItem/UnblendedCost",'
            " repeat('x', 300 + i % 17) as \"lineItem/LineItemDescription\""
            " from range(1, $n + 1) t(i)) to '" + str(out) + "' (header, delimiter ',')",
            {"n": n},
        )
        files[name] = out.read_bytes()
    _deliver_v1(bucket, "a1", files)
    result = _import(tmp_path, bucket)
    assert [(x.export, x.period, x.rows) for x in result.loaded] == [
        ("r", "2024-01", sum(sizes.values()))
    ]
    con = db.connect(tmp_path / "w.duckdb", read_only=True)
    try:
        rows = con.execute(
            "select regexp_extract(x_source_file, 'r-[0-9]'), count(*),"
            " count(*) filter (where identity_line_item_id = 'id' || x_source_row)"
            " from raw_aws.cur group by 1 order by 1"
        ).fetchall()
    finally:
        con.close()
    assert rows == [("r-1", 120_000, 120_000), ("r-2", 1_000, 1_000)]


def test_older_warehouse_is_migrated_and_builds(tmp_path: Path) -> None:
    """A raw_aws.cur of an older version (DuckDB MAPs, no product_region & co.) is brought up to
    date by the next build or import, without a manual step."""
    from finops_lib.pipeline import rebuild
    from finops_lib.sources.aws_cur.tables import migrate

    con = db.connect(tmp_path / "old.duckdb")
    try:
        con.execute("create schema raw_aws")
        con.execute(
            "create table raw_aws.cur (line_item_unblended_cost decimal(38,10),"
            " line_item_line_item_type varchar, line_item_usage_start_date timestamptz,"
            " x_provider varchar, x_export_name varchar, x_billing_period varchar,"
            " resource_tags map(varchar, varchar), cost_category map(varchar, varchar),"
            " product map(varchar, varchar))"
        )
        con.execute(
            "insert into raw_aws.cur values (1.5, 'Usage', '2024-01-02', 'AWS', 'r', '2024-01',"
            " map {'user:team': 'web'}, map {}, map {'region': 'us-east-1', 'product_name': 'EC2'}),"
            " (2, 'Usage', '2024-01-03', 'AWS', 'r', '2024-01', null, map {'Unit': 'BU1'}, null)"
        )
        result = rebuild(load_settings(env={}), con=con)
        rows = con.execute(
            "select resource_tags, cost_category, product_region, product_product_name,"
            " line_item_unblended_cost from raw_aws.cur order by line_item_unblended_cost"
        ).fetchall()
        types = dict(
            con.execute(
                "select column_name, data_type from information_schema.columns"
                " where table_schema = 'raw_aws' and table_name = 'cur'"
            ).fetchall()
        )
        billed = con.execute("select sum(BilledCost) from focus.cost_and_usage").fetchone()
        assert migrate(con) == []  # nothing left to do
    finally:
        con.close()
    assert rows == [
        ('{"user:team":"web"}', None, "us-east-1", "EC2", Decimal("1.5")),
        (None, '{"Unit":"BU1"}', None, None, Decimal("2")),
    ]
    assert types["resource_tags"] == types["cost_category"] == types["product"] == "VARCHAR"
    assert result.rows_inserted == 2 and billed == (Decimal("3.5"),)
