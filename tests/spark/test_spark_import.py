"""``OPEN_FINOPS_ENGINE_KIND=spark finops import`` end to end, on a standalone Spark cluster (a
master and two workers on 127.0.0.1 started here), against the DuckDB import of the same files.

The same CUR deliveries (v1 and 2.0, from the demo generator) are imported twice through the CLI:
once on DuckDB, once with FOCUS built on Spark. The periods, row counts and BilledCost /
EffectiveCost per period must be equal to the cent; FOCUS lands as one Parquet file per
(provider, export, period) in the published layout; a second Spark import loads nothing.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from finops_lib.publish import SCHEMA_FILE, scope_file

pytestmark = [
    pytest.mark.spark,
    pytest.mark.slow,
    pytest.mark.skip(reason="not yet run to completion here (issue 16): enable once verified"),
]

if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
    pytest.skip(
        "no Java runtime: Spark needs a JDK 17+ (.ci/run installs it)", allow_module_level=True
    )

ROWS = 1_500
SEED = 5


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_port(port: int, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A standalone Spark master with two one-core workers, on loopback only."""
    import pyspark

    home = Path(pyspark.__file__).parent
    spark_class = str(home / "bin" / "spark-class")
    logs = tmp_path_factory.mktemp("spark_cluster")
    env = {**os.environ, "SPARK_HOME": str(home), "SPARK_LOCAL_IP": "127.0.0.1"}
    port = _free_port()
    procs = [
        subprocess.Popen(  # noqa: S603 - fixed arguments
            [
                spark_class,
                "org.apache.spark.deploy.master.Master",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--webui-port",
                str(_free_port()),
            ],
            env=env,
            stdout=(logs / "master.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
    ]
    try:
        _wait_port(port, 120)
        master = f"spark://127.0.0.1:{port}"
        for i in range(2):
            procs.append(
                subprocess.Popen(  # noqa: S603 - fixed arguments
                    [
                        spark_class,
                        "org.apache.spark.deploy.worker.Worker",
                        master,
                        "--host",
                        "127.0.0.1",
                        "--cores",
                        "1",
                        "--memory",
                        "768m",
                        "--webui-port",
                        str(_free_port()),
                        "--work-dir",
                        str(logs / f"work{i}"),
                    ],
                    env=env,
                    stdout=(logs / f"worker{i}.log").open("wb"),
                    stderr=subprocess.STDOUT,
                )
            )
        yield master
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory, cluster: str) -> dict[str, Path]:
    """The same CUR deliveries imported on DuckDB and on Spark, each into its own warehouse."""
    from finops_lib.cli import app
    from finops_lib.demo import generate_aws

    root = tmp_path_factory.mktemp("spark_import")
    aws = generate_aws(root / "exports", rows=ROWS, seed=SEED)
    config = root / "finops.toml"
    lines = []
    for e in aws.exports.values():
        lines += [
            f'[aws.exports."{e.name}"]',
            f'bucket = "{e.root}"',
            f'prefix = "{e.prefix}"',
            f'export_name = "{e.name}"',
            f'cur_version = "{e.flavour}"',
            "",
        ]
    config.write_text("\n".join(lines), encoding="utf-8")
    out = {}
    for kind in ("duckdb", "spark"):
        env = {
            "OPEN_FINOPS_CONFIG": str(config),
            "OPEN_FINOPS_DATABASE": str(root / kind / "finops.duckdb"),
            "OPEN_FINOPS_PROJECT_PUBLISH_DIR": str(root / kind / "published"),
            "OPEN_FINOPS_ENGINE_KIND": kind,
            "OPEN_FINOPS_ENGINE_SPARK_MASTER": cluster,
            "OPEN_FINOPS_ENGINE_WAREHOUSE_PATH": str(root / kind / "spark"),
        }
        result = CliRunner().invoke(app, ["import"], env=env)
        assert result.exit_code == 0, result.output
        out[kind] = root / kind
        if kind == "spark":
            again = CliRunner().invoke(app, ["import"], env=env)
            assert again.exit_code == 0, again.output
            assert "loaded 0 period(s)" in again.output
    return out


def _per_period(database: Path) -> list[tuple]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(
            "select x_provider, x_export_name, x_billing_period, count(*), sum(BilledCost), "
            "sum(EffectiveCost) from focus.cost_and_usage group by all order by all"
        ).fetchall()
    finally:
        con.close()


def test_same_periods_rows_and_costs(imported: dict[str, Path]) -> None:
    duck = _per_period(imported["duckdb"] / "finops.duckdb")
    spark = _per_period(imported["spark"] / "finops.duckdb")
    assert len(duck) >= 2
    assert spark == duck


def test_focus_parquet_in_the_published_layout(imported: dict[str, Path]) -> None:
    folder = imported["spark"] / "published" / "parquet" / "focus__cost_and_usage"
    scopes = [r[:3] for r in _per_period(imported["duckdb"] / "finops.duckdb")]
    names = {p.name for p in folder.glob("*.parquet")}
    assert names == {scope_file(s) for s in scopes} | {SCHEMA_FILE}
    con = duckdb.connect()
    rows = con.execute(
        "select count(*) from read_parquet($g)", {"g": str(folder / "*.parquet")}
    ).fetchone()
    assert rows == (sum(r[3] for r in _per_period(imported["duckdb"] / "finops.duckdb")),)
