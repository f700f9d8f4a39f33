"""``finops import`` with ``[engine] kind = "spark"``: Spark reads the deliveries, builds and serves.

What reads what:

1. The Python core discovers each configured export's deliveries, checks their manifests and skips
   a delivery already in ``meta.load_state`` (:func:`finops_lib.pipeline.load_exports`, as on
   DuckDB); the provider's ``fetch`` downloads the files (a local copy is read in place).
2. Spark reads the fetched files itself when the export has a Spark reader (AWS: CUR v1 CSV /
   CSV.gz / zip, CUR 2.0 Parquet, the FOCUS export; ``finops_lib/sources/aws_cur/spark.py``),
   normalised as the provider's DuckDB loader does, and replaces the period's partition of the raw
   lake ``<warehouse_path>/raw/<schema>__<table>/x_provider=/x_export_name=/x_billing_period=/``
   (staged, checked, then Spark's dynamic partition overwrite). Spark computes the period's source
   totals from that partition; the core records them and the load state in the DuckDB warehouse,
   in one transaction (:class:`finops_lib.engine.spark_load.SparkLoader`).
3. An export without a Spark reader (GCP; Azure cost + FocusCost in one dataset) is loaded by its
   provider into DuckDB as before, and that period's rows are copied into the same partitioned
   layout (:func:`finops_lib.engine.spark_load.write_duckdb_scopes`). A warehouse whose lake is
   older (one flat file per scope) or absent is brought to the layout once, from DuckDB.
4. Spark (``[engine] spark_master``) reads the lake's tables with their partitions, runs staging,
   every FOCUS mapping and the marts (:class:`finops_lib.engine.spark.SparkEngine`), and writes
   FOCUS as one Parquet file per scope and each mart as ``data.parquet`` in the published layout
   of :mod:`finops_lib.publish` (``<publish_dir>/parquet/<schema>__<table>/``).
5. Spark's FOCUS rows and marts replace the warehouse's, and the snapshot is published, so
   ``finops focus export``, the notebooks, reports and Metabase read a Spark-built warehouse.

A second import with nothing new starts no Spark session. Not yet on Spark (docs/SCALE.md):
``marts.cost_allocation`` and budgets (DuckDB, after the import).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from finops_lib import db, focus_store, sql
from finops_lib.build import ensure_focus_table
from finops_lib.config import Settings
from finops_lib.engine import engine_settings
from finops_lib.engine.spark import FOCUS_TABLE, SCOPE_COLUMNS, SparkEngine, session
from finops_lib.engine.spark_load import (
    UNBUILT_MARKER,
    SparkLoader,
    migrate_layout,
    register_raw,
)
from finops_lib.focus_store import scope_file
from finops_lib.pipeline import ImportResult, ensure_tables, load_exports, select_exports
from finops_lib.publish import SCHEMA_FILE, parquet_dir, publish

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


def _spark_publish(eng: SparkEngine, out: Path) -> tuple[int, list[str]]:
    """FOCUS per scope and every mart as ``data.parquet`` under ``out`` (the published layout).

    FOCUS is written by one Spark job: the rows are partitioned by their scope's number, so each
    scope's rows land in one file, renamed to :func:`finops_lib.focus_store.scope_file`."""
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


def _adopt(con: duckdb.DuckDBPyConnection, out: Path, marts: list[str], store: Path) -> None:
    """Spark's FOCUS rows and marts replace the warehouse's (one transaction); the FOCUS rows
    are written into the FOCUS store (:mod:`finops_lib.focus_store`) with the warehouse's types."""
    focus_glob = str(out / "focus__cost_and_usage" / "*.parquet")
    con.execute("begin transaction")
    written: list[focus_store.Written] = []
    try:
        ensure_focus_table(con, store)
        written = focus_store.write(con, store, "select * from read_parquet($g)", {"g": focus_glob})
        focus_store.retire(con, None)
        focus_store.add(con, written)
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
        focus_store.discard(written)
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
    raw_dir = engine.warehouse_path / "raw"
    loader = SparkLoader(
        raw_dir,
        lambda: session(
            engine.spark_master,
            engine.warehouse_path,
            driver_memory=engine.spark_driver_memory,
            java_options=engine.spark_java_options,
        ),
    )
    con = db.connect_writer(settings)
    try:
        try:
            ensure_tables(con)
            if migrate_layout(con, raw_dir):
                say(f"raw tables written to {raw_dir} (partitioned by provider, export, period)")
            loads = ImportResult()
            load_exports(
                con, selected, loads, periods=periods, force=force, progress=say, load=loader
            )
            result.loaded = [((x.provider, x.export, x.period), x.rows) for x in loads.loaded]
            result.skipped = list(loads.skipped)
            if not result.loaded and not (raw_dir / UNBUILT_MARKER).exists():
                say("nothing new to load")
                result.seconds = time.perf_counter() - t0
                return result
            say(f"building FOCUS on Spark ({engine.spark_master})")
            eng = SparkEngine(loader.spark)
            register_raw(eng.spark, raw_dir)
            eng.build(totals=False)  # the loads wrote them
            out = parquet_dir(settings)
            say("writing FOCUS and the marts as Parquet")
            result.focus_rows, result.marts = _spark_publish(eng, out)
        finally:
            if loader.started:
                loader.spark.stop()
        _adopt(con, out, result.marts, focus_store.folder(settings))
        (raw_dir / UNBUILT_MARKER).unlink(missing_ok=True)
        say("publishing the snapshot")
        result.published = str(publish(con, settings))
    finally:
        con.close()
    result.seconds = time.perf_counter() - t0
    return result
