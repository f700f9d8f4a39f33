"""The published snapshot: a read-only copy of the warehouse for the app, reports and Metabase.

Readers never open the live warehouse, so an import can hold its write lock while they read. The
snapshot is written into a temp file next to the target and moved into place with ``os.replace``.
Parquet serves Metabase: one folder per table (``parquet/<schema>__<table>/``), the FOCUS table with
one file per ``(provider, export, billing period)``, every other table as ``data.parquet``.

The snapshot is made one of two ways, whichever costs less:

* a byte copy of the (checkpointed) warehouse file with every schema but the published ones dropped
  (:func:`_file_copy`): no row is decoded or re-encoded, so it costs the file's size in sequential
  I/O (1.6 s for a 2M-row warehouse whose table-by-table copy took 27 CPU-seconds);
* after an import, the previous snapshot patched in place: the changed periods' FOCUS rows
  replaced, the small tables (marts, meta) copied whole or per period (:func:`_patched`).

With the FOCUS store (:mod:`finops_lib.focus_store`, every warehouse an import builds) no FOCUS row
is copied either way: the snapshot holds the warehouse's list of FOCUS files and the view over them,
a publish patches the previous snapshot (the marts of the changed periods, meta) or, with none
to patch, copies the small tables (never a file copy), and Metabase's FOCUS folder is
hard links to the store's files. The rest of this paragraph is about a warehouse whose FOCUS is a
DuckDB table. An import patches when the warehouse is larger than what patching its month costs
(:func:`_copy_is_cheaper`), so its publish costs the smaller of the two, bounded by the month and
not the history. Either way only the changed periods' Parquet files are rewritten. When the
previous snapshot is not the one the warehouse last published (another build ran since, the FOCUS
columns changed, a different warehouse), everything is published.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import duckdb

from finops_lib import db, focus_store, sql
from finops_lib.build import (
    FOCUS_TABLE,
    SCOPE_FILTER,
    Changed,
    period_filter,
    period_params,
    period_tables,
    scope_params,
)
from finops_lib.config import Settings
from finops_lib.errors import FinopsError
from finops_lib.focus_store import scope_file

log = logging.getLogger(__name__)

PUBLISHED_SCHEMAS = ("focus", "marts", "meta")
SNAPSHOT_NAME = "finops.duckdb"
#: Tables published as one Parquet file per scope (and replaced per scope on import).
PARTITIONED = {("focus", "cost_and_usage")}
SCOPE_COLUMNS = ("x_provider", "x_export_name", "x_billing_period")
#: The zero-row file every partitioned folder holds, so that ``read_parquet('<folder>/*.parquet')``
#: works (and has the columns) even before the first import.
SCHEMA_FILE = "_schema.parquet"
#: The snapshot before the current one, kept (a hard link) to be brought up to date in place by
#: the next publish instead of copying the current one: the cost of a publish is then that of the
#: periods changed since, not of the history. Only publishing opens it, never while a reader has
#: it open (DuckDB's file lock across processes, the open files of this one).
SPARE_NAME = ".previous.duckdb"


def publish_dir(settings: Settings) -> Path:
    """Folder of the snapshot (``[project].publish_dir``)."""
    return Path(settings.get("project", "publish_dir"))


def snapshot_path(settings: Settings) -> Path:
    """Path of the published DuckDB snapshot (default ``data/published/finops.duckdb``)."""
    return publish_dir(settings) / SNAPSHOT_NAME


def parquet_dir(settings: Settings) -> Path:
    """Folder of the published Parquet tables (``<publish_dir>/parquet``)."""
    return publish_dir(settings) / "parquet"


def is_current(con: duckdb.DuckDBPyConnection, settings: Settings) -> bool:
    """Whether the snapshot holds the warehouse's last build (or the warehouse has none)."""
    warehouse = _previous_build(con, "")
    if warehouse is None or not warehouse[0]:
        return True
    target = snapshot_path(settings)
    if not target.exists():
        return False
    try:
        snap = db.connect(target, read_only=True)
    except (duckdb.Error, FinopsError):  # unreadable: publishing again replaces it
        return False
    try:
        return _previous_build(snap, "") == warehouse
    finally:
        snap.close()


