"""FOCUS rows kept as Parquet: one immutable file per ``(provider, export, billing period)``.

An import writes the month's FOCUS rows once, as Parquet, into the store folder
(``<publish_dir>/focus/``); ``focus.cost_and_usage`` is a view over the files listed in
``meta.focus_files``. The same files serve the warehouse, the published snapshot (whose copy of
``meta.focus_files`` and of the view name them) and Metabase (hard links in the published Parquet
folder), so the rows are neither inserted into a DuckDB table nor copied when published: an
import's cost is one pass over the new data, whatever the history.

* A file is never changed after it is written. A rebuilt scope gets a new file (a new token in its
  name), listed in ``meta.focus_files`` in the build's transaction; the file it replaces is listed
  in ``meta.focus_retired`` and deleted :data:`RETAIN_SECONDS` later, so a reader that opened an
  earlier snapshot keeps reading the rows it saw. A build that fails removes the files it wrote.
* Every file holds every column of :func:`finops_lib.spec.output_columns`, in that order and with
  those types; ``meta.focus_files.columns`` records which column list wrote it, and a build whose
  column list differs rebuilds every scope.
* A warehouse without a store (in memory, or built by code that passes none) keeps
  ``focus.cost_and_usage`` as a table, as before.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import duckdb

from finops_lib import sql
from finops_lib.config import Settings
from finops_lib.errors import ConfigError
from finops_lib.spec import output_columns

TABLE = "focus.cost_and_usage"
FILES = "meta.focus_files"
RETIRED = "meta.focus_retired"
STORE = "meta.focus_store"
SCOPE_COLUMNS = ("x_provider", "x_export_name", "x_billing_period")
#: How long a replaced file is kept for readers of an earlier snapshot (a day).
RETAIN_SECONDS = 24 * 3600
#: The store's Parquet codec: zstd at level 1 (DuckDB's default level is 3), which wrote the 2M
#: FOCUS rows of a CUR a little faster and no larger (bench/RESULTS.md, session 11); row groups
#: of 30,720 rows (a quarter of DuckDB's default): the writer buffers a row group of every column
#: before it writes, and the smaller one cost 10% less CPU for a 2% larger file (session 15)
PARQUET = "format parquet, compression zstd, compression_level 1, row_group_size 30720"

Scope = tuple[str, str, str]
#: one written file: its scope, absolute path and row count
Written = tuple[Scope, str, int]


def folder(settings: Settings) -> Path:
    """The store folder of ``settings``: ``<publish_dir>/focus`` (absolute: the views name it)."""
    return (Path(settings.get("project", "publish_dir")) / "focus").resolve()


def scope_file(scope: tuple[Any, ...]) -> str:
    """The Parquet file name of one ``(provider, export, period)`` scope: readable, and unique by
    its digest (export names may hold any character)."""
    text = "-".join("" if v is None else str(v) for v in scope)
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_.")[:80]
    digest = hashlib.sha1("\x1f".join(map(str, scope)).encode()).hexdigest()[:10]  # noqa: S324 - a name
    return f"{slug}-{digest}.parquet"


def columns_key() -> str:
    """Which column list the files hold (a digest of ``output_columns()``)."""
    text = ";".join(f"{n} {t}" for n, t in output_columns())
    return hashlib.sha1(text.encode()).hexdigest()[:16]  # noqa: S324 - a fingerprint


def literal(path: str | Path) -> str:
    """A store path as a SQL string literal (a view cannot bind parameters). Refuses quotes and
    control characters rather than escaping them."""
    text = str(path)
    if "'" in text or any(ord(ch) < 32 for ch in text):
        raise ConfigError(
            f"the FOCUS store path {text!r} has a quote or control character",
            hint="set [project].publish_dir to a path without quotes",
        )
    return "'" + text + "'"


def _ensure_meta(con: duckdb.DuckDBPyConnection, catalog: str = "") -> None:
    con.execute(f"create schema if not exists {catalog}meta")
    con.execute(
        f"create table if not exists {catalog}{FILES} (x_provider varchar, x_export_name varchar, "
        "x_billing_period varchar, path varchar, rows bigint, columns varchar, "
        "written_at timestamptz)"
    )
    con.execute(
        f"create table if not exists {catalog}{RETIRED} (path varchar, retired_at timestamptz)"
    )
    con.execute(f"create table if not exists {catalog}{STORE} (folder varchar)")


def _kind(con: duckdb.DuckDBPyConnection, catalog: str = "") -> str | None:
    """'BASE TABLE', 'VIEW' or None: what ``focus.cost_and_usage`` is in ``catalog``."""
    row = con.execute(
        "select table_type from information_schema.tables where table_schema = 'focus' "
        "and table_name = 'cost_and_usage' and table_catalog = coalesce($c, current_database())",
        {"c": catalog.rstrip(".").strip('"') or None},
    ).fetchone()
    return str(row[0]) if row else None


def in_use(con: duckdb.DuckDBPyConnection, catalog: str = "") -> bool:
    """Whether ``catalog``'s FOCUS rows live in a store (the table is a view over its files)."""
    if _kind(con, catalog) != "VIEW":
        return False
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'meta' "
        "and table_name = 'focus_files' and table_catalog = coalesce($c, current_database())",
        {"c": catalog.rstrip(".").strip('"') or None},
    ).fetchone()
    return bool(row and row[0])


