"""Flatten the nested export row (an Arrow table from BigQuery, or a JSONL / Parquet extract read by
DuckDB) into the ``raw_gcp.billing`` columns, in DuckDB SQL. The source's Arrow schema says which
fields exist; a field the export lacks (older exports, the standard export's ``resource``) is NULL.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from finops_lib.errors import InputError
from finops_lib.sources.gcp_billing.settings import (
    CREDIT_FIELDS,
    DEC,
    FOCUS_REQUIRED,
    LABEL_COLUMNS,
    REQUIRED,
    SCALAR_COLUMNS,
    TS,
)
from finops_lib.sql import quote_ident


def _field(schema: pa.Schema | pa.StructType, path: tuple[str, ...]) -> pa.DataType | None:
    """The type at ``path`` in a (nested) schema, or None when a part is absent."""
    fields: Any = schema
    typ: pa.DataType | None = None
    for i, part in enumerate(path):
        idx = fields.get_field_index(part)
        if idx < 0:
            return None
        typ = fields.field(idx).type
        if i < len(path) - 1:
            if not pa.types.is_struct(typ):
                return None
            fields = typ
    return typ


def _ref(path: tuple[str, ...], root: str = "") -> str:
    parts = [root] if root else []
    return ".".join(parts + [quote_ident(p) for p in path])


def missing_required(
    schema: pa.Schema, required: tuple[tuple[str, ...], ...] = REQUIRED
) -> list[str]:
    """The required fields (dotted) the schema lacks."""
    return [".".join(p) for p in required if _field(schema, p) is None]


def check_required(schema: pa.Schema, where: str, kind: str = "billing") -> None:
    """Raises InputError naming the first required field ``where`` lacks (``kind``: billing
    export or Google's FOCUS view)."""
    missing = missing_required(schema, FOCUS_REQUIRED if kind == "focus" else REQUIRED)
    if missing:
        hint = (
            "it is not Google's FOCUS view or FOCUS export table (gcp_billing_export_focus_*)"
            if kind == "focus"
            else "it is not a Cloud Billing export (gcp_billing_export_v1_* /"
            ' gcp_billing_export_resource_v1_*); for Google\'s FOCUS view set kind = "focus"'
        )
        raise InputError(f"{where} has no {missing[0]} column", hint=hint)


def _scalar(schema: pa.Schema, typ: str, path: tuple[str, ...]) -> str:
    if _field(schema, path) is None:
        return f"CAST(NULL AS {typ})"
    return f"CAST({_ref(path)} AS {typ})"


def _member(item: pa.StructType, name: str) -> str | None:
    """The struct member called ``name`` in any case (Google's FOCUS view says ``Key``)."""
    for i in range(item.num_fields):
        if item.field(i).name.lower() == name:
            return item.field(i).name
    return None


def labels_json(schema: pa.Schema, path: tuple[str, ...]) -> str:
    """A ``[{key, value}]`` list as compact JSON object text (NULL when empty or absent)."""
    typ = _field(schema, path)
    if typ is None or not pa.types.is_list(typ) and not pa.types.is_large_list(typ):
        return "CAST(NULL AS VARCHAR)"
    item = typ.value_type
    key = _member(item, "key") if pa.types.is_struct(item) else None
    if key is None:
        return "CAST(NULL AS VARCHAR)"
    member = _member(item, "value")
    value = f"CAST(l.{quote_ident(member)} AS VARCHAR)" if member else "NULL"
    ref = _ref(path)
    return (
        f"CASE WHEN len({ref}) > 0 THEN CAST(to_json(map_from_entries(list_transform({ref},"
        f" l -> {{'k': CAST(l.{quote_ident(key)} AS VARCHAR), 'v': {value}}}))) AS VARCHAR) END"
    )


def _credits(schema: pa.Schema) -> str:
    typ = _field(schema, ("credits",))
    if typ is None:
        return "CAST(NULL AS VARCHAR)"
    if pa.types.is_struct(typ):
        # one credit written as an object, not a list (koku-nise's extracts): a list of one, so
        # that raw_gcp.billing holds the array the contract names
        one = ", ".join(
            f"'{name}': CAST(CAST(\"credits\".amount AS {DEC}) AS VARCHAR)"
            if name == "amount"
            else f"'{name}': CAST(\"credits\".{quote_ident(name)} AS VARCHAR)"
            for name in CREDIT_FIELDS
            if typ.get_field_index(name) >= 0
        )
        return (
            'CASE WHEN "credits" IS NULL THEN CAST(NULL AS VARCHAR) '
            f"ELSE CAST(to_json([{{{one}}}]) AS VARCHAR) END"
        )
    if not (pa.types.is_list(typ) or pa.types.is_large_list(typ)) or not pa.types.is_struct(
        typ.value_type
    ):
        # e.g. an extract whose every credits list is empty: no element type to read
        return 'CAST(to_json("credits") AS VARCHAR)'
    item = typ.value_type
    members = []
    for name in CREDIT_FIELDS:
        if item.get_field_index(name) < 0:
            expr = "CAST(NULL AS VARCHAR)"
        elif name == "amount":
            expr = f"CAST(CAST(c.amount AS {DEC}) AS VARCHAR)"
        else:
            expr = f"CAST(c.{quote_ident(name)} AS VARCHAR)"
        members.append(f"'{name}': {expr}")
    return f'CAST(to_json(list_transform("credits", c -> {{{", ".join(members)}}})) AS VARCHAR)'


def select_list(schema: pa.Schema) -> str:
    """The SELECT list producing every non-metadata contract column from a nested export row."""
    exprs: dict[str, str] = {}
    for col, (typ, path) in SCALAR_COLUMNS.items():
        exprs[col] = _scalar(schema, typ, path)
    for col, path in LABEL_COLUMNS.items():
        exprs[col] = labels_json(schema, path)
    exprs["credits"] = _credits(schema)
    return ",\n  ".join(f"{e} AS {quote_ident(c)}" for c, e in exprs.items())


def export_kind(schema: pa.Schema, table: str = "") -> str:
    """``detailed`` (the resource-level export: it has ``resource``) or ``standard``."""
    if "resource_v1_" in table or _field(schema, ("resource",)) is not None:
        return "detailed"
    return "standard"


def month_filter(schema: pa.Schema) -> str:
    """WHERE clause keeping one invoice month's rows up to the delivery's export time
    (``$month``, ``$max_time``)."""
    return (
        f"CAST({_ref(('invoice', 'month'))} AS VARCHAR) = $month"
        f" AND CAST({_ref(('export_time',))} AS {TS}) <= CAST($max_time AS {TS})"
    )
