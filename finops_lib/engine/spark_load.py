"""Loading on Spark: deliveries into the raw lake, one Hive partition per (provider, export, period).

The raw lake is ``<warehouse_path>/raw/<schema>__<table>/x_provider=<p>/<export column>=<e>/
x_billing_period=<YYYY-MM>/*.parquet`` (the export column is ``x_export_name``, or
``x_load_export_name`` for a table that has it instead, e.g. ``raw_aws.focus``). The partition
columns are in the path, not in the files; a table is read with its partitions
(:func:`register_raw`).

:class:`SparkLoader` is the pipeline's per-delivery load step (``pipeline.load_exports(load=)``).
For a delivery whose export has a Spark reader (:func:`finops_lib.sources.spark_reader`):

1. Spark reads the fetched files, normalised by the provider's reader, and writes the rows to a
   staging folder (``raw/.staging/<load id>``, the partition's files as Spark writes them, without
   the partition columns): a corrupt file, a malformed line or a value that does not cast fails
   here, before anything loaded is touched;
2. the staged rows are checked (rows > 0, every file numbered 1..n in ``x_source_row``, each file's
   rows equal to its manifest's count where the reader gives one: ``SparkRead.expected_rows``);
3. the period's partition is swapped (:func:`swap_partition`): the old partition folder is moved
   aside (``raw/.staging/<load id>.old``), the staging folder moved into its place (two renames
   on one filesystem; other periods, exports and providers are not touched);
4. the source totals are computed by Spark from the new partition (the provider's
   ``queries/reconcile/<prefix>_*.sql`` that read the table), and ``meta.load_state`` /
   ``meta.source_totals`` are written in one DuckDB transaction; the scope's rows an earlier
   DuckDB load left in the warehouse's raw table are deleted in it (the lake holds them now);
5. after the commit the old partition is removed; a failure in 3-4 moves it back first.

So the lake and the load state change together, as a later build or import sees them: a failure at
any step leaves the partition's files byte-identical and the load state as they were (one line
saying why; the next import loads the delivery again). Only a process killed between the swap and
the commit leaves the new partition under the old delivery id, which the next import replaces
again (the delivery is still new to it). The swap is a local-filesystem rename: a lake on
``s3a://`` / ``abfss://`` / ``gs://`` would need the same two steps through Hadoop's FileSystem
API (``rename`` is atomic on ADLS Gen2 with a hierarchical namespace, a copy + delete on S3 and
GCS, which then need a table format with atomic commits such as Delta or Iceberg); the Hadoop
cloud connectors are not installed here, so the loader takes local paths.

Any other delivery is loaded by its provider into DuckDB
(:func:`finops_lib.pipeline.load_delivery`) and its scope's rows copied into the lake
(:func:`write_duckdb_scopes`).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from finops_lib import db, sources, sql, state
from finops_lib.errors import FinopsError, InputError
from finops_lib.pipeline import load_delivery
from finops_lib.sources import Delivery, Export, LoadContext, Provider, SparkReader

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

Scope = tuple[str, str, str]

#: In ``raw/``: its folders are in the partitioned layout and hold every loaded scope.
LAYOUT_MARKER = "_partitioned"
#: In ``raw/``: a period was loaded after the last Spark build that finished (build even when
#: nothing is new: the import that loaded it stopped before its build).
UNBUILT_MARKER = "_unbuilt"
PROVIDER_COLUMN = "x_provider"
PERIOD_COLUMN = "x_billing_period"
EXPORT_COLUMNS = ("x_export_name", "x_load_export_name")
TOTALS_COLUMNS = (
    "provider",
    "export_name",
    "billing_period",
    "delivery_id",
    "billing_account_id",
    "currency",
    "rows",
    "billed_cost",
    "effective_cost",
    "billed_basis",
    "effective_basis",
)

#: While the raw lake is written: timestamps as Parquet's UTC-adjusted TIMESTAMP_MICROS (what DuckDB
#: writes for TIMESTAMPTZ and reads back as TIMESTAMPTZ), not Spark's default INT96.
WRITE_SETTINGS = (("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS"),)

# the characters Spark escapes in a partition value (ExternalCatalogUtils.escapePathName)
_ESCAPED = frozenset([chr(c) for c in range(1, 32)] + list("\"#%'*/:=?[\\]^{\x7f"))


def escape_value(value: str) -> str:
    """A partition value as Spark writes it in a folder name (``a:b`` -> ``a%3Ab``)."""
    return "".join(f"%{ord(c):02X}" if c in _ESCAPED else c for c in value)


def table_dir(raw_dir: Path, table: str) -> Path:
    """The folder of raw table ``schema.table`` in the lake."""
    schema, _, name = table.partition(".")
    return raw_dir / f"{sql.safe_name(schema)}__{sql.safe_name(name)}"


def partition_dir(raw_dir: Path, table: str, columns: Iterable[str], scope: Scope) -> Path:
    """The folder of one scope's partition of ``table`` (``columns``: provider, export, period)."""
    folder = table_dir(raw_dir, table)
    for column, value in zip(columns, scope, strict=True):
        folder = folder / f"{column}={escape_value(value)}"
    return folder


