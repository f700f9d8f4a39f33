"""`finops app`: the notebooks as a read-only multi-page web app (`marimo run` on a directory)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from finops_lib.cli.common import console, state

NOTEBOOKS_DIR = Path(__file__).resolve().parents[2] / "notebooks"


def command(host: str, port: int, notebooks: Path = NOTEBOOKS_DIR) -> list[str]:
    """The `marimo run` command line serving every notebook in ``notebooks`` as a gallery."""
    return [
        sys.executable,
        "-m",
        "marimo",
        "run",
        str(notebooks),
        "--host",
        host,
        "--port",
        str(port),
        "--headless",
        "--no-token",
    ]


def serve(
    ctx: typer.Context,
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 2718,
    host: Annotated[
        str, typer.Option("--host", help="Interface (keep 127.0.0.1 unless behind a proxy).")
    ] = "127.0.0.1",
) -> None:
    """Serve the analysis notebooks with `marimo run` (read-only, from the published snapshot)."""
    settings = state(ctx).settings
    env = dict(os.environ)
    # The notebooks resolve settings themselves; pass the CLI's choices on through the environment.
    env["OPEN_FINOPS_DATABASE"] = str(settings.database)
    env["OPEN_FINOPS_PROJECT_PUBLISH_DIR"] = str(settings.get("project", "publish_dir"))
    if settings.source is not None:
        env["OPEN_FINOPS_CONFIG"] = str(settings.source.resolve())
    console.print(f"serving {NOTEBOOKS_DIR} on http://{host}:{port}/ (Ctrl-C to stop)")
    try:
        code = subprocess.call(command(host, port), env=env)
    except KeyboardInterrupt:
        code = 0
    raise typer.Exit(code)
