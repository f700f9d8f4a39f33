"""Every notebook passes `marimo check` and exports to HTML (exit 0) against the fixture warehouse."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from focus_fixture import Warehouse

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
ALL = sorted(p.name for p in NOTEBOOKS.glob("[0-9]*_*.py"))
WITH_ARGS = "10_review_costs.py with --period 2024-08"


@pytest.fixture(scope="module")
def exports(
    warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, subprocess.CompletedProcess[str]]:
    """`marimo export html` of every notebook, run side by side (one process each)."""
    out = tmp_path_factory.mktemp("exports")
    jobs = {name: [str(NOTEBOOKS / name), "-o", str(out / f"{name}.html")] for name in ALL}
    # the overview again, with command-line parameters (mo.cli_args) instead of the defaults
    jobs[WITH_ARGS] = [
        str(NOTEBOOKS / "10_review_costs.py"),
        "-o",
        str(out / "with_args.html"),
        "--",
        "--period",
        "2024-08",
        "--providers",
        "Microsoft",
    ]
    procs = {
        name: subprocess.Popen(
            [sys.executable, "-m", "marimo", "export", "html", *args],
            cwd=warehouse.root,
            env=warehouse.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for name, args in jobs.items()
    }
    results = {}
    for name, proc in procs.items():
        output, _ = proc.communicate(timeout=300)
        page = Path(jobs[name][2])
        html = page.read_text(encoding="utf-8") if proc.returncode == 0 else ""
        # stdout: marimo's messages; stderr slot: the exported page (read by the args test)
        results[name] = subprocess.CompletedProcess(proc.args, proc.returncode, output, html)
    return results


def test_notebooks_exist_for_every_analysis() -> None:
    assert len(ALL) >= 10, ALL


def test_marimo_check_passes_on_every_notebook() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "marimo", "check", *[str(NOTEBOOKS / n) for n in ALL]],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("name", ALL)
def test_notebook_exports_to_html(
    name: str, exports: dict[str, subprocess.CompletedProcess[str]]
) -> None:
    result = exports[name]
    assert result.returncode == 0, result.stdout[-2000:]


@pytest.mark.parametrize("name", ALL)
def test_notebook_has_one_parameters_cell(name: str) -> None:
    text = (NOTEBOOKS / name).read_text(encoding="utf-8")
    assert text.count("def parameters(") == 1


def test_cli_arguments_choose_the_period(
    exports: dict[str, subprocess.CompletedProcess[str]],
) -> None:
    result = exports[WITH_ARGS]
    assert result.returncode == 0, result.stdout[-2000:]
    assert "Effective cost 2024-08" in result.stderr and "Effective cost 2024-07" in result.stderr
    assert "Effective cost 2024-09" not in result.stderr
