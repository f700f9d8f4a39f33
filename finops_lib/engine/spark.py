"""The FOCUS build, conformance checks and reconciliation on Apache Spark, from the same ``queries/``.

What :mod:`finops_lib.build`, :mod:`finops_lib.checks` and :mod:`finops_lib.reconcile` do on DuckDB,
in the same order and from the same files, rendered by :mod:`finops_lib.engine.dialect`:

1. lookups (``finops_lib/lookups/*.csv``) as ``staging.lookup_<stem>`` tables, one staging view per
   ``queries/staging/*.sql`` whose raw inputs exist;
2. ``focus.cost_and_usage``: what every ready ``queries/focus/sources/*.sql`` mapping returns, cast
   to the table's columns (:func:`finops_lib.spec.output_columns`), a column a mapping does not
   select being NULL (as DuckDB's ``insert ... (cols)``);
3. the marts (``queries/marts/*.sql`` in name order);
4. ``meta.source_totals`` from the providers' ``queries/reconcile/<prefix>_*.sql``;
5. the conformance rules over temp views named as on DuckDB, and reconciliation.

Spark keeps the schemas as databases of its session catalog (``raw_aws``, ``staging``, ``focus``,
``marts``, ``meta``), its managed tables as Parquet under ``<warehouse_path>/tables``. JSON columns
are text, TIMESTAMPTZ is Spark's TIMESTAMP in a UTC session.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from finops_lib import sql
from finops_lib.checks import (
    LATER_COLUMNS,
    SPEC_DIR,
    CheckResult,
    Rule,
    expected_columns,
    load_rules,
)
from finops_lib.engine.dialect import duckdb_type_name, materialised, spark_type, to_spark
from finops_lib.errors import FinopsError
from finops_lib.spec import output_columns

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

LOOKUPS_DIR = Path(__file__).resolve().parents[1] / "lookups"
FOCUS_TABLE = "focus.cost_and_usage"
SCHEMAS = ("staging", "focus", "meta", "marts")
#: The driver's and executors' JVM options (a managed cluster sets the same in its Spark config).
JVM_OPTIONS = "-Duser.timezone=UTC -XX:-DontCompileHugeMethods"
SCOPE_COLUMNS = ("x_provider", "x_export_name", "x_billing_period")
SOURCE_TOTALS_COLUMNS = (
    ("provider", "VARCHAR"),
    ("export_name", "VARCHAR"),
    ("billing_period", "VARCHAR"),
    ("delivery_id", "VARCHAR"),
    ("billing_account_id", "VARCHAR"),
    ("currency", "VARCHAR"),
    ("rows", "BIGINT"),
    ("billed_cost", "DECIMAL(38,10)"),
    ("effective_cost", "DECIMAL(38,10)"),
    ("billed_basis", "VARCHAR"),
    ("effective_basis", "VARCHAR"),
)


def session(
    master: str,
    warehouse: Path,
    app: str = "open-finops",
    driver_memory: str = "",
    java_options: str = "",
) -> SparkSession:
    """A Spark session for ``master`` (``local[N]``, ``spark://...``; ``sc://...`` is Spark
    Connect) with the session in UTC, no UI, the driver on loopback for a local master, and its
    tables under ``warehouse``. ``driver_memory`` (``8g``) and ``java_options`` (appended to
    :data:`JVM_OPTIONS`) apply to a JVM this process starts: not to Spark Connect, nor to a
    session already running in the process.

    Raises:
        FinopsError: no Java runtime (Spark needs a JDK 17+).
    """
    import shutil

    if master.startswith("sc://"):
        from pyspark.sql import SparkSession

        return SparkSession.builder.remote(master).appName(app).getOrCreate()
    if not shutil.which("java") and not os.environ.get("JAVA_HOME"):
        raise FinopsError(
            "[engine] kind = 'spark' needs a Java runtime and none was found",
            hint="install a JDK 17+ (apt-get install openjdk-17-jre-headless) or set JAVA_HOME",
        )
    from pyspark.sql import SparkSession

    local = master.startswith("local") or "127.0.0.1" in master or "localhost" in master
    if local:
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        # executors on this machine run this interpreter (it has pyspark) for Python-side data
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    # managed tables (staging lookups, FOCUS, marts) are rebuilt by every run: the session catalog
    # is in memory, so what an earlier session left there would block the names
    jvm = f"{JVM_OPTIONS} {java_options}".strip()
    tables = (warehouse / "tables").resolve()
    shutil.rmtree(tables, ignore_errors=True)
    builder = (
        SparkSession.builder.master(master)
        .appName(app)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", str(tables))
        .config("spark.sql.shuffle.partitions", str(_shuffle_partitions(master)))
        .config("spark.sql.sources.partitionOverwriteMode", "dynamic")
        # DECIMAL(38,10) + DECIMAL(38,10) stays DECIMAL(38,10), as on DuckDB (not rounded to 9)
        .config("spark.sql.decimalOperations.allowPrecisionLoss", "false")
        # a JSON object read as a map (tags) with a key twice keeps one value instead of failing
        .config("spark.sql.mapKeyDedupPolicy", "LAST_WIN")
        # the JIT may compile generated methods over HotSpot's 8 KB default: the AWS mapping's row
        # method is 18.9 KB and otherwise runs interpreted, 2x the CPU (docs/SCALE.md)
        .config("spark.driver.extraJavaOptions", f"{jvm} -Dlog4j2.level=ERROR")
        .config("spark.executor.extraJavaOptions", jvm)
    )
    if driver_memory:
        builder = builder.config("spark.driver.memory", driver_memory)
    if local:
        builder = builder.config("spark.driver.host", "127.0.0.1").config(
            "spark.driver.bindAddress", "127.0.0.1"
        )
    for name in ("SQLQueryContextLogger", "py4j", "pyspark"):
        logging.getLogger(name).setLevel(logging.CRITICAL)  # errors are raised, not logged
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("FATAL")
    return spark


@dataclass
class SparkBuild:
    """What one Spark build did."""

    staging_views: list[str] = field(default_factory=list)
    sources_run: list[str] = field(default_factory=list)
    sources_skipped: list[str] = field(default_factory=list)
    marts: list[str] = field(default_factory=list)
    rows: int = 0


def _scope_filter(df: DataFrame, changed: Sequence[tuple[str, str, str]] | None) -> DataFrame:
    if changed is None:
        return df
    from pyspark.sql import functions as F

    keys = ["\x1f".join(c) for c in changed]
    return df.where(F.concat_ws("\x1f", *[F.col(c) for c in SCOPE_COLUMNS]).isin(keys))


class SparkEngine:
    """The stored queries on one Spark session (the ``con`` of the DuckDB side)."""

    def __init__(self, spark: SparkSession) -> None:
        self.spark = spark

    # -- plumbing ------------------------------------------------------------------------------
    def sql(self, text: str, params: dict[str, Any] | None = None) -> DataFrame:
        """Run a DuckDB SQL text on Spark (every statement; returns the last one's result)."""
        out = None
        for stmt in to_spark(text, self.columns):
            used = {k: v for k, v in (params or {}).items() if f":{k}" in stmt}
            cached = materialised(stmt)
            if cached is not None:  # a CTE ``AS MATERIALIZED``: computed once, read as a leaf
                view, query = cached
                rows = self.spark.sql(query, args=used or None).localCheckpoint()
                rows.createOrReplaceTempView(view)
                continue
            out = self.spark.sql(stmt, args=used or None)
        if out is None:
            raise ValueError("no SQL statement")
        return out

    def run(self, name: str, params: dict[str, Any] | None = None) -> DataFrame:
        """A stored query (``queries/<name>.sql``) on Spark."""
        try:
            return self.sql(sql.load(name), params)
        except Exception as exc:  # noqa: BLE001 - Spark's errors are many classes
            raise FinopsError(
                f"queries/{name}.sql failed on Spark: {_first_line(exc)}",
                hint="write the construct in a form both engines run (docs/SCALE.md)",
            ) from None

    def columns(self, relation: str) -> list[str]:
        """The column names of a table or view."""
        return list(self.spark.table(relation).columns)

    def exists(self, relation: str) -> bool:
        """Whether ``schema.table`` exists in the session catalog."""
        schema, _, table = relation.partition(".")
        return bool(
            self.spark.catalog.databaseExists(schema)
            and self.spark.catalog.tableExists(f"{schema}.{table}")
        )

    def ready(self, name: str) -> bool:
        """Whether every relation a query file requires exists."""
        return all(self.exists(r) for r in sql.requires(name))

    def ensure_schemas(self, names: Iterable[str] = SCHEMAS) -> None:
        for schema in names:
            self.spark.sql(f"create database if not exists {_ident(schema)}")

    def register_parquet(self, relation: str, path: str | Path) -> None:
        """Expose Parquet files (a file, folder or glob; local, ``s3a://``, ``abfss://``,
        ``gs://``) as the table ``schema.table`` (e.g. a raw table)."""
        schema, _, table = relation.partition(".")
        self.ensure_schemas([schema])
        self.spark.catalog.dropTempView(table)
        self.spark.sql(f"drop table if exists {_ident(schema)}.{_ident(table)}")
        self.spark.catalog.createTable(relation, path=str(path), source="parquet")

    def save(self, df: DataFrame, relation: str) -> None:
        """Replace the managed Parquet table ``relation`` with ``df``."""
        df.write.mode("overwrite").format("parquet").saveAsTable(relation)

    # -- build ---------------------------------------------------------------------------------
    def load_lookups(self) -> list[str]:
        """``finops_lib/lookups/*.csv`` as ``staging.lookup_<stem>`` (every column text)."""
        import csv

        from pyspark.sql.types import StringType, StructField, StructType

        self.ensure_schemas()
        done = []
        for path in sorted(LOOKUPS_DIR.glob("*.csv")):
            # a table over the file with its header's columns given: no Spark job to infer them
            with path.open(newline="", encoding="utf-8") as fh:
                header = next(csv.reader(fh))
            schema = StructType([StructField(c, StringType()) for c in header])
            relation = "staging." + sql.safe_name("lookup_" + path.stem)
            self.spark.sql(f"drop table if exists {relation}")
            self.spark.catalog.createTable(
                relation, path=str(path), source="csv", schema=schema, header="true"
            )
            done.append(path.stem)
        return done

    def create_staging(self) -> list[str]:
        """(Re)create the staging views whose raw inputs exist; drop the others."""
        self.load_lookups()
        made = []
        for name in sql.names("staging"):
            view = "staging." + sql.safe_name(name.rsplit("/", 1)[1])
            if self.ready(name):
                (stmt,) = to_spark(
                    f"create or replace view {view} as\n{sql.load(name)}", self.columns
                )
                try:
                    self.spark.sql(stmt)
                except Exception as exc:  # noqa: BLE001
                    raise FinopsError(
                        f"staging view queries/{name}.sql failed on Spark: {_first_line(exc)}",
                        hint="the raw table lacks a column the view needs; re-import the export",
                    ) from None
                made.append(name)
            else:
                self.spark.sql(f"drop view if exists {view}")
        return made

    def focus_rows(
        self,
        changed: Sequence[tuple[str, str, str]] | None = None,
        result: SparkBuild | None = None,
    ) -> DataFrame:
        """Every ready FOCUS mapping's rows (of the ``changed`` scopes, or all), cast to the
        columns of ``focus.cost_and_usage`` in its order."""
        from pyspark.sql import functions as F

        result = result if result is not None else SparkBuild()
        wanted = output_columns()
        frames = []
        for name in sql.names("focus/sources"):
            if not self.ready(name):
                result.sources_skipped.append(name)
                continue
            df = self.run(name)
            have = set(df.columns)
            unknown = sorted(have - {n for n, _ in wanted})
            if unknown:
                raise FinopsError(
                    f"FOCUS mapping queries/{name}.sql selects unknown column(s) {', '.join(unknown)}",
                    hint="a mapping selects only focus.cost_and_usage columns (finops_lib.spec)",
                )
            df = _scope_filter(df, changed)
            frames.append(
                df.select(
                    *[
                        (F.col(n) if n in have else F.lit(None)).cast(spark_type(t)).alias(n)
                        for n, t in wanted
                    ]
                )
            )
            result.sources_run.append(name)
        if not frames:
            return self.spark.createDataFrame([], self.focus_schema())
        out = frames[0]
        for df in frames[1:]:
            out = out.unionAll(df)
        return out

    def focus_schema(self) -> Any:
        from pyspark.sql.types import _parse_datatype_string

        ddl = ", ".join(f"`{n}` {spark_type(t)}" for n, t in output_columns())
        return _parse_datatype_string(ddl)

    def rebuild_marts(self) -> list[str]:
        """Run ``queries/marts/*.sql`` in name order."""
        done = []
        for name in sql.names("marts"):
            self.run(name)
            done.append(name)
        return done

    def source_totals(self, delivery_ids: dict[tuple[str, str, str], str] | None = None) -> None:
        """``meta.source_totals`` from every ready ``queries/reconcile/<prefix>_*.sql`` (the
        per-provider files; ``focus_totals``, ``source_totals`` and ``compare`` are not)."""
        from pyspark.sql import functions as F

        self.ensure_schemas(["meta"])
        frames = []
        for name in sql.names("reconcile"):
            stem = name.rsplit("/", 1)[1]
            if stem in ("focus_totals", "source_totals", "compare") or not sql.requires(name):
                continue
            if not self.ready(name):
                continue
            df = self.run(name)
            ids = delivery_ids or {}
            delivery = F.lit(None).cast("string")
            for (p, e, period), d in ids.items():
                delivery = F.when(
                    (F.col("provider") == p)
                    & (F.col("export_name") == e)
                    & (F.col("billing_period") == period),
                    F.lit(d),
                ).otherwise(delivery)
            df = df.withColumn("delivery_id", delivery)
            frames.append(
                df.select(
                    *[F.col(n).cast(spark_type(t)).alias(n) for n, t in SOURCE_TOTALS_COLUMNS]
                )
            )
        if frames:
            out = frames[0]
            for df in frames[1:]:
                out = out.unionAll(df)
            self.save(out, "meta.source_totals")

    def build(self, totals: bool = True) -> SparkBuild:
        """Staging, the whole ``focus.cost_and_usage``, the marts and (with ``totals``)
        ``meta.source_totals`` (an import has them from the load already)."""
        result = SparkBuild()
        self.ensure_schemas()
        result.staging_views = self.create_staging()
        rows = self.focus_rows(None, result)
        self.save(rows, FOCUS_TABLE)
        result.rows = self.spark.table(FOCUS_TABLE).count()
        result.marts = self.rebuild_marts()
        if totals and not self.exists("meta.source_totals"):
            self.source_totals()
        return result

    # -- checks and reconciliation ---------------------------------------------------------------
    def prepare_checks(self, table: str = FOCUS_TABLE, period: str | None = None) -> set[str]:
        """The temp views the rules read (as :func:`finops_lib.checks.run_checks` makes them);
        returns the checked relation's columns."""
        from pyspark.sql import functions as F

        spark = self.spark
        df = spark.table(table)
        df.createOrReplaceTempView("focus_check_all")
        if period:
            df = df.where(F.date_format("BillingPeriodStart", "yyyy-MM") == F.lit(period))
        df.createOrReplaceTempView("focus_check_input")
        actual = [
            (f.name, duckdb_type_name(f.dataType.simpleString()), i + 1)
            for i, f in enumerate(df.schema.fields)
        ]
        spark.createDataFrame(
            actual, "column_name string, data_type string, ordinal bigint"
        ).createOrReplaceTempView("check_actual_columns")
        expected = [(c["name"], c["type"], bool(c["nullable"])) for c in expected_columns("1.2")]
        spark.createDataFrame(
            expected, "column_name string, data_type string, nullable boolean"
        ).createOrReplaceTempView("check_expected_columns")
        spark.createDataFrame(
            [(c,) for c in LATER_COLUMNS], "column_name string"
        ).createOrReplaceTempView("check_known_later_columns")
        for view, fname in (
            ("check_allowed_values", "allowed_values.csv"),
            ("check_service_subcategories", "service_subcategories.csv"),
            ("check_iso4217", "iso4217.csv"),
        ):
            spark.read.csv(str(SPEC_DIR / fname), header=True).createOrReplaceTempView(view)
        return {a[0] for a in actual}

    def failing_rows(self, rule: Rule) -> DataFrame:
        """The rows that break one rule (after :meth:`prepare_checks`)."""
        return self.sql(sql.load(rule.name))

    def failing_json(self, rules: Sequence[Rule]) -> DataFrame:
        """Every rule's failing rows in one Spark job (after :meth:`prepare_checks`): a row
        ``(rule, row)`` per failing row, ``rule`` the rule's position in ``rules`` and ``row`` the
        failing row as a JSON object (its columns in order, NULLs kept, timestamps to the
        microsecond). Each rule alone costs Spark a job; a union of them costs one."""
        parts = []
        for i, rule in enumerate(rules):
            (stmt,) = to_spark(sql.load(rule.name))
            parts.append(
                f"select {int(i)} as rule, to_json(struct(*), map("  # noqa: S608 - a number
                "'ignoreNullFields', 'false', 'timestampFormat', :ts, "
                f"'timestampNTZFormat', :ts)) as row from ({stmt}) as rule_{int(i)}"
            )
        return self.spark.sql(
            "\nunion all\n".join(parts), args={"ts": "yyyy-MM-dd'T'HH:mm:ss.SSSSSS"}
        )

    def run_checks(self, table: str = FOCUS_TABLE, period: str | None = None) -> list[CheckResult]:
        """Every conformance rule on Spark: one result per rule, a rule that cannot run failing
        with its error (as on DuckDB)."""
        self.prepare_checks(table, period)
        results = []
        for rule in load_rules():
            try:
                failing = self.failing_rows(rule).count()
                results.append(CheckResult(rule, int(failing)))
            except Exception as exc:  # noqa: BLE001
                results.append(CheckResult(rule, 1, [], error=_first_line(exc)))
        return results

    def reconcile(self) -> DataFrame:
        """FOCUS vs source totals (``queries/reconcile/compare.sql``) as a Spark DataFrame."""
        for view, (relation, query) in {
            "recon_focus": (FOCUS_TABLE, "reconcile/focus_totals"),
            "recon_source": ("meta.source_totals", "reconcile/source_totals"),
        }.items():
            if not self.exists(relation):
                raise FinopsError(f"{relation} does not exist", hint="run the Spark build first")
            self.run(query).createOrReplaceTempView(view)
        return self.run("reconcile/compare")


_LOCAL = re.compile(r"^local\[(\d+)")


def _shuffle_partitions(master: str) -> int:
    """Shuffle partitions: the cores of a ``local[N]`` master (a billing month's aggregates are
    small next to its rows), else 8 (adaptive execution coalesces or splits from there)."""
    found = _LOCAL.match(master)
    return max(1, int(found.group(1))) if found else 8


def _first_line(exc: BaseException) -> str:
    """The first non-empty line of an error (Spark's start with a blank one)."""
    return next((line.strip() for line in str(exc).splitlines() if line.strip()), repr(exc))


def _ident(name: str) -> str:
    """One identifier quoted for Spark SQL."""
    return "`" + sql.safe_name(name) + "`"
