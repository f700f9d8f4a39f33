"""``finops import`` with ``[engine] kind = "spark"``: the Python core loads, Spark builds and serves.

1. Discovery, manifests, exactly-once and load state stay in the Python core: each configured
   export's deliveries are listed, a delivery already in ``meta.load_state`` is skipped, a new or
   restated one is loaded by its provider in one transaction with its source totals
   (:func:`finops_lib.pipeline.load_delivery`), as on DuckDB.
2. Each loaded period's raw rows are written as one Parquet file per ``(provider, export, period)``
   under ``<warehouse_path>/raw/<schema>__<table>/`` (the file name of
   :func:`finops_lib.publish.scope_file`), so a restated period overwrites exactly its file.
3. Spark (``[engine] spark_master``) reads those files, runs staging, every FOCUS mapping and the
   marts (:class:`finops_lib.engine.spark.SparkEngine`), and writes FOCUS as one Parquet file per
   scope and each mart as ``data.parquet`` in the published layout of :mod:`finops_lib.publish`
   (``<publish_dir>/parquet/<schema>__<table>/``).
4. Spark's FOCUS rows and marts replace the warehouse's, and the snapshot is published, so
   ``finops focus export``, the notebooks, reports and Metabase read a Spark-built warehouse.

Not yet on Spark (docs/SCALE.md): reading the delivery files themselves (the providers' loaders
are DuckDB code), ``marts.cost_allocation`` and budgets (DuckDB, after the import).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from finops_lib import db, sql
from finops_lib.build import ensure_focus_table
from finops_lib.config import Settings
from finops_lib.engine import engine_settings
from finops_lib.engine.spark import FOCUS_TABLE, SCOPE_COLUMNS, SparkEngine, session
from finops_lib.pipeline import ImportResult, load_exports, select_exports
from finops_lib.publish import SCHEMA_FILE, parquet_dir, publish, scope_file

Progress = Callable[[str], None]
Scope = tuple[str, str, str]


@dataclass
class SparkImport:
    """What a Spark import did."""

    loaded: list[tuple[Scope, int]] = field(default_factory=list)
    skipped: list[Scope] = field(default_factory=list)
    focus_rows: int = 0
    marts: list[str] = field(default_factory=list)
    published: str | None = None
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(n for _, n in self.loaded)


def _raw_tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    return [
        (str(s), str(t))
        for s, t in con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema like 'raw\\_%' escape '\\' and table_type = 'BASE TABLE' "
            "order by 1, 2"
        ).fetchall()
    ]


def _copy(con: duckdb.DuckDBPyConnection, query: str, params: dict, final: Path) -> int:
    tmp = final.with_name(final.name + ".tmp")
    row = con.execute(
        f"copy ({query}) to $path (format parquet)", params | {"path": str(tmp)}
    ).fetchone()
    rows = int(row[0]) if row else 0
    if rows:
        os.replace(tmp, final)
    else:
        tmp.unlink(missing_ok=True)
        final.unlink(missing_ok=True)
    return rows


def write_raw(
    con: duckdb.DuckDBPyConnection, raw_dir: Path, scopes: Iterable[Scope] | None
) -> None:
    """The raw rows of ``scopes`` (every scope when None) as one Parquet file per scope and raw
    table under ``raw_dir/<schema>__<table>/``."""
    where = " and ".join(f"{c} is not distinct from ${c}" for c in SCOPE_COLUMNS)
    for schema, table in _raw_tables(con):
        src = f"{sql.safe_ident(schema)}.{sql.safe_ident(table)}"
        cols = {r[0] for r in con.execute(f"describe {src}").fetchall()}  # noqa: S608
        if not set(SCOPE_COLUMNS) <= cols:
            continue
        folder = raw_dir / f"{schema}__{table}"
        folder.mkdir(parents=True, exist_ok=True)
        todo = (
            list(scopes)
            if scopes is not None
            else con.execute(f"select distinct {', '.join(SCOPE_COLUMNS)} from {src}").fetchall()  # noqa: S608
        )
        for scope in todo:
            params = dict(zip(SCOPE_COLUMNS, scope, strict=True))
            query = f"select * from {src} where {where}"  # noqa: S608 - validated names
            _copy(con, query, params, folder / scope_file(tuple(scope)))


def _spark_publish(eng: SparkEngine, out: Path) -> tuple[int, list[str]]:
    """FOCUS per scope and every mart as ``data.parquet`` under ``out`` (the published layout).

    FOCUS is written by one Spark job: the rows are partitioned by their scope's number, so each
    scope's rows land in one file, renamed to :func:`finops_lib.publish.scope_file`."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import IntegerType

    focus = eng.spark.table(FOCUS_TABLE)
    folder = out / "focus__cost_and_usage"
    folder.mkdir(parents=True, exist_ok=True)
    scratch = out / ".spark_tmp"
    counts = [
        (tuple(r[: len(SCOPE_COLUMNS)]), int(r[-1]))
        for r in focus.groupBy(*SCOPE_COLUMNS).count().collect()
    ]
    names = {i: scope_file(scope) for i, (scope, _) in enumerate(counts)}
    if counts:
        ids = eng.spark.createDataFrame(
            [(*scope, i) for i, (scope, _) in enumerate(counts)],
            focus.select(*SCOPE_COLUMNS).schema.add("_scope", IntegerType()),
        )
        cond = [focus[c].eqNullSafe(ids[c]) for c in SCOPE_COLUMNS]
        tagged = focus.join(F.broadcast(ids), cond).select(
            *[focus[c] for c in focus.columns], "_scope"
        )
        shutil.rmtree(scratch, ignore_errors=True)
        tagged.repartition("_scope").write.partitionBy("_scope").parquet(str(scratch))
        for i, name in names.items():
            (part,) = sorted((scratch / f"_scope={i}").glob("part-*.parquet"))
            os.replace(part, folder / name)
    for stale in folder.glob("*.parquet"):
        if stale.name not in names.values() and stale.name != SCHEMA_FILE:
            stale.unlink()
    _write_one(focus.limit(0), scratch, folder / SCHEMA_FILE)
    marts = []
    for table in eng.spark.catalog.listTables("marts"):
        mfolder = out / f"marts__{table.name}"
        mfolder.mkdir(parents=True, exist_ok=True)
        _write_one(eng.spark.table(f"marts.{table.name}"), scratch, mfolder / "data.parquet")
        marts.append(table.name)
    shutil.rmtree(scratch, ignore_errors=True)
    return sum(n for _, n in counts), marts


