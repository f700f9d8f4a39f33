"""`finops metabase sync`: Metabase's set-up, the DuckDB connection, the cards and dashboards in
``metabase/`` through the REST API, idempotent by name (a second run creates nothing)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from finops_lib import metabase
from finops_lib.cli.common import console

app = typer.Typer(help="Metabase dashboards as code (metabase/).", no_args_is_help=True)

DEFAULT_URL = "http://127.0.0.1:3000"
DEFAULT_EMAIL = "admin@open-finops.local"


@app.command("sync")
def sync(
    url: Annotated[
        str, typer.Option("--url", envvar="METABASE_URL", help="Metabase's address.")
    ] = DEFAULT_URL,
    email: Annotated[
        str, typer.Option("--email", envvar="METABASE_ADMIN_EMAIL", help="The admin's e-mail.")
    ] = DEFAULT_EMAIL,
    wait: Annotated[
        float, typer.Option("--wait", help="Seconds to wait for Metabase to answer.")
    ] = 0,
) -> None:
    """Set Metabase up (admin password from METABASE_ADMIN_PASSWORD, or METABASE_API_KEY), then
    create or update the connection to the published snapshot, the cards and the dashboards."""
    password = os.environ.get("METABASE_ADMIN_PASSWORD", "")
    api_key = os.environ.get("METABASE_API_KEY", "")
    admin = metabase.Admin(email, password) if password else None
    if wait > 0:
        metabase.wait_until_up(url, wait)
    result = metabase.sync(url, admin=admin, api_key=api_key)
    if result.set_up:
        console.print(f"set up Metabase at {url}: admin {email} (password from the environment)")
    made = ", ".join(result.created) if result.created else "nothing new"
    console.print(
        f"synced {len(result.ids) - 2} cards and dashboards into Metabase at {url}; created: {made}"
    )
