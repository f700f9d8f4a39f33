"""Fetch one AWS delivery's files and load them into ``raw_aws.cur`` / ``raw_aws.focus``.

DuckDB reads the downloaded files itself inside the pipeline's transaction (``INSERT INTO
raw_aws.cur BY NAME SELECT <normalising casts> FROM <file>``): parquet directly, CSV as a stream of
Arrow batches (bounded memory, numbered rows). No file is held in Python memory. dlt is not used for
this load: through dlt the same Arrow batches took 2.8x DuckDB alone against 1.14x here
(bench/RESULTS.md, docs/CONTRACTS.md "dlt").
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb

from finops_lib import state
from finops_lib.errors import InputError
from finops_lib.sources import Delivery, LoadContext
from finops_lib.sources.aws_cur.helpers import safe_local_path
from finops_lib.sources.aws_cur.reader import (
    Plan,
    check_numbering,
    columns,
    cur_plan,
    focus_plan,
    insert_files,
    unpack,
)
from finops_lib.sources.aws_cur.settings import RAW_SCHEMA
from finops_lib.sources.aws_cur.store import LocalStore, Store
from finops_lib.sources.aws_cur.tables import focus_types

Files = list[tuple[str, Path]]


def slug(text: str) -> str:
    """A folder name for a bucket (``s3://a/b`` -> ``s3_a_b``)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "bucket"


def fetch(store: Store, delivery: Delivery, workdir: Path) -> Files:
    """Download (or locate, for a local copy) the delivery's files; ``(key, local path)`` pairs."""
    out: Files = []
    for key in delivery.files:
        if isinstance(store, LocalStore) and not key.lower().endswith(".zip"):
            path = safe_local_path(store.root, key)
            if not path.is_file():
                raise InputError(
                    f"{key} is listed by manifest {delivery.location} but missing from {store.name}",
                    hint="the delivery is incomplete; wait for AWS to finish it and re-run the import",
                )
            out.append((key, path))
            continue
        dest = safe_local_path(workdir, key)
        store.fetch(key, dest)
        out.append((key, unpack(dest)))
    return out


def cleanup(workdir: Path) -> None:
    """Remove the downloads of one delivery."""
    shutil.rmtree(workdir, ignore_errors=True)


def _plans(
    con: duckdb.DuckDBPyConnection, delivery: Delivery, files: Files, ctx: LoadContext
) -> list[tuple[Plan, dict[str, object]]]:
    is_focus = delivery.format == "focus"
    export_col = "x_load_export_name" if is_focus else "x_export_name"
    plans: list[tuple[Plan, dict[str, object]]] = []
    for key, path in files:
        meta: dict[str, object] = {"x_provider": delivery.provider, export_col: delivery.export}
        if not is_focus:
            meta["x_cur_version"] = delivery.format
        meta |= {
            "x_billing_period": delivery.period,
            "x_manifest_id": delivery.delivery_id,
            "x_source_file": key,
            "x_load_id": ctx.load_id,
        }
        cols = columns(con, path, key)
        if is_focus:
            plan = focus_plan(path, cols, key, meta, focus_types())
        else:
            plan = cur_plan(path, cols, key, meta)
        plans.append((plan, meta))
    return plans


def load(con: duckdb.DuckDBPyConnection, delivery: Delivery, files: Files, ctx: LoadContext) -> int:
    """Replace one period's raw rows inside the caller's transaction; returns the rows loaded.

    Raises:
        InputError: no files, no rows, or a file that does not read (the message names it).
    """
    if not files:
        raise InputError(
            f"{delivery.export} {delivery.period}: manifest {delivery.location} lists no data files",
            hint="the month is empty; wait for the next AWS delivery or skip it with --period",
        )
    is_focus = delivery.format == "focus"
    table = f"{RAW_SCHEMA}.focus" if is_focus else f"{RAW_SCHEMA}.cur"
    export_col = "x_load_export_name" if is_focus else "x_export_name"
    plans = _plans(con, delivery, files, ctx)
    extras: dict[str, str] = {}
    for plan, _ in plans:
        extras |= plan.extras
    state.add_columns(con, table, extras)
    con.execute(
        f"delete from {table} where x_provider = $v and {export_col} = $e and x_billing_period = $p",  # noqa: S608 - fixed names
        {"v": delivery.provider, "e": delivery.export, "p": delivery.period},
    )
    keys = [key for key, _ in files]
    inserted = insert_files(
        con, table, [(plan, meta, key) for (plan, meta), key in zip(plans, keys, strict=True)]
    )
    counts = list(zip(keys, inserted, strict=True))
    check_numbering(con, table, ctx.load_id, counts)
    rows = sum(n for _, n in counts)
    if rows == 0:
        raise InputError(
            f"{delivery.export} {delivery.period}: the files of manifest {delivery.location} hold no rows",
            hint="the month is empty; wait for the next AWS delivery or skip it with --period",
        )
    return rows
