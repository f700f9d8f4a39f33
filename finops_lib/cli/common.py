"""What every sub-command shares: the resolved settings and the terminal."""

from __future__ import annotations

from dataclasses import dataclass

import typer
from rich.console import Console

from finops_lib.config import Settings

console = Console()
err_console = Console(stderr=True)


@dataclass
class State:
    settings: Settings
    debug: bool = False


def state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    assert isinstance(obj, State)
    return obj
