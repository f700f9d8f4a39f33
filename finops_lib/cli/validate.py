"""`finops validate`: FOCUS conformance and reconciliation."""

from __future__ import annotations

import typer


def validate(ctx: typer.Context) -> None:
    """Check focus.cost_and_usage against FOCUS rules and reconcile it to the source."""
    raise typer.Exit(0)
