"""The import notebook's calls: run the ingestion pipeline, show what is loaded.

The notebook hands the pipeline's ``import_all`` (every configured export of every provider, then
the FOCUS build, then publishing) to :func:`run_import`: the analyses sit under the pipeline and
never import it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import polars as pl

from finops_lib.analysis.base import open_readonly, table_exists, warehouse_path
from finops_lib.analysis.quality import Outcome, load_state
from finops_lib.config import Settings
from finops_lib.errors import FinopsError

log = logging.getLogger(__name__)

# One row per export period the import looked at, loaded or skipped.
IMPORT_SCHEMA = {
    "status": pl.Utf8,
    "provider": pl.Utf8,
    "export": pl.Utf8,
    "period": pl.Utf8,
    "rows": pl.Int64,
    "delivery_id": pl.Utf8,
}


def run_import(
    settings: Settings,
    importer: Callable[..., Any],
    progress: Callable[[str], None] | None = None,
) -> Outcome:
    """Import every configured export of every provider (download, load, build, publish).

    Args:
        settings: resolved settings (the notebook's ``--config``).
        importer: ``finops_lib.pipeline.import_all`` (passed in by the notebook).
        progress: called with one-line status messages while the import runs.

    Returns:
        An :class:`Outcome` whose frame (:func:`import_frame`) lists the periods loaded and the ones
        skipped because that delivery was already loaded, or says why the import failed.
    """
    try:
        result = importer(settings, progress=progress)
    except FinopsError as exc:
        return Outcome(pl.DataFrame(schema=IMPORT_SCHEMA), f"Import failed: {exc}")
    frame = import_frame(result)
    loaded = frame.filter(pl.col("status") == "loaded")
    skipped = frame.height - loaded.height
    if frame.is_empty():
        message = "Import finished: the configured exports hold no delivered billing period yet."
    else:
        message = (
            f"Import finished: {loaded.height} period(s) loaded, "
            f"{int(loaded['rows'].sum() or 0):,} rows; {skipped} already loaded, skipped."
        )
    return Outcome(frame, message)


def import_frame(result: Any) -> pl.DataFrame:
    """An import result as a table: loaded periods first (``Loaded`` records: provider, export,
    period, rows, delivery id), then the skipped ``(provider, export, period)`` ones."""
    rows: list[dict[str, Any]] = [
        {
            "status": "loaded",
            "provider": r.provider,
            "export": r.export,
            "period": r.period,
            "rows": int(r.rows),
            "delivery_id": r.delivery_id,
        }
        for r in result.loaded
    ]
    rows += [
        {
            "status": "skipped (already loaded)",
            "provider": provider,
            "export": export,
            "period": period,
            "rows": None,
            "delivery_id": None,
        }
        for provider, export, period in result.skipped
    ]
    return pl.DataFrame(rows, schema=IMPORT_SCHEMA)


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