def _write_one(df, scratch: Path, final: Path) -> None:  # type: ignore[no-untyped-def]
    """``df`` as exactly one Parquet file at ``final`` (via Spark's folder and a rename)."""
    shutil.rmtree(scratch, ignore_errors=True)
    df.coalesce(1).write.mode("overwrite").parquet(str(scratch))
    (part,) = sorted(scratch.glob("part-*.parquet"))
    os.replace(part, final)


def _adopt(con: duckdb.DuckDBPyConnection, out: Path, marts: list[str]) -> None:
    """Spark's FOCUS rows and marts replace the warehouse's (one transaction)."""
    ensure_focus_table(con)
    focus_glob = str(out / "focus__cost_and_usage" / "*.parquet")
    con.execute("begin transaction")
    try:
        con.execute(f"delete from {FOCUS_TABLE}")  # noqa: S608 - fixed name
        con.execute(
            f"insert into {FOCUS_TABLE} by name select * from read_parquet($g)",  # noqa: S608
            {"g": focus_glob},
        )
        con.execute("create schema if not exists marts")
        for name in marts:
            target = "marts." + sql.safe_ident(name)
            con.execute(
                f"create or replace table {target} as select * from read_parquet($p)",  # noqa: S608
                {"p": str(out / f"marts__{name}" / "data.parquet")},
            )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def import_all(
    settings: Settings,
    *,
    providers: list[str] | None = None,
    exports: list[str] | None = None,
    periods: list[str] | None = None,
    force: bool = False,
    progress: Progress | None = None,
) -> SparkImport:
    """Import every configured export (or those named) with FOCUS built on Spark.

    Raises:
        FinopsError: bad input or config (as :func:`finops_lib.pipeline.import_all`), or no JDK.
    """
    t0 = time.perf_counter()
    say = progress or (lambda _msg: None)
    engine = engine_settings(settings)
    selected = select_exports(settings, providers, exports)
    result = SparkImport()
    con = db.connect_writer(settings)
    try:
        loads = ImportResult()
        load_exports(con, selected, loads, periods=periods, force=force, progress=say)
        result.loaded = [((x.provider, x.export, x.period), x.rows) for x in loads.loaded]
        result.skipped = list(loads.skipped)
        raw_dir = engine.warehouse_path / "raw"
        complete = (raw_dir / SCHEMA_FILE).exists()
        write_raw(con, raw_dir, [s for s, _ in result.loaded] if complete else None)
        (raw_dir / SCHEMA_FILE).touch()  # the raw folders hold every loaded scope
        if not result.loaded and complete:
            say("nothing new to load")
            result.seconds = time.perf_counter() - t0
            return result
        say(f"building FOCUS on Spark ({engine.spark_master})")
        spark = session(engine.spark_master, engine.warehouse_path)
        try:
            eng = SparkEngine(spark)
            for folder in sorted(p for p in raw_dir.iterdir() if p.is_dir()):
                schema, _, table = folder.name.partition("__")
                if any(folder.glob("*.parquet")):
                    eng.register_parquet(f"{schema}.{table}", folder)
            eng.build(totals=False)  # the load wrote them
            out = parquet_dir(settings)
            say("writing FOCUS and the marts as Parquet")
            result.focus_rows, result.marts = _spark_publish(eng, out)
        finally:
            spark.stop()
        _adopt(con, out, result.marts)
        say("publishing the snapshot")
        result.published = str(publish(con, settings))
    finally:
        con.close()
    result.seconds = time.perf_counter() - t0
    return result
