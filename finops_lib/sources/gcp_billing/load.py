"""Load one invoice month of a GCP export into ``raw_gcp.billing`` (delete + insert, inside the
pipeline's transaction). The nested rows are flattened by DuckDB: over each registered Arrow record
batch (BigQuery pages, inserted one at a time) or over ``read_json`` / ``read_parquet`` of the
extract's files.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

import duckdb
import pyarrow as pa

from finops_lib.errors import InputError
from finops_lib.sources import Delivery, LoadContext
from finops_lib.sources.gcp_billing import focus_reader, reader
from finops_lib.sources.gcp_billing.settings import FOCUS_TABLE, TABLE
from finops_lib.sources.gcp_billing.source import Month, bad_file, file_schema, scan, scan_params

log = logging.getLogger(__name__)

ARROW_VIEW = "__gcp_billing_rows"
ROW = "__x_source_row"


def _meta(delivery: Delivery, ctx: LoadContext, source: str, kind: str) -> dict[str, object]:
    return {
        "x_provider": delivery.provider,
        "x_export_name": delivery.export,
        "x_billing_period": delivery.period,
        "x_delivery_id": delivery.delivery_id,
        "x_source_file": source,
        "x_load_id": ctx.load_id,
        "x_export_kind": kind,
    }


def _insert_sql(
    schema: pa.Schema, relation: str, row: str, meta: Iterable[str], kind: str = "billing"
) -> str:
    metas = ", ".join(f"${k} AS {k}" for k in meta)
    if kind == "focus":
        table, cols, where = (
            FOCUS_TABLE,
            focus_reader.select_list(schema),
            focus_reader.month_filter(),
        )
    else:
        table, cols, where = TABLE, reader.select_list(schema), reader.month_filter(schema)
    return (
        f"INSERT INTO {table} BY NAME SELECT\n  {cols},\n  {metas},\n"  # noqa: S608
        f"  CAST({row} AS BIGINT) AS x_source_row\nFROM {relation}\nWHERE {where}"
    )


def _insert(
    con: duckdb.DuckDBPyConnection,
    schema: pa.Schema,
    relation: str,
    row: str,
    meta: dict[str, object],
    month: Month,
    bound: dict[str, object] | None = None,
) -> int:
    params = meta | {"month": month.month, "max_time": month.max_text} | (bound or {})
    got = con.execute(_insert_sql(schema, relation, row, meta), params).fetchone()
    return int(got[0]) if got else 0


def load_batches(
    con: duckdb.DuckDBPyConnection,
    delivery: Delivery,
    month: Month,
    batches: Iterable[pa.RecordBatch],
    ctx: LoadContext,
    source: str,
) -> int:
    """Insert a month's nested Arrow record batches (BigQuery pages) one by one, so no more than
    a page is held in memory; ``x_source_row`` numbers the rows of the month's result (1..n)."""
    total = 0
    sql = ""
    schema: pa.Schema | None = None
    meta = _meta(delivery, ctx, source, month.kind)
    params = meta | {"month": month.month, "max_time": month.max_text}
    kind = "focus" if month.kind == "focus" else "billing"
    for i, batch in enumerate(batches, 1):
        if batch.num_rows == 0:
            continue
        if schema is None or batch.schema != schema:
            schema = batch.schema
            reader.check_required(schema, source, kind)
            with_row = schema.append(pa.field(ROW, pa.int64()))
            sql = _insert_sql(with_row, ARROW_VIEW, ROW, meta, kind)
        rows = pa.Table.from_batches([batch]).append_column(
            ROW, pa.array(range(total + 1, total + batch.num_rows + 1), pa.int64())
        )
        con.register(ARROW_VIEW, rows)
        try:
            got = con.execute(sql, params).fetchone()
        except duckdb.Error as exc:
            raise InputError(
                f"{source} {delivery.period} does not load: {exc}".splitlines()[0]
            ) from None
        finally:
            con.unregister(ARROW_VIEW)
        total += int(got[0]) if got else 0
        log.debug("%s %s: page %d, %d rows inserted", source, delivery.period, i, batch.num_rows)
    return total


def load_files(
    con: duckdb.DuckDBPyConnection,
    delivery: Delivery,
    month: Month,
    files: list[Path],
    ctx: LoadContext,
) -> int:
    """Insert a month's rows of each extract file; ``x_source_row`` is the row (line) in the file."""
    total = 0
    for path in files:
        schema = file_schema(con, path)
        reader.check_required(schema, f"GCP extract {path}")
        meta = _meta(delivery, ctx, str(path), reader.export_kind(schema, path.name))
        try:
            total += _insert(
                con,
                schema,
                f"(SELECT * FROM {scan(path)})",  # noqa: S608 - the path is bound
                "ordinality",
                meta,
                month,
                scan_params(path),
            )
        except duckdb.Error as exc:
            raise bad_file(path, exc) from None
    return total


def replace(
    con: duckdb.DuckDBPyConnection,
    delivery: Delivery,
    month: Month,
    fetched: Iterable[pa.RecordBatch] | list[Path],
    ctx: LoadContext,
    source: str,
) -> int:
    """Delete the export's period and insert the month's rows; checks the count the delivery
    announced (rows that arrived meanwhile wait for the next run: they are after its export time).

    Raises:
        InputError: the rows do not read, or another number of rows than the delivery's.
    """
    table = FOCUS_TABLE if month.kind == "focus" else TABLE
    con.execute(
        f"DELETE FROM {table} WHERE x_provider = $v AND x_export_name = $e"  # noqa: S608
        " AND x_billing_period = $p",
        {"v": delivery.provider, "e": delivery.export, "p": delivery.period},
    )
    if isinstance(fetched, list):
        n = load_files(con, delivery, month, fetched, ctx)
    else:
        n = load_batches(con, delivery, month, fetched, ctx, source)
    if n != month.rows:
        raise InputError(
            f"{delivery.export} {delivery.period}: {n:,} rows read but {month.rows:,} were listed"
            f" up to export time {month.max_text} in {source}",
            hint="the export's rows changed while loading (a rewrite); re-run the import"
            if month.listed
            else "rows older than the look-back arrived; run `finops gcp import --full`",
        )
    if n == 0:
        raise InputError(f"{delivery.export} {delivery.period}: no rows in {source}")
    return n
