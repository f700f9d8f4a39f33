"""The one place that opens the warehouse."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from finops_lib.errors import ConfigError, FinopsError

if TYPE_CHECKING:
    from finops_lib.config import Settings


#: the storage format of a new warehouse file (an existing file keeps its own): DuckDB 1.5's,
#: whose string compression (DICT_FSST) writes the raw rows with 15-25% less CPU into a smaller
#: file than the default, 1.0-compatible format (bench/RESULTS.md, session 15). Files in it open
#: with DuckDB 1.5 or later only: the project pins 1.5.5 and the Metabase driver to that line.
STORAGE_VERSION = "v1.5.0"


def connect(
    path: str | Path, *, read_only: bool = False, memory_limit: str | None = None
) -> duckdb.DuckDBPyConnection:
    """Open the DuckDB warehouse with the session in UTC.

    Args:
        path: the database file (``:memory:`` for tests).
        read_only: analysis code opens read-only so that many readers can share the file.
        memory_limit: DuckDB's buffer limit (``[project].memory_limit``, e.g. ``"1GB"``); imports
            and builds pass it so that their peak memory stays flat as exports grow.

    Raises:
        FinopsError: the file is missing (read-only) or locked by a writer.
        ConfigError: ``memory_limit`` is not a size DuckDB understands.
    """
    target = str(path)
    if target != ":memory:":
        p = Path(target)
        if read_only and not p.exists():
            raise FinopsError(
                f"warehouse {p} does not exist",
                hint="run `./finops demo` or `finops aws import-cur` first",
            )
        if not read_only:
            p.parent.mkdir(parents=True, exist_ok=True)
            if not p.exists():
                _create(target)
    try:
        con = duckdb.connect(target, read_only=read_only)
    except duckdb.IOException as exc:
        raise FinopsError(
            f"cannot open warehouse {target}: {exc}",
            hint="another process holds the write lock; wait for it or use the published snapshot",
        ) from None
    con.execute("SET TimeZone = 'UTC'")
    # files this connection attaches and creates (the published snapshot) get the same format
    con.execute("SET storage_compatibility_version = $v", {"v": STORAGE_VERSION})
    if not read_only:
        # no row groups merged at checkpoints: a restated period shares a row group with the
        # period before it, and merging rewrote that neighbour's rows on every restatement (a
        # cost that came with the history, not with the rows that changed). Wholly deleted row
        # groups are still dropped, so a table does not grow (bench/RESULTS.md, session 15)
        con.execute("SET max_vacuum_tasks = 0")
    try:
        con.execute("SET enable_progress_bar = false")  # no bar in logs or the CLI
    except duckdb.Error:
        pass  # in a Jupyter kernel without ipywidgets DuckDB refuses the setting; no bar there anyway
    if memory_limit:
        try:
            con.execute("SET memory_limit = $m", {"m": memory_limit})
        except duckdb.Error:
            con.close()
            raise ConfigError(
                f"[project].memory_limit = {memory_limit!r} is not a memory size",
                hint="use a size such as '1GB' or '512MB'",
            ) from None
    return con


def _create(target: str) -> None:
    """Create a new warehouse file in DuckDB's current storage format (:data:`STORAGE_VERSION`)."""
    try:
        duckdb.connect(target, config={"storage_compatibility_version": STORAGE_VERSION}).close()
    except duckdb.IOException:
        pass  # created meanwhile by another process: the connect below opens (or refuses) it


def connect_writer(settings: Settings) -> duckdb.DuckDBPyConnection:
    """The writable warehouse of ``settings``, with its memory limit (imports, builds)."""
    return connect(settings.database, memory_limit=settings.get("project", "memory_limit"))


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str | None = None) -> bool:
    """Whether a table or view exists: ``table_exists(con, "meta", "load_state")`` or
    ``table_exists(con, "meta.load_state")``. The one way the code base asks."""
    if table is None:
        schema, _, table = schema.partition(".")
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = $s and table_name = $t",
        {"s": schema, "t": table},
    ).fetchone()
    return bool(row and row[0])