def scope_columns(columns: Iterable[str]) -> tuple[str, str, str] | None:
    """The (provider, export, period) columns of a raw table with these columns, or None."""
    have = set(columns)
    export = next((c for c in EXPORT_COLUMNS if c in have), None)
    if export is None or not {PROVIDER_COLUMN, PERIOD_COLUMN} <= have:
        return None
    return (PROVIDER_COLUMN, export, PERIOD_COLUMN)


# -- the DuckDB side: scopes loaded by a provider's DuckDB loader ---------------------------------
def _raw_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        f"{s}.{t}"
        for s, t in con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema like 'raw\\_%' escape '\\' and table_type = 'BASE TABLE' "
            "order by 1, 2"
        ).fetchall()
    ]


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    schema, _, name = table.partition(".")
    return [
        str(r[0])
        for r in con.execute(
            "select column_name from information_schema.columns where table_schema = $s"
            " and table_name = $t order by ordinal_position",
            {"s": schema, "t": name},
        ).fetchall()
    ]


def write_duckdb_scopes(
    con: duckdb.DuckDBPyConnection, raw_dir: Path, scopes: Iterable[Scope] | None
) -> int:
    """Replace the lake's partitions of ``scopes`` (every scope when None) with the rows the
    warehouse's raw tables hold for them (one Parquet file per partition); files written.

    Each partition is written beside the old one and swapped in (:func:`swap_partition`): a
    failure leaves the old partition as it was. A scope with no rows in a table has its partition
    there removed (its rows are elsewhere)."""
    wanted = None if scopes is None else list(scopes)
    written = 0
    for table in _raw_tables(con):
        columns = _columns(con, table)
        cols = scope_columns(columns)
        if cols is None:
            continue
        schema, _, name = table.partition(".")
        src = f"{sql.safe_ident(schema)}.{sql.safe_ident(name)}"
        keys = ", ".join(sql.quote_ident(c) for c in cols)
        todo = (
            wanted
            if wanted is not None
            else [
                (str(a), str(b), str(c))
                for a, b, c in con.execute(f"select distinct {keys} from {src}").fetchall()  # noqa: S608
            ]
        )
        data = ", ".join(sql.quote_ident(c) for c in columns if c not in cols)
        where = " and ".join(f"{sql.quote_ident(c)} = $v{i}" for i, c in enumerate(cols))
        for scope in todo:
            folder = partition_dir(raw_dir, table, cols, scope)
            tmp = folder.parent / f".{folder.name}.{uuid.uuid4().hex}.tmp"
            aside = tmp.with_suffix(".old")
            tmp.mkdir(parents=True)
            try:
                row = con.execute(
                    f"copy (select {data} from {src} where {where}) to $path (format parquet)",  # noqa: S608
                    {f"v{i}": v for i, v in enumerate(scope)}
                    | {"path": str(tmp / "part-duckdb.parquet")},
                ).fetchone()
                if row and row[0]:
                    with swap_partition(folder, tmp, aside):
                        pass
                    written += 1
                else:
                    shutil.rmtree(folder, ignore_errors=True)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
                shutil.rmtree(aside, ignore_errors=True)
    return written


