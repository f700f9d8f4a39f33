"""``[engine]``: the Spark settings as ``finops import`` reads them, and a bad one refused in one
line before any Spark or DuckDB work (the real console entry point, a fresh temp project)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from finops_lib.config import load_settings
from finops_lib.engine import engine_settings

ROOT = Path(__file__).resolve().parents[2]


def test_spark_settings_from_the_file_and_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "finops.toml"
    path.write_text(
        '[engine]\nkind = "spark"\nspark_driver_memory = "8g"\n'
        'spark_java_options = "-XX:+UseSerialGC"\n',
        encoding="utf-8",
    )
    got = engine_settings(load_settings(path, env={}))
    assert (got.kind, got.spark_driver_memory, got.spark_java_options) == (
        "spark",
        "8g",
        "-XX:+UseSerialGC",
    )
    env = {"OPEN_FINOPS_ENGINE_SPARK_DRIVER_MEMORY": "4096m"}
    assert engine_settings(load_settings(path, env=env)).spark_driver_memory == "4096m"
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    default = engine_settings(load_settings(tmp_path / "empty.toml", env={}))
    assert (default.spark_driver_memory, default.spark_java_options) == ("", "")


def test_a_driver_memory_that_is_no_size_is_one_line_and_exit_2(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "OPEN_FINOPS_DATABASE": str(tmp_path / "w.duckdb"),
        "OPEN_FINOPS_PROJECT_PUBLISH_DIR": str(tmp_path / "published"),
        "OPEN_FINOPS_ENGINE_KIND": "spark",
        "OPEN_FINOPS_ENGINE_SPARK_DRIVER_MEMORY": "8 GB",
    }
    done = subprocess.run(
        [sys.executable, "-m", "finops_lib.cli", "import"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "spark_driver_memory = '8 GB'" in lines[0], lines
    assert "Traceback" not in done.stdout + done.stderr
    assert not (tmp_path / "w.duckdb").exists()
