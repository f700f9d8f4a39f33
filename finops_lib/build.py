"""Build the FOCUS layer: staging views -> ``focus.cost_and_usage`` -> marts.

Order you can read in :func:`build`:

1. create the schemas (``staging``, ``focus``, ``meta``, ``marts``);
2. load ``finops_lib/lookups/*.csv`` as ``staging.lookup_<stem>`` tables and (re)create one staging
   view per ``queries/staging/*.sql`` (named after the file) whose raw inputs exist; the header line
   ``-- requires: raw_aws.cur`` names them;
3. rewrite ``focus.cost_and_usage`` for the changed ``(provider, export, period)`` set (or all of it)
   in ONE transaction: delete those rows, insert what every ``queries/focus/sources/*.sql`` mapping
   returns for them. Readers never see a gap. A source whose required relation is absent is skipped,
   so adding Azure or GCP is adding a file;
4. in the same transaction, the marts (``queries/marts/*.sql`` in name order, each a ``create or
   replace table marts.X as <select>`` whose rows are grouped by ``billing_period``): after a build
   of changed scopes only the changed billing periods' rows are deleted and the select's rows of
   those periods inserted (the same rows a full rebuild gives them, so the cost follows the month,
   not the history); a full build, a new mart or one whose columns changed runs the file whole;
5. (re)create ``marts.cost_allocation`` from the allocation rules (``finops_lib.allocation``; only
   the rebuilt billing periods when the rules are those of the last build), then record the
   ``[allocation]`` and ``[budgets]`` trees in effect in ``meta.config_trees``;
6. append one row to ``meta.build_log``.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from finops_lib import allocation, db, focus_store, sql
from finops_lib.errors import FinopsError
from finops_lib.spec import output_columns

log = logging.getLogger(__name__)

FOCUS_TABLE = "focus.cost_and_usage"
LOOKUPS_DIR = Path(__file__).resolve().parent / "lookups"
SCHEMAS = ("staging", "focus", "meta", "marts")
#: The config trees a build records in ``meta.config_trees`` (readers without a config use them).
RECORDED_TREES = ("allocation", "budgets")

Changed = list[tuple[str, str, str]]


@dataclass
class BuildResult:
    """What one build did: rows replaced, sources run or skipped, marts rebuilt."""

    rows_deleted: int = 0
    rows_inserted: int = 0
    sources_run: list[str] = field(default_factory=list)
    sources_skipped: list[str] = field(default_factory=list)
    staging_views: list[str] = field(default_factory=list)
    marts: list[str] = field(default_factory=list)
    allocation_rows: int = 0
    #: tables (re)created whole rather than patched for the changed periods (``marts.X``)
    whole_tables: list[str] = field(default_factory=list)
    full: bool = True
    seconds: float = 0.0


def _ready(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether every relation a query file requires exists."""
    return all(db.table_exists(con, r) for r in sql.requires(name))


def _columns_ddl() -> str:
    return ",\n  ".join(f"{sql.quote_ident(n)} {t}" for n, t in output_columns())


def ensure_focus_table(con: duckdb.DuckDBPyConnection, store: Path | None = None) -> bool:
    """Create ``focus.cost_and_usage`` (typed, empty) if absent or of another column set; with a
    ``store`` folder, a view over the Parquet files of :mod:`finops_lib.focus_store` instead.

    Returns:
        True when the table was (re)created, so every row must be rebuilt.
    """
    for schema in SCHEMAS:
        con.execute(f"create schema if not exists {sql.safe_ident(schema)}")
    if store is not None:
        return focus_store.prepare(con, store)
    wanted = [(n, t) for n, t in output_columns()]
    have = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'focus' and table_name = 'cost_and_usage' order by ordinal_position"
    ).fetchall()

    def norm(t: str) -> str:
        return t.upper().replace("TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE")

    if [(n, norm(t)) for n, t in have] == [(n, norm(t)) for n, t in wanted]:
        return False
    con.execute(f"drop table if exists {FOCUS_TABLE}")
    con.execute(f"create table {FOCUS_TABLE} (\n  {_columns_ddl()}\n)")
    return True


