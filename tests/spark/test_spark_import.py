"""``OPEN_FINOPS_ENGINE_KIND=spark finops import`` then ``finops focus export --focus-version 1.2``,
end to end through the CLI, on a standalone Spark cluster (a master and two one-core workers on
127.0.0.1, started here and stopped by their PIDs), against the DuckDB import of the same files.

Spark reads the delivery files itself into the partitioned raw lake (``finops_lib/engine/spark_load.py``).
The deliveries are ones the project did not write: koku-nise's CUR v1 (CSV.gz,
tests/fixtures/nise_aws) and a CUR 2.0 (Parquet) from the demo generator with a seed used nowhere
else, its last month delivered twice (a restatement). Both engines must give the same periods, row
counts and BilledCost / EffectiveCost to the cent, in the warehouse and in the exported file; the
exported files must hold the same rows; FOCUS lands as one Parquet file per (provider, export,
period) in the published layout; a second Spark import loads nothing; the official validator finds
no real failure in the Spark-built export (it skips, saying why, without its Python 3.12).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from finops_lib import official_validator
from finops_lib.publish import SCHEMA_FILE, scope_file

pytestmark = [pytest.mark.spark, pytest.mark.slow]

if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
    pytest.skip(
        "no Java runtime: Spark needs a JDK 17+ (.ci/run installs it)", allow_module_level=True
    )

NISE = Path(__file__).resolve().parents[1] / "fixtures" / "nise_aws"
CUR2_ROWS = 300
SEED = 1601  # used by no other test: data the project's own tests never saw
MONTHS = ("2026-09", "2026-10")
WORKERS = 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _alive_workers(ui_port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{ui_port}/json/", timeout=2) as r:  # noqa: S310 - loopback
            return int(json.load(r).get("aliveworkers", 0))
    except (OSError, ValueError):
        return 0


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[], str]]:
    """A standalone Spark master with two one-core workers, on loopback only, started at once;
    yields a function that waits until both workers have registered and returns the master's
    URL (so the DuckDB side runs while the JVMs start), stops the three daemons by PID
    afterwards."""
    import pyspark

    home = Path(pyspark.__file__).parent
    spark_class = str(home / "bin" / "spark-class")
    logs = tmp_path_factory.mktemp("spark_cluster")
    env = {**os.environ, "SPARK_HOME": str(home), "SPARK_LOCAL_IP": "127.0.0.1"}
    env["SPARK_DAEMON_MEMORY"] = "256m"
    # the master and the workers only schedule: the JIT's client compiler alone (no C2 threads
    # warming up for a long life) and the serial collector cost less CPU on a shared 2-core
    # box; the driver and executors get their options through [engine] spark_java_options
    env["SPARK_DAEMON_JAVA_OPTS"] = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
    port, ui = _free_port(), _free_port()
    master = f"spark://127.0.0.1:{port}"
    procs: list[subprocess.Popen] = []

    def start(name: str, *args: str) -> None:
        procs.append(
            subprocess.Popen(  # noqa: S603 - fixed arguments
                [spark_class, *args],
                env=env,
                stdout=(logs / f"{name}.log").open("wb"),
                stderr=subprocess.STDOUT,
            )
        )

    try:
        start(
            "master",
            "org.apache.spark.deploy.master.Master",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--webui-port",
            str(ui),
        )
        for i in range(WORKERS):
            start(
                f"worker{i}",
                "org.apache.spark.deploy.worker.Worker",
                master,
                "--host",
                "127.0.0.1",
                "--cores",
                "1",
                "--memory",
                "1g",  # the executors' default 1g must fit, or no job ever gets resources
                "--webui-port",
                str(_free_port()),
                "--work-dir",
                str(logs / f"work{i}"),
            )

        def wait() -> str:
            end = time.monotonic() + 120
            while _alive_workers(ui) < WORKERS:
                if time.monotonic() > end or any(p.poll() is not None for p in procs):
                    tails = {
                        f.name: f.read_text(errors="replace")[-2000:] for f in logs.glob("*.log")
                    }
                    pytest.fail(f"the standalone cluster did not come up: {tails}")
                time.sleep(0.5)
            return master

        yield wait
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def _env(root: Path, kind: str, master: str, java_options: str) -> dict[str, str]:
    return {
        "OPEN_FINOPS_CONFIG": str(root / "finops.toml"),
        "OPEN_FINOPS_DATABASE": str(root / kind / "finops.duckdb"),
        "OPEN_FINOPS_PROJECT_PUBLISH_DIR": str(root / kind / "published"),
        "OPEN_FINOPS_AWS_DOWNLOAD_DIR": str(root / kind / "downloads"),
        "OPEN_FINOPS_ENGINE_KIND": kind,
        "OPEN_FINOPS_ENGINE_SPARK_MASTER": master,
        "OPEN_FINOPS_ENGINE_WAREHOUSE_PATH": str(root / kind / "spark"),
        # the driver's heap and JVM options through the settings (tests/spark/conftest.py)
        "OPEN_FINOPS_ENGINE_SPARK_DRIVER_MEMORY": "1g",
        "OPEN_FINOPS_ENGINE_SPARK_JAVA_OPTIONS": java_options,
    }


def _finops(env: dict[str, str], *args: str) -> str:
    from finops_lib.cli import app

    result = CliRunner().invoke(app, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def imported(
    tmp_path_factory: pytest.TempPathFactory, cluster: Callable[[], str], java_options: str
) -> Path:
    """The same deliveries imported and exported (FOCUS 1.2) on DuckDB and on Spark, each into
    its own warehouse under ``<root>/<kind>``; DuckDB's first, while the cluster starts."""
    from finops_lib.demo import generate_aws

    root = tmp_path_factory.mktemp("spark_import")
    cur2 = generate_aws(
        root / "exports", rows=CUR2_ROWS, seed=SEED, months=MONTHS, flavours=("v2",)
    ).exports["v2"]
    lines = [
        '[aws.exports."cur"]',
        f"bucket = {json.dumps(str(NISE))}",
        'prefix = "pfx"',
        'export_name = "cur"',
        'cur_version = "v1"',
        f'[aws.exports."{cur2.name}"]',
        f"bucket = {json.dumps(str(cur2.root))}",
        f'prefix = "{cur2.prefix}"',
        f'export_name = "{cur2.name}"',
        'cur_version = "v2"',
    ]
    (root / "finops.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for kind in ("duckdb", "spark"):
        master = cluster() if kind == "spark" else "local[2]"  # DuckDB: unused
        env = _env(root, kind, master, java_options)
        _finops(env, "import")
        if kind == "spark":  # exactly once: nothing new, no Spark job
            assert "loaded 0 period(s)" in _finops(env, "import")
        _finops(
            env,
            "focus",
            "export",
            "--focus-version",
            "1.2",
            "--output",
            str(root / kind / "focus.parquet"),
        )
    return root


def _per_scope(database: Path) -> list[tuple]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(
            "select x_provider, x_export_name, x_billing_period, count(*), sum(BilledCost), "
            "sum(EffectiveCost) from focus.cost_and_usage group by all order by all"
        ).fetchall()
    finally:
        con.close()


def test_same_periods_rows_and_costs(imported: Path) -> None:
    duck = _per_scope(imported / "duckdb" / "finops.duckdb")
    spark = _per_scope(imported / "spark" / "finops.duckdb")
    assert {(r[1], r[2]) for r in duck} >= {("cur", "2026-08"), ("cur", "2026-09")}
    assert len({r[1] for r in duck}) == 2  # the nise CUR v1 and the CUR 2.0
    assert spark == duck


def test_exported_files_hold_the_same_rows(imported: Path) -> None:
    """``finops focus export --focus-version 1.2`` of both warehouses: the same periods, rows and
    costs to the cent, and the same rows column for column."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    duck, spark = (str(imported / k / "focus.parquet") for k in ("duckdb", "spark"))
    per_period = (
        "select BillingPeriodStart, count(*), sum(BilledCost), sum(EffectiveCost) "
        "from read_parquet($p) group by all order by all"
    )
    want = con.execute(per_period, {"p": duck}).fetchall()
    assert len(want) >= 2
    assert con.execute(per_period, {"p": spark}).fetchall() == want
    columns = [
        r[0] for r in con.execute("describe select * from read_parquet($p)", {"p": duck}).fetchall()
    ]
    assert len(columns) == 57
    for a, b in ((duck, spark), (spark, duck)):
        extra = con.execute(
            "select count(*) from (select * from read_parquet($a) except all "
            "select * from read_parquet($b))",
            {"a": a, "b": b},
        ).fetchone()
        assert extra == (0,)


def test_spark_read_the_deliveries_into_the_partitioned_lake(imported: Path) -> None:
    """The raw rows are in the lake, one partition per (provider, export, period), written by
    Spark; the Spark warehouse's DuckDB raw table holds none, its load state every period."""
    lake = imported / "spark" / "spark" / "raw" / "raw_aws__cur"
    con = duckdb.connect(str(imported / "spark" / "finops.duckdb"), read_only=True)
    try:
        assert con.execute("select count(*) from raw_aws.cur").fetchone() == (0,)
        states = con.execute(
            "select provider, export_name, billing_period, rows from meta.load_state order by all"
        ).fetchall()
    finally:
        con.close()
    assert len(states) >= 4
    for provider, export, period, rows in states:
        part = (
            lake
            / f"x_provider={provider}"
            / f"x_export_name={export}"
            / f"x_billing_period={period}"
        )
        files = sorted(part.glob("part-*.parquet"))
        assert files, part
        got = duckdb.execute(
            "select count(*) from read_parquet($f)", {"f": [str(f) for f in files]}
        ).fetchone()
        assert got == (rows,)


def test_focus_parquet_in_the_published_layout(imported: Path) -> None:
    folder = imported / "spark" / "published" / "parquet" / "focus__cost_and_usage"
    scopes = _per_scope(imported / "duckdb" / "finops.duckdb")
    names = {p.name for p in folder.glob("*.parquet")}
    assert names == {scope_file(s[:3]) for s in scopes} | {SCHEMA_FILE}
    con = duckdb.connect()
    for s in scopes:
        got = con.execute(
            "select count(*), sum(BilledCost) from read_parquet($f)",
            {"f": str(folder / scope_file(s[:3]))},
        ).fetchone()
        assert got == (s[3], s[4])


@pytest.mark.skipif(
    official_validator.find_python312() is None,
    reason="the official validator needs a local Python 3.12 and none was found",
)
def test_official_validator_passes_the_spark_export(imported: Path) -> None:
    result = official_validator.run(imported / "spark" / "focus.parquet")
    assert result.total > 500
    assert result.real_failures == [], result.real_failures
