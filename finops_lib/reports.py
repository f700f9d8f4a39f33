"""Static reports: marimo notebook -> ipynb -> papermill run -> self-contained HTML.

For each notebook: ``marimo export ipynb`` (topological order), tag the cell marimo names
``parameters`` with papermill's ``parameters`` tag, execute it with papermill (values injected
after that cell) with ``FINOPS_STATIC_CHARTS=1`` so charts come out as inline SVG, keep the executed
notebook under ``runs/<timestamp>/`` as the run's record, and convert it to HTML without input cells
and without any script or stylesheet from the network. ``index.html`` links the reports.

Schedule (cron, 06:00 UTC daily, see ``finops report schedule``)::

    0 6 * * * cd /path/to/open-finops-stack && ./finops report render >> reports/cron.log 2>&1
"""

from __future__ import annotations

import contextlib
import html
import json
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from finops_lib.analysis.base import open_readonly
from finops_lib.charts import STATIC_ENV
from finops_lib.config import Settings, load_settings
from finops_lib.errors import FinopsError, InputError
from finops_lib.periods import parse_period

log = logging.getLogger(__name__)

NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "notebooks"
# Notebooks that write or touch the network are not rendered as reports.
NOT_REPORTS = ("01_import_billing",)
# Import (then alert on budgets and anomalies), then render; the reports render from the last good
# snapshot even when the import fails, and the failure is in the log.
CRON_LINE = (
    "0 6 * * * cd {root} && {{ ./finops import --alerts; ./finops report render; }}"
    " >> {reports}/cron.log 2>&1"
)

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 1200px;
       padding: 0 1rem; color: #222; }}
