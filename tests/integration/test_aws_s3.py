"""AWS import against a real S3 API (moto in server mode on 127.0.0.1).

Expectations come from the generator's ``expected_totals.json`` (computed from its integers) and from
a plain DuckDB read of the files the current manifest lists, never from the importer's own output.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import boto3
import duckdb
import pytest

from finops_lib import db
from finops_lib.config import load_settings
from finops_lib.demo import deliver_restatement, generate_aws
from finops_lib.errors import InputError
from finops_lib.pipeline import import_provider

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data" / "sample" / "aws_cur_v1_s3"
MONTHS = ("2026-08", "2026-09")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A moto S3 server on a free port; AWS_ENDPOINT_URL and dummy keys point boto3 at it."""
    port = _free_port()
    exe = Path(sys.executable).parent / "moto_server"
    proc = subprocess.Popen(
        [str(exe), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=1)  # noqa: S310
            break
        except OSError:
            time.sleep(0.1)
    saved = {
        k: os.environ.get(k)
        for k in (
            "AWS_ENDPOINT_URL",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_DEFAULT_REGION",
        )
    }
    os.environ.update(
        AWS_ENDPOINT_URL=url,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing-secret-123",
        AWS_DEFAULT_REGION="us-east-1",
    )
    try:
        yield url
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        proc.terminate()
        proc.wait(timeout=10)


def _upload(client, bucket: str, root: Path) -> None:
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.name != "expected_totals.json":
            client.upload_file(str(path), bucket, str(path.relative_to(root)))


@pytest.fixture(scope="module")
def world(moto_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Generated v1 + v2 exports in bucket demo-billing, the real sample in bucket sample-cur."""
    root = tmp_path_factory.mktemp("aws")
    gen = generate_aws(root / "gen", rows=1200, seed=5, months=MONTHS)
    client = boto3.client("s3", region_name="us-east-1")
    client.create_bucket(Bucket="demo-billing")
    client.create_bucket(Bucket="sample-cur")
    for export in gen.exports.values():
        _upload(client, "demo-billing", export.root)
    _upload(client, "sample-cur", SAMPLE)
    return {"root": root, "gen": gen, "client": client}


def _settings(db_path: Path, downloads: Path):
    return (
        load_settings(None)
        .override("project", "database", str(db_path))
        .override("aws", "download_dir", str(downloads))
        .override("project", "publish_dir", str(Path(downloads).parent / "published"))
    )


def _import_all(db_path: Path, bucket_for, tmp: Path, **kw) -> list:
    """Import v1 + v2 from ``bucket_for(flavour)``; returns the two ImportResults."""
    s = _settings(db_path, tmp / "downloads")
    out = []
    for flavour, (prefix, name) in {
        "v1": ("cur", "demo-cur"),
        "v2": ("exports", "demo-cur2"),
    }.items():
        out.append(
            import_provider(
                "aws",
                s,
                bucket=bucket_for(flavour),
                prefix=prefix,
                export_name=name,
                cur_version=flavour,
                **kw,
            )
        )
    return out


def _focus_totals(db_path: Path) -> dict[tuple[str, str], tuple[Decimal, int]]:
    con = db.connect(db_path, read_only=True)
    try:
        rows = con.execute(
            "select x_export_name, x_billing_period, sum(BilledCost), count(*) from focus.cost_and_usage"
            " where x_row_kind = 'source' group by all"
        ).fetchall()
    finally:
        con.close()
    return {(e, p): (s, n) for e, p, s, n in rows}


@pytest.fixture(scope="module")
def loaded(world: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("wh")
    db_path = tmp / "finops.duckdb"
    first = _import_all(db_path, lambda f: "s3://demo-billing", tmp)
    return {"db": db_path, "tmp": tmp, "first": first}


def test_each_period_matches_expected_totals_to_the_cent(world: dict, loaded: dict) -> None:
    totals = _focus_totals(loaded["db"])
    for flavour, export in world["gen"].exports.items():
        expected = json.loads((export.root / "expected_totals.json").read_text())
        for period, exp in expected["periods"].items():
            billed, _ = totals[(export.name, period)]
            assert billed == Decimal(exp["unblended_cost"]), (
                flavour,
                period,
            )
    con = db.connect(loaded["db"], read_only=True)
    try:
        state = {
            (e, p): (m, r)
            for e, p, m, r in con.execute(
                "select export_name, billing_period, delivery_id, rows from meta.load_state"
            ).fetchall()
        }
        amortized = dict(
            ((e, p), a)
            for e, p, a in con.execute(
                "select export_name, billing_period, sum(effective_cost) from meta.source_totals group by all"
            ).fetchall()
        )
    finally:
        con.close()
    for export in world["gen"].exports.values():
        expected = json.loads((export.root / "expected_totals.json").read_text())
        for period, exp in expected["periods"].items():
            assert state[(export.name, period)] == (exp["manifest_id"], exp["rows"])
            assert amortized[(export.name, period)] == Decimal(exp["amortized_cost"])


def test_second_run_loads_nothing(world: dict, loaded: dict) -> None:
    assert all(r.loaded for r in loaded["first"])
    again = _import_all(loaded["db"], lambda f: "s3://demo-billing", loaded["tmp"])
    assert [r.loaded for r in again] == [[], []]
    assert sum(len(r.skipped) for r in again) == 2 * len(MONTHS)


def test_restatement_replaces_exactly_that_month(world: dict, loaded: dict) -> None:
    export = world["gen"].exports["v1"]
    before = _focus_totals(loaded["db"])
    con = db.connect(loaded["db"], read_only=True)
    other_load = con.execute(
        "select load_id from meta.load_state where export_name='demo-cur' and billing_period=$p",
        {"p": MONTHS[1]},
    ).fetchone()
    con.close()
    new = deliver_restatement(export.root, "v1", MONTHS[0], seed=11)
    _upload(world["client"], "demo-billing", export.root)
    results = _import_all(loaded["db"], lambda f: "s3://demo-billing", loaded["tmp"])
    assert [(x.export, x.period) for x in results[0].loaded] == [("demo-cur", MONTHS[0])]
    assert results[1].loaded == []
    after = _focus_totals(loaded["db"])
    assert after[("demo-cur", MONTHS[0])][0] == Decimal(new["unblended_cost"])
    assert after[("demo-cur", MONTHS[0])][1] == new["rows"]
    assert {k: v for k, v in after.items() if k != ("demo-cur", MONTHS[0])} == {
        k: v for k, v in before.items() if k != ("demo-cur", MONTHS[0])
    }
    con = db.connect(loaded["db"], read_only=True)
    assert (
        con.execute(
            "select load_id from meta.load_state where export_name='demo-cur' and billing_period=$p",
            {"p": MONTHS[1]},
        ).fetchone()
        == other_load
    )
    raw = con.execute(
        "select count(*) from raw_aws.cur where x_export_name='demo-cur' and x_billing_period=$p",
        {"p": MONTHS[0]},
    ).fetchone()[0]
    con.close()
    assert raw == new["rows"]


def test_local_copy_gives_the_same_result(world: dict, loaded: dict, tmp_path: Path) -> None:
    local = tmp_path / "bucket"
    for export in world["gen"].exports.values():
        shutil.copytree(export.root, local, dirs_exist_ok=True)
    s3_totals = _focus_totals(loaded["db"])
    _import_all(tmp_path / "local.duckdb", lambda f: str(local), tmp_path)
    assert _focus_totals(tmp_path / "local.duckdb") == s3_totals


def test_real_sample_matches_a_plain_read_of_the_manifest_files(
    world: dict, tmp_path: Path
) -> None:
    s = _settings(tmp_path / "s.duckdb", tmp_path / "dl")
    result = import_provider(
        "aws",
        s,
        bucket="s3://sample-cur",
        prefix="my-prefix",
        export_name="my-report",
        cur_version="v1",
    )
    assert [x.period for x in result.loaded] == ["2018-08"]
    manifest = json.loads(
        (SAMPLE / "my-prefix/my-report/20180801-20180901/my-report-Manifest.json").read_text()
    )
    files = [str(SAMPLE / k.lstrip("/")) for k in manifest["reportKeys"]]
    expected_sum, expected_rows = duckdb.execute(
        'select sum(cast("lineItem/UnblendedCost" as decimal(38,10))), count(*)'
        " from read_csv($f, all_varchar=true)",
        {"f": files},
    ).fetchone()
    billed, rows = _focus_totals(tmp_path / "s.duckdb")[("my-report", "2018-08")]
    assert billed == expected_sum
    assert rows == expected_rows


def test_missing_bucket_is_an_input_error(world: dict, tmp_path: Path) -> None:
    s = _settings(tmp_path / "x.duckdb", tmp_path / "dl")
    with pytest.raises(InputError, match="does not exist"):
        import_provider(
            "aws",
            s,
            bucket="s3://no-such-bucket",
            prefix="cur",
            export_name="demo-cur",
            cur_version="v1",
        )


def test_missing_credentials_is_an_input_error_without_secrets(
    world: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    s = _settings(tmp_path / "x.duckdb", tmp_path / "dl")
    with pytest.raises(InputError, match="credentials") as info:
        import_provider(
            "aws",
            s,
            bucket="s3://demo-billing",
            prefix="cur",
            export_name="demo-cur",
            cur_version="v1",
        )
    assert "testing-secret" not in str(info.value)
