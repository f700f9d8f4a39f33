"""Report plumbing: name resolution, the papermill tag, the in-process export, the cron line, the CLI;
and reports rendered one after another in one kernel are the same as each in a kernel of its own."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from focus_fixture import Warehouse

from finops_lib import reports
from finops_lib.cli import main
from finops_lib.cli.serve import command
from finops_lib.errors import FinopsError, InputError


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


def test_export_runs_in_process_and_writes_what_the_marimo_cli_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notebook = reports.resolve(["65"])[0]
    reports.to_ipynb(notebook, tmp_path / "cli.ipynb", in_process=False)

    def no_process(*args: object, **kwargs: object) -> None:
        raise AssertionError("the in-process export started a process")

    monkeypatch.setattr(reports.subprocess, "run", no_process)
    reports.to_ipynb(notebook, tmp_path / "in_process.ipynb")
    assert (tmp_path / "in_process.ipynb").read_bytes() == (tmp_path / "cli.ipynb").read_bytes()


# what differs between any two renders: the time, and the id of papermill's injected cell (random)
STAMP = re.compile(r"Rendered \d{4}-\d\d-\d\d \d\d:\d\d UTC|cell-id=[0-9a-f-]+")


@pytest.fixture(scope="module")
def shared_and_alone(
    warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory
) -> tuple[list[reports.Report], list[reports.Report]]:
    """Two reports one after the other in one kernel, and the second in a kernel of its own."""
    mp = pytest.MonkeyPatch()
    for key, value in warehouse.env.items():
        if key.startswith("OPEN_FINOPS_"):
            mp.setenv(key, value)
    mp.chdir(warehouse.root)
    try:
        with reports.Renderer(warehouse.settings, ["80", "70"], workers=1) as renderer:
            shared = renderer.render("2024-09", tmp_path_factory.mktemp("shared"))
        alone = reports.render(["70"], "2024-09", tmp_path_factory.mktemp("alone"))
    finally:
        mp.undo()
    return shared, alone


def test_a_report_rendered_after_another_in_its_kernel_is_the_same_as_alone(
    shared_and_alone: tuple[list[reports.Report], list[reports.Report]],
) -> None:
    shared, alone = shared_and_alone
    assert [r.name for r in shared] == ["80_check_quality", "70_compare_prices"]
    after = STAMP.sub("", shared[1].html.read_text(encoding="utf-8"))
    assert after == STAMP.sub("", alone[0].html.read_text(encoding="utf-8"))
    assert "<svg" in after  # a chart rendered: vl-convert ran in the shared kernel


def test_each_report_runs_in_a_fresh_namespace_counting_from_one(
    shared_and_alone: tuple[list[reports.Report], list[reports.Report]],
) -> None:
    for report in shared_and_alone[0]:
        cells = json.loads(report.executed.read_text(encoding="utf-8"))["cells"]
        counts = [c["execution_count"] for c in cells if c["cell_type"] == "code"]
        assert counts == list(range(1, len(counts) + 1)), report.name


def test_a_failing_report_is_named_and_the_next_one_renders_in_its_kernel(
    warehouse: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in warehouse.env.items():
        if key.startswith("OPEN_FINOPS_"):
            monkeypatch.setenv(key, value)
    monkeypatch.chdir(warehouse.root)
    with (
        reports.Renderer(warehouse.settings, ["60", "80"], workers=1) as renderer,
        pytest.raises(FinopsError, match="report 60_detect_anomalies failed in cell"),
    ):
        renderer.render("2024-09", tmp_path, extra={"threshold": "not a number"})
    assert "<svg" in (tmp_path / "80_check_quality.html").read_text(encoding="utf-8")
