"""Load one invoice month of a GCP export into ``raw_gcp.billing`` (delete + insert, inside the
pipeline's transaction). The nested rows are flattened by DuckDB: over the registered Arrow table
(BigQuery) or over ``read_json`` / ``read_parquet`` of the extract's files.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from finops_lib.errors import InputError
from finops_lib.sources import Delivery, LoadContext
from finops_lib.sources.gcp_billing import reader
from finops_lib.sources.gcp_billing.settings import TABLE
from finops_lib.sources.gcp_billing.source import Month, bad_file, file_schema, scan, scan_params

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


def _insert(
    con: duckdb.DuckDBPyConnection,
    schema: pa.Schema,
    relation: str,
    row: str,
    meta: dict[str, object],
    month: Month,
    bound: dict[str, object] | None = None,
) -> int:
    metas = ", ".join(f"${k} AS {k}" for k in meta)
    sql = (
        f"INSERT INTO {TABLE} BY NAME SELECT\n  {reader.select_list(schema)},\n  {metas},\n"  # noqa: S608
        f"  CAST({row} AS BIGINT) AS x_source_row\nFROM {relation}\nWHERE {reader.month_filter(schema)}"
    )
    params = meta | {"month": month.month, "max_time": month.max_text} | (bound or {})
    got = con.execute(sql, params).fetchone()
    return int(got[0]) if got else 0


def load_arrow(
    con: duckdb.DuckDBPyConnection,
    delivery: Delivery,
    month: Month,
    rows: pa.Table,
    ctx: LoadContext,
    source: str,
) -> int:
    """Insert a month's nested Arrow rows (BigQuery); ``x_source_row`` is the row in the result."""
    reader.check_required(rows.schema, source)
    table = rows.append_column(ROW, pa.array(range(1, rows.num_rows + 1), pa.int64()))
    con.register(ARROW_VIEW, table)
    try:
        return _insert(
            con, table.schema, ARROW_VIEW, ROW, _meta(delivery, ctx, source, month.kind), month
        )
    except duckdb.Error as exc:
        raise InputError(
            f"{source} {delivery.period} does not load: {exc}".splitlines()[0]
        ) from None
    finally:
        con.unregister(ARROW_VIEW)


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
    fetched: pa.Table | list[Path],
    ctx: LoadContext,
    source: str,
) -> int:
    """Delete the export's period and insert the month's rows; checks the count the delivery
    announced (rows that arrived meanwhile wait for the next run: they are after its export time).

    Raises:
        InputError: the rows do not read, or another number of rows than the delivery's.
    """
    con.execute(
        f"DELETE FROM {TABLE} WHERE x_provider = $v AND x_export_name = $e"  # noqa: S608
        " AND x_billing_period = $p",
        {"v": delivery.provider, "e": delivery.export, "p": delivery.period},
    )
    if isinstance(fetched, pa.Table):
        n = load_arrow(con, delivery, month, fetched, ctx, source)
    else:
        n = load_files(con, delivery, month, fetched, ctx)
    if n != month.rows:
        raise InputError(
            f"{delivery.export} {delivery.period}: {n:,} rows read but {month.rows:,} were listed"
            f" up to export time {month.max_text} in {source}",
            hint="the export's rows changed while loading (a rewrite); re-run the import",
        )
    if n == 0:
        raise InputError(f"{delivery.export} {delivery.period}: no rows in {source}")
    return n
