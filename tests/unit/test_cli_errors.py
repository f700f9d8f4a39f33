"""A mistyped command line gets click's usage line and message, and exit code 2.

Not "unexpected UsageError ... report it": a typo is the user's to fix, not a bug to report. Run
through the real console entry point (``python -m finops_lib.cli`` calls ``main()``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def finops(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "finops_lib.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _assert_usage_error(done: subprocess.CompletedProcess[str], message: str) -> None:
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert "unexpected" not in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


@pytest.mark.parametrize("command", ["nosuch", "valdiate"])
def test_unknown_command_prints_usage_and_exits_2(command: str) -> None:
    done = finops(command)

    _assert_usage_error(done, f"Error: No such command '{command}'")
    assert done.stderr.startswith("Usage: finops [OPTIONS] COMMAND [ARGS]...")
    assert "Try 'finops --help' for help." in done.stderr


def test_unknown_subcommand_prints_the_group_usage_and_exits_2() -> None:
    done = finops("focus", "nosuch")

    _assert_usage_error(done, "Error: No such command 'nosuch'")
    assert done.stderr.startswith("Usage: finops focus [OPTIONS] COMMAND [ARGS]...")


def test_unknown_option_prints_usage_and_exits_2() -> None:
    done = finops("validate", "--nosuch")

    _assert_usage_error(done, "Error: No such option: --nosuch")
    assert done.stderr.startswith("Usage: finops validate [OPTIONS]")


def test_missing_option_value_exits_2() -> None:
    done = finops("validate", "--period")

    _assert_usage_error(done, "Error: Option '--period' requires an argument.")


def test_missing_required_option_prints_usage_and_exits_2() -> None:
    done = finops("focus", "export")

    _assert_usage_error(done, "Error: Missing option '--output'.")
    assert done.stderr.startswith("Usage: finops focus export [OPTIONS]")


def test_help_still_exits_0() -> None:
    done = finops("validate", "--help")

    assert done.returncode == 0, done.stderr
    assert "--period" in done.stdout
