"""Spark reads AWS CUR v1, CUR 2.0 and FOCUS export files into the shape of ``raw_aws.cur`` /
``raw_aws.focus`` (``[engine] kind = "spark"``; found through ``CurExport.spark_reader``).

The normalisation is written once: :func:`~finops_lib.sources.aws_cur.reader.cur_plan` /
:func:`~finops_lib.sources.aws_cur.reader.focus_plan` build the DuckDB select list from the file's
columns (canonical names, casts with the null spellings, v1 ``<category>/<key>`` columns packed
into JSON text, CUR 2.0 maps serialised, extras as text, the ``x_`` metadata) and
:func:`finops_lib.engine.dialect.to_spark` renders it for Spark. What differs is only the source
each select reads:

* CSV / CSV.gz (a zip is unpacked by ``fetch``): Spark's CSV reader with the dialect DuckDB's load
  fixes (comma, ``"`` quoting and escaping, a malformed line fails the read), every column as text,
  named from the header as DuckDB names them (a name seen before, in any case, gets ``_<n>``).
  ``multiLine`` makes each file one partition, read in order, so ``x_source_row`` is the row's
  position in its partition (``monotonically_increasing_id``'s low 33 bits) + 1: the file's data
  row, as the DuckDB load numbers it.
* Parquet: as typed by its writer; ``x_source_row`` is Spark's ``_metadata.row_index`` + 1 (DuckDB's
  ``file_row_number`` + 1).

Every file's rows are then cast to the raw table's columns (a column a file lacks is a typed
NULL), and the files of the delivery are one DataFrame: nothing is read until the engine writes it.

A FOCUS export's ``Tags`` is rewritten as DuckDB's ``json()`` rewrites it (:func:`json_tags`):
the select list's ``json(...)`` has no Spark rendering (text stays text), so the Spark readers
re-serialise it themselves.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from finops_lib.errors import InputError
from finops_lib.sources import Delivery, LoadContext, SparkRead
from finops_lib.sources.aws_cur.helpers import classify_column
from finops_lib.sources.aws_cur.reader import (
    ARROW_ROW,
    cur_plan,
    focus_plan,
    is_parquet,
)
from finops_lib.sources.aws_cur.settings import (
    CANONICAL_COLUMNS,
    FOCUS_META_COLUMNS,
    META_COLUMNS,
    RAW_SCHEMA,
)
from finops_lib.sources.aws_cur.tables import focus_types
from finops_lib.sql import quote_ident

Files = list[tuple[str, Path]]

#: ``monotonically_increasing_id()`` is ``partition index << 33`` + the row's position in it.
_ROW_IN_PARTITION = (1 << 33) - 1
#: The column the parquet source's row index is exposed as (what :func:`cur_plan` reads).
_PARQUET_ROW = "file_row_number"
#: While a CSV delivery is read: a file's opening costs more than a partition holds, so Spark gives
#: every file its own partition instead of packing small files together (the row numbers count
#: rows per partition).
CSV_SETTINGS = (("spark.sql.files.openCostInBytes", str(1 << 40)),)
#: The column carrying each row's file label (``x_source_file``) through the select.
_FILE = "__finops_file"


def duckdb_names(header: list[str]) -> list[str]:
    """Column names as DuckDB's CSV reader gives them: a name already seen (case-insensitively)
    gets ``_<n>``, ``n`` counting its earlier occurrences (``a, a, A`` -> ``a, a_1, A_2``)."""
    seen: dict[str, int] = {}
    out = []
    for name in header:
        n = seen.get(name.lower(), 0)
        seen[name.lower()] = n + 1
        out.append(f"{name}_{n}" if n else name)
    return out


def csv_header(path: Path, label: str) -> list[str]:
    """The header of a CSV / CSV.gz file (the first record, a UTF-8 BOM dropped).

    Raises:
        InputError: the file does not read (naming ``label``) or has no header.
    """
    import pyarrow as pa

    try:
        with pa.input_stream(str(path), compression="detect") as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            header = next(csv.reader(text), [])
    except (OSError, UnicodeDecodeError, csv.Error, pa.ArrowException) as exc:
        raise InputError(
            f"cannot read {label}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}",
            hint="the file is corrupt or truncated; wait for AWS to re-deliver it (or remove it) and re-run",
        ) from None
    if not header:
        raise InputError(f"{label} is empty (no header line)", hint="re-deliver the report")
    return duckdb_names(header)


def _columns(spark: Any, path: Path, label: str) -> tuple[list[tuple[str, str]], Any]:
    """A file's ``(name, DuckDB type)`` columns and its Spark schema (CSV: every column text)."""
    from pyspark.sql.types import StringType, StructField, StructType

    from finops_lib.engine.dialect import duckdb_type_name

    if is_parquet(path):
        schema = spark.read.parquet(str(path)).schema
        names = [(f.name, duckdb_type_name(f.dataType.simpleString())) for f in schema.fields]
        return names, schema
    header = csv_header(path, label)
    return [(n, "VARCHAR") for n in header], StructType(
        [StructField(n, StringType()) for n in header]
    )


