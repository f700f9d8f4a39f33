"""Static reports: marimo notebook -> ipynb -> papermill run -> self-contained HTML.

For each notebook: ``marimo export ipynb`` (topological order), tag the cell marimo names
``parameters`` with papermill's ``parameters`` tag, execute it with papermill (values injected
after that cell) with ``FINOPS_STATIC_CHARTS=1`` so charts come out as inline SVG, keep the executed
notebook under ``runs/<timestamp>/`` as the run's record, and convert it to HTML without input cells
and without any script or stylesheet from the network. ``index.html`` links the reports.

Most of a report's cost used to be starting Python three times for it (the marimo CLI, a kernel,
the imports of marimo, polars, altair and vl-convert in that kernel): the export now runs in this
process (marimo's import paid once, the CLI's bytes), and a :class:`Renderer` keeps one kernel per
worker, started and warmed up once, running each notebook in a freshly reset namespace
(``%reset``: no names carried over, execution counts from 1), so every report's output is what a
kernel of its own gives. ``finops demo`` starts the kernels while it imports.

Schedule (cron, 06:00 UTC daily, see ``finops report schedule``)::

    0 6 * * * cd /path/to/open-finops-stack && ./finops report render >> reports/cron.log 2>&1
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import html
import json
import logging
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any

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


def _export_text(notebook: Path) -> bytes | None:
    """What ``marimo export ipynb --sort topological`` writes, computed in this process: marimo's
    import (about 2 s of CPU) is paid once for every notebook, not once per notebook. ``None`` when
    this marimo has no such function (the CLI then runs); a test holds the bytes to the CLI's."""
    try:
        from marimo._export.file import export_ipynb
        from marimo._export.requests import IPYNBExportOptions, IPYNBFileExportRequest
        from marimo._utils.marimo_path import MarimoPath
    except ImportError:
        return None
    stderr = _Lines()
    request = IPYNBFileExportRequest(
        path=MarimoPath(str(notebook)),
        options=IPYNBExportOptions(sort_mode="topological"),
        stderr=stderr,
    )
    result = asyncio.run(export_ipynb(request))
    if result.did_error:
        raise FinopsError(f"marimo could not export {notebook}: {stderr.text()[-500:]}")
    for line in stderr.lines:  # e.g. a cycle: marimo fell back to top-down order
        log.warning("%s: %s", notebook.name, line.strip())
    return result.bytez