def recorded_folder(con: duckdb.DuckDBPyConnection, catalog: str = "") -> Path | None:
    """The store folder ``catalog`` uses (None: no store)."""
    if not in_use(con, catalog):
        return None
    row = con.execute(f"select folder from {catalog}{STORE}").fetchone()  # noqa: S608
    return Path(row[0]) if row and row[0] else None


def files(con: duckdb.DuckDBPyConnection, catalog: str = "") -> list[Written]:
    """The current files, by scope, with their paths in the recorded store folder
    (``meta.focus_files`` holds the file names: a store moved with its warehouse is re-pointed,
    :func:`prepare`)."""
    row = con.execute(f"select folder from {catalog}{STORE}").fetchone()  # noqa: S608
    base = Path(row[0]) if row and row[0] else Path()
    rows = con.execute(
        f"select x_provider, x_export_name, x_billing_period, path, rows "  # noqa: S608
        f"from {catalog}{FILES} order by all"
    ).fetchall()
    return [((str(p), str(e), str(b)), str(base / name), int(n)) for p, e, b, name, n in rows]


def moved(con: duckdb.DuckDBPyConnection, store: Path) -> bool:
    """Whether the warehouse's store is recorded at another folder than ``store`` (the data
    folder was moved or copied, or ``publish_dir`` changed): its view names files elsewhere."""
    found = recorded_folder(con)
    return found is not None and found != store


def _select(paths: list[str]) -> str:
    """The view's query: every output column, typed, from ``paths`` (no file: no row)."""
    cols = ", ".join(
        f"cast({sql.quote_ident(n)} as {t}) as {sql.quote_ident(n)}" for n, t in output_columns()
    )
    if not paths:
        nulls = ", ".join(f"cast(null as {t}) as {sql.quote_ident(n)}" for n, t in output_columns())
        return f"select {nulls} limit 0"
    listed = ", ".join(literal(p) for p in paths)
    return f"select {cols} from read_parquet([{listed}])"  # noqa: S608 - literals checked


def create_view(con: duckdb.DuckDBPyConnection, catalog: str = "") -> None:
    """(Re)create ``catalog``'s ``focus.cost_and_usage`` over its ``meta.focus_files`` (absolute
    paths, in the recorded store folder)."""
    paths = [path for _, path, _ in files(con, catalog)]
    con.execute(f"create schema if not exists {catalog}focus")
    con.execute(f"create or replace view {catalog}{TABLE} as {_select(paths)}")


def prepare(con: duckdb.DuckDBPyConnection, store: Path) -> bool:
    """Make ``focus.cost_and_usage`` a view over the store at ``store``.

    Returns:
        True when every scope must be rebuilt: the table was a DuckDB table (a warehouse of
        before the store), the store is new, its files are not all in ``store`` (a store moved
        or copied with its warehouse is only re-pointed), or they hold another column list.
    """
    literal(store)
    kind = _kind(con)
    _ensure_meta(con)
    row = con.execute(f"select folder from {STORE}").fetchone()  # noqa: S608 - fixed name
    stale = con.execute(
        f"select count(*) from {FILES} where columns is distinct from $k",  # noqa: S608
        {"k": columns_key()},
    ).fetchone()
    names = [r[0] for r in con.execute(f"select path from {FILES}").fetchall()]  # noqa: S608
    # a store moved or copied with its warehouse: the same files in the new folder are re-pointed
    here = row is not None and all((store / name).is_file() for name in names)
    rebuild = kind != "VIEW" or not here or bool(stale and stale[0])
    if kind == "BASE TABLE":
        con.execute(f"drop table {TABLE}")
    if rebuild or row is None or row[0] != str(store):
        con.execute(f"delete from {STORE}")  # noqa: S608 - fixed name
        con.execute(f"insert into {STORE} values ($f)", {"f": str(store)})  # noqa: S608
    if rebuild:
        retire(con, None)
    create_view(con)
    return rebuild


