"""The published snapshot: a read-only copy of the warehouse for the app, reports and Metabase.

Readers never open the live warehouse, so an import can hold its write lock while they read. The
snapshot is written into a temp file next to the target and moved into place with ``os.replace``;
Parquet files per table (``<schema>__<table>.parquet``) serve Metabase.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

import duckdb

from finops_lib import db, sql
from finops_lib.config import Settings
from finops_lib.errors import FinopsError

log = logging.getLogger(__name__)

PUBLISHED_SCHEMAS = ("focus", "marts", "meta")
SNAPSHOT_NAME = "finops.duckdb"


def publish_dir(settings: Settings) -> Path:
    """Folder of the snapshot (``[project].publish_dir``)."""
    return Path(settings.get("project", "publish_dir"))


def snapshot_path(settings: Settings) -> Path:
    """Path of the published DuckDB snapshot (default ``data/published/finops.duckdb``)."""
    return publish_dir(settings) / SNAPSHOT_NAME


def publish(con_or_path: duckdb.DuckDBPyConnection | str | Path, settings: Settings) -> Path:
    """Copy the focus, marts and meta schemas into the snapshot and write Parquet per table.

    Args:
        con_or_path: the open (writable) warehouse connection of a build, or the warehouse path
            (then attached read-only, so publishing works while nobody writes).
        settings: resolved settings (``publish_dir``).

    Returns:
        The snapshot path.
    """
    target = snapshot_path(settings)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".finops-", suffix=".duckdb", dir=target.parent)
    os.close(fd)
    os.unlink(tmp_name)  # DuckDB creates the file itself
    try:
        if isinstance(con_or_path, duckdb.DuckDBPyConnection):
            # ATTACH takes no bound parameters: the path is our own mkstemp name (_path_literal).
            con_or_path.execute(f"attach {_path_literal(tmp_name)} as {_SNAP}")
            try:
                tables = _copy(con_or_path, source="", target=_SNAP + ".")
            finally:
                con_or_path.execute(f"detach {_SNAP}")
        else:
            con = db.connect(tmp_name)
            try:
                source = str(Path(con_or_path))
                if not Path(source).exists():
                    raise FinopsError(
                        f"warehouse {source} does not exist",
                        hint="run an import or `./finops demo` first",
                    )
                con.execute(f"attach {_path_literal(source)} as {_SRC} (read_only)")
                tables = _copy(con, source=_SRC + ".", target="")
                con.execute(f"detach {_SRC}")
            finally:
                con.close()
        os.replace(tmp_name, target)
        _write_parquet(target, tables)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        wal = tmp_name + ".wal"
        if os.path.exists(wal):
            os.unlink(wal)
    log.info("published %d tables to %s", len(tables), target)
    return target


_SNAP = sql.safe_ident("finops_snapshot")
_SRC = sql.safe_ident("finops_source")


def _copy(con: duckdb.DuckDBPyConnection, *, source: str, target: str) -> list[tuple[str, str]]:
    """Copy every table of the published schemas from ``source`` to ``target`` catalog prefixes."""
    catalog = source.rstrip(".").strip('"') if source else None
    tables: list[tuple[str, str]] = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_schema in (select unnest($schemas::varchar[])) and table_type = 'BASE TABLE' "
        "and table_catalog = coalesce($catalog, current_database()) order by all",
        {"schemas": list(PUBLISHED_SCHEMAS), "catalog": catalog},
    ).fetchall()
    for schema in PUBLISHED_SCHEMAS:
        con.execute(f"create schema if not exists {target}{sql.safe_ident(schema)}")
    for schema, table in tables:
        name = f"{sql.safe_ident(schema)}.{sql.safe_ident(table)}"
        # identifiers only, each through sql.safe_ident
        con.execute(f"create table {target}{name} as select * from {source}{name}")  # noqa: S608
    return tables


def _path_literal(path: str) -> str:
    """A file path we generated as a SQL string literal (refuses quotes rather than escaping)."""
    if "'" in path or "\\x00" in path:
        raise ValueError(f"unexpected character in snapshot path {path!r}")
    return "'" + path + "'"


def _write_parquet(snapshot: Path, tables: list[tuple[str, str]]) -> None:
    out = snapshot.parent / "parquet"
    out.mkdir(parents=True, exist_ok=True)
    con = db.connect(snapshot, read_only=True)
    try:
        for schema, table in tables:
            final = out / f"{schema}__{table}.parquet"
            tmp = final.with_suffix(".parquet.tmp")
            src = f"{sql.safe_ident(schema)}.{sql.safe_ident(table)}"
            query = f"copy (select * from {src}) to $path (format parquet)"  # noqa: S608 (safe_ident)
            con.execute(query, {"path": str(tmp)})
            os.replace(tmp, final)
    finally:
        con.close()
