"""Azure import against a real Blob Storage API: Azurite (npm ``azurite@3``) on 127.0.0.1.

The test installs Azurite into ``.cache/azurite`` when it is not there (``.ci/run`` does it first)
and skips, saying why, when node / npm are missing. The container gets the same layout as the local
tests (tests/sources/test_azure_exports.py): improved-export runs with manifest.json, blob names
relative to the container, and an older export without a manifest.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from finops_lib import db
from finops_lib.cli import main
from finops_lib.config import load_settings
from finops_lib.errors import InputError
from finops_lib.pipeline import import_provider
from tests.sources.test_azure_exports import (
    ACTUAL,
    AMORTIZED,
    ANON,
    config,
    csv_sum,
    write_legacy,
    write_run,
)

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / ".cache" / "azurite"
ACCOUNT = "devstoreaccount1"
# Azurite's published development key (not a secret: the emulator's documented default)
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
CONTAINER = "costs"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _azurite() -> Path:
    exe = CACHE / "node_modules" / ".bin" / "azurite-blob"
    if exe.exists():
        return exe
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip("node/npm are not installed: cannot run the Azurite emulator")
    CACHE.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [
            "npm",
            "install",
            "--no-audit",
            "--no-fund",
            "--silent",
            "--prefix",
            str(CACHE),
            "azurite@3",
        ],
        capture_output=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0 or not exe.exists():
        pytest.skip(f"npm could not install azurite@3 into {CACHE} (exit {done.returncode})")
    return exe


def conn_str(endpoint: str, key: str = KEY) -> str:
    return (
        f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={key};"
        f"BlobEndpoint={endpoint};"
    )


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An Azurite blob service on a free port, stopped after the module."""
    exe = _azurite()
    port = _free_port()
    data = tmp_path_factory.mktemp("azurite")
    proc = subprocess.Popen(
        [
            str(exe),
            "--blobHost",
            "127.0.0.1",
            "--blobPort",
            str(port),
            "--location",
            str(data),
            "--silent",
            "--skipApiVersionCheck",
            "--loose",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/{ACCOUNT}"
    try:
        for _ in range(150):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail("azurite-blob exited at start-up")
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def upload(endpoint: str, local: Path, prefix: str) -> str:
    """Upload a local layout under ``azure://<new container>/<prefix>``; the container name."""
    from azure.storage.blob import BlobServiceClient

    name = f"{CONTAINER}-{uuid.uuid4().hex[:8]}"
    client = BlobServiceClient.from_connection_string(conn_str(endpoint)).create_container(name)
    for path in sorted(p for p in local.rglob("*") if p.is_file()):
        with path.open("rb") as fh:
            client.upload_blob(f"{prefix}/{path.relative_to(local).as_posix()}", fh)
    return name


@pytest.fixture
def layout(tmp_path: Path, endpoint: str) -> str:
    """The trey dataset (two runs of the actual export, one of the amortized) and an older anon
    export, in a new container under the root folder ``exports``; its name."""
    local = tmp_path / "layout"
    data = ACTUAL.read_bytes()
    write_run(
        local,
        "trey-actual",
        "ActualCost",
        {"part_0_0001.csv": data[: data.index(b"\n", 2000)] + b"\n"},
        submitted="2023-10-01T06:00:00Z",
        stamp="202310010600",
        row_counts=False,
    )
    write_run(
        local,
        "trey-actual",
        "ActualCost",
        {"part_0_0001.csv": data},
        submitted="2023-10-02T06:00:00Z",
        stamp="202310020600",
    )
    write_run(local, "trey-amortized", "AmortizedCost", {"part_0_0001.csv": AMORTIZED.read_bytes()})
    write_legacy(local, "anon", ANON.read_bytes(), "20230901-20230930")
    return upload(endpoint, local, "exports")


def settings(tmp_path: Path, container: str):
    return load_settings(
        config(
            tmp_path,
            f'[azure.exports.trey]\ncontainer = "azure://{container}/exports"\n'
            'exports = ["trey-actual", "trey-amortized"]\n'
            f'[azure.exports.anon]\ncontainer = "azure://{container}/exports"\ntype = "ActualCost"\n',
        ),
        env={},
    )


def rows(tmp_path: Path, sql: str) -> list[tuple]:
    con = db.connect(tmp_path / "w.duckdb", read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_import_from_blob_storage_exactly_once(tmp_path, endpoint, layout) -> None:
    s = settings(tmp_path, layout).override("azure", "connection_string", conn_str(endpoint))
    result = import_provider("azure", s)
    assert sorted((x.export, x.period, x.rows) for x in result.loaded) == [
        ("anon", "2023-09", 27),
        ("trey", "2023-09", 39),
    ]
    got = dict(
        rows(
            tmp_path,
            "select x_export_name || ' ' || x_cost_type, sum(cost_in_billing_currency)"
            " from raw_azure.cost group by 1",
        )
    )
    assert got == {
        "trey ActualCost": csv_sum(ACTUAL, "Cost"),
        "trey AmortizedCost": csv_sum(AMORTIZED, "Cost"),
        "anon ActualCost": csv_sum(ANON, "CostInBillingCurrency"),
    }
    files = {f for (f,) in rows(tmp_path, "select distinct x_source_file from raw_azure.cost")}
    assert all(f.startswith("exports/") for f in files)  # blob names relative to the container
    again = import_provider("azure", s)
    assert again.loaded == [] and len(again.skipped) == 2
    assert not any((tmp_path / "dl").rglob("*.csv"))  # downloads removed after the load


def test_sas_connection_string_reads_the_container(tmp_path, endpoint, layout) -> None:
    from azure.storage.blob import ContainerSasPermissions, generate_container_sas

    sas = generate_container_sas(
        ACCOUNT,
        layout,
        account_key=KEY,
        permission=ContainerSasPermissions(read=True, list=True),
        expiry=datetime.now(UTC) + timedelta(hours=1),
    )
    s = settings(tmp_path, layout).override(
        "azure", "connection_string", f"BlobEndpoint={endpoint};SharedAccessSignature={sas}"
    )
    result = import_provider("azure", s, exports=["trey"])
    assert [x.rows for x in result.loaded] == [39]


def test_wrong_account_key_is_one_line_access_error(
    tmp_path, endpoint, layout, capsys, monkeypatch
) -> None:
    wrong = "V3Jvbmcta2V5LXRoYXQtbXVzdC1ub3QtYmUtcHJpbnRlZC0xMjM0NTY3ODkw"
    monkeypatch.setenv("OPEN_FINOPS_AZURE_CONNECTION_STRING", conn_str(endpoint, wrong))
    cfg = config(tmp_path, f'container = "azure://{layout}/exports"\nexports = ["trey-actual"]\n')
    assert main(["--config", str(cfg), "azure", "import"]) == InputError.exit_code
    err = capsys.readouterr().err
    assert err.startswith(f"error: access denied reading azure://{layout}")
    assert wrong[:10] not in err and KEY[:10] not in err and len(err.strip().splitlines()) == 1


def test_missing_blob_and_container_are_named(tmp_path, endpoint, layout) -> None:
    from azure.storage.blob import BlobServiceClient

    s = settings(tmp_path, layout).override("azure", "connection_string", conn_str(endpoint))
    client = BlobServiceClient.from_connection_string(conn_str(endpoint)).get_container_client(
        layout
    )
    amortized = next(
        b.name
        for b in client.list_blobs(name_starts_with="exports/trey-amortized/")
        if b.name.endswith(".csv")
    )
    client.delete_blob(amortized)
    with pytest.raises(
        InputError, match=rf"blob {amortized} \(listed by .*manifest.json\) is missing"
    ):
        import_provider("azure", s, exports=["trey"])
    assert rows(tmp_path, "select count(*) from meta.load_state") == [(0,)]
    gone = settings(tmp_path, "no-such-container").override(
        "azure", "connection_string", conn_str(endpoint)
    )
    with pytest.raises(InputError, match=r"container azure://no-such-container does not exist"):
        import_provider("azure", gone, exports=["anon"])


def test_data_is_intact_after_failures(tmp_path, endpoint, layout) -> None:
    """A failing later period leaves the loaded one as it was (atomic per period)."""
    from azure.storage.blob import BlobServiceClient

    s = settings(tmp_path, layout).override("azure", "connection_string", conn_str(endpoint))
    import_provider("azure", s, exports=["trey"])
    before = rows(tmp_path, "select count(*), sum(cost_in_billing_currency) from raw_azure.cost")
    client = BlobServiceClient.from_connection_string(conn_str(endpoint)).get_container_client(
        layout
    )
    run = str(uuid.uuid4())
    folder = f"exports/trey-actual/20230901-20230930/202310090600/{run}"
    client.upload_blob(f"{folder}/part_0_0001.csv", ACTUAL.read_bytes()[:700])
    client.upload_blob(
        f"{folder}/manifest.json",
        json.dumps(
            {
                "blobCount": 1,
                "exportConfig": {"type": "ActualCost"},
                "runInfo": {
                    "runId": run,
                    "submittedTime": "2023-10-09T06:00:00Z",
                    "startDate": "2023-09-01T00:00:00",
                },
                "blobs": [{"blobName": f"{folder}/part_0_0001.csv"}],
            }
        ).encode(),
    )
    with pytest.raises(InputError, match=rf"cannot read {folder}/part_0_0001.csv"):
        import_provider("azure", s, exports=["trey"])
    assert (
        rows(tmp_path, "select count(*), sum(cost_in_billing_currency) from raw_azure.cost")
        == before
    )
    assert before[0][1] == csv_sum(ACTUAL, "Cost") + csv_sum(AMORTIZED, "Cost") != Decimal(0)
