"""Spark reads AWS deliveries itself (``finops_lib/engine/spark_load.py``,
``finops_lib/sources/aws_cur/spark.py``): the raw lake it writes against DuckDB's load of the
same files, restatement, exactly-once and a corrupt file.

The deliveries are ones the project did not write: koku-nise's CUR v1 (CSV.gz, its August: three
files), koku's whole CUR v1 S3 delivery (CSV.gz, 130 columns), the FOCUS converters' anonymised
CUR v1 (plain CSV, delivered as a zip), koku's two small CUR v1 files with different headers in
one delivery (``savingsPlan/*``, ``costCategory/*``; Athena snake_case names), and a CUR 2.0
(Parquet, maps) from the demo generator with a seed no other test uses; and two Azure datasets of
the demo generator: EA ActualCost (CSV, ``MM/DD/YYYY`` dates) with AmortizedCost (CSV.gz) and a
FocusCost (Parquet) into ``raw_azure.cost`` / ``raw_azure.focus``; and Azure exports the project
did not write (tests/fixtures/azure/SOURCES.md): Microsoft's EA ActualCost + AmortizedCost samples
as one dataset with manifests, the FOCUS converters' and koku's EA files as older manifest-less
exports, and a FocusCost CSV whose Tags are spelled with blanks. Each is loaded once by
the DuckDB loader into a warehouse and once by Spark (``local[2]``, one session for the module)
into the lake; the lake is read back with DuckDB.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import random
import shutil
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from finops_lib import db, pipeline
from finops_lib.config import load_settings
from finops_lib.errors import InputError
from finops_lib.sources.aws_cur.settings import MAP_COLUMNS

pytestmark = pytest.mark.spark

if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
    pytest.skip(
        "no Java runtime: Spark needs a JDK 17+ (.ci/run installs it)", allow_module_level=True
    )

REPO = Path(__file__).resolve().parents[2]
NISE = REPO / "tests" / "fixtures" / "nise_aws"
AZURE = REPO / "tests" / "fixtures" / "azure"
KOKU = REPO / "data" / "sample" / "aws_cur_v1_s3"
SAMPLES = REPO / "data" / "sample" / "aws_cur_v1"
SEED = 1607  # used by no other test
MONTHS = ("2026-04", "2026-05")
AZURE_MONTH = "2026-03"
#: The raw tables compared: (DuckDB's table, the lake's folder).
TABLES = (
    ("raw_aws.cur", "raw_aws__cur"),
    ("raw_azure.cost", "raw_azure__cost"),
    ("raw_azure.focus", "raw_azure__focus"),
)
SCOPE = ("x_provider", "x_export_name", "x_billing_period")
#: Deliveries of the config: AWS 7 (nise 1, koku 1, anon 1, mixed 1, own 1, CUR 2.0 2), the demo
#: Azure datasets 2, the third-party Azure ones 4 (trey, treyfocus, anon, koku).
DELIVERIES = 13
SEPT = "20230901-20230930"
#: A FocusCost CSV (columns as Microsoft names them) whose Tags carry blanks, an escape and a number.
FOCUS_CSV = (
    "BilledCost,BillingAccountId,BillingCurrency,BillingPeriodStart,ChargeCategory,"
    "ChargePeriodStart,EffectiveCost,Tags\n"
    "1.25,acct-1,USD,2023-09-01T00:00:00Z,Usage,2023-09-02T00:00:00Z,1.20,"
    '"{""env"": ""prod"", ""team"" : ""caf\\u00e9"", ""n"": 1.50}"\n'
    '0.5,acct-1,USD,2023-09-01T00:00:00Z,Usage,2023-09-03T00:00:00Z,0.5,"{ }"\n'
    "2,acct-1,USD,2023-09-01T00:00:00Z,Purchase,2023-09-04T00:00:00Z,0,\n"
)


def _deliver_v1(root: Path, period: str, assembly: str, files: dict[str, bytes]) -> None:
    """A CUR v1 delivery of report ``r`` under prefix ``p`` (create-new-version layout)."""
    start = period.replace("-", "") + "01"
    year, month = int(period[:4]), int(period[5:])
    end = f"{year + month // 12}{month % 12 + 1:02d}01"
    folder = root / "p" / "r" / f"{start}-{end}"
    (folder / assembly).mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / assembly / name).write_bytes(data)
    keys = [f"p/r/{folder.name}/{assembly}/{name}" for name in files]
    manifest = {"assemblyId": assembly, "reportKeys": keys}
    (folder / "r-Manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def _azure_run(
    base: Path, export: str, kind: str, blobs: dict[str, bytes], stamp: str = "202310010600"
) -> Path:
    """One Cost Management export run ``<export>/<range>/<stamp>/<runId>/`` with its manifest
    (each CSV blob's ``dataRowCount``: its lines but the header); the manifest's path."""
    run_id = f"{export}-{stamp}"
    folder = base / export / SEPT / stamp / run_id
    folder.mkdir(parents=True)
    entries = []
    for name, data in blobs.items():
        (folder / name).write_bytes(data)
        rows = len(data.decode("utf-8-sig").strip().splitlines()) - 1
        entries.append(
            {"blobName": f"x/{export}/{SEPT}/{stamp}/{run_id}/{name}", "dataRowCount": rows}
        )
    manifest = {
        "manifestVersion": "2024-04-01",
        "blobCount": len(blobs),
        "exportConfig": {
            "exportName": export,
            "dataVersion": "1.0r2" if kind == "FocusCost" else "2023-05-01",
            "type": kind,
        },
        "deliveryConfig": {"fileFormat": "Csv", "rootFolderPath": "x"},
        "runInfo": {"runId": run_id, "submittedTime": f"{stamp[:8]}T{stamp[8:]}00Z",
                    "startDate": "2023-09-01T00:00:00"},
        "blobs": entries,
    }  # fmt: skip
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder / "manifest.json"


def _azure_third_party(base: Path) -> None:
    """The samples of tests/fixtures/azure as export runs and older manifest-less exports."""
    _azure_run(base, "trey-actual", "ActualCost", {"part_0_0001.csv": (AZURE / "EA_ActualCost_Small.csv").read_bytes()})  # fmt: skip
    _azure_run(base, "trey-amortized", "AmortizedCost", {"part_0_0001.csv": (AZURE / "EA_AmortizedCost_Small.csv").read_bytes()})  # fmt: skip
    _azure_run(base, "trey-focus", "FocusCost", {"part_0_0001.csv": FOCUS_CSV.encode()})
    for export, name, rng in (
        ("anon", "sample-anonymous-ea-export-dataset.csv", SEPT),
        ("koku", "azure_version_2.csv", "20200901-20200930"),
    ):
        legacy = base / export / rng / f"{export}_0b5d3a56-6f0c-4bd4-9c3e-{len(name):012d}.csv"
        legacy.parent.mkdir(parents=True)
        legacy.write_bytes((AZURE / name).read_bytes())


def _zipped(name: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(name, data)
    return buf.getvalue()


def _csv(costs: list[str]) -> bytes:
    header = "identity/LineItemId,bill/PayerAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/CurrencyCode,lineItem/UnblendedCost,resourceTags/user:team"
    rows = [
        f"id{i},111122223333,Usage,2024-01-02T00:00:00Z,USD,{c},{'web' if i % 2 else ''}"
        for i, c in enumerate(costs, 1)
    ]
    return ("\n".join([header, *rows]) + "\n").encode()


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory, java_options: str) -> Iterator:
    from finops_lib.engine.spark import session

    s = session("local[2]", tmp_path_factory.mktemp("spark_load_wh"), java_options=java_options)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The buckets and containers and a config naming them: six AWS exports, two Azure datasets."""
    from finops_lib.demo import generate_aws, generate_azure

    root = tmp_path_factory.mktemp("spark_load")
    cur2 = generate_aws(
        root / "exports", rows=400, seed=SEED, months=MONTHS, flavours=("v2",), restate_last=False
    ).exports["v2"]
    anon = (SAMPLES / "sample-anonymous-aws-export-dataset.csv").read_bytes()
    _deliver_v1(root / "zip", "2023-11", "z1", {"anon-1.csv.zip": _zipped("anon-1.csv", anon)})
    _deliver_v1(
        root / "mixed",
        "2023-06",
        "m1",
        {
            "koku-1.csv": (SAMPLES / "2023-06-01.csv").read_bytes(),
            "koku-2.csv": (SAMPLES / "2022-07-01-alt-columns.csv").read_bytes(),
        },
    )
    _deliver_v1(root / "own", "2024-01", "a1", {"r-1.csv.gz": gzip.compress(_csv(["1.5"] * 4))})
    exports = {
        "nise": (NISE, "pfx", "cur", "v1"),
        "koku": (KOKU, "my-prefix", "my-report", "v1"),
        "anon": (root / "zip", "p", "r", "v1"),
        "mixed": (root / "mixed", "p", "r", "v1"),
        "own": (root / "own", "p", "r", "v1"),
        "cur2": (cur2.root, cur2.prefix, cur2.name, "v2"),
    }
    lines = []
    for name, (bucket, prefix, report, version) in exports.items():
        lines += [
            f"[aws.exports.{name}]",
            f"bucket = {json.dumps(str(bucket))}",
            f"prefix = {json.dumps(prefix)}",
            f"export_name = {json.dumps(report)}",
            f"cur_version = {json.dumps(version)}",
        ]
    azure = generate_azure(root / "azure", rows=300, seed=SEED, months=(AZURE_MONTH,))
    for name in ("demo-ea", "demo-focus"):
        ds = azure.datasets[name]
        lines += [
            f"[azure.exports.{name}]",
            f"container = {json.dumps(str(ds.container))}",
            f"exports = {json.dumps(list(ds.exports))}",
        ]
    _azure_third_party(root / "container")
    for name, setting in (
        ("trey", 'exports = ["trey-actual", "trey-amortized"]'),
        ("treyfocus", 'exports = ["trey-focus"]'),
        ("anon", 'type = "ActualCost"'),
        ("koku", 'type = "ActualCost"'),
    ):
        container = json.dumps(str(root / "container"))
        lines += [f"[azure.exports.{name}]", f"container = {container}", setting]
    (root / "finops.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def _settings(root: Path, kind: str):
    return (
        load_settings(root / "finops.toml")
        .override("project", "database", str(root / kind / "w.duckdb"))
        .override("aws", "download_dir", str(root / kind / "dl"))
        .override("azure", "download_dir", str(root / kind / "dl_azure"))
        .override("project", "publish_dir", str(root / kind / "published"))
    )


def _load(root: Path, kind: str, spark=None, only=None) -> pipeline.ImportResult:  # type: ignore[no-untyped-def]
    """Load every export's (or ``only`` these exports') new deliveries (nise: its August only)
    with DuckDB's loader or Spark's."""
    from finops_lib.engine.spark_load import SparkLoader, migrate_layout

    settings = _settings(root, kind)
    result = pipeline.ImportResult()
    con = db.connect_writer(settings)
    try:
        loader = None
        if spark is not None:
            pipeline.ensure_tables(con)
            migrate_layout(con, root / kind / "raw")
            loader = SparkLoader(root / kind / "raw", lambda: spark)
        for source, export in pipeline.select_exports(settings):
            if only is not None and export.name not in only:
                continue
            wanted = ["2026-08"] if export.name == "nise" else None
            pipeline.load_exports(con, [(source, export)], result, periods=wanted, load=loader)
    finally:
        con.close()
    return result


@pytest.fixture(scope="module")
def loaded(root: Path, spark) -> dict[str, pipeline.ImportResult]:  # type: ignore[no-untyped-def]
    return {"duckdb": _load(root, "duckdb"), "spark": _load(root, "spark", spark)}


def _lake(
    con: duckdb.DuckDBPyConnection,
    root: Path,
    table: str = "raw_aws.cur",
    folder: str = "raw_aws__cur",
) -> None:
    """``lake``: the Spark-written raw ``table`` (with its partition columns), ``duck``: DuckDB's."""
    con.execute("set TimeZone = 'UTC'")
    path = str(root / "duckdb" / "w.duckdb").replace("'", "''")
    if not con.execute(
        "select count(*) from duckdb_databases() where database_name = 'd'"
    ).fetchone()[0]:
        con.execute(f"attach '{path}' as d (read_only)")  # attach takes no parameter
    con.execute(
        "create or replace temp table lake as select * from read_parquet($g, hive_partitioning = true,"
        " union_by_name = true)",
        {"g": str(root / "spark" / "raw" / folder / "*" / "*" / "*" / "*.parquet")},
    )
    con.execute(f"create or replace view duck as select * from d.{table}")  # noqa: S608


def _columns(con: duckdb.DuckDBPyConnection, view: str) -> dict[str, str]:
    return {str(r[0]): str(r[1]) for r in con.execute(f"describe {view}").fetchall()}


@pytest.mark.parametrize(("table", "folder"), TABLES)
def test_raw_rows_equal_duckdbs_column_for_column(
    root: Path, loaded, table: str, folder: str
) -> None:  # type: ignore[no-untyped-def]
    """Same scopes and rows; every column of every row equal (matched by file and row number)."""
    assert [(x.export, x.period, x.rows) for x in loaded["spark"].loaded] == [
        (x.export, x.period, x.rows) for x in loaded["duckdb"].loaded
    ]
    assert len(loaded["spark"].loaded) == DELIVERIES
    con = duckdb.connect()
    _lake(con, root, table, folder)
    lake, duck = _columns(con, "lake"), _columns(con, "duck")
    assert set(lake) == set(duck)
    assert {c: lake[c] for c in duck} == duck  # the same types (TIMESTAMPTZ, DECIMAL(38,10)...)
    per_scope = "select x_export_name, x_billing_period, count(*) from {} group by all order by all"
    scopes = con.execute(per_scope.format("lake")).fetchall()
    assert scopes and scopes == con.execute(per_scope.format("duck")).fetchall()
    # the map columns are JSON text: compared as JSON (Spark spells a CUR 2.0 map's small doubles
    # in exponent form, -4.3267E-4, where DuckDB writes -0.00043267: the same JSON value); a
    # FocusCost's Tags are compared as text (both store DuckDB's compact json())
    cols = ", ".join(
        f'cast(json("{c}") as varchar) as "{c}"'
        if c in MAP_COLUMNS and folder == "raw_aws__cur"
        else f'"{c}"'
        for c in sorted(duck)
        if c != "x_load_id"
    )
    for a, b in (("lake", "duck"), ("duck", "lake")):
        diff = con.execute(
            f"select count(*) from (select {cols} from {a} except all select {cols} from {b})"  # noqa: S608
        ).fetchone()
        assert diff == (0,), (a, b)


@pytest.mark.parametrize(("table", "folder", "columns", "least"), [
    (*TABLES[0], 20, 8),  # nise's 3, koku's, the zip's, the mixed pair, own, CUR 2.0's
    (*TABLES[1], 5, 6),  # demo EA ActualCost (CSV), AmortizedCost (CSV.gz); trey's 2, anon, koku
    (*TABLES[2], 5, 2),  # demo FocusCost (Parquet), trey-focus (CSV)
])  # fmt: skip
def test_cost_columns_sum_to_the_cent_and_rows_are_numbered_per_file(
    root: Path,
    loaded,  # type: ignore[no-untyped-def]
    table: str,
    folder: str,
    columns: int,
    least: int,
) -> None:
    con = duckdb.connect()
    _lake(con, root, table, folder)
    money = [c for c, t in _columns(con, "duck").items() if t.startswith("DECIMAL")]
    assert len(money) > columns
    sums = ", ".join(f'sum("{c}")' for c in money)
    query = f"select x_export_name, x_billing_period, {sums} from {{}} group by all order by all"
    lake = con.execute(query.format("lake")).fetchall()
    assert lake == con.execute(query.format("duck")).fetchall()
    assert any(Decimal(v) != 0 for row in lake for v in row[2:] if v is not None)
    numbering = (
        "select x_source_file, min(x_source_row), max(x_source_row), count(*),"
        " count(distinct x_source_row) from {} group by all order by all"
    )
    files = con.execute(numbering.format("lake")).fetchall()
    assert files == con.execute(numbering.format("duck")).fetchall()
    assert all(lo == 1 and hi == n == distinct for _, lo, hi, n, distinct in files)
    assert len(files) >= least


def test_source_totals_equal_duckdbs(root: Path, loaded) -> None:  # type: ignore[no-untyped-def]
    query = "select * exclude (delivery_id) from meta.source_totals order by all"
    got = {}
    for kind in ("duckdb", "spark"):
        con = duckdb.connect(str(root / kind / "w.duckdb"), read_only=True)
        got[kind] = con.execute(query).fetchall()
        con.close()
    assert got["spark"] == got["duckdb"]
    assert len({r[:3] for r in got["spark"]}) == DELIVERIES  # every scope (some have two accounts)


def test_spark_loads_leave_no_raw_rows_in_duckdb(root: Path, loaded) -> None:  # type: ignore[no-untyped-def]
    con = duckdb.connect(str(root / "spark" / "w.duckdb"), read_only=True)
    try:
        for table, _ in TABLES:
            assert con.execute(f"select count(*) from {table}").fetchone() == (0,), table  # noqa: S608
        states = con.execute("select count(*) from meta.load_state").fetchone()
    finally:
        con.close()
    assert states == (DELIVERIES,)


def _partitions(root: Path) -> dict[str, bytes]:
    """Every data file of the lake, by path, with its bytes."""
    lake = root / "spark" / "raw"
    return {
        str(p.relative_to(lake)): p.read_bytes()
        for p in sorted(lake.rglob("*.parquet"))
        if ".staging" not in p.parts
    }


def _lake_rows(root: Path, query: str, *table: str) -> list[tuple]:
    """``query`` over the lake's table (``lake``) in a connection closed after it."""
    con = duckdb.connect()
    try:
        _lake(con, root, *table)
        return con.execute(query).fetchall()
    finally:
        con.close()  # it attaches the DuckDB warehouse, which a later load opens for writing


def _own_rows(root: Path) -> list[tuple]:
    return _lake_rows(
        root,
        "select x_manifest_id, count(*), sum(line_item_unblended_cost) from lake"
        " where x_export_name = 'own' group by all",
    )


def test_second_load_restatement_and_corrupt_file(root: Path, loaded, spark) -> None:  # type: ignore[no-untyped-def]
    """Nothing new loads nothing; a restated period replaces exactly its partition; a corrupt
    file is one line naming it and leaves the partition and the load state as they were."""
    before = _partitions(root)
    again = _load(root, "spark", spark)
    assert again.loaded == [] and len(again.skipped) == DELIVERIES
    assert _partitions(root) == before

    _deliver_v1(root / "own", "2024-01", "a2", {"r-1.csv.gz": gzip.compress(_csv(["2.25"] * 3))})
    restated = _load(root, "spark", spark)
    assert [(x.export, x.period, x.rows) for x in restated.loaded] == [("own", "2024-01", 3)]
    after = _partitions(root)
    own = "raw_aws__cur/x_provider=AWS/x_export_name=own/"
    assert {k: v for k, v in after.items() if not k.startswith(own)} == {
        k: v for k, v in before.items() if not k.startswith(own)
    }
    assert _own_rows(root) == [("a2", 3, Decimal("6.75"))]

    # big enough that its header reads and Spark meets the cut while it reads the rows
    rnd = random.Random(SEED)
    good = gzip.compress(_csv([f"{rnd.random():.10f}" for _ in range(20_000)]))
    assert len(good) > 100_000
    _deliver_v1(root / "own", "2024-01", "a3", {"r-1.csv.gz": good, "r-2.csv.gz": good[:-20]})
    with pytest.raises(InputError) as err:
        _load(root, "spark", spark)
    message = str(err.value)
    assert "cannot read p/r/20240101-20240201/a3/r-2.csv.gz: " in message
    assert "\n" not in message and "Exception" in message and "at org." not in message
    assert _partitions(root) == after

    # a value that does not cast, in the second of two files: Spark's error names no file
    _deliver_v1(root / "own", "2024-01", "a4", {"r-1.csv": _csv(["1"]), "r-2.csv": _csv(["x1"])})
    with pytest.raises(InputError) as err:
        _load(root, "spark", spark)
    message = str(err.value)
    assert "cannot read p/r/20240101-20240201/a4/r-2.csv: " in message and "'x1'" in message
    assert "\n" not in message
    assert _partitions(root) == after
    assert _own_rows(root) == [("a2", 3, Decimal("6.75"))]
    con = duckdb.connect(str(root / "spark" / "w.duckdb"), read_only=True)
    try:
        state = con.execute(
            "select delivery_id from meta.load_state where export_name = 'own'"
        ).fetchall()
    finally:
        con.close()
    assert state == [("a2",)]


def _load_state(root: Path, export: str) -> list[tuple]:
    con = duckdb.connect(str(root / "spark" / "w.duckdb"), read_only=True)
    try:
        return con.execute(
            "select * from meta.load_state where export_name = $e", {"e": export}
        ).fetchall()
    finally:
        con.close()


def _tags(root: Path) -> list[tuple]:
    return _lake_rows(
        root,
        "select x_delivery_id, Tags, count(*) from lake where x_export_name = 'treyfocus'"
        " group by all order by all",
        *TABLES[2],
    )


def test_focus_tags_are_stored_compactly_as_duckdb_stores_them(root: Path, loaded) -> None:  # type: ignore[no-untyped-def]
    # FOCUS_CSV's Tags: blanks, an escape, a 1.50; "{ }" and an empty field are NULL
    assert _tags(root) == [
        ("trey-focus-202310010600", '{"env":"prod","team":"café","n":1.5}', 1),
        ("trey-focus-202310010600", None, 2),
    ]


def test_failed_record_leaves_the_partition_and_load_state_as_they_were(
    root: Path,
    loaded,  # type: ignore[no-untyped-def]
    spark,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A restated FocusCost whose record in DuckDB fails (injected): one line, the old partition's
    files byte-identical, the load state unchanged, no staging left; re-run, it loads."""
    from finops_lib import state
    from finops_lib.errors import FinopsError

    before, states = _partitions(root), _load_state(root, "treyfocus")
    text = FOCUS_CSV.replace("1.25,", "3.75,").replace('""env"": ""prod""', '""env"":""dev""')
    _azure_run(root / "container", "trey-focus", "FocusCost", {"part_0_0001.csv": text.encode()}, "202310020600")  # fmt: skip

    def boom(*args: object, **kwargs: object) -> None:
        raise duckdb.IOException("IO Error: could not write file: disk is full\nmore detail")

    monkeypatch.setattr(state, "record_load", boom)
    with pytest.raises(FinopsError) as err:
        _load(root, "spark", spark, only=["treyfocus"])
    message = str(err.value)
    assert "treyfocus 2023-09: " in message and "disk is full" in message
    assert "\n" not in message
    assert _partitions(root) == before
    assert _load_state(root, "treyfocus") == states
    assert list((root / "spark" / "raw" / ".staging").iterdir()) == []

    monkeypatch.undo()
    again = _load(root, "spark", spark, only=["treyfocus"])
    assert [(x.export, x.rows) for x in again.loaded] == [("treyfocus", 3)]
    assert _tags(root) == [
        ("trey-focus-202310020600", '{"env":"dev","team":"café","n":1.5}', 1),
        ("trey-focus-202310020600", None, 2),
    ]
    focus = "raw_azure__focus/x_provider=Azure/x_export_name=treyfocus/"
    assert {k: v for k, v in _partitions(root).items() if not k.startswith(focus)} == {
        k: v for k, v in before.items() if not k.startswith(focus)
    }


def test_manifest_row_count_off_is_one_line_naming_the_blob(root: Path, loaded, spark) -> None:  # type: ignore[no-untyped-def]
    before, states = _partitions(root), _load_state(root, "trey")
    data = (AZURE / "EA_ActualCost_Small.csv").read_bytes()
    manifest = _azure_run(root / "container", "trey-actual", "ActualCost", {"part_0_0001.csv": data}, "202310030600")  # fmt: skip
    doc = json.loads(manifest.read_text(encoding="utf-8"))
    rows = doc["blobs"][0]["dataRowCount"]
    doc["blobs"][0]["dataRowCount"] = rows + 1
    manifest.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InputError) as err:
        _load(root, "spark", spark, only=["trey"])
    message = str(err.value)
    key = doc["blobs"][0]["blobName"].removeprefix("x/")
    assert (
        f"{key} holds {rows} rows but " in message and f"manifest.json says {rows + 1}" in message
    )
    assert "\n" not in message
    assert _partitions(root) == before
    assert _load_state(root, "trey") == states


def test_malformed_focus_tags_fail_both_engines_naming_the_blob(root: Path, loaded, spark) -> None:  # type: ignore[no-untyped-def]
    before, states = _partitions(root), _load_state(root, "treyfocus")
    text = FOCUS_CSV.replace('""team"" : ""caf', '""team"" : caf')  # an unquoted string
    manifest = _azure_run(root / "container", "trey-focus", "FocusCost", {"part_0_0001.csv": text.encode()}, "202310040600")  # fmt: skip
    key = json.loads(manifest.read_text(encoding="utf-8"))["blobs"][0]["blobName"].removeprefix(
        "x/"
    )
    for kind in ("duckdb", "spark"):
        with pytest.raises(InputError) as err:
            _load(root, kind, spark if kind == "spark" else None, only=["treyfocus"])
        message = str(err.value)
        assert key in message and "\n" not in message, kind
    assert "Tags is not a JSON object" in message
    assert _partitions(root) == before
    assert _load_state(root, "treyfocus") == states
