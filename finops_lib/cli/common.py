"""What every sub-command shares: the resolved settings and the terminal."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table

from finops_lib.config import Settings

# Wide enough for any table's natural width; only used to measure, never to pad.
_MEASURE_WIDTH = 100_000


class CliConsole(Console):
    """rich's Console, plus output that stays readable when it is not a terminal.

    On a terminal nothing changes. Piped, redirected or logged (cron, CI, ``| tee``), rich would
    lay everything out for 80 columns and fold each table cell over several lines (an amount split
    in three). There, a table is printed at its natural width, so every row stays on one line,
    and text is not wrapped (a long path stays whole); the reader's pager or editor wraps instead.
    """

    def print(self, *objects: Any, **kwargs: Any) -> None:
        if self.is_terminal:
            super().print(*objects, **kwargs)
            return
        tables = [o for o in objects if isinstance(o, Table)]
        if not tables:
            kwargs.setdefault("soft_wrap", True)
            super().print(*objects, **kwargs)
            return
        width = max(self.width, *(self._natural_width(t) for t in tables))
        wide = Console(file=self.file, width=width, color_system=None, highlight=False)
        wide.print(*objects, **kwargs)

    def _natural_width(self, table: Table) -> int:
        """The width the table takes when nothing has to fold: every cell on one line."""
        options = self.options.update_width(_MEASURE_WIDTH)
        return Measurement.get(self, options, table).maximum


console = CliConsole()
err_console = CliConsole(stderr=True)


@dataclass
class State:
    settings: Settings
    debug: bool = False


def state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    assert isinstance(obj, State)
    return obj


#: Set by the ``./finops`` launcher: the directory it was run from. The launcher runs the CLI in the
#: project folder, so the defaults (``data/finops.duckdb``, ``reports``) and the paths in
#: ``finops.toml`` are the project's; what the user types is taken from where they typed it.
CALLER_DIR = "FINOPS_CALLER_DIR"


def from_caller(ctx: typer.Context, param: typer.CallbackParam, value: Any) -> Any:
    """Typer callback of an option or argument that names a file or folder.

    A relative path given on the command line or in the option's environment variable is joined
    to the directory the launcher was run from (``FINOPS_CALLER_DIR``); a default, an
    absolute path and a URL (``s3://``, ``azure://``) are left as they are. Without the variable
    (``python -m finops_lib.cli``, the containers) the working directory is the caller's already.
    """
    base = os.environ.get(CALLER_DIR)
    if not base or value is None or param.name is None:
        return value
    source = ctx.get_parameter_source(param.name)
    if source is None or source.name not in ("COMMANDLINE", "ENVIRONMENT"):
        return value
    if isinstance(value, list):
        return [_joined(base, item) for item in value]
    return _joined(base, value)


def _joined(base: str, value: Any) -> Any:
    text = str(value)
    if not text or "://" in text or os.path.isabs(text):
        return value
    joined = os.path.join(base, text)
    return Path(joined) if isinstance(value, Path) else joined