_DECIMAL = re.compile(r"DECIMAL\((\d+),\s*(\d+)\)")


def duckdb_decimal(column: Any, scale: int) -> Any:
    """A DOUBLE column as DuckDB casts it to ``DECIMAL(38, scale)``: ``round(x * 10^scale)`` in
    double arithmetic, then scaled back exactly (Spark's own cast rounds the double's exact binary
    value, which can differ in the last decimal)."""
    from pyspark.sql import functions as F

    units = F.round(column * F.lit(float(10**scale))).cast("decimal(38,0)")
    unit = F.lit(str(Decimal(1).scaleb(-scale))).cast(f"decimal({scale + 1},{scale})")
    return (units * unit).cast(f"decimal(38,{scale})")


def _scan(
    spark: Any,
    files: list[tuple[str, Path]],
    schema: Any,
    parquet: bool,
    decimals: dict[str, str],
) -> Any:
    """Files of the same columns as one DataFrame with each row's number in its file and its
    file's label (:data:`_FILE`); the DOUBLE columns of ``decimals`` (name -> ``DECIMAL(p,s)``)
    cast as DuckDB casts them."""
    from pyspark.sql import functions as F

    paths = [str(p) for _, p in files]
    if parquet:
        df = spark.read.schema(schema).parquet(*paths)
        for name, typ in decimals.items():
            found = _DECIMAL.fullmatch(typ)
            if found:
                df = df.withColumn(name, duckdb_decimal(F.col(f"`{name}`"), int(found[2])))
        row = F.col("_metadata.row_index").alias(_PARQUET_ROW)
    else:
        df = spark.read.csv(
            paths,
            schema=schema,
            header=True,
            multiLine=True,  # a file is not split; quoted newlines read as DuckDB reads them
            sep=",",
            quote='"',
            escape='"',
            mode="FAILFAST",
            enforceSchema=True,
            encoding="UTF-8",
        )
        # one file per partition (CSV_SETTINGS), read in order: the position in the partition
        row = F.monotonically_increasing_id().bitwiseAND(_ROW_IN_PARTITION) + F.lit(1)
        row = row.cast("bigint").alias(ARROW_ROW)
    # each row's file: Spark's URL-encoded path back to the local path, then to its label
    lookup = F.create_map(
        *[F.lit(x) for label, path in files for x in (os.path.abspath(path), label)]
    )
    path = F.url_decode(F.replace(F.col("_metadata.file_path"), F.lit("+"), F.lit("%2B")))
    local = F.regexp_replace(path, "^file:(//)?", "")
    return df.select("*", row, lookup[local].alias(_FILE))


@dataclass(frozen=True)
class CurSparkReader:
    """A CUR v1 / CUR 2.0 delivery (``raw_aws.cur``) or an AWS FOCUS export (``raw_aws.focus``)."""

    focus: bool = False

    @property
    def table(self) -> str:
        return f"{RAW_SCHEMA}.focus" if self.focus else f"{RAW_SCHEMA}.cur"

    @property
    def scope_columns(self) -> tuple[str, str, str]:
        export = "x_load_export_name" if self.focus else "x_export_name"
        return ("x_provider", export, "x_billing_period")

    def meta(self, delivery: Delivery, key: str, ctx: LoadContext) -> dict[str, object]:
        """The ``x_`` metadata of one file's rows, as the DuckDB load sets them."""
        meta: dict[str, object] = {"x_provider": delivery.provider}
        meta[self.scope_columns[1]] = delivery.export
        if not self.focus:
            meta["x_cur_version"] = delivery.format
        return meta | {
            "x_billing_period": delivery.period,
            "x_manifest_id": delivery.delivery_id,
            "x_source_file": key,
            "x_load_id": ctx.load_id,
        }

    def decimal(self, name: str) -> str:
        """The DECIMAL type a DOUBLE source column becomes, or ``DOUBLE`` (not a DECIMAL column)."""
        if self.focus:
            target = focus_types().get(name, "")
        else:
            column, key = classify_column(name)
            target = CANONICAL_COLUMNS.get(column, "") if key is None else ""
        return target if target.startswith("DECIMAL") else "DOUBLE"

    def read(self, spark: Any, delivery: Delivery, fetched: Files, ctx: LoadContext) -> SparkRead:
        """The delivery's files as one DataFrame of the raw table's columns (nothing read yet but
        the CSV headers and the parquet footers).

        Raises:
            InputError: no files, a header that does not read, or a required column missing.
        """

        if not fetched:
            raise InputError(
                f"{delivery.export} {delivery.period}: manifest {delivery.location} lists no data files",
                hint="the month is empty; wait for the next AWS delivery or skip it with --period",
            )
        # files with the same columns (a delivery's usually all) are one scan under one select:
        # one plan to analyse and compile, not one per file
        groups: dict[tuple[bool, tuple[tuple[str, str], ...]], list[tuple[str, Path]]] = {}
        doubles: dict[tuple[bool, tuple[tuple[str, str], ...]], dict[str, str]] = {}
        schemas: dict[tuple[bool, tuple[tuple[str, str], ...]], Any] = {}
        for key, path in fetched:
            found, schema = _columns(spark, path, key)
            # a DOUBLE read into a DECIMAL column is cast by the scan, as DuckDB casts it
            decimals = {n: self.decimal(n) for n, t in found if t == "DOUBLE"}
            decimals = {n: t for n, t in decimals.items() if t != "DOUBLE"}
            group = (is_parquet(path), tuple((n, decimals.get(n, t)) for n, t in found))
            groups.setdefault(group, []).append((key, path))
            doubles[group], schemas[group] = decimals, schema
        frames = []
        extras: dict[str, str] = {}
        for group, members in groups.items():
            parquet, columns = group[0], list(group[1])
            key, path = members[0]
            meta = self.meta(delivery, key, ctx)
            if self.focus:
                plan = focus_plan(path, columns, key, meta, focus_types())
            else:
                plan = cur_plan(path, columns, key, meta, streamed=False)
            scan = _scan(spark, members, schemas[group], parquet, doubles[group])
            frame = select_plan(spark, scan, plan.select, meta)
            frames.append(json_tags(frame) if self.focus and "Tags" in frame.columns else frame)
            extras |= plan.extras
        base = focus_types() if self.focus else CANONICAL_COLUMNS
        meta_types = FOCUS_META_COLUMNS if self.focus else META_COLUMNS
        out = typed_union(frames, base, meta_types, extras)
        return SparkRead(
            out, tuple((key, str(path)) for key, path in fetched), settings=CSV_SETTINGS
        )


