"""Fetch one Azure dataset period's blobs and load them into ``raw_azure.cost`` / ``raw_azure.focus``.

As for AWS, DuckDB reads the downloaded files itself inside the pipeline's transaction (parquet
directly, CSV as a stream of numbered Arrow batches); nothing is held whole in Python memory.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from finops_lib import state
from finops_lib.errors import InputError
from finops_lib.sources import Delivery, LoadContext
from finops_lib.sources.aws_cur.reader import (
    Plan,
    check_numbering,
    describe,
    insert_plan,
)
from finops_lib.sources.azure_exports.helpers import Run
from finops_lib.sources.azure_exports.reader import azure_focus_plan, bad_blob, cost_plan
from finops_lib.sources.azure_exports.settings import FOCUS_TYPE
from finops_lib.sources.azure_exports.store import LocalStore, Store, safe_path
from finops_lib.sources.azure_exports.tables import COST_TABLE, FOCUS_TABLE


@dataclass(frozen=True)
class Blob:
    """One data file of a delivery, with the run it belongs to."""

    key: str
    run: Run
    rows: int | None  # the manifest's dataRowCount, when it gives one


Files = list[tuple[Blob, Path]]


def slug(text: str) -> str:
    """A folder name for a container (``azure://c/r`` -> ``azure_c_r``)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "container"


def fetch(store: Store, blobs: list[Blob], workdir: Path) -> Files:
    """Download the blobs under ``workdir`` (a local copy is read in place); ``(blob, path)``.

    Raises:
        InputError: a blob the manifest lists is missing (named), or the store fails.
    """
    out: Files = []
    for blob in blobs:
        if isinstance(store, LocalStore):
            try:
                out.append((blob, store.local(blob.key)))
            except InputError as exc:
                raise _listed_by(exc, blob) from None
            continue
        dest = safe_path(workdir, blob.key)
        try:
            store.fetch(blob.key, dest)
        except InputError as exc:
            raise _listed_by(exc, blob) from None
        out.append((blob, dest))
    return out


def _listed_by(exc: InputError, blob: Blob) -> InputError:
    if "is missing from" in exc.message and blob.run.location.endswith(".json"):
        return InputError(
            exc.message.replace(" is missing", f" (listed by {blob.run.location}) is missing", 1),
            hint=exc.hint,
        )
    return exc


def cleanup(workdir: Path) -> None:
    """Remove the downloads of one delivery."""
    shutil.rmtree(workdir, ignore_errors=True)


def _plan(
    con: duckdb.DuckDBPyConnection, delivery: Delivery, blob: Blob, path: Path, ctx: LoadContext
) -> tuple[str, Plan, dict[str, object]]:
    run = blob.run
    meta: dict[str, object] = {
        "x_provider": delivery.provider,
        "x_export_name": delivery.export,
        "x_billing_period": delivery.period,
        "x_delivery_id": run.run_id,
        "x_source_file": blob.key,
        "x_load_id": ctx.load_id,
        "x_cost_type": run.type,
        "x_azure_export": run.export,
    }
    try:
        cols = describe(con, path, blob.key)
    except InputError as exc:
        raise InputError(exc.message, hint=bad_blob(blob.key, exc).hint) from None
    if run.type == FOCUS_TYPE:
        meta["x_schema"] = None
        meta["x_focus_version"] = run.focus_version
        return FOCUS_TABLE, azure_focus_plan(path, cols, blob.key, meta), meta
    return COST_TABLE, cost_plan(path, cols, blob.key, meta), meta


def load(con: duckdb.DuckDBPyConnection, delivery: Delivery, files: Files, ctx: LoadContext) -> int:
    """Replace the dataset's period in ``raw_azure.cost`` and ``raw_azure.focus`` inside the
    caller's transaction; returns the rows loaded.

    Raises:
        InputError: no files or no rows, a blob that does not read, lacks a required column, or
            holds another number of rows than its manifest says (truncated); each names the blob.
    """
    if not files:
        raise InputError(
            f"{delivery.export} {delivery.period}: run(s) {delivery.delivery_id} list no data blobs",
            hint="the month is empty; wait for the next export run or skip it with --period",
        )
    plans = [(*_plan(con, delivery, blob, path, ctx), blob) for blob, path in files]
    for table in (COST_TABLE, FOCUS_TABLE):
        extras: dict[str, str] = {}
        for t, plan, _, _ in plans:
            if t == table:
                extras |= plan.extras
        state.add_columns(con, table, extras)
        con.execute(
            f"delete from {table} where x_provider = $v and x_export_name = $e"  # noqa: S608 - fixed names
            " and x_billing_period = $p",
            {"v": delivery.provider, "e": delivery.export, "p": delivery.period},
        )
    counts: dict[str, list[tuple[str, int]]] = {COST_TABLE: [], FOCUS_TABLE: []}
    for table, plan, meta, blob in plans:
        n = insert_plan(con, table, plan, meta, blob.key, bad_blob)
        if blob.rows is not None and n != blob.rows:
            raise InputError(
                f"blob {blob.key} holds {n:,} rows but {blob.run.location} says {blob.rows:,}",
                hint="the blob is truncated or was rewritten; wait for the next export run and re-run",
            )
        counts[table].append((blob.key, n))
    for table, got in counts.items():
        if got:
            check_numbering(con, table, ctx.load_id, got)
    rows = sum(n for got in counts.values() for _, n in got)
    if rows == 0:
        raise InputError(
            f"{delivery.export} {delivery.period}: the blobs of run(s) {delivery.delivery_id} hold no rows",
            hint="the month is empty; wait for the next export run or skip it with --period",
        )
    return rows
