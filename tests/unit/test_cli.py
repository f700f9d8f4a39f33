"""The CLI's contract: --help everywhere, one-line errors with a hint, non-zero exits."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def finops(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None):
    return subprocess.run(
        [sys.executable, "-m", "finops_lib.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_help_lists_subcommands():
    result = finops("--help")
    assert result.returncode == 0
    for name in ("demo", "aws", "focus", "validate", "report", "app"):
        assert name in result.stdout


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[aws]\nbukket = "x"\n', "unknown key aws.bukket"),
        ("[aws\n", "malformed TOML"),
    ],
)
def test_bad_config_is_one_line_error(tmp_path, text, expected):
    cfg = tmp_path / "bad.toml"
    cfg.write_text(text)
    result = finops("--config", str(cfg), "aws", "show-state")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and expected in lines[0] and "hint:" in lines[0]
    assert "Traceback" not in result.stderr


def test_missing_config_file_is_one_line_error(tmp_path):
    result = finops("--config", str(tmp_path / "missing.toml"), "aws", "show-state")
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error: config file not found")
    assert len(result.stderr.strip().splitlines()) == 1


def test_debug_shows_traceback(tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[aws\n")
    result = finops("--debug", "--config", str(cfg), "aws", "show-state")
    assert result.returncode != 0
    assert "Traceback" in result.stderr
