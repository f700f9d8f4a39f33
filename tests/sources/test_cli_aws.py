"""`finops aws` commands end to end on the real sample delivery (local copy)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from finops_lib.cli import main
from finops_lib.cli.common import console

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample" / "aws_cur_v1_s3"


def test_import_list_show(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(console, "width", 200)
    monkeypatch.setenv("OPEN_FINOPS_AWS_DOWNLOAD_DIR", str(tmp_path / "dl"))
    base = ["--database", str(tmp_path / "w.duckdb"), "aws"]
    src = ["--bucket", str(SAMPLE), "--prefix", "my-prefix", "--export-name", "my-report"]
    manifest = json.loads(
        (SAMPLE / "my-prefix/my-report/20180801-20180901/my-report-Manifest.json").read_text()
    )
    assert main([*base, "list-manifests", *src, "--cur-version", "v1"]) == 0
    assert manifest["assemblyId"][:8] in capsys.readouterr().out
    assert main([*base, "import-cur", *src, "--cur-version", "v1"]) == 0
    assert "loaded 1 period(s)" in capsys.readouterr().out
    assert main([*base, "import-cur", *src, "--cur-version", "v1"]) == 0
    assert "skipped 1" in capsys.readouterr().out
    assert main([*base, "show-state"]) == 0
    out = capsys.readouterr().out
    assert "2018-08" in out and "my-report" in out


def test_bad_bucket_exits_with_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "--database",
            str(tmp_path / "w.duckdb"),
            "aws",
            "import-cur",
            "--bucket",
            str(tmp_path / "nope"),
            "--export-name",
            "r",
            "--cur-version",
            "v1",
        ]
    )
    assert code == 3
    assert "does not exist" in capsys.readouterr().err