def load_lookups(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Load ``finops_lib/lookups/*.csv`` into ``staging.lookup_<stem>`` tables (all VARCHAR)."""
    done = []
    for path in sorted(LOOKUPS_DIR.glob("*.csv")):
        table = "staging." + sql.safe_ident("lookup_" + path.stem)
        con.execute(
            f"create or replace table {table} as "  # noqa: S608 - validated name
            "select * from read_csv($path, header = true, all_varchar = true)",
            {"path": str(path)},
        )
        done.append(path.stem)
    return done


def create_staging(con: duckdb.DuckDBPyConnection) -> list[str]:
    """(Re)create the staging views whose raw inputs exist; drop the others."""
    load_lookups(con)
    made = []
    for name in sql.names("staging"):
        view = "staging." + sql.safe_ident(name.rsplit("/", 1)[1])
        if _ready(con, name):
            try:
                con.execute(f"create or replace view {view} as\n{sql.load(name)}")
            except duckdb.Error as exc:
                raise FinopsError(
                    f"staging view queries/{name}.sql failed: {exc}",
                    hint="the raw table lacks a column the view needs; re-import the export",
                ) from None
            made.append(name)
        else:
            con.execute(f"drop view if exists {view}")
    return made


#: The rows of the ``$changed`` scopes (:func:`scope_params`) in a table with the three scope
#: columns. The range test comes first: DuckDB checks it against each row group's min/max and skips
#: the other periods' groups, so the filter costs the changed rows, not the history.
SCOPE_FILTER = (
    "x_billing_period between $changed_first and $changed_last and "
    "list_contains($changed, x_provider || chr(31) || x_export_name || chr(31) || x_billing_period)"
)
#: One scope as three equalities (``$sp``, ``$se``, ``$sb``): DuckDB's estimate of the rows it
#: keeps is right, so the mappings' joins keep their small build sides (:func:`_write_focus`).
SCOPE_EQUALS = "x_provider = $sp and x_export_name = $se and x_billing_period = $sb"
#: Consecutive months of one export (``$sb`` to ``$sl``), the same equalities with a range.
SCOPE_MONTHS = "x_provider = $sp and x_export_name = $se and x_billing_period between $sb and $sl"
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
#: The mart column every mart groups by; a build of changed scopes replaces these periods only.
MART_PERIOD = "billing_period"


def scope_keys(changed: Changed) -> list[str]:
    """``changed`` as the ``$changed`` list of :data:`SCOPE_FILTER`."""
    return ["\x1f".join(c) for c in changed]


def scope_params(changed: Changed) -> dict[str, Any]:
    """The parameters of :data:`SCOPE_FILTER` for ``changed`` (no scope: no row)."""
    periods = [c[2] for c in changed]
    return {
        "changed": scope_keys(changed),
        "changed_first": min(periods, default=None),
        "changed_last": max(periods, default=None),
    }


def _month_number(period: str) -> int | None:
    found = _MONTH.match(period)
    return int(found.group(1)) * 12 + int(found.group(2)) if found else None


def scope_runs(changed: Changed) -> list[tuple[str, dict[str, Any]]]:
    """``changed`` as filters of :func:`_write_focus`: one per run of consecutive months of one
    export (:data:`SCOPE_MONTHS`), one scope alone as :data:`SCOPE_EQUALS`. A range of
    ``YYYY-MM`` periods holds no other period, so re-importing an export's 13 months is one
    ``COPY`` per mapping, not 13 (the demo's re-run: 78 scopes x 6 mappings, 0.05-0.13 s each)."""
    by_export: dict[tuple[str, str], list[str]] = {}
    for provider, export, period in changed:
        by_export.setdefault((provider, export), []).append(period)
    runs: list[tuple[str, dict[str, Any]]] = []
    for (provider, export), periods in sorted(by_export.items()):
        group: list[str] = []
        for period in sorted(set(periods)):
            number, last = _month_number(period), _month_number(group[-1]) if group else None
            if group and (number is None or last is None or number != last + 1):
                runs.append(_run(provider, export, group))
                group = []
            group.append(period)
        runs.append(_run(provider, export, group))
    return runs


def _run(provider: str, export: str, periods: list[str]) -> tuple[str, dict[str, Any]]:
    params = {"sp": provider, "se": export, "sb": periods[0]}
    if len(periods) == 1:
        return SCOPE_EQUALS, params
    return SCOPE_MONTHS, params | {"sl": periods[-1]}


def period_filter(column: str) -> str:
    """Rows whose ``column`` is one of ``$periods`` (:func:`period_params`), zone-map friendly."""
    col = sql.safe_ident(column)
    return f"({col} between $periods_first and $periods_last and list_contains($periods, {col}))"


def period_params(periods: list[str]) -> dict[str, Any]:
    """The parameters of :func:`period_filter` (no period: no row)."""
    return {
        "periods": list(periods),
        "periods_first": min(periods, default=None),
        "periods_last": max(periods, default=None),
    }


def _mapped(con: duckdb.DuckDBPyConnection, name: str, wanted: list[str]) -> list[str]:
    """The output columns a source mapping selects, in the table's order. A column it does not
    select is NULL, so a provider maps what it has (e.g. no ``x_extras``) and a column added to
    the table later needs no edit to the other providers' mappings.

    Raises:
        FinopsError: the mapping selects a column the table does not have (a typo), or lacks one
            of the scope columns every row needs.
    """
    text = sql.load(name)
    have = [r[0] for r in con.execute(f"describe select * from (\n{text}\n)").fetchall()]  # noqa: S608 - a stored query
    unknown = sorted(set(have) - set(wanted))
    missing = [c for c in ("x_provider", "x_export_name", "x_billing_period") if c not in have]
    if unknown or missing:
        raise FinopsError(
            f"FOCUS mapping queries/{name}.sql selects unknown column(s) {', '.join(unknown)}"
            if unknown
            else f"FOCUS mapping queries/{name}.sql lacks {', '.join(missing)}",
            hint="a mapping selects only focus.cost_and_usage columns (finops_lib.spec), with the x_ scope columns",
        )
    return [c for c in wanted if c in have]


def _mapping_failed(name: str, exc: duckdb.Error) -> FinopsError:
    """The one-line error of a FOCUS mapping that DuckDB could not run."""
    return FinopsError(
        f"FOCUS mapping queries/{name}.sql failed: {exc}",
        hint="this is a bug in the mapping or an unexpected raw column type",
    )


def replace_focus(
    con: duckdb.DuckDBPyConnection,
    changed: Changed | None,
    result: BuildResult,
    store: Path | None = None,
) -> list[focus_store.Written]:
    """Delete + insert the affected rows of ``focus.cost_and_usage``, in the caller's transaction
    (the build's, with the marts); with a ``store``, write them as new Parquet files and list
    those instead of the replaced scopes' files (:mod:`finops_lib.focus_store`).

    The scope is a plain filter on the x_ identity columns with the keys bound as a list, so DuckDB
    pushes it down to the raw scan: rebuilding one period does not map every period.

    Returns:
        The files written (a store only): the caller removes them if its transaction fails.
    """
    where = "true" if changed is None else SCOPE_FILTER
    params = {} if changed is None else scope_params(changed)
    names = sql.names("focus/sources")
    wanted = [n for n, _ in output_columns()]
    if store is not None:
        return _write_focus(con, changed, result, store, names, wanted)
    count = f"select count(*) from {FOCUS_TABLE} where {where}"  # noqa: S608 - fixed filter text
    row = con.execute(count, params).fetchone()
    result.rows_deleted = int(row[0]) if row else 0
    con.execute(f"delete from {FOCUS_TABLE} where {where}", params)  # noqa: S608 - fixed filter
    for name in names:
        if not _ready(con, name):
            result.sources_skipped.append(name)
            continue
        try:
            cols = ", ".join(sql.quote_ident(n) for n in _mapped(con, name, wanted))
            con.execute(
                f"insert into {FOCUS_TABLE} ({cols})\n"
                f"select {cols} from (\n{sql.load(name)}\n) as src where {where}",
                params,
            )
        except duckdb.Error as exc:
            raise _mapping_failed(name, exc) from None
        result.sources_run.append(name)
    row = con.execute(count, params).fetchone()
    result.rows_inserted = int(row[0]) if row else 0
    return []


def _write_focus(
    con: duckdb.DuckDBPyConnection,
    changed: Changed | None,
    result: BuildResult,
    store: Path,
    names: list[str],
    wanted: list[str],
) -> list[focus_store.Written]:
    """:func:`replace_focus` into the store: each mapping's rows of the changed scopes written once,
    as Parquet (no DuckDB table insert, and the same files are what is published).

    A full build writes each mapping's rows in one ``COPY`` (split by scope afterwards,
    :func:`finops_lib.focus_store.write`). A build of changed scopes writes one ``COPY`` per
    run of consecutive months of an export (:func:`scope_runs`), as equalities and a range:
    the list filter of :data:`SCOPE_FILTER` made DuckDB estimate few raw rows and build a hash
    join's table from them (2M rows: 20 s and spilling, or out of memory under 1 GB, against 12 s).
    """
    scopes: list[tuple[str, dict[str, Any]]] = (
        [("true", {})] if changed is None else scope_runs(changed)
    )
    keys = None if changed is None else set(changed)
    result.rows_deleted = sum(
        n for scope, _, n in focus_store.files(con) if keys is None or scope in keys
    )
    written: list[focus_store.Written] = []
    try:
        for name in names:
            if not _ready(con, name):
                result.sources_skipped.append(name)
                continue
            cols = ", ".join(sql.quote_ident(n) for n in _mapped(con, name, wanted))
            for where, params in scopes:
                query = f"select {cols} from (\n{sql.load(name)}\n) as src where {where}"  # noqa: S608
                try:
                    written += focus_store.write(con, store, query, params)
                except duckdb.Error as exc:
                    raise _mapping_failed(name, exc) from None
            result.sources_run.append(name)
        focus_store.retire(con, None if changed is None else list(changed))
        focus_store.add(con, written)
    except BaseException:
        focus_store.discard(written)
        raise
    result.rows_inserted = sum(n for _, _, n in written)
    return written


_MART = re.compile(r"create\s+or\s+replace\s+table\s+marts\.([A-Za-z_][A-Za-z0-9_]*)\s+as\b", re.I)


def mart_statement(name: str) -> tuple[str, str]:
    """The ``marts.X`` table a mart file creates and its select (the text after ``... as``).

    Raises:
        FinopsError: the file does not ``create or replace table marts.<name> as <select>``.
    """
    text = sql.load(name)
    found = _MART.search(text)
    if not found:
        raise FinopsError(
            f"mart queries/{name}.sql does not create a marts table",
            hint="a mart file holds `create or replace table marts.<name> as <select>`",
        )
    query = text[found.end() :].strip().rstrip(";")
    return "marts." + found.group(1), query


def table_sql(table: str) -> str:
    """``schema.table`` (names we validate) as SQL text, each part through ``sql.safe_ident``."""
    return ".".join(sql.safe_ident(part) for part in table.split("."))


def period_tables() -> dict[str, str]:
    """The tables a build of changed scopes patches per billing period, with their period column
    (the marts of ``queries/marts/``, and ``marts.cost_allocation``), unless the build log's
    ``whole_tables`` names them."""
    found = {mart_statement(name)[0]: MART_PERIOD for name in sql.names("marts")}
    found[allocation.TABLE] = "x_billing_period"
    return found


def _patchable(con: duckdb.DuckDBPyConnection, table: str, query: str) -> bool:
    """Whether ``table`` exists with exactly the columns ``query`` returns, ``billing_period``
    among them (so the changed periods' rows can be replaced in it)."""
    schema, name = table.split(".")
    have = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = $s and table_name = $t and table_catalog = current_database() "
        "order by ordinal_position",
        {"s": schema, "t": name},
    ).fetchall()
    if not have:
        return False
    wanted = con.execute(f"describe select * from (\n{query}\n)").fetchall()  # noqa: S608 - a stored query
    return [(str(n), str(t)) for n, t in have] == [(str(r[0]), str(r[1])) for r in wanted] and any(
        n == MART_PERIOD for n, _ in have
    )


def rebuild_marts(
    con: duckdb.DuckDBPyConnection,
    periods: list[str] | None = None,
    whole: list[str] | None = None,
) -> list[str]:
    """Run ``queries/marts/*.sql`` in name order: whole, or for ``periods`` only.

    With ``periods`` (the billing periods a build replaced), a mart table that exists with the
    file's columns has those periods' rows deleted and the file's select inserted for them (a
    filter on ``billing_period`` outside the select, which DuckDB pushes down to the FOCUS scan);
    the other periods' rows are those a full run would give (every mart groups by the period).
    The caller's transaction, if any, covers every statement.

    Args:
        whole: gets the tables (re)created whole appended.

    Returns:
        The mart names run.
    """
    done = []
    for name in sql.names("marts"):
        table, query = mart_statement(name)
        target = table_sql(table)
        try:
            if periods and _patchable(con, table, query):
                params = period_params(periods)
                where = period_filter(MART_PERIOD)
                con.execute(f"delete from {target} where {where}", params)  # noqa: S608 - checked names
                con.execute(
                    f"insert into {target} select * from (\n{query}\n) as m where {where}",  # noqa: S608
                    params,
                )
            elif periods == []:
                pass  # nothing changed
            else:
                con.execute(sql.load(name))
                if whole is not None:
                    whole.append(table)
        except duckdb.Error as exc:
            raise FinopsError(
                f"mart queries/{name}.sql failed: {exc}", hint="fix the mart query and rebuild"
            ) from None
        done.append(name)
    return done


def _log(con: duckdb.DuckDBPyConnection, changed: Changed | None, result: BuildResult) -> None:
    con.execute(
        "create table if not exists meta.build_log (built_at timestamptz, full_rebuild boolean, "
        "changed varchar, rows_deleted bigint, rows_inserted bigint, sources varchar, "
        "seconds double)"
    )
    # which tables were made whole, so that publishing knows what it cannot patch per period
    con.execute("alter table meta.build_log add column if not exists whole_tables varchar")
    con.execute(
        "insert into meta.build_log by name select now() as built_at, $full as full_rebuild, "
        "$changed as changed, $d as rows_deleted, $i as rows_inserted, $s as sources, "
        "$sec as seconds, $w as whole_tables",
        {
            "w": ",".join(result.whole_tables),
            "full": result.full,
            "changed": None if changed is None else ";".join("/".join(c) for c in changed),
            "d": result.rows_deleted,
            "i": result.rows_inserted,
            "s": ",".join(result.sources_run),
            "sec": result.seconds,
        },
    )


def recorded_trees(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    """The config trees the last build recorded in ``meta.config_trees`` (``{}`` when none)."""
    if not db.table_exists(con, "meta", "config_trees"):
        return {}
    rows = con.execute("select section, body from meta.config_trees").fetchall()
    return {str(section): json.loads(body) for section, body in rows if body}


def record_trees(con: duckdb.DuckDBPyConnection, trees: Mapping[str, dict[str, Any]]) -> None:
    """Replace the rows of :data:`RECORDED_TREES` in ``meta.config_trees`` with ``trees``."""
    con.execute(
        "create table if not exists meta.config_trees "
        "(section varchar, body varchar, recorded_at timestamptz)"
    )
    con.execute(
        "delete from meta.config_trees where list_contains($s, section)",
        {"s": list(RECORDED_TREES)},
    )
    for section in RECORDED_TREES:
        con.execute(
            "insert into meta.config_trees values ($s, $b, now())",
            {"s": section, "b": allocation.tree_json(dict(trees.get(section) or {}))},
        )


def build(
    con: duckdb.DuckDBPyConnection,
    *,
    changed: Changed | None = None,
    trees: Mapping[str, dict[str, Any]] | None = None,
    store: Path | None = None,
) -> BuildResult:
    """(Re)build staging, ``focus.cost_and_usage``, the marts and ``marts.cost_allocation``.

    Args:
        con: a writable warehouse connection.
        changed: ``(provider, export_name, billing_period)`` just (re)loaded; ``None`` = everything.
        trees: the config trees in effect (``{"allocation": settings.tree("allocation"),
            "budgets": ...}``), recorded in ``meta.config_trees``; ``None`` keeps the recorded
            ones (a build without settings allocates as the last one did).
        store: the FOCUS store folder (:func:`finops_lib.focus_store.folder`): FOCUS rows are
            written there as Parquet; ``None``: the one the warehouse already uses, if any, else
            ``focus.cost_and_usage`` is a DuckDB table.

    Returns:
        A :class:`BuildResult` with rows deleted/inserted and what ran.

    Raises:
        FinopsError: a staging view, mapping or mart failed (the message names the file).
        ConfigError: a bad allocation rule (before anything is rebuilt).
    """
    t0 = time.perf_counter()
    result = BuildResult()
    recorded = recorded_trees(con)
    in_effect = dict(trees) if trees is not None else recorded
    rules = allocation.parse(in_effect.get("allocation"))
    # the same rules made the other periods' rows: only the rebuilt periods are allocated again
    same_rules = allocation.tree_json(in_effect.get("allocation") or {}) == allocation.tree_json(
        recorded.get("allocation") or {}
    )
    store = store or focus_store.recorded_folder(con)
    for schema in SCHEMAS:
        con.execute(f"create schema if not exists {sql.safe_ident(schema)}")
    result.staging_views = create_staging(con)
    # FOCUS rows carry their source position (x_source_file, x_source_row) and the marts are
    # grouped, so the inserts need not keep row order: DuckDB then writes them on every thread
    # (the 2M-row FOCUS insert took 51 s instead of 89 s of wall time, the same CPU time)
    setting = con.execute("select current_setting('preserve_insertion_order')").fetchone()
    con.execute("set preserve_insertion_order = false")
    con.execute("begin transaction")  # build's own: call it after the load's commit
    written: list[focus_store.Written] = []
    try:  # the FOCUS table (or store), its rows and the marts change together
        if ensure_focus_table(con, store):
            changed = None
        result.full = changed is None
        periods = None if changed is None else sorted({c[2] for c in changed})
        written = replace_focus(con, changed, result, store)
        result.marts = rebuild_marts(con, periods, result.whole_tables)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        focus_store.discard(written)
        raise
    finally:
        con.execute(
            "set preserve_insertion_order = $v", {"v": bool(setting[0]) if setting else True}
        )
    incremental = changed is not None and same_rules and allocation.is_current(con)
    result.allocation_rows = allocation.apply(con, rules, periods if incremental else None)
    if not incremental:
        result.whole_tables.append(allocation.TABLE)
    if trees is not None:  # after the mart: recorded rules are always the rules that made it
        record_trees(con, trees)
    result.seconds = time.perf_counter() - t0
    _log(con, changed, result)
    log.info(
        "FOCUS build: %d rows deleted, %d inserted, sources %s",
        result.rows_deleted,
        result.rows_inserted,
        result.sources_run,
    )
    return result