class _Lines:
    """A text sink for marimo's export warnings."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def write(self, text: str) -> int:
        self.lines.append(text)
        return len(text)

    def flush(self) -> None:
        return None

    def text(self) -> str:
        return "".join(self.lines).strip()


_EXPORT_LOCK = threading.Lock()  # marimo's export is not known to be thread-safe


def to_ipynb(notebook: Path, target: Path, *, in_process: bool = True) -> dict[str, Any]:
    """Export a marimo notebook to ipynb with the ``parameters`` cell tagged for papermill.

    Args:
        notebook: the marimo notebook (``.py``).
        target: where the tagged ipynb is written.
        in_process: export in this process (the CLI's bytes without a new interpreter); False
            runs ``marimo export ipynb``.

    Raises:
        FinopsError: marimo could not export the notebook, or it has no ``parameters`` cell.
    """
    exported = None
    if in_process:
        with _EXPORT_LOCK:
            exported = _export_text(notebook)
    if exported is not None:
        target.write_bytes(exported)
    else:
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


def execute(
    source: Path, executed: Path, parameters: dict[str, Any], kernel_manager: Any = None
) -> None:
    """Run a tagged ipynb with papermill (charts as SVG), writing the executed notebook.

    Args:
        source: the tagged ipynb.
        executed: where the executed notebook is written.
        parameters: papermill parameters (injected after the ``parameters`` cell).
        kernel_manager: a started ``jupyter_client`` kernel manager to run in (kept running);
            ``None`` starts a kernel for this notebook and shuts it down after.

    Raises:
        FinopsError: a cell raised; the executed notebook is kept to show where.
    """
    import papermill as pm

    extra: dict[str, Any] = {} if kernel_manager is None else {"km": kernel_manager}
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
                **extra,
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


# Imported in each kernel as soon as it starts (the notebooks' setup cells and the chart renderer),
# so that the first notebook does not wait for them; a tiny chart starts vl-convert's JS engine.
WARM_UP = """\
import marimo, polars, altair, vl_convert
import finops_lib.analysis, finops_lib.budgets, finops_lib.charts, finops_lib.config
vl_convert.vegalite_to_svg({"mark": "point", "data": {"values": [{"a": 1}]},
                            "encoding": {"x": {"field": "a", "type": "quantitative"}}})
"""
# A clean namespace for the next notebook: no names of the previous one, execution counts from 1.
RESET = "get_ipython().reset(new_session=True)"
KERNEL_TIMEOUT = 120  # seconds for a kernel to start, warm up or reset


@functools.cache
def _manager_class() -> type:
    """``AsyncKernelManager`` that keeps the clients it hands out (``opened``) to close them."""
    from jupyter_client.manager import AsyncKernelManager

    class Manager(AsyncKernelManager):  # type: ignore[misc]
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.opened: list[Any] = []

        def client(self, **kwargs: Any) -> Any:
            opened = super().client(**kwargs)
            self.opened.append(opened)
            return opened

    return Manager


class _Kernel:
    """One ipykernel kept running across notebooks (one thread uses it)."""

    def __init__(self, env: dict[str, str], stderr: IO[bytes]) -> None:
        self.env = env
        self.stderr = stderr
        self.manager: Any = None
        self.control: Any = None  # a shell-only client for warm-up and reset

    def alive(self) -> bool:
        from jupyter_core.utils import run_sync

        return self.manager is not None and bool(run_sync(self.manager.is_alive)())

    def start(self) -> None:
        from jupyter_client import BlockingKernelClient
        from jupyter_core.utils import run_sync

        self.shutdown()
        self.manager = _manager_class()(kernel_name="python3")
        run_sync(self.manager.start_kernel)(
            # what papermill (nbclient) passes a kernel it starts
            extra_arguments=["--HistoryManager.hist_file=:memory:"],
            env={**os.environ, **self.env},
            stderr=self.stderr,
            cwd=os.getcwd(),
        )
        self.control = BlockingKernelClient()
        self.control.load_connection_info(self.manager.get_connection_info())
        self.control.start_channels(iopub=False, stdin=False, hb=False, control=False)
        self.run(WARM_UP)

    def run(self, code: str) -> None:
        """Run code silently (no output, no history, no execution count) and wait for it.

        Raises:
            FinopsError: the code raised in the kernel.
        """
        msg_id = self.control.execute(code, silent=True, store_history=False)
        while True:
            reply = self.control.get_shell_msg(timeout=KERNEL_TIMEOUT)
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        content = reply["content"]
        if content.get("status") != "ok":
            raise FinopsError(
                f"the report kernel could not run {code.splitlines()[0]!r}: "
                f"{content.get('ename')}: {content.get('evalue')}"
            )

    def prepare(self) -> Any:
        """The kernel manager, its kernel running with a clean namespace."""
        if not self.alive():
            self.start()
        self.run(RESET)
        return self.manager

    def release(self) -> None:
        """Close the client papermill opened on the kernel: it leaves it connected (and the kernel
        running) when it did not start the kernel."""
        if self.manager is not None:
            for client in self.manager.opened:
                client.stop_channels()
            self.manager.opened.clear()

    def shutdown(self) -> None:
        from jupyter_core.utils import run_sync

        if self.control is not None:
            self.control.stop_channels()
            self.control = None
        if self.manager is not None:
            with contextlib.suppress(Exception):
                run_sync(self.manager.shutdown_kernel)(now=True)
            self.manager = None


@dataclass
class _Job:
    notebook: Path
    run: Callable[[Any], Report]
    done: Future[Report]


class Renderer:
    """Kernels for rendering reports, started ahead and reused (one notebook at a time each).

    Use as a context manager: entering starts the worker threads, each starting and warming up its
    kernel (another process) while the caller does something else (``finops demo`` generates and
    imports meanwhile); :meth:`prepare` exports the notebooks in a thread (:meth:`render` does if
    it was not called); :meth:`render` runs them; leaving shuts the kernels down.
    """

    def __init__(
        self,
        settings: Settings,
        names: list[str] | None = None,
        workers: int | None = None,
    ) -> None:
        self.settings = settings
        self.notebooks = resolve(names)
        self.workers = workers or max(1, min(len(self.notebooks), os.cpu_count() or 1, 4))
        self._tmp = tempfile.TemporaryDirectory(prefix="finops-report-")
        self.tmp = Path(self._tmp.name)
        self._log_path = self.tmp / "kernels.log"
        self._log: IO[bytes] | None = None
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._exported: dict[str, Future[dict[str, Any]]] = {}
        self._exporter = threading.Thread()
        self._queued: list[_Job] = []
        self._logged = 0  # bytes of the kernels' log copied to a run's kernels.log

    def __enter__(self) -> Renderer:
        self._log = self._log_path.open("ab")
        env = kernel_env(self.settings)
        for i in range(self.workers):
            thread = threading.Thread(
                target=self._work, args=(_Kernel(env, self._log),), name=f"report-kernel-{i}"
            )
            thread.start()
            self._threads.append(thread)
        self._exported = {nb.stem: Future() for nb in self.notebooks}
        return self

    def prepare(self) -> None:
        """Export the notebooks and import what rendering needs here, in a thread (once): a few
        seconds of this process's CPU, so not while it has Python work of its own to do."""
        if self._exporter.ident is None:  # not started yet
            self._exporter = threading.Thread(target=self._export, name="report-export")
            self._exporter.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is not None:  # e.g. Ctrl-C: the notebooks not started yet are not run
            for job in self._queued:
                job.done.cancel()
        for _ in self._threads:
            self._jobs.put(None)
        for thread in [*self._threads, self._exporter]:
            if thread.ident is not None:
                thread.join()
        if self._log is not None:
            self._log.close()
        self._tmp.cleanup()

    def _export(self) -> None:
        for nb in self.notebooks:
            done = self._exported[nb.stem]
            try:
                done.set_result(to_ipynb(nb, self.tmp / f"{nb.stem}.ipynb"))
            except BaseException as exc:  # handed to the notebook's job
                done.set_exception(exc)
        # what rendering imports in this process (several seconds of CPU), before it is waited for
        import nbconvert  # noqa: F401
        import papermill  # noqa: F401

    def _work(self, kernel: _Kernel) -> None:
        try:
            kernel.start()
        except Exception:  # the first job starts it again and reports why it cannot
            log.warning("report kernel did not start", exc_info=True)
        try:
            while (job := self._jobs.get()) is not None:
                if not job.done.set_running_or_notify_cancel():
                    continue
                try:
                    job.done.set_result(job.run(kernel.prepare()))
                except BaseException as exc:  # handed to render(), which raises it
                    job.done.set_exception(exc)
                finally:
                    kernel.release()
        finally:
            kernel.shutdown()

    def render(
        self,
        period: str | None = None,
        output_dir: str | Path = "reports",
        extra: dict[str, Any] | None = None,
    ) -> list[Report]:
        """Render the notebooks to ``output_dir/<name>.html`` plus ``index.html`` (see
        :func:`render`)."""
        if period:
            period = parse_period(period)
        open_readonly(self.settings).close()  # fail here, once, when there is nothing to report on
        out = Path(output_dir)
        run_dir = out / "runs" / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        run_dir.mkdir(parents=True, exist_ok=True)
        parameters: dict[str, Any] = dict(extra or {})
        if period:
            parameters["period"] = period
        self.prepare()
        jobs = [
            _Job(nb, self._runner(nb, run_dir, out, parameters), Future()) for nb in self.notebooks
        ]
        self._queued = jobs
        with _environ(kernel_env(self.settings)), _stderr_to(run_dir / "kernels.log"):
            for job in jobs:
                self._jobs.put(job)
            for job in jobs:  # every notebook finishes (or fails) before the first error is raised
                job.done.exception()
        with self._log_path.open("rb") as kernels, (run_dir / "kernels.log").open("ab") as kept:
            kernels.seek(self._logged)  # what the kernels printed since they started or last run
            shutil.copyfileobj(kernels, kept)
            self._logged = kernels.tell()
        reports = [job.done.result() for job in jobs]
        write_index(out, reports, period)
        return reports

    def _runner(
        self, notebook: Path, run_dir: Path, out: Path, parameters: dict[str, Any]
    ) -> Callable[[Any], Report]:
        def run(kernel_manager: Any) -> Report:
            nb = self._exported[notebook.stem].result()
            app_config = nb["metadata"].get("marimo", {}).get("app_config", {})
            title = app_config.get("app_title") or notebook.stem
            executed = run_dir / f"{notebook.stem}.ipynb"
            log.info("rendering %s", notebook.stem)
            execute(self.tmp / f"{notebook.stem}.ipynb", executed, parameters, kernel_manager)
            page = out / f"{notebook.stem}.html"
            to_html(executed, page, title)
            return Report(notebook.stem, title, page, executed)

        return run


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
    resolve(names)
    settings = settings or load_settings()
    open_readonly(settings).close()  # fail here, once, when there is nothing to report on
    with Renderer(settings, names) as renderer:
        return renderer.render(period, output_dir, extra)


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
