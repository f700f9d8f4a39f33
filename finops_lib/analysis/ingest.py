"""The import notebook's calls: run the ingestion pipeline, show what is loaded.

The pipeline (``finops_lib.pipeline``: sources, then the FOCUS build, then publishing) is imported
only when the user presses the run button, so opening the notebook stays light.
"""

from __future__ import annotations

import logging

import polars as pl

from finops_lib.analysis.base import open_readonly, table_exists, warehouse_path
from finops_lib.analysis.quality import Outcome, _frame, load_state
from finops_lib.config import Settings
from finops_lib.errors import FinopsError

log = logging.getLogger(__name__)


def run_import(settings: Settings) -> Outcome:
    """Run every configured import (download, load, build, publish) and summarise the result."""
    from finops_lib.pipeline import import_configured

    try:
        result = import_configured(settings)
    except FinopsError as exc:
        return Outcome(pl.DataFrame(), f"Import failed: {exc}")
    frame = _frame(result) if result is not None else pl.DataFrame()
    return Outcome(frame, "Import finished.")


def current_state(settings: Settings) -> Outcome:
    """``meta.load_state`` from the snapshot (or live warehouse), or why there is nothing to show."""
    path = warehouse_path(settings)
    if not path.exists():
        return Outcome(pl.DataFrame(), f"No warehouse yet at {path}: press the button to import.")
    try:
        con = open_readonly(settings)
    except FinopsError as exc:
        return Outcome(pl.DataFrame(), str(exc))
    try:
        if not table_exists(con, "meta", "load_state"):
            return Outcome(pl.DataFrame(), "Nothing has been imported yet.")
        return load_state(con)
    finally:
        con.close()
