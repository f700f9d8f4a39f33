"""AWS billing sources: CUR v1, CUR 2.0 (Data Exports) and the AWS Data Exports FOCUS table.

``discover`` turns a bucket listing into the current :class:`Delivery` per billing period (only the
files the current manifest lists). ``arrow_batches`` is the dlt resource that streams a downloaded
file, already normalised to the ``raw_aws`` shape, as pyarrow RecordBatches (bounded memory).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb

from finops_lib.errors import InputError
from finops_lib.sources.aws_cur.helpers import (
    Delivery,
    parse_v1_manifest,
    parse_v2_manifest,
    v1_manifest_keys,
    v2_manifest_keys,
)
from finops_lib.sources.aws_cur.settings import BATCH_ROWS
from finops_lib.sources.aws_cur.store import Store

__all__ = ["Delivery", "arrow_batches", "discover", "focus_types"]


@functools.cache
def focus_types() -> dict[str, str]:
    """FOCUS 1.2 column -> DuckDB type for ``raw_aws.focus`` (JSON columns kept as VARCHAR text)."""
    from finops_lib.spec import focus_columns

    return {
        c.name: ("VARCHAR" if c.duckdb_type == "JSON" else c.duckdb_type)
        for c in focus_columns("1.2")
    }


def discover(
    store: Store, prefix: str, export_name: str, cur_version: str, label: str | None = None
) -> list[Delivery]:
    """The current delivery of every billing period of one export, oldest period first.

    Args:
        store: the bucket (S3 or a local copy).
        prefix: the report path prefix (may be empty).
        export_name: the CUR report name / Data Exports export name.
        cur_version: ``v1`` (top-level manifest per period folder), ``v2`` or ``focus`` (newest
            manifest per ``BILLING_PERIOD=`` / ``billing_period=`` partition).
        label: the name the export is stored under (default: ``export_name``).

    Raises:
        InputError: no manifest at all (wrong prefix / name / version), or a malformed manifest.
    """
    label = label or export_name
    base = "/".join(p for p in (prefix.strip("/"), export_name) if p)
    if cur_version == "v1":
        keys = store.list_keys(base + "/")
        manifests = v1_manifest_keys(keys, prefix, export_name)
    else:
        keys = store.list_keys(base + "/metadata/")
        manifests = v2_manifest_keys(keys, prefix, export_name)
    if not manifests:
        raise InputError(
            f"no {cur_version} manifests under {store.name}/{base}/",
            hint="check --prefix, --export-name and --cur-version (v1 = legacy CUR, v2 = CUR 2.0, focus)",
        )
    out: list[Delivery] = []
    for period, key in sorted(manifests.items()):
        text = store.read(key)
        if cur_version == "v1":
            out.append(parse_v1_manifest(text, key, label, period))
        else:
            out.append(parse_v2_manifest(text, key, label, period, cur_version))
    return out


def arrow_batches(
    con: duckdb.DuckDBPyConnection,
    select_sql: str,
    params: dict[str, Any],
    batch_rows: int = BATCH_ROWS,
) -> Iterator[Any]:
    """Stream a normalising ``SELECT`` over a downloaded file as pyarrow RecordBatches."""
    reader = con.execute(select_sql, params).fetch_record_batch(batch_rows)
    yield from reader


def dlt_resource(
    con: duckdb.DuckDBPyConnection, select_sql: str, params: dict[str, Any], table: str, path: Path
) -> Any:
    """A dlt resource over :func:`arrow_batches` (append into ``table``) for a dlt pipeline."""
    import dlt

    return dlt.resource(
        arrow_batches(con, select_sql, params), name=table, write_disposition="append"
    )
