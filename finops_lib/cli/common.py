"""What every sub-command shares: the resolved settings and the terminal."""

from __future__ import annotations

from dataclasses import dataclass
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
