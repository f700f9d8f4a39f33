"""Paths typed on the command line are the caller's: the ``./finops`` launcher runs the CLI in the
project folder (its defaults and finops.toml's paths are the project's) and passes the directory it
was run from in ``FINOPS_CALLER_DIR`` (``finops_lib.cli.common.from_caller``)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Annotated

import duckdb
import pytest
import typer
from typer.testing import CliRunner

from finops_lib.cli import main
from finops_lib.cli.common import CALLER_DIR, from_caller

ROOT = Path(__file__).resolve().parents[2]
#: a third-party CUR v1 file (koku-nise, tests/fixtures/nise_aws/SOURCES.md)
CUR_FILE = next(
    (ROOT / "tests/fixtures/nise_aws/pfx/cur/20260801-20260901").rglob("*-cur-1.csv.gz")
)


def _probe() -> typer.Typer:
    """A command with one path option, a default and an environment variable, that prints it."""
    app = typer.Typer()

    @app.command()
    def show(
        where: Annotated[Path, typer.Option(envvar="PROBE_WHERE", callback=from_caller)] = Path(
            "data/default"
        ),
        bucket: Annotated[str | None, typer.Option(callback=from_caller)] = None,
    ) -> None:
        print(f"{where}|{bucket}")

    return app


@pytest.mark.parametrize(
    ("args", "env", "want"),
    [
        ([], {}, "data/default|None"),  # a default stays the project's
        (["--where", "out"], {}, "{caller}/out|None"),
        ([], {"PROBE_WHERE": "from-env"}, "{caller}/from-env|None"),
        (["--where", "/abs/out"], {}, "/abs/out|None"),
        (["--bucket", "s3://name"], {}, "data/default|s3://name"),
        (["--bucket", "../up"], {}, "data/default|{caller}/../up"),
    ],
)
def test_typed_paths_are_the_callers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], env: dict, want: str
) -> None:
    caller = tmp_path / "caller"
    monkeypatch.setenv(CALLER_DIR, str(caller))
    result = CliRunner().invoke(_probe(), args, env=env)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == want.format(caller=caller)


def test_without_the_launcher_paths_are_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CALLER_DIR, raising=False)
    result = CliRunner().invoke(_probe(), ["--where", "out"])
    assert result.output.strip() == "out|None"


def test_convert_reads_and_writes_in_the_callers_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    caller, project = tmp_path / "caller", tmp_path / "project"
    caller.mkdir()
    project.mkdir()
    shutil.copy(CUR_FILE, caller / "cur.csv.gz")
    monkeypatch.chdir(project)  # where the launcher runs the CLI
    monkeypatch.setenv(CALLER_DIR, str(caller))
    assert main(["focus", "convert", "cur.csv.gz", "--output", "focus.parquet"]) == 0
    assert not list(project.iterdir())
    rows = duckdb.sql(
        "select count(*) from read_parquet($p)", params={"p": str(caller / "focus.parquet")}
    )
    assert rows.fetchone()[0] > 0  # type: ignore[index]


def test_the_launcher_passes_the_directory_it_was_run_from(tmp_path: Path) -> None:
    """``<project>/finops --database rel.duckdb aws import-cur --bucket rel`` run from another
    directory: the warehouse and the bucket are that directory's, not the project's."""
    bucket = tmp_path / "bucket" / "pfx"
    shutil.copytree(ROOT / "tests/fixtures/nise_aws/pfx", bucket)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPEN_FINOPS_", "FINOPS_"))}
    # the snapshot and downloads go to this test's folder, not the project's data/
    env["OPEN_FINOPS_PROJECT_PUBLISH_DIR"] = str(tmp_path / "published")
    env["OPEN_FINOPS_AWS_DOWNLOAD_DIR"] = str(tmp_path / "downloads")
    args = ["--database", "w.duckdb", "aws", "import-cur", "--bucket", "bucket", "--prefix", "pfx"]
    args += ["--export-name", "cur", "--cur-version", "v1", "--period", "2026-08"]
    done = subprocess.run(
        [str(ROOT / "finops"), *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert not (ROOT / "w.duckdb").exists()
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from raw_aws.cur").fetchone()[0] > 0  # type: ignore[index]
