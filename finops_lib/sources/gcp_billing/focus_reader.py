"""Google's FOCUS view (over the detailed export) or FOCUS export table (``kind = "focus"``): its
rows into ``raw_gcp.focus``, in DuckDB SQL over each Arrow record batch.

FOCUS columns keep their names; each FOCUS 1.2 column is cast to its spec type (NULL when the view
lacks it); ``Tags`` as a ``[{key, value}]`` list becomes a JSON object, a JSON or text ``Tags`` is
kept as text. Google's ``x_`` extras listed in settings are kept (nested ones as JSON text). An
invoice month is ``BillingPeriodStart`` plus 12 hours, as YYYYMM in UTC: Google starts a month at
midnight Pacific time (07:00 or 08:00 UTC), a view may start it at midnight UTC; both land in
their month.
"""

from __future__ import annotations

from functools import cache

import pyarrow as pa

from finops_lib import spec
from finops_lib.sources.gcp_billing import reader
from finops_lib.sources.gcp_billing.settings import (
    FOCUS_LABEL_COLUMNS,
    FOCUS_X_COLUMNS,
    META_COLUMNS,
    TS,
    VC,
)
from finops_lib.sql import quote_ident

#: The month of a FOCUS row, in BigQuery (GoogleSQL).
BIGQUERY_MONTH = "FORMAT_TIMESTAMP('%Y%m', TIMESTAMP_ADD(BillingPeriodStart, INTERVAL 12 HOUR))"


@cache
def spec_columns() -> dict[str, str]:
    """FOCUS 1.2 column -> DuckDB type in ``raw_gcp.focus`` (JSON columns as text)."""
    return {
        c.name: (VC if c.duckdb_type == "JSON" else c.duckdb_type)
        for c in spec.focus_columns("1.2")
    }


def columns() -> dict[str, str]:
    """Every column of ``raw_gcp.focus``: FOCUS 1.2, Google's extras, load metadata."""
    return spec_columns() | FOCUS_X_COLUMNS | META_COLUMNS


def _nested(typ: pa.DataType) -> bool:
    return bool(
        pa.types.is_struct(typ)
        or pa.types.is_list(typ)
        or pa.types.is_large_list(typ)
        or pa.types.is_map(typ)
    )


def _column(schema: pa.Schema, name: str, typ: str) -> str:
    idx = schema.get_field_index(name)
    if idx < 0:
        return f"CAST(NULL AS {typ})"
    field = schema.field(idx).type
    ref = quote_ident(name)
    if name == "Tags" or name in FOCUS_LABEL_COLUMNS:
        if pa.types.is_list(field) or pa.types.is_large_list(field):
            return reader.labels_json(schema, (name,))
        return (
            f"CAST({ref} AS VARCHAR)" if not _nested(field) else f"CAST(to_json({ref}) AS VARCHAR)"
        )
    if _nested(field):
        return f"CAST(to_json({ref}) AS VARCHAR)"
    return f"CAST({ref} AS {typ})"


def select_list(schema: pa.Schema) -> str:
    """The SELECT list producing every non-metadata column of ``raw_gcp.focus``."""
    wanted = spec_columns() | FOCUS_X_COLUMNS
    return ",\n  ".join(
        f"{_column(schema, name, typ)} AS {quote_ident(name)}" for name, typ in wanted.items()
    )


def month_filter() -> str:
    """WHERE clause keeping one invoice month's rows up to the delivery's export time
    (``$month``, ``$max_time``), whatever the session's time zone."""
    start = f"timezone('UTC', CAST(BillingPeriodStart AS {TS}))"
    return (
        f"strftime({start} + INTERVAL 12 HOUR, '%Y%m') = $month"
        f" AND CAST(x_ExportTime AS {TS}) <= CAST($max_time AS {TS})"
    )
