"""`finops app`: the notebooks as a read-only web app."""

from __future__ import annotations

import typer


def serve(ctx: typer.Context) -> None:
    """Serve the analysis notebooks with `marimo run` on 127.0.0.1."""
    raise typer.Exit(0)