def migrate_layout(con: duckdb.DuckDBPyConnection, raw_dir: Path) -> bool:
    """Bring ``raw_dir`` to the partitioned layout once (an earlier version wrote one flat file
    per scope; a warehouse imported on DuckDB has no lake yet): its flat files are removed and
    every scope the warehouse's raw tables hold is written. Returns whether it did."""
    if (raw_dir / LAYOUT_MARKER).exists():
        return False
    raw_dir.mkdir(parents=True, exist_ok=True)
    for flat in raw_dir.glob("*/*.parquet"):
        flat.unlink()
    write_duckdb_scopes(con, raw_dir, None)
    (raw_dir / LAYOUT_MARKER).touch()
    return True


# -- the Spark side -----------------------------------------------------------------------------
def register_raw(spark: SparkSession, raw_dir: Path, table: str | None = None) -> list[str]:
    """Every raw table of the lake (or only ``table``) as a table of Spark's catalog, read with
    its partitions (types as written, partition values as text, the files' columns merged);
    returns the tables registered."""
    spark.conf.set("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
    done = []
    for folder in sorted(p for p in raw_dir.iterdir() if p.is_dir() and p.name[0] not in "._"):
        schema, _, name = folder.name.partition("__")
        relation = f"{sql.safe_name(schema)}.{sql.safe_name(name)}"
        if (table is not None and relation != table) or not any(folder.rglob("*.parquet")):
            continue
        spark.sql(f"create database if not exists {schema}")
        spark.sql(f"drop table if exists {relation}")
        spark.catalog.createTable(relation, path=str(folder), source="parquet", mergeSchema="true")
        spark.catalog.recoverPartitions(relation)
        done.append(relation)
    return done


_CAUSE = re.compile(r"(?:Caused by: |^)((?:[\w$]+\.)*[\w$]*(?:Exception|Error)): (.+)$", re.M)
_ERROR_CLASS = re.compile(r"^\[([A-Z_.]+)\]\s*")
#: A reader's own check that failed (Spark's ``raise_error``, e.g. in ``aws_cur.spark.json_tags``)
_RAISED = re.compile(r"\[USER_RAISED_EXCEPTION\] (.+?)(?: SQLSTATE|$)", re.M)


def _reason(exc: BaseException) -> str:
    """The line of a Spark error worth showing: the root cause's message (a Java exception's),
    else the first line; no stack trace, at most 200 characters."""
    text = str(exc)
    raised = _RAISED.search(text)
    if raised:
        return raised.group(1).strip()[:200]
    causes = [
        (m.group(1).rsplit(".", 1)[-1], m.group(2).strip())
        for m in _CAUSE.finditer(text)
        if "Spark" not in m.group(1) and "Py4J" not in m.group(1)
    ]
    first = next((line.strip() for line in text.splitlines() if line.strip()), type(exc).__name__)
    if "[CAST_INVALID_INPUT]" in text or "[MALFORMED_RECORD" in text or not causes:
        first = _ERROR_CLASS.sub("", first).split(" SQLSTATE")[0]
        return first.split(" because it is malformed")[0][:200]  # Spark's advice follows
    name, message = causes[-1]
    return f"{name}: {message}"[:200]


def read_error(files: tuple[tuple[str, str], ...], what: str, exc: BaseException) -> FinopsError:
    """One line for a delivery Spark could not read, naming the file when Spark's error does."""
    text = str(exc)
    label = next(
        (key for key, path in files if path in text or Path(path).name in text),
        what,
    )
    hint = "the file is corrupt or truncated; wait for the provider to re-deliver it (or remove it) and re-run"
    if "USER_RAISED_EXCEPTION" in text:
        hint = "a value the reader checks is malformed (e.g. Tags not JSON); fix or re-deliver the file"
    elif "CAST_INVALID_INPUT" in text:
        hint = "a value does not fit the column's type; check the file's format and --cur-version"
    elif "MALFORMED_RECORD" in text:
        hint = "a line does not parse as CSV (wrong number of fields, bad quoting); re-deliver the file"
    return InputError(f"cannot read {label}: {_reason(exc)}", hint=hint)


class SparkLoader:
    """The per-delivery load step of a Spark import (``pipeline.load_exports(load=loader)``).

    The Spark session is started on the first delivery that needs it (:attr:`spark`)."""

    def __init__(self, raw_dir: Path, start: Any) -> None:
        """``start()`` returns the Spark session (called once, when first needed)."""
        self.raw_dir = raw_dir
        self._start = start
        self._spark: SparkSession | None = None
        self.spark_scopes: list[Scope] = []
        self.duckdb_scopes: list[Scope] = []

    @property
    def spark(self) -> SparkSession:
        if self._spark is None:
            self._spark = self._start()
        return self._spark

    @property
    def started(self) -> bool:
        return self._spark is not None

    def __call__(
        self,
        con: duckdb.DuckDBPyConnection,
        source: Provider,
        export: Export,
        delivery: Delivery,
        fetched: Any,
    ) -> int:
        """Load one fetched delivery: on Spark when its export has a reader, else by its
        provider into DuckDB (and copied into the lake); returns the rows loaded."""
        scope = (delivery.provider, delivery.export, delivery.period)
        reader = sources.spark_reader(export, delivery)
        if reader is None:
            rows = load_delivery(con, source, export, delivery, fetched)
            try:
                write_duckdb_scopes(con, self.raw_dir, [scope])
            except (OSError, duckdb.Error) as exc:
                # the load is recorded in DuckDB; the lake keeps the period's previous partition
                raise FinopsError(
                    f"{delivery.export} {delivery.period}: loaded into the warehouse but not copied"
                    f" into the Spark lake ({_reason(exc)}); the lake keeps its previous rows",
                    hint=f"fix the cause (disk space, permissions), then re-run `finops import"
                    f" --export {export.name} --period {delivery.period} --force`",
                ) from None
            self.duckdb_scopes.append(scope)
        else:
            rows = self.load(con, source, reader, delivery, fetched)
            self.spark_scopes.append(scope)
        (self.raw_dir / UNBUILT_MARKER).touch()
        return rows

    def load(
        self,
        con: duckdb.DuckDBPyConnection,
        source: Provider,
        reader: SparkReader,
        delivery: Delivery,
        fetched: Any,
    ) -> int:
        """Steps 1-5 of the module docstring for one delivery; rows loaded.

        Raises:
            FinopsError: a file that does not read (named), no rows, a file whose rows differ from
                its manifest's count, the record that failed; nothing loaded is changed.
        """
        ctx = LoadContext(load_id=uuid.uuid4().hex)
        scope = (delivery.provider, delivery.export, delivery.period)
        what = f"{delivery.export} {delivery.period}"
        cols = reader.scope_columns
        read = reader.read(self.spark, delivery, fetched, ctx)
        staging = self.raw_dir / ".staging" / ctx.load_id
        aside = staging.with_name(f"{ctx.load_id}.old")
        try:
            try:
                with settings(self.spark, WRITE_SETTINGS + read.settings):
                    read.frame.drop(*cols).write.mode("overwrite").parquet(str(staging))
            except Exception as exc:  # noqa: BLE001 - Spark's errors are many classes
                error = read_error(read.files, what, exc)
                if error.message.startswith(f"cannot read {what}:") and len(fetched) > 1:
                    error = self.culprit(reader, delivery, fetched, ctx) or error
                raise error from None
            staged = self.spark.read.parquet(str(staging))
            counts = check_numbering(staged, [key for key, _ in read.files])
            check_counts(counts, read.expected_rows)
            rows = sum(counts.values())
            if rows == 0:
                raise InputError(
                    f"{what}: the files of manifest {delivery.location} hold no rows",
                    hint="the month is empty; wait for the next delivery or skip it with --period",
                )
            for marker in staging.glob("*_SUCCESS*"):  # Spark's job marker, not partition data
                marker.unlink()
            folder = partition_dir(self.raw_dir, reader.table, cols, scope)
            with swap_partition(folder, staging, aside):
                try:
                    totals = self.totals(source, reader, scope)
                    record(con, reader, delivery, rows, ctx, len(read.files), totals)
                except FinopsError:
                    raise
                except Exception as exc:  # noqa: BLE001 - Spark's and DuckDB's errors are many classes
                    raise FinopsError(
                        f"{what}: the Spark load was not recorded ({_reason(exc)}); its partition"
                        " and load state are as they were",
                        hint="nothing was changed; fix the cause (disk space, a lock) and re-run the import",
                    ) from None
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            shutil.rmtree(aside, ignore_errors=True)
        return rows

    def culprit(
        self, reader: SparkReader, delivery: Delivery, fetched: Any, ctx: LoadContext
    ) -> FinopsError | None:
        """The error of the first file that fails alone (Spark's error did not name it: a value
        that does not cast), or None; one job per file, only after a failed load."""
        for one in fetched:
            read = reader.read(self.spark, delivery, [one], ctx)
            try:
                with settings(self.spark, read.settings):
                    read.frame.write.format("noop").mode("overwrite").save()
            except Exception as exc:  # noqa: BLE001
                return read_error(read.files, read.files[0][0], exc)
        return None

    def totals(self, source: Provider, reader: SparkReader, scope: Scope) -> list[tuple]:
        """The scope's source totals, by Spark, from the lake: the provider's
        ``queries/reconcile/<prefix>_*.sql`` that read ``reader.table``."""
        from finops_lib.engine.spark import SparkEngine

        register_raw(self.spark, self.raw_dir, reader.table)
        eng = SparkEngine(self.spark)
        out: list[tuple] = []
        for name in sql.names("reconcile"):
            stem = name.rsplit("/", 1)[1]
            if not stem.startswith(source.query_prefix + "_"):
                continue
            if reader.table not in sql.requires(name) or not eng.ready(name):
                continue
            df = eng.run(name)
            keys = ("provider", "export_name", "billing_period")
            for key, value in zip(keys, scope, strict=True):
                df = df.where(df[key] == value)
            out += [tuple(r) for r in df.select(*TOTALS_COLUMNS[:3], *TOTALS_COLUMNS[4:]).collect()]
        return out


@contextlib.contextmanager
def swap_partition(folder: Path, new: Path, aside: Path) -> Iterator[None]:
    """``new`` (a folder on the same filesystem) becomes the partition ``folder`` for the block:
    the old partition is moved to ``aside`` and ``new`` into its place (two renames). When the
    block raises, ``new`` goes back where it was and the old partition back into place, so its files
    are untouched; the caller removes ``aside`` after the block (it is the old partition then)."""
    created = [p for p in (folder, *folder.parents) if not p.exists()]
    had = folder.exists()
    if had:
        os.replace(folder, aside)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        os.replace(new, folder)
        yield
    except BaseException:
        if folder.exists():
            os.replace(folder, new)
        if had:
            os.replace(aside, folder)
        for empty in created:  # deepest first: the folders this swap made for a new scope
            with contextlib.suppress(OSError):
                empty.rmdir()
        raise


@contextlib.contextmanager
def settings(spark: SparkSession, values: Iterable[tuple[str, str]]) -> Iterator[None]:
    """Spark SQL ``values`` set for the duration of the block, then restored."""
    before = {k: spark.conf.get(k, None) for k, _ in values}
    for k, v in values:
        spark.conf.set(k, v)
    try:
        yield
    finally:
        for k, old in before.items():
            if old is None:
                spark.conf.unset(k)
            else:
                spark.conf.set(k, old)


def check_numbering(staged: DataFrame, files: list[str]) -> dict[str, int]:
    """Rows of the staged load by file, after checking every file is numbered 1..n (``x_source_row``).

    Raises:
        FinopsError: the numbering is not 1..n for some file, or rows of an unknown file.
    """
    from pyspark.sql import functions as F

    got = staged.groupBy("x_source_file").agg(
        F.min("x_source_row"), F.max("x_source_row"), F.count(F.lit(1))
    )
    seen = [(str(f), int(lo), int(hi), int(n)) for f, lo, hi, n in got.collect()]
    if any(lo != 1 or hi != n for _, lo, hi, n in seen) or not {f for f, *_ in seen} <= set(files):
        raise FinopsError(
            "row numbering of the Spark load went wrong (x_source_row)",
            hint="this is a bug; nothing was replaced, please report it",
        )
    return {f: n for f, _, _, n in seen}


def check_counts(counts: dict[str, int], expected: Iterable[tuple[str, int, str]]) -> None:
    """Each file's staged rows (``counts``) equal to what its manifest says (``expected``:
    ``(label, rows, manifest)``), as the DuckDB loads check them.

    Raises:
        InputError: a file holds another number of rows (named, with its manifest).
    """
    for label, want, manifest in expected:
        got = counts.get(label, 0)
        if got != want:
            raise InputError(
                f"{label} holds {got:,} rows but {manifest} says {want:,}",
                hint="the file is truncated or was rewritten; wait for the next delivery and re-run",
            )


def record(
    con: duckdb.DuckDBPyConnection,
    reader: SparkReader,
    delivery: Delivery,
    rows: int,
    ctx: LoadContext,
    files: int,
    totals: list[tuple],
) -> None:
    """``meta.load_state`` and ``meta.source_totals`` of a Spark load, in one DuckDB transaction;
    the scope's rows an earlier DuckDB load left in the warehouse's raw table are deleted."""
    scope = {"v": delivery.provider, "e": delivery.export, "p": delivery.period}
    cols = reader.scope_columns
    con.execute("begin transaction")
    try:
        if db.table_exists(con, reader.table) and set(cols) <= set(_columns(con, reader.table)):
            schema, _, name = reader.table.partition(".")
            con.execute(
                f"delete from {sql.safe_ident(schema)}.{sql.safe_ident(name)} where "  # noqa: S608
                f"{sql.quote_ident(cols[0])} = $v and {sql.quote_ident(cols[1])} = $e"
                f" and {sql.quote_ident(cols[2])} = $p",
                scope,
            )
        state.record_load(
            con,
            provider=delivery.provider,
            export_name=delivery.export,
            period=delivery.period,
            fmt=delivery.format,
            delivery_id=delivery.delivery_id,
            location=delivery.location,
            files=files,
            rows=rows,
            load_id=ctx.load_id,
            totals_queries=[],
        )
        for row in totals:
            values = dict(zip([c for c in TOTALS_COLUMNS if c != "delivery_id"], row, strict=True))
            con.execute(
                "insert into meta.source_totals (provider, export_name, billing_period,"
                " delivery_id, billing_account_id, currency, rows, billed_cost, effective_cost,"
                " billed_basis, effective_basis) values ($provider, $export_name, $billing_period,"
                " $delivery_id, $billing_account_id, $currency, $rows, $billed_cost,"
                " $effective_cost, $billed_basis, $effective_basis)",
                values | {"delivery_id": delivery.delivery_id},
            )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