table {{ border-collapse: collapse; margin: 0.5rem 0; }}
th, td {{ border-bottom: 1px solid #e5e5e5; padding: 3px 8px; text-align: left; }}
th {{ background: #f6f6f6; }}
.finops-chart {{ margin: 0.5rem 0; }}
.jp-Cell {{ margin-bottom: 0.75rem; }}
footer {{ margin-top: 2rem; color: #777; font-size: 0.85em; }}
</style></head>
<body>
{body}
<footer>{footer}</footer>
</body></html>
"""


@dataclass(frozen=True)
class Report:
    """One rendered report: its name, title, HTML file and executed notebook."""

    name: str
    title: str
    html: Path
    executed: Path


def available() -> list[str]:
    """Names (file stems) of the notebooks that render as reports, in order."""
    return [p.stem for p in sorted(NOTEBOOKS_DIR.glob("[0-9]*_*.py")) if p.stem not in NOT_REPORTS]


def resolve(names: list[str] | None) -> list[Path]:
    """Notebook files for report names: full stems ('10_review_costs'), stems without the number
    ('review_costs') or the number ('10'). ``None``/empty means every report.

    Raises:
        InputError: a name matches no report notebook.
    """
    known = available()
    if not names:
        return [NOTEBOOKS_DIR / f"{n}.py" for n in known]
    chosen: list[Path] = []
    for name in names:
        hits = [n for n in known if name in (n, n.split("_", 1)[1], n.split("_", 1)[0])]
        if not hits:
            raise InputError(
                f"no report notebook named {name!r}", hint=f"choose from {', '.join(known)}"
            )
        chosen.append(NOTEBOOKS_DIR / f"{hits[0]}.py")
    return chosen


def cron_line(root: Path | None = None, reports_dir: str = "reports") -> str:
    """The crontab line that renders every report daily at 06:00 UTC."""
    return CRON_LINE.format(root=root or NOTEBOOKS_DIR.parent, reports=reports_dir)


@contextlib.contextmanager
def _environ(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the kernels papermill starts, restoring them afterwards."""
    old = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextlib.contextmanager
def _stderr_to(path: Path) -> Iterator[None]:
    """Send this process's (and the kernels' inherited) stderr to a log file while rendering.

    Kernels print transport warnings and progress bars on the inherited file descriptor 2; they
    belong in the run's record, not on the user's terminal.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    with path.open("ab") as log_file:
        os.dup2(log_file.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def _static_env() -> contextlib.AbstractContextManager[None]:
    return _environ({STATIC_ENV: "1"})


def kernel_env(settings: Settings) -> dict[str, str]:
    """Environment that makes the notebooks' own ``load_settings()`` match ``settings``."""
    env = {
        STATIC_ENV: "1",
        "OPEN_FINOPS_DATABASE": str(settings.database),
        "OPEN_FINOPS_PROJECT_PUBLISH_DIR": str(settings.get("project", "publish_dir")),
    }
    if settings.source is not None:
        env["OPEN_FINOPS_CONFIG"] = str(Path(settings.source).resolve())
    return env


def to_ipynb(notebook: Path, target: Path) -> dict[str, Any]:
    """Export a marimo notebook to ipynb with the ``parameters`` cell tagged for papermill.

    Raises:
        FinopsError: marimo could not export the notebook, or it has no ``parameters`` cell.
    """
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "marimo",
            "export",
            "ipynb",
            str(notebook),
            "-o",
            str(target),
            "--sort",
            "topological",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise FinopsError(f"marimo could not export {notebook}: {done.stderr.strip()[-500:]}")
    nb = json.loads(target.read_text(encoding="utf-8"))
    tagged = False
    for cell in nb["cells"]:
        if cell.get("metadata", {}).get("marimo", {}).get("name") == "parameters":
            tags = cell["metadata"].setdefault("tags", [])
            if "parameters" not in tags:
                tags.append("parameters")
            tagged = True
    if not tagged:
        raise FinopsError(
            f"{notebook} has no cell named parameters", hint="name one cell `def parameters():`"
        )
    nb["metadata"]["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    target.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    return nb


def execute(source: Path, executed: Path, parameters: dict[str, Any]) -> None:
    """Run a tagged ipynb with papermill (charts as SVG), writing the executed notebook.

    Raises:
        FinopsError: a cell raised; the executed notebook is kept to show where.
    """
    import papermill as pm

    with _static_env():
        try:
            pm.execute_notebook(
                str(source),
                str(executed),
                parameters=parameters,
                kernel_name="python3",
                progress_bar=False,
                log_output=False,
                cwd=os.getcwd(),
            )
        except pm.PapermillExecutionError as exc:
            raise FinopsError(
                f"report {source.stem} failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue}",
                hint=f"open {executed} to see the failing cell",
            ) from None


def to_html(executed: Path, target: Path, title: str) -> None:
    """Convert an executed notebook to one HTML page: outputs only, no external resources."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(str(executed), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.get("outputs", []) if o.get("name") != "stderr"]
    exporter = HTMLExporter(
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        anchor_link_text="",
    )
    body, _ = exporter.from_notebook_node(nb)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    footer = (
        f'Rendered {stamp} from {html.escape(executed.name)} · <a href="index.html">all reports</a>'
    )
    target.write_text(
        PAGE.format(title=html.escape(title), body=body, footer=footer), encoding="utf-8"
    )


def render(
    names: list[str] | None = None,
    period: str | None = None,
    output_dir: str | Path = "reports",
    extra: dict[str, Any] | None = None,
    settings: Settings | None = None,
) -> list[Report]:
    """Render report notebooks to ``output_dir/<name>.html`` plus ``index.html``.

    Args:
        names: report names (see :func:`resolve`); all when empty.
        period: billing period 'YYYY-MM' injected as ``period``; the notebooks' default otherwise
            (the latest complete period in the data).
        output_dir: where HTML, ``index.html`` and ``runs/<timestamp>/*.ipynb`` go.
        extra: more papermill parameters (``providers``, ``accounts``, ``tag_keys``...).
        settings: the caller's settings (CLI flags included), passed on to the kernels; default
            ``load_settings()``.

    Raises:
        InputError: ``period`` is not 'YYYY-MM', or a name matches no report.
        FinopsError: a notebook failed to export or execute (the message names it).
    """
    if period:
        period = parse_period(period)
    notebooks = resolve(names)
    settings = settings or load_settings()
    open_readonly(settings).close()  # fail here, once, when there is nothing to report on
    out = Path(output_dir)
    run_dir = out / "runs" / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    run_dir.mkdir(parents=True, exist_ok=True)
    parameters: dict[str, Any] = dict(extra or {})
    if period:
        parameters["period"] = period
    with (
        tempfile.TemporaryDirectory(prefix="finops-report-") as tmp,
        _environ(kernel_env(settings)),
        _stderr_to(run_dir / "kernels.log"),
    ):
        workers = max(1, min(len(notebooks), os.cpu_count() or 1, 4))
        with ThreadPoolExecutor(max_workers=workers) as pool:  # one kernel process per notebook
            reports = list(
                pool.map(lambda nb: _render_one(nb, Path(tmp), run_dir, out, parameters), notebooks)
            )
    write_index(out, reports, period)
    return reports


def _render_one(
    notebook: Path, tmp: Path, run_dir: Path, out: Path, parameters: dict[str, Any]
) -> Report:
    source = tmp / f"{notebook.stem}.ipynb"
    nb = to_ipynb(notebook, source)
    app_config = nb["metadata"].get("marimo", {}).get("app_config", {})
    title = app_config.get("app_title") or notebook.stem
    executed = run_dir / f"{notebook.stem}.ipynb"
    log.info("rendering %s", notebook.stem)
    execute(source, executed, parameters)
    page = out / f"{notebook.stem}.html"
    to_html(executed, page, title)
    return Report(notebook.stem, title, page, executed)


def write_index(out: Path, reports: list[Report], period: str | None) -> Path:
    """Write ``index.html`` linking the reports of this run (relative links, no network)."""
    items = "\n".join(
        f'<li><a href="{html.escape(r.html.name)}">{html.escape(r.title)}</a> '
        f'<small>(<a href="{html.escape(str(r.executed.relative_to(out)))}">executed notebook</a>)</small></li>'
        for r in reports
    )
    scope = f"billing period {period}" if period else "the latest complete billing period"
    body = f"<h1>FinOps reports</h1><p>Reports for {html.escape(scope)}.</p><ul>{items}</ul>"
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    index = out / "index.html"
    index.write_text(
        PAGE.format(title="FinOps reports", body=body, footer=f"Rendered {stamp}"), encoding="utf-8"
    )
    return index