def json_tags(frame: Any, column: str = "Tags") -> Any:
    """``column`` (a FOCUS ``Tags``: JSON object text) stored as DuckDB's load stores it: compact
    (``from_json`` to a map of variants, ``to_json``: no blanks, keys in their order, duplicates
    kept, escapes resolved, numbers in their shortest form), NULL for ``{}``; text that is not a
    JSON object fails the read with its file (``x_source_file``) named, as ``json()`` fails
    DuckDB's load. Unlike DuckDB, a JSON value that is not an object (``[1]``, ``"a"``) fails too:
    FOCUS requires an object."""
    from pyspark.sql import functions as F

    text = F.col(f"`{column}`")
    compact = F.to_json(F.from_json(text, "map<string,variant>"))
    bad = F.raise_error(
        F.concat(
            F.lit("malformed JSON in "),
            F.col("x_source_file"),
            F.lit(f": {column} is not a JSON object: "),
            F.substring(text, 1, 60),
        )
    )
    value = F.when(text.isNull(), F.lit(None)).when(compact.isNull(), bad).otherwise(compact)
    return frame.withColumn(column, F.nullif(value, F.lit("{}")))


#: The column :func:`scan` adds with each row's file label (a reader renames it ``x_source_file``).
FILE_COLUMN = _FILE


def file_columns(spark: Any, path: Path, label: str) -> tuple[list[tuple[str, str]], Any]:
    """A file's ``(name, DuckDB type)`` columns and its Spark schema (CSV: every column text);
    for the other providers' Spark readers."""
    return _columns(spark, path, label)


def scan(spark: Any, files: Files, schema: Any, parquet: bool, decimals: dict[str, str]) -> Any:
    """Files of the same columns as one DataFrame, numbered per file, with :data:`FILE_COLUMN`;
    for the other providers' Spark readers."""
    return _scan(spark, files, schema, parquet, decimals)


def select_plan(spark: Any, source: Any, select: str, meta: dict[str, object]) -> Any:
    """A DuckDB reader's select list (``Plan.select``) rendered for Spark and run over ``source``
    (a :func:`scan`): its ``x_`` values bound from ``meta``, ``x_source_file`` from each row's
    file; for every provider's Spark reader."""
    from finops_lib.engine.dialect import to_spark

    view = "finops_spark_source"  # one name: the renders of equal headers are cached
    source.createOrReplaceTempView(view)
    try:
        text = f"select {select},\n  {quote_ident(_FILE)} from {view}"  # noqa: S608
        (stmt,) = to_spark(text)
        args = {k: v for k, v in meta.items() if f":{k}" in stmt}
        df = spark.sql(stmt, args=args)
    finally:
        spark.catalog.dropTempView(view)
    return df.drop("x_source_file").withColumnRenamed(_FILE, "x_source_file")


def typed_union(
    frames: list[Any], base: dict[str, str], meta: dict[str, str], extras: dict[str, str]
) -> Any:
    """``frames`` cast to one raw table's columns (``base``, then ``meta``, then the ``extras``
    not in ``base``; a column a frame lacks is a typed NULL), as one DataFrame."""
    from pyspark.sql import functions as F

    from finops_lib.engine.dialect import spark_type

    types = {**base, **meta, **{c: t for c, t in extras.items() if c not in base}}
    typed = [
        df.select(
            *[
                (F.col(f"`{c}`") if c in df.columns else F.lit(None)).cast(spark_type(t)).alias(c)
                for c, t in types.items()
            ]
        )
        for df in frames
    ]
    out = typed[0]
    for df in typed[1:]:
        out = out.unionAll(df)
    return out