def write(
    con: duckdb.DuckDBPyConnection, store: Path, query: str, params: dict[str, Any]
) -> list[Written]:
    """Write ``query``'s rows (every output column, typed) as one new file per scope in ``store``.

    ``query`` selects output columns by name (a column it lacks is NULL). One plain ``COPY`` writes
    them; rows of several scopes are then split by one ``COPY`` of that file partitioned by scope
    (a partitioned ``COPY`` straight from the mapping cost 1.7x a plain one at 2M rows, so the
    common case, one month, pays for none). Each file is moved to its final name. Returns the
    files written (none for a scope without rows).
    """
    have = {r[0] for r in con.execute(f"describe select * from ({query})", params).fetchall()}  # noqa: S608
    cols = ", ".join(
        (f"cast({sql.quote_ident(n)} as {t})" if n in have else f"cast(null as {t})")
        + f" as {sql.quote_ident(n)}"
        for n, t in output_columns()
    )
    keys = ", ".join(sql.quote_ident(c) for c in SCOPE_COLUMNS)
    store.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".write-", dir=store))
    written: list[Written] = []
    try:
        whole = tmp / "all.parquet"
        con.execute(
            f"copy (select {cols} from ({query}) as q) to $path "  # noqa: S608 - checked names
            f"({PARQUET})",
            params | {"path": str(whole)},
        )
        found = _scopes(con, tmp, keys)
        if len(found) > 1:
            con.execute(
                f"copy (select * from read_parquet($whole)) to $path "  # noqa: S608
                f"({PARQUET}, partition_by ({keys}), "
                "write_partition_columns true)",
                {"whole": str(whole), "path": str(tmp / "parts")},
            )
            found = _scopes(con, tmp / "parts", keys)
        token = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
        for provider, export, period, parts, rows in found:
            scope = (str(provider), str(export), str(period))
            final = store / scope_file(scope).replace(".parquet", f"-{token}.parquet")
            if len(parts) == 1:
                os.replace(parts[0], final)
            else:  # several files for one scope: one file of them
                con.execute(
                    "copy (select * from read_parquet($parts)) to $path "  # noqa: S608 - a constant
                    f"({PARQUET})",
                    {"parts": list(parts), "path": str(final)},
                )
            written.append((scope, str(final), int(rows)))
    except BaseException:
        discard(written)
        raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return written


def _scopes(con: duckdb.DuckDBPyConnection, folder: Path, keys: str) -> list[tuple]:
    """``(provider, export, period, [files], rows)`` of the Parquet files under ``folder``."""
    if not any(folder.rglob("*.parquet")):
        return []
    return con.execute(
        f"select {keys}, list(distinct filename order by filename), count(*) "  # noqa: S608
        "from read_parquet($glob, filename = true, hive_partitioning = false) "
        "group by all order by all",
        {"glob": str(folder / "**" / "*.parquet")},
    ).fetchall()


def discard(written: Iterable[Written]) -> None:
    """Remove files a failed build wrote (nothing lists them)."""
    for _, path, _ in written:
        Path(path).unlink(missing_ok=True)


def retire(con: duckdb.DuckDBPyConnection, scopes: list[Scope] | None) -> None:
    """Unlist the files of ``scopes`` (None: all), in the caller's transaction; they are deleted
    :data:`RETAIN_SECONDS` later by :func:`sweep`."""
    where = "true" if scopes is None else "list_contains($keys, x_provider || chr(31) || "
    where += "" if scopes is None else "x_export_name || chr(31) || x_billing_period)"
    params = {} if scopes is None else {"keys": ["\x1f".join(s) for s in scopes]}
    con.execute(
        f"insert into {RETIRED} select path, now() from {FILES} where {where}",  # noqa: S608
        params,
    )
    con.execute(f"delete from {FILES} where {where}", params)  # noqa: S608 - fixed text


def add(con: duckdb.DuckDBPyConnection, written: list[Written]) -> None:
    """List ``written`` (in the caller's transaction) and point the view at the files."""
    key = columns_key()
    for (provider, export, period), path, rows in written:
        con.execute(
            f"insert into {FILES} values ($p, $e, $b, $path, $n, $k, now())",  # noqa: S608
            {"p": provider, "e": export, "b": period, "path": Path(path).name, "n": rows, "k": key},
        )
    create_view(con)


def sweep(con: duckdb.DuckDBPyConnection, store: Path, *, retain: float = RETAIN_SECONDS) -> int:
    """Delete the retired files older than ``retain`` seconds, and files nothing lists that are
    as old (left by a process that was killed); returns how many were deleted."""
    if not store.is_dir():
        return 0
    old = con.execute(
        f"select path from {RETIRED} where retired_at < now() - to_seconds($s)",  # noqa: S608
        {"s": retain},
    ).fetchall()
    listed = {r[0] for r in con.execute(f"select path from {FILES}").fetchall()}  # noqa: S608
    listed |= {r[0] for r in con.execute(f"select path from {RETIRED}").fetchall()}  # noqa: S608
    gone = 0
    for (name,) in old:  # a retired name is never listed again (each file has its own token)
        (store / name).unlink(missing_ok=True)
        gone += 1
    con.execute(
        f"delete from {RETIRED} where retired_at < now() - to_seconds($s)",  # noqa: S608
        {"s": retain},
    )
    cutoff = time.time() - retain
    for path in store.glob("*.parquet"):
        if path.name not in listed and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            gone += 1
    for left in store.glob(".write-*"):
        if left.stat().st_mtime < cutoff:
            shutil.rmtree(left, ignore_errors=True)
    return gone
