"""The import notebook's calls: run the ingestion pipeline, show what is loaded.

The pipeline (``finops_lib.pipeline``: sources, then the FOCUS build, then publishing) is looked up
when the user presses the run button, so the notebook still opens, and says why, where that layer
is missing.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

import polars as pl

from finops_lib.analysis.base import open_readonly, table_exists, warehouse_path
from finops_lib.analysis.quality import Outcome, _frame, load_state
from finops_lib.config import Settings
from finops_lib.errors import FinopsError

log = logging.getLogger(__name__)

# Entry points tried in order on finops_lib.pipeline, each called with the settings alone
# (import_aws is expected to read bucket, prefix and export from [aws] in finops.toml when not given).
ENTRY_POINTS = ("run_import", "import_configured", "import_all", "import_aws", "run")


def pipeline_entry() -> Any | None:
    """The pipeline's import function, or ``None`` when ``finops_lib.pipeline`` is not installed."""
    try:
        module = importlib.import_module("finops_lib.pipeline")
    except ImportError:
        return None
    for name in ENTRY_POINTS:
        entry = getattr(module, name, None)
        if callable(entry):
            return entry
    return None


def run_import(settings: Settings) -> Outcome:
    """Run every configured import (download, load, build, publish) and summarise the result."""
    entry = pipeline_entry()
    if entry is None:
        return Outcome(
            pl.DataFrame(),
            "The import pipeline (finops_lib.pipeline) is not available in this version.",
        )
    try:
        result = entry(settings)
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
