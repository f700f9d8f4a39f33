"""Spark reads Azure ActualCost / AmortizedCost (CSV, CSV.gz, Parquet) and FocusCost exports into
the shape of ``raw_azure.cost`` / ``raw_azure.focus`` (``[engine] kind = "spark"``; found through
``AzureDataset.spark_reader``).

The normalisation is written once: the DuckDB load's own select list
(:func:`~finops_lib.sources.azure_exports.reader.cost_plan`,
:func:`~finops_lib.sources.azure_exports.reader.azure_focus_plan`) rendered by
:func:`finops_lib.engine.dialect.to_spark` (EA ``MM/DD/YYYY`` dates: its fix-up 5), over the AWS
Spark reader's scan of the files (CSV as text named as DuckDB names it, numbered per file;
Parquet as typed, ``_metadata.row_index``). Files are grouped by run and columns: a group's
``x_`` metadata (run id, cost type, Azure export) is one set of parameters. A FocusCost's ``Tags``
is stored compactly, as DuckDB's ``json()`` stores it (:func:`~finops_lib.sources.aws_cur.spark.json_tags`).

Each blob's rows are checked against its manifest's ``dataRowCount`` (where the manifest gives one,
as the DuckDB load checks them) by the loader, from ``SparkRead.expected_rows``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from finops_lib.errors import InputError
from finops_lib.sources import Delivery, LoadContext, SparkRead
from finops_lib.sources.aws_cur.reader import is_parquet
from finops_lib.sources.aws_cur.spark import (
    CSV_SETTINGS,
    file_columns,
    json_tags,
    scan,
    select_plan,
    typed_union,
)
from finops_lib.sources.aws_cur.tables import focus_types
from finops_lib.sources.azure_exports.helpers import column_targets
from finops_lib.sources.azure_exports.load import Blob
from finops_lib.sources.azure_exports.reader import azure_focus_plan, cost_plan
from finops_lib.sources.azure_exports.settings import (
    CANONICAL_COLUMNS,
    FOCUS_META_COLUMNS,
    META_COLUMNS,
    RAW_SCHEMA,
)

Files = list[tuple[Blob, Path]]


def _timestamp_text(df: Any, extras: dict[str, str]) -> Any:
    """A parquet ``TIMESTAMP`` (UTC) column kept as text (an extra) spelled as DuckDB casts its
    ``TIMESTAMPTZ``: ``2026-03-01 00:00:00+00`` (the session is UTC; Spark's cast gives the rest)."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import TimestampType

    for field in df.schema.fields:
        if isinstance(field.dataType, TimestampType) and extras.get(field.name) == "VARCHAR":
            text = F.concat(F.col(f"`{field.name}`").cast("string"), F.lit("+00"))
            df = df.withColumn(field.name, text)
    return df


@dataclass(frozen=True)
class AzureSparkReader:
    """An Azure delivery of cost exports (``raw_azure.cost``) or of FocusCost (``raw_azure.focus``)."""

    focus: bool = False
    scope_columns: tuple[str, str, str] = ("x_provider", "x_export_name", "x_billing_period")

    @property
    def table(self) -> str:
        return f"{RAW_SCHEMA}.focus" if self.focus else f"{RAW_SCHEMA}.cost"

    def meta(self, delivery: Delivery, blob: Blob, ctx: LoadContext) -> dict[str, object]:
        """The ``x_`` metadata of one blob's rows, as the DuckDB load sets them."""
        meta: dict[str, object] = {
            "x_provider": delivery.provider,
            "x_export_name": delivery.export,
            "x_billing_period": delivery.period,
            "x_delivery_id": blob.run.run_id,
            "x_source_file": blob.key,
            "x_load_id": ctx.load_id,
            "x_cost_type": blob.run.type,
            "x_azure_export": blob.run.export,
        }
        if self.focus:
            meta |= {"x_schema": None, "x_focus_version": blob.run.focus_version}
        return meta

    def decimals(self, columns: list[tuple[str, str]]) -> dict[str, str]:
        """The DOUBLE source columns of a DECIMAL raw column, with that type."""
        if self.focus:
            types = focus_types()
            target = {n: types.get(n, "") for n, _ in columns}
        else:
            names = column_targets([n for n, _ in columns])
            target = {n: CANONICAL_COLUMNS.get(names.get(n, ""), "") for n, _ in columns}
        return {
            n: target[n] for n, t in columns if t == "DOUBLE" and target[n].startswith("DECIMAL")
        }

    def read(self, spark: Any, delivery: Delivery, fetched: Files, ctx: LoadContext) -> SparkRead:
        """The delivery's blobs as one DataFrame of the raw table's columns (nothing read yet but
        the CSV headers and the parquet footers).

        Raises:
            InputError: no blobs, a header that does not read, or a required column missing.
        """

        if not fetched:
            raise InputError(
                f"{delivery.export} {delivery.period}: run(s) {delivery.delivery_id} list no data blobs",
                hint="the month is empty; wait for the next export run or skip it with --period",
            )
        groups: dict[tuple, list[tuple[Blob, Path]]] = {}
        found: dict[tuple, tuple[Any, dict[str, str]]] = {}
        for blob, path in fetched:
            columns, schema = file_columns(spark, path, blob.key)
            decimals = self.decimals(columns)
            cols = tuple((n, decimals.get(n, t)) for n, t in columns)
            group = (blob.run.run_id, blob.run.export, blob.run.type, is_parquet(path), cols)
            groups.setdefault(group, []).append((blob, path))
            found[group] = (schema, decimals)
        frames = []
        extras: dict[str, str] = {}
        for group, members in groups.items():
            blob, path = members[0]
            columns = list(group[4])
            meta = self.meta(delivery, blob, ctx)
            if self.focus:
                plan = azure_focus_plan(path, columns, blob.key, meta)
            else:
                plan = cost_plan(path, columns, blob.key, meta)  # sets meta["x_schema"]
            schema, decimals = found[group]
            files = [(b.key, p) for b, p in members]
            df = _timestamp_text(scan(spark, files, schema, group[3], decimals), plan.extras)
            frame = select_plan(spark, df, plan.select, meta)
            frames.append(json_tags(frame) if self.focus and "Tags" in frame.columns else frame)
            extras |= plan.extras
        base = focus_types() if self.focus else CANONICAL_COLUMNS
        meta_types = FOCUS_META_COLUMNS if self.focus else META_COLUMNS
        result = typed_union(frames, base, meta_types, extras)
        return SparkRead(
            result,
            tuple((blob.key, str(path)) for blob, path in fetched),
            settings=CSV_SETTINGS,
            expected_rows=tuple(
                (blob.key, blob.rows, blob.run.location)
                for blob, _ in fetched
                if blob.rows is not None
            ),
        )
