"""Report plumbing that needs no kernel: name resolution, the papermill tag, the cron line, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from finops_lib import reports
from finops_lib.cli import main
from finops_lib.cli.serve import command
from finops_lib.errors import InputError


def test_report_names_resolve_by_stem_name_or_number() -> None:
    full = reports.resolve(["10_review_costs"])
    assert reports.resolve(["review_costs"]) == full == reports.resolve(["10"])
    assert full[0].exists()


def test_import_notebook_is_not_a_report() -> None:
    assert "01_import_billing" not in reports.available()
    with pytest.raises(InputError, match="no report notebook"):
        reports.resolve(["import_billing"])


def test_exported_ipynb_tags_exactly_the_parameters_cell(tmp_path: Path) -> None:
    target = tmp_path / "overview.ipynb"
    reports.to_ipynb(reports.resolve(["10"])[0], target)
    cells = json.loads(target.read_text(encoding="utf-8"))["cells"]
    tagged = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1
    assert tagged[0]["metadata"]["marimo"]["name"] == "parameters"
    assert "period" in "".join(tagged[0]["source"])


def test_schedule_prints_a_daily_cron_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "schedule"]) == 0
    line = capsys.readouterr().out.strip()
    fields = line.split()
    assert fields[:5] == ["0", "6", "*", "*", "*"] and "./finops report render" in line
    assert "./finops import --alerts" in line  # budgets and anomalies alert after the import


def test_render_refuses_a_malformed_period(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "render", "--period", "2024-13"]) != 0
    assert "YYYY-MM" in capsys.readouterr().err


def test_app_runs_marimo_on_the_notebook_folder_on_loopback() -> None:
    argv = command("127.0.0.1", 2718)
    assert argv[1:4] == ["-m", "marimo", "run"]
    assert Path(argv[4]).name == "notebooks"
    assert argv[argv.index("--host") + 1] == "127.0.0.1" and "--headless" in argv
