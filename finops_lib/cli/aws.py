"""`finops aws` sub-commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="aws commands.", no_args_is_help=True)