def publish(
    con_or_path: duckdb.DuckDBPyConnection | str | Path,
    settings: Settings,
    *,
    changed: Changed | None = None,
) -> Path:
    """Publish the focus, marts and meta schemas to the snapshot and its Parquet files.

    Args:
        con_or_path: the open (writable) warehouse connection of a build, or the warehouse path
            (then attached read-only, so publishing works while nobody writes).
        settings: resolved settings (``publish_dir``, ``memory_limit``).
        changed: the ``(provider, export, period)`` scopes the build just replaced (with a
            connection): publish only those when the previous snapshot allows it. ``None``: all.

    Returns:
        The snapshot path.
    """
    target = snapshot_path(settings)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".finops-", suffix=".duckdb", dir=target.parent)
    os.close(fd)
    os.unlink(tmp_name)  # DuckDB creates the file itself
    scopes: Changed | None = None
    whole: frozenset[str] = frozenset()
    spare = target.with_name(SPARE_NAME)
    try:
        if isinstance(con_or_path, duckdb.DuckDBPyConnection):
            con = con_or_path
            tables = None
            if changed is not None and target.exists():
                found = None
                if _copy_is_cheaper(con, changed):
                    copied = _file_copy(con, tmp_name)
                    if copied is not None:  # only the changed scopes' Parquet is rewritten
                        found = (copied, _parquet_scopes(con, target, changed))
                if found is None:
                    found = _patched(con, target, spare, tmp_name, changed)
                if found is None:
                    log.info("previous snapshot not reusable: publishing everything")
                else:
                    tables, since = found
                    if since is not None:
                        scopes, whole = since[0], frozenset(since[1])
            if tables is None and not focus_store.in_use(con):
                # FOCUS in the store: the snapshot is the small tables (marts, meta) and the
                # view, so copying them beats a file copy that carries the raw rows' pages
                _remove(tmp_name)
                tables = _file_copy(con, tmp_name)
            if tables is None:
                _remove(tmp_name)
                tables = _attached(con, tmp_name, lambda: _copy_with_view(con))
        else:
            tables = _copy_from_path(Path(con_or_path), tmp_name)
        _swap(tmp_name, target, spare)
        _write_parquet(
            target, tables, parquet_dir(settings), scopes, _memory_limit(settings), whole
        )
        if isinstance(con_or_path, duckdb.DuckDBPyConnection) and focus_store.in_use(con_or_path):
            store = focus_store.recorded_folder(con_or_path)
            if store is not None:  # files replaced over a day ago, no reader needs them
                focus_store.sweep(con_or_path, store)
    finally:
        _remove(tmp_name)
    log.info(
        "published %d tables to %s (%s)",
        len(tables),
        target,
        "everything" if scopes is None else f"{len(scopes)} changed period(s)",
    )
    return target


_SNAP = sql.safe_ident("finops_snapshot")
_SRC = sql.safe_ident("finops_source")
_CUR = sql.safe_ident("finops_current")


def _memory_limit(settings: Settings) -> str | None:
    return str(settings.get("project", "memory_limit") or "") or None


def _attached(con: duckdb.DuckDBPyConnection, path: str, work):  # type: ignore[no-untyped-def]
    """Run ``work()`` with ``path`` attached as the snapshot catalog, then checkpoint and detach.

    The copies need not keep row order (readers sort what they show), which lets DuckDB write
    them on every thread: at 10M FOCUS rows the copy took half the time."""
    setting = con.execute("select current_setting('preserve_insertion_order')").fetchone()
    # ATTACH takes no bound parameters: the path is our own mkstemp name (_path_literal).
    con.execute(f"attach {_path_literal(path)} as {_SNAP}")
    con.execute("set preserve_insertion_order = false")
    try:
        result = work()
        con.execute(f"checkpoint {_SNAP}")
        return result
    finally:
        con.execute(
            "set preserve_insertion_order = $v", {"v": bool(setting[0]) if setting else True}
        )
        con.execute(f"detach {_SNAP}")


#: What patching the previous snapshot costs, in bytes of warehouse file a plain file copy moves in
#: the same time (:func:`_copy_is_cheaper`). Measured on the 2-core bench machine (bench/RESULTS.md,
#: 2026-11-26): a file copy with the raw schemas dropped moves ~300 MB/s (2M-row warehouse, 484 MB,
#: 1.6 s), while patching a month costs ~5 s whatever its size (the delete, the commit through the
#: WAL, the marts) plus ~15 us per FOCUS row inserted (re-encoding the rows).
PATCH_FIXED_BYTES = 1_500_000_000
PATCH_BYTES_PER_ROW = 4_500


