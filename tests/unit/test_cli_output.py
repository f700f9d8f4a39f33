"""CLI output that is piped or logged (not a terminal) keeps every table row on one line.

rich lays a non-terminal out for 80 columns and folds table cells over several lines, which split
each amount of the reconciliation table in three in cron logs and CI output. The warehouse here is
the demo's: generated CUR v1 and CUR 2.0 deliveries imported by the real pipeline.
"""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from finops_lib.config import load_settings
from finops_lib.demo import generate_aws

ROOT = Path(__file__).resolve().parents[2]
MONTHS = ("2026-08", "2026-09")


@pytest.fixture(scope="module")
def demo_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finops.toml whose warehouse holds both demo exports, imported and built."""
    from finops_lib.pipeline import import_all

    tmp = tmp_path_factory.mktemp("demo")
    generated = generate_aws(tmp / "bucket", rows=1000, months=MONTHS, restate_last=False)
    tables = "\n".join(
        f"""
[aws.exports.{export.name}]
bucket = "{export.root.as_posix()}"
prefix = "{export.prefix}"
export_name = "{export.name}"
cur_version = "{flavour}"
"""
        for flavour, export in generated.exports.items()
    )
    config = tmp / "finops.toml"
    config.write_text(
        f"""
[project]
database = "{(tmp / "finops.duckdb").as_posix()}"
publish_dir = "{(tmp / "published").as_posix()}"

[aws]
download_dir = "{(tmp / "downloads").as_posix()}"
{tables}""",
        encoding="utf-8",
    )
    result = import_all(load_settings(config))
    assert len(result.loaded) == 2 * len(MONTHS)
    return config


def finops(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real console entry point with stdout and stderr captured (pipes, not a terminal)."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "FORCE_COLOR")}
    env["OPEN_FINOPS_CONFIG"] = str(config)
    return subprocess.run(
        [sys.executable, "-m", "finops_lib.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _plain(value: object) -> str:
    """An amount as the table shows it (exact, no exponent)."""
    assert isinstance(value, Decimal)
    return format(value.normalize(), "f")


def _database(config: Path) -> Path:
    return load_settings(config).database


def test_piped_validate_keeps_each_reconciliation_row_on_one_line(demo_config: Path) -> None:
    from finops_lib.reconcile import reconcile

    con = duckdb.connect(str(_database(demo_config)), read_only=True)
    try:
        expected = reconcile(con)
    finally:
        con.close()

    done = finops(demo_config, "validate")

    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert expected.height == 2 * len(MONTHS)
    for row in expected.iter_rows(named=True):
        cells = [
            row["export_name"],
            row["billing_period"],
            row["billing_account_id"],
            _plain(row["focus_billed_cost"]),
            _plain(row["focus_effective_cost"]),
        ]
        assert any(all(cell in line for cell in cells) for line in lines), (
            f"no single line holds {cells}:\n{done.stdout}"
        )


def test_piped_validate_keeps_each_conformance_rule_on_one_line(demo_config: Path) -> None:
    from finops_lib.checks import load_rules

    done = finops(demo_config, "validate", "--show-passing")

    lines = done.stdout.splitlines()
    for rule in load_rules():
        assert any(rule.rule_id in line and rule.severity in line for line in lines), (
            f"{rule.rule_id} is not whole on one line:\n{done.stdout}"
        )


def test_failing_validate_exits_1_from_the_console_script(
    demo_config: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.duckdb"
    broken.write_bytes(_database(demo_config).read_bytes())
    con = duckdb.connect(str(broken))
    # FOCUS is a view over the store's files: a table of changed rows takes its place
    con.execute(
        "create table focus.broken as "
        "select * replace (BilledCost + 1 as BilledCost) from focus.cost_and_usage"
    )
    con.execute("drop view focus.cost_and_usage")
    con.execute("alter table focus.broken rename to cost_and_usage")
    con.close()

    done = finops(demo_config, "--database", str(broken), "validate")

    assert done.returncode == 1, done.stdout + done.stderr
    assert "validation failed" in done.stdout