def _warehouse_file(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The file of ``con``'s current database (None in memory)."""
    row = con.execute(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchone()
    path = Path(row[0]) if row and row[0] and row[0] != ":memory:" else None
    return path if path is not None and path.is_file() else None


def _copy_is_cheaper(con: duckdb.DuckDBPyConnection, changed: Changed) -> bool:
    """Whether copying the warehouse file (:func:`_file_copy`) costs less than patching the previous
    snapshot with the ``changed`` scopes: below a size that grows with the rows patching would
    re-encode, a sequential copy wins; above it (years of history) patching does, so a publish
    never costs more than the cheaper of the two (bounded by the month, not the history)."""
    path = _warehouse_file(con)
    if path is None or focus_store.in_use(con):  # FOCUS in the store: a patch copies no FOCUS row
        return False
    focus = _name(*FOCUS_TABLE.split("."))
    row = con.execute(
        f"select count(*) from {focus} where {SCOPE_FILTER}",  # noqa: S608 - fixed names
        scope_params(changed),
    ).fetchone()
    rows = int(row[0]) if row else 0
    return path.stat().st_size <= PATCH_FIXED_BYTES + rows * PATCH_BYTES_PER_ROW


def _file_copy(con: duckdb.DuckDBPyConnection, tmp_name: str) -> list[tuple[str, str]] | None:
    """The snapshot as a byte copy of the warehouse file with everything but the published
    schemas' tables dropped; None when that cannot be done (in memory, a WAL left, a failure).

    Copying a table re-encodes every row (at 2M FOCUS rows, 27 CPU-seconds, the cost of the
    FOCUS build's own insert); a file copy moves the compressed blocks as they are (1.6 s for the
    484 MB warehouse). The dropped objects' blocks stay in the file as free space, so the
    snapshot is as large as the warehouse, and later patches of it reuse that space.
    """
    path = _warehouse_file(con)
    if path is None:
        return None
    try:
        con.execute("checkpoint")  # the file holds every committed change, the WAL nothing
        wal = path.with_name(path.name + ".wal")
        if wal.exists() and wal.stat().st_size:
            return None
        tables = _tables(con, None)
        shutil.copyfile(path, tmp_name)
        return _attached(con, tmp_name, lambda: _strip(con, tables))
    except (OSError, duckdb.Error) as exc:
        log.warning("file copy of the warehouse failed (%s)", str(exc).splitlines()[0])
        _remove(tmp_name)
        return None


def _strip(con: duckdb.DuckDBPyConnection, tables: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drop from the attached copy every schema but the published ones and every view, macro and
    sequence (what :func:`_copy` would not have copied); check it holds the warehouse's tables
    with their rows.

    Raises:
        duckdb.Error: the copy does not match (then the caller copies table by table).
    """
    snap = _SNAP.strip('"')
    for (schema,) in con.execute(
        "select schema_name from duckdb_schemas() where database_name = $d and not internal",
        {"d": snap},
    ).fetchall():
        if schema not in PUBLISHED_SCHEMAS and schema != "main":
            con.execute(f"drop schema {_SNAP}.{sql.safe_ident(schema)} cascade")
    listings = (
        "select 'view', schema_name, view_name from duckdb_views() "
        "where database_name = $d and not internal",
        "select 'sequence', schema_name, sequence_name from duckdb_sequences() "
        "where database_name = $d",
        "select distinct case function_type when 'table_macro' then 'macro table' else 'macro' end, "
        "schema_name, function_name from duckdb_functions() where database_name = $d "
        "and not internal and function_type in ('macro', 'table_macro')",
        "select 'table', schema_name, table_name from duckdb_tables() "
        "where database_name = $d and not internal",
    )
    for listing in listings:
        for kind, schema, name in con.execute(listing, {"d": snap}).fetchall():
            if kind != "table" or (schema, name) not in tables:
                con.execute(f"drop {kind} {_SNAP}.{_name(schema, name)}")  # fixed kinds
    if _previous_build(con, _SNAP + ".") != _previous_build(con, ""):
        raise duckdb.InvalidInputException("the file copy is not the warehouse's last build")
    for schema, table in tables:
        name = _name(schema, table)
        got = con.execute(f"select count(*) from {_SNAP}.{name}").fetchone()  # noqa: S608
        want = con.execute(f"select count(*) from {name}").fetchone()  # noqa: S608
        if got != want:
            raise duckdb.InvalidInputException(f"the file copy's {schema}.{table} differs")
    if focus_store.in_use(con):
        focus_store.create_view(con, _SNAP + ".")
    return tables


def _copy_from_path(source: Path, tmp_name: str) -> list[tuple[str, str]]:
    if not source.exists():
        raise FinopsError(
            f"warehouse {source} does not exist", hint="run an import or `./finops demo` first"
        )
    con = db.connect(tmp_name)
    try:
        con.execute("set preserve_insertion_order = false")
        con.execute(f"attach {_path_literal(str(source))} as {_SRC} (read_only)")
        tables = _copy(con, source=_SRC + ".", target="")
        if focus_store.in_use(con, _SRC + "."):
            focus_store.create_view(con)
        con.execute(f"detach {_SRC}")
    finally:
        con.close()
    return tables


def _tables(con: duckdb.DuckDBPyConnection, catalog: str | None) -> list[tuple[str, str]]:
    """The base tables of the published schemas in ``catalog`` (the current database when None)."""
    return con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_schema in (select unnest($schemas::varchar[])) and table_type = 'BASE TABLE' "
        "and table_catalog = coalesce($catalog, current_database()) order by all",
        {"schemas": list(PUBLISHED_SCHEMAS), "catalog": catalog},
    ).fetchall()


def _name(schema: str, table: str) -> str:
    return f"{sql.safe_ident(schema)}.{sql.safe_ident(table)}"


def _copy(con: duckdb.DuckDBPyConnection, *, source: str, target: str) -> list[tuple[str, str]]:
    """Copy every table of the published schemas from ``source`` to ``target`` catalog prefixes."""
    catalog = source.rstrip(".").strip('"') if source else None
    tables = _tables(con, catalog)
    for schema in PUBLISHED_SCHEMAS:
        con.execute(f"create schema if not exists {target}{sql.safe_ident(schema)}")
    for schema, table in tables:
        name = _name(schema, table)
        # identifiers only, each through sql.safe_ident
        con.execute(f"create table {target}{name} as select * from {source}{name}")  # noqa: S608
    return tables


def _copy_with_view(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """:func:`_copy` of the warehouse into the snapshot, with the FOCUS store's view."""
    tables = _copy(con, source="", target=_SNAP + ".")
    if focus_store.in_use(con):
        focus_store.create_view(con, _SNAP + ".")
    return tables


def _previous_build(con: duckdb.DuckDBPyConnection, catalog: str) -> tuple | None:
    """(builds, last build time) of ``catalog``'s ``meta.build_log``; None without one."""
    try:
        return con.execute(
            f"select count(*), max(built_at) from {catalog}meta.build_log"  # noqa: S608 - fixed names
        ).fetchone()
    except duckdb.CatalogException:
        return None


def _columns(con: duckdb.DuckDBPyConnection, catalog: str | None) -> list[tuple]:
    return con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_catalog = coalesce($c, current_database()) and table_schema = 'focus' "
        "and table_name = 'cost_and_usage' order by ordinal_position",
        {"c": catalog},
    ).fetchall()


def _remove(name: str) -> None:
    for leftover in (name, name + ".wal"):
        if os.path.exists(leftover):
            os.unlink(leftover)


def _swap(tmp_name: str, target: Path, spare: Path) -> None:
    """Move the new snapshot into place; the one it replaces becomes the spare (readers that
    have it open keep reading it: a rename or link does not change an open file)."""
    link = spare.with_name(spare.name + ".new")
    link.unlink(missing_ok=True)
    kept = False
    if target.exists():
        try:
            os.link(target, link)
            kept = True
        except OSError:  # no hard links here: the next publish copies
            pass
    os.replace(tmp_name, target)
    if kept:
        os.replace(link, spare)
    else:
        spare.unlink(missing_ok=True)


def _open_here(path: Path) -> bool:
    """Whether this process has ``path`` open (DuckDB's lock does not tell a process about
    itself); True when it cannot tell."""
    try:
        mine = path.stat()
    except OSError:
        return True
    fds = Path("/proc/self/fd")
    if not fds.is_dir():
        return True
    for fd in fds.iterdir():
        try:
            other = os.stat(fd)
        except OSError:
            continue
        if (other.st_dev, other.st_ino) == (mine.st_dev, mine.st_ino):
            return True
    return False


def _patched(
    con: duckdb.DuckDBPyConnection, target: Path, spare: Path, tmp_name: str, changed: Changed
) -> tuple[list[tuple[str, str]], tuple[Changed, set[str]] | None] | None:
    """Bring an earlier snapshot up to date at ``tmp_name``: the spare (moved there, no copy) when
    nobody has it open, else a copy of the current one. Returns the published tables and the
    scopes whose Parquet files must be rewritten, or None (publish everything)."""
    bases: list[tuple[str, Callable[[], object]]] = []
    if spare.exists() and not _open_here(spare):
        bases.append(("the previous snapshot", lambda: os.replace(spare, tmp_name)))
    bases.append(("a copy of the current snapshot", lambda: shutil.copyfile(target, tmp_name)))
    for what, take in bases:
        _remove(tmp_name)
        log.info("patching %s", what)
        try:
            take()
            tables = _attached(con, tmp_name, lambda: _update(con, changed))
        except (OSError, duckdb.Error) as exc:  # open by a reader, damaged: try the next
            log.warning("previous snapshot unusable (%s)", str(exc).splitlines()[0])
            continue
        if tables is not None:
            return tables, _parquet_scopes(con, target, changed)
    _remove(tmp_name)
    return None


def _parquet_scopes(
    con: duckdb.DuckDBPyConnection, target: Path, changed: Changed
) -> tuple[Changed, set[str]] | None:
    """The scopes built since the current snapshot (whose Parquet files match it) and the tables
    made whole since; None: all."""
    try:
        con.execute(f"attach {_path_literal(str(target))} as {_CUR} (read_only)")
    except duckdb.Error:
        return None
    try:
        found = _since(con, _previous_build(con, _CUR + "."), changed)
    finally:
        con.execute(f"detach {_CUR}")
    return found


def _parse_changed(text: str) -> Changed | None:
    """``meta.build_log.changed`` back into scopes (None when a part does not read back)."""
    out: Changed = []
    for part in text.split(";"):
        provider, _, rest = part.partition("/")
        export, _, period = rest.rpartition("/")
        if not (provider and export and re.fullmatch(r"\d{4}-\d{2}", period)):
            return None
        out.append((provider, export, period))
    return out


def _since(
    con: duckdb.DuckDBPyConnection, snap: tuple | None, changed: Changed
) -> tuple[Changed, set[str]] | None:
    """The scopes and the whole-built tables of the warehouse's builds after the one a snapshot
    holds (``snap``: its build count and last build time), plus ``changed``; None when the
    snapshot's build log is not the start of the warehouse's or a build since was full."""
    if snap is None or not snap[0]:
        return None
    row = con.execute(
        "select count(*) filter (where built_at <= $at), count(*) filter (where built_at = $at) "
        "from meta.build_log",
        {"at": snap[1]},
    ).fetchone()
    if not row or row[0] != snap[0] or not row[1]:
        return None
    try:
        newer = con.execute(
            "select full_rebuild, changed, whole_tables from meta.build_log "
            "where built_at > $at order by built_at",
            {"at": snap[1]},
        ).fetchall()
    except duckdb.BinderException:  # a log of before whole_tables
        return None
    scopes = list(changed)
    whole: set[str] = set()
    for full, text, tables in newer:
        parsed = None if full or text is None or tables is None else _parse_changed(text)
        if parsed is None:
            return None
        scopes += [c for c in parsed if c not in scopes]
        whole |= {t for t in tables.split(",") if t}
    return scopes, whole


def _table_columns(
    con: duckdb.DuckDBPyConnection, catalog: str | None, schema: str, name: str
) -> list:
    return con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_catalog = coalesce($c, current_database()) and table_schema = $s "
        "and table_name = $t order by ordinal_position",
        {"c": catalog, "s": schema, "t": name},
    ).fetchall()


def _update(con: duckdb.DuckDBPyConnection, changed: Changed) -> list[tuple[str, str]] | None:
    """Bring the attached copy of an earlier snapshot up to date with the builds since its own.

    The copy qualifies when its build log is the start of the warehouse's, no build since was
    full, and its FOCUS table has the same columns; it is worth it when the changed periods are
    under half the rows. The FOCUS rows of the scopes built since are replaced, and so are the
    changed periods' rows of the tables a build patches per period (``build.period_tables``)
    unless a build since made them whole; the other tables are copied whole. Returns the published
    tables, or None (then nothing was changed in the copy and everything must be published).
    """
    snap_catalog = _SNAP.strip('"')
    found = _since(con, _previous_build(con, _SNAP + "."), changed)
    if found is None or _columns(con, snap_catalog) != _columns(con, None):
        return None
    scopes, whole = found
    tables = _tables(con, None)
    focus = _name(*FOCUS_TABLE.split("."))
    params = scope_params(scopes)
    # FOCUS in the store: the snapshot's view and file list are replaced, no row is copied
    stored = focus_store.in_use(con)
    if stored != focus_store.in_use(con, _SNAP + "."):
        return None
    if not stored:
        share = con.execute(
            f"select count(*) filter (where {SCOPE_FILTER}), count(*) from {focus}",  # noqa: S608
            params,
        ).fetchone()
        if share and 2 * share[0] > share[1]:
            return None  # most rows changed: a fresh copy is cheaper than deleting and inserting
    periods = sorted({c[2] for c in scopes})
    per_period = period_tables()
    checked = [] if stored else [focus]
    con.execute("begin transaction")
    try:
        if not stored:
            con.execute(f"delete from {_SNAP}.{focus} where {SCOPE_FILTER}", params)  # noqa: S608
            con.execute(
                f"insert into {_SNAP}.{focus} select * from {focus} where {SCOPE_FILTER}",  # noqa: S608
                params,
            )
        for schema in PUBLISHED_SCHEMAS:
            con.execute(f"create schema if not exists {_SNAP}.{sql.safe_ident(schema)}")
        for schema, table in tables:
            if f"{schema}.{table}" == FOCUS_TABLE:
                continue
            name = _name(schema, table)
            column = per_period.get(f"{schema}.{table}")
            if (
                column
                and f"{schema}.{table}" not in whole
                and _table_columns(con, snap_catalog, schema, table)
                == _table_columns(con, None, schema, table)
            ):
                where = period_filter(column)
                con.execute(f"delete from {_SNAP}.{name} where {where}", period_params(periods))  # noqa: S608
                con.execute(
                    f"insert into {_SNAP}.{name} select * from {name} where {where}",  # noqa: S608
                    period_params(periods),
                )
                checked.append(name)
            else:
                con.execute(f"create or replace table {_SNAP}.{name} as select * from {name}")  # noqa: S608
        for schema, table in set(_tables(con, snap_catalog)) - set(tables):
            con.execute(f"drop table {_SNAP}.{_name(schema, table)}")
        if stored:
            focus_store.create_view(con, _SNAP + ".")
        for name in checked:
            got = con.execute(f"select count(*) from {_SNAP}.{name}").fetchone()  # noqa: S608
            want = con.execute(f"select count(*) from {name}").fetchone()  # noqa: S608
            if got != want:  # rows outside the changed periods differ: not the snapshot we thought
                con.execute("rollback")
                return None
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return tables


def _path_literal(path: str) -> str:
    """A file path we generated as a SQL string literal (refuses quotes rather than escaping)."""
    if "'" in path or "\x00" in path:
        raise ValueError(f"unexpected character in snapshot path {path!r}")
    return "'" + path + "'"


def _copy_to(
    con: duckdb.DuckDBPyConnection, query: str, params: dict, final: Path, *, empty_ok: bool = True
) -> int:
    """Write ``query`` to ``final`` (via a temp file and ``os.replace``); returns the rows written.
    Without ``empty_ok``, zero rows remove ``final`` instead."""
    tmp = final.with_name(final.name + ".tmp")
    row = con.execute(
        f"copy ({query}) to $path (format parquet)", params | {"path": str(tmp)}
    ).fetchone()
    rows = int(row[0]) if row else 0
    if rows or empty_ok:
        os.replace(tmp, final)
    else:
        tmp.unlink(missing_ok=True)
        final.unlink(missing_ok=True)
    return rows


def _write_parquet(
    snapshot: Path,
    tables: list[tuple[str, str]],
    out: Path,
    scopes: Changed | None,
    memory_limit: str | None,
    whole_tables: frozenset[str] = frozenset(),
) -> None:
    """Write the Parquet folders: the FOCUS table one file per scope, the tables a build patches
    per billing period (``build.period_tables``) one file per period, the others whole
    (``data.parquet``). Only ``scopes`` (and their periods) are rewritten when given, except for
    ``whole_tables``; otherwise all, and files of scopes no longer there are removed."""
    out.mkdir(parents=True, exist_ok=True)
    per_period = period_tables()
    # attached in a fresh in-memory database, not opened: a connection of this process to the
    # snapshot's path (a reader that opened the one this publish replaced) would make DuckDB's
    # instance cache hand back that older file
    con = db.connect(":memory:", memory_limit=memory_limit)
    try:
        con.execute(f"attach {_path_literal(str(snapshot))} as {_CUR} (read_only)")
        con.execute(f"use {_CUR}")
        con.execute("SET preserve_insertion_order = false")
        for schema, table in tables:
            src = _name(schema, table)
            folder = out / f"{schema}__{table}"
            folder.mkdir(exist_ok=True)
            column = per_period.get(f"{schema}.{table}")
            if (schema, table) in PARTITIONED:
                _write_partitioned(con, src, folder, SCOPE_COLUMNS, scopes)
            elif column and [column] == [
                c for c, _ in _table_columns(con, None, schema, table) if c == column
            ]:
                keys = None
                if scopes is not None and f"{schema}.{table}" not in whole_tables:
                    keys = [(p,) for p in sorted({c[2] for c in scopes})]
                _write_partitioned(con, src, folder, (column,), keys)
            else:
                _copy_to(con, f"select * from {src}", {}, folder / "data.parquet")  # noqa: S608
            legacy = out / f"{schema}__{table}.parquet"  # the layout before folders
            legacy.unlink(missing_ok=True)
        if focus_store.in_use(con):
            folder = out / "focus__cost_and_usage"
            folder.mkdir(exist_ok=True)
            _link_store(con, folder)
            (out / "focus__cost_and_usage.parquet").unlink(missing_ok=True)
    finally:
        con.close()


def _link_store(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """The published FOCUS folder (what Metabase reads, ``<folder>/*.parquet``) as hard links to
    the store's current files (a copy where links cannot be made), one name per scope replaced
    in place; names of scopes no longer there are removed, then the schema file is written."""
    names: dict[str, str] = {}
    for scope, path, _ in focus_store.files(con):
        name = scope_file(scope)
        n = 1
        while name in names:  # two files of one scope (e.g. two mappings of one Azure dataset)
            n += 1
            name = scope_file(scope).replace(".parquet", f"-{n}.parquet")
        names[name] = path
    for name, path in names.items():
        final = folder / name
        try:
            if os.path.samefile(final, path):
                continue
        except OSError:
            pass
        tmp = folder / (name + ".tmp")
        tmp.unlink(missing_ok=True)
        try:
            os.link(path, tmp)
        except OSError:  # another file system (a container volume): copy
            shutil.copyfile(path, tmp)
        os.replace(tmp, final)
    for stale in folder.glob("*.parquet"):
        if stale.name not in names and stale.name != SCHEMA_FILE:
            stale.unlink()
    _copy_to(con, f"select * from {FOCUS_TABLE} limit 0", {}, folder / SCHEMA_FILE)  # noqa: S608


#: At most this many rows, a table whose every key is rewritten is written by one partitioned
#: ``COPY`` rather than one ``COPY`` per key: each ``COPY`` costs ~20-30 ms of its own, most of
#: the time of the demo's files of a few thousand rows (its 78 FOCUS files: 2.4 CPU-s, against
#: 1.3 in one ``COPY``). Larger tables keep one ``COPY`` per key: their files are large, the
#: per-file cost small, and a partitioned write would hold a buffer per open file.
PARTITIONED_COPY_ROWS = 1_000_000


def _all_keys_small(
    con: duckdb.DuckDBPyConnection, src: str, cols: str, todo: list[tuple], whole: bool
) -> bool:
    """Whether ``src`` is small (:data:`PARTITIONED_COPY_ROWS`) and ``todo`` holds every one of
    its keys (so that one ``COPY`` of the whole table writes exactly the files wanted)."""
    row = con.execute(f"select count(*) from {src}").fetchone()  # noqa: S608 - checked name
    if row is None or not 0 < row[0] <= PARTITIONED_COPY_ROWS:  # empty: no file to write
        return False
    if whole:
        return True
    have = con.execute(f"select distinct {cols} from {src}").fetchall()  # noqa: S608
    return {tuple(k) for k in have} <= {tuple(k) for k in todo}


def _copy_partitions(
    con: duckdb.DuckDBPyConnection, src: str, folder: Path, columns: tuple[str, ...]
) -> set[str] | None:
    """Every row of ``src`` in one ``COPY ... (partition_by)`` into a temp folder inside
    ``folder``, each file then moved to its key's name (:func:`scope_file`, the key read back
    from the file: the partition folders' names are percent-encoded); the names written, or
    None (nothing moved) when a key came out as several files.

    The files hold the same columns, in the same order, and the same rows as one ``COPY`` per key
    (``write_partition_columns``). Readers list ``<folder>/*.parquet``, not the temp folder.
    """
    cols = ", ".join(sql.safe_ident(c) for c in columns)
    for left in folder.glob(".partitions-*"):  # of a publish that was killed half-way
        shutil.rmtree(left, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=".partitions-", dir=folder))
    try:
        con.execute(
            f"copy (select * from {src}) to $path "  # noqa: S608 - checked names
            f"(format parquet, partition_by ({cols}), write_partition_columns true)",
            {"path": str(tmp)},
        )
        if not any(tmp.rglob("*.parquet")):
            return None
        files = con.execute(
            f"select filename, {cols} from read_parquet($glob, filename = true, "  # noqa: S608
            "hive_partitioning = false) group by all order by all",
            {"glob": str(tmp / "**" / "*.parquet")},
        ).fetchall()
        names = [scope_file(tuple(key)) for _, *key in files]
        if len(set(names)) != len(names):  # several files of one key: one COPY per key instead
            return None
        for (path, *_), name in zip(files, names, strict=True):
            os.replace(path, folder / name)
        return set(names)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _write_partitioned(
    con: duckdb.DuckDBPyConnection,
    src: str,
    folder: Path,
    columns: tuple[str, ...],
    keys: list[tuple] | None,
) -> None:
    """One file per value of ``columns``: only ``keys`` when given and the folder is complete,
    else all (and files of keys no longer there, or of the layout before, are removed).

    The schema file is written last: its presence says the folder is complete. Only then can it be
    patched; a new folder, one of the layout before folders, or one whose last write was
    interrupted is written whole.
    """
    whole = keys is None or not (folder / SCHEMA_FILE).exists()
    (folder / SCHEMA_FILE).unlink(missing_ok=True)
    cols = ", ".join(sql.safe_ident(c) for c in columns)
    todo = (
        con.execute(f"select distinct {cols} from {src} order by all").fetchall()  # noqa: S608
        if whole
        else keys or []
    )
    written: set[str] = set()
    if len(todo) > 1 and _all_keys_small(con, src, cols, todo, whole):
        done = _copy_partitions(con, src, folder, columns)
        if done is not None:
            for key in todo:  # a key with no row left: its file goes, as below
                if scope_file(tuple(key)) not in done:
                    (folder / scope_file(tuple(key))).unlink(missing_ok=True)
            written, todo = done, []
    for key in todo:
        final = folder / scope_file(tuple(key))
        # equality (not IS NOT DISTINCT FROM): DuckDB then skips the other values' row groups
        where = " and ".join(
            f"{sql.safe_ident(c)} is null" if v is None else f"{sql.safe_ident(c)} = ${c}"
            for c, v in zip(columns, key, strict=True)
        )
        params = {c: v for c, v in zip(columns, key, strict=True) if v is not None}
        if _copy_to(con, f"select * from {src} where {where}", params, final, empty_ok=False):  # noqa: S608
            written.add(final.name)
    if whole:
        for stale in folder.glob("*.parquet"):
            if stale.name not in written and stale.name != SCHEMA_FILE:
                stale.unlink()
    _copy_to(con, f"select * from {src} limit 0", {}, folder / SCHEMA_FILE)  # noqa: S608
