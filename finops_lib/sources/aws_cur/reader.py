"""DuckDB SQL that reads one downloaded CUR / FOCUS file into the canonical ``raw_aws`` shape."""

from __future__ import annotations

import zipfile
from pathlib import Path

import duckdb

from finops_lib.errors import InputError
from finops_lib.sources.aws_cur.helpers import classify_column
from finops_lib.sources.aws_cur.settings import (
    CANONICAL_COLUMNS,
    FOCUS_REQUIRED_COLUMNS,
    MAP_COLUMNS,
    REQUIRED_COLUMNS,
)
from finops_lib.sql import quote_ident


def unpack(path: Path) -> Path:
    """A ``.zip`` CUR file is extracted next to itself (streamed); other files are returned as is."""
    if path.suffix.lower() != ".zip":
        return path
    try:
        with zipfile.ZipFile(path) as zf:
            members = [m for m in zf.infolist() if not m.is_dir()]
            if len(members) != 1:
                raise InputError(f"{path.name} holds {len(members)} files, expected one CSV")
            target = path.with_suffix(".csv")
            with zf.open(members[0]) as src, target.open("wb") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
    except zipfile.BadZipFile:
        raise InputError(
            f"{path.name} is not a valid zip file", hint="re-deliver the report"
        ) from None
    return target


def relation(path: Path) -> str:
    """The DuckDB table function reading ``path`` (parquet, or CSV with every column VARCHAR)."""
    lit = "'" + str(path).replace("'", "''") + "'"
    if ".parquet" in path.name.lower():
        return f"read_parquet({lit}, hive_partitioning=false)"
    # CUR CSV is always comma-delimited with '"' quoting: fixing the dialect makes a corrupt or
    # truncated file an error instead of a silent one-column fallback of the sniffer
    return f"read_csv({lit}, header=true, all_varchar=true, delim=',', quote='\"', escape='\"')"


def describe(con: duckdb.DuckDBPyConnection, path: Path, label: str) -> list[tuple[str, str]]:
    """``(name, type)`` of the file's columns; a corrupt or unreadable file -> InputError."""
    try:
        rows = con.execute(f"DESCRIBE SELECT * FROM {relation(path)}").fetchall()  # noqa: S608 - path is a quoted literal
    except duckdb.Error as exc:
        raise _bad_file(label, exc) from None
    return [(r[0], r[1]) for r in rows]


def _bad_file(label: str, exc: Exception) -> InputError:
    first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
    hint = (
        "the file is corrupt or truncated; wait for AWS to re-deliver it (or remove it) and re-run"
    )
    if "Conversion Error" in first:
        hint = "a value does not fit the column's type; check the file's format and --cur-version"
    return InputError(f"cannot read {label}: {first}", hint=hint)


def _cast(expr: str, src_type: str, dst_type: str) -> str:
    if src_type == "VARCHAR":
        expr = f"NULLIF(TRIM({expr}), '')"
    if src_type == dst_type:
        return expr
    return f"CAST({expr} AS {dst_type})"


def cur_select(
    columns: list[tuple[str, str]], label: str, meta: dict[str, object]
) -> tuple[str, dict[str, str]]:
    """``SELECT`` list mapping a CUR file's columns to ``raw_aws.cur``, and its extra columns.

    Canonical columns are cast to their declared type (typed NULL when absent); v1
    ``resourceTags/*``, ``costCategory/*`` and ``product/*`` are packed into MAPs; other columns are
    kept as VARCHAR under their snake_case name. ``meta`` values become ``$x_*`` parameters.

    Raises:
        InputError: a required column is missing.
    """
    select: dict[str, str] = {}
    packs: dict[str, list[tuple[str, str]]] = {}
    extras: dict[str, str] = {}
    for name, typ in columns:
        if name.upper() == "BILLING_PERIOD":
            continue
        target, key = classify_column(name)
        src = quote_ident(name)
        if key is not None:
            packs.setdefault(target, []).append((key, src))
            if f"product_{key}" in CANONICAL_COLUMNS and target == "product":
                select[f"product_{key}"] = _cast(src, typ, CANONICAL_COLUMNS[f"product_{key}"])
        elif target in MAP_COLUMNS:
            select[target] = (
                src if typ.startswith("MAP") else f"CAST(NULL AS {MAP_COLUMNS[target]})"
            )
        elif target in CANONICAL_COLUMNS:
            select[target] = _cast(src, typ, CANONICAL_COLUMNS[target])
        elif target and target not in select and not target.startswith("x_"):
            select[target] = f"CAST({_cast(src, typ, 'VARCHAR')} AS VARCHAR)"
            extras[target] = "VARCHAR"
    missing = [c for c in REQUIRED_COLUMNS if c not in select]
    if missing:
        raise InputError(
            f"{label} lacks required column(s) {', '.join(missing)}",
            hint="is the report a cost and usage report with line items? check --cur-version",
        )
    for target, items in packs.items():
        entries = ", ".join(
            f"struct_pack(k := '{k.replace(chr(39), chr(39) * 2)}', v := NULLIF(TRIM(CAST({s} AS VARCHAR)), ''))"
            for k, s in items
        )
        select[target] = (
            f"map_from_entries(list_filter([{entries}], e -> e.v IS NOT NULL))"
            if target != "discount"
            else f"CAST(NULL AS {MAP_COLUMNS[target]})"
        )
    parts = [
        f"{select.get(c, f'CAST(NULL AS {t})')} AS {quote_ident(c)}"
        for c, t in CANONICAL_COLUMNS.items()
    ]
    parts += [f"{select[c]} AS {quote_ident(c)}" for c in extras]
    parts += [f"CAST(${k} AS VARCHAR) AS {quote_ident(k)}" for k in meta]
    parts.append('CAST(row_number() OVER () AS BIGINT) AS "x_source_row"')
    return ",\n  ".join(parts), extras


def focus_select(
    columns: list[tuple[str, str]], label: str, meta: dict[str, object], focus_types: dict[str, str]
) -> tuple[str, dict[str, str]]:
    """``SELECT`` list mapping an AWS FOCUS export file to ``raw_aws.focus`` (typed NULLs for absent)."""
    have = dict(columns)
    missing = [c for c in FOCUS_REQUIRED_COLUMNS if c not in have]
    if missing:
        raise InputError(
            f"{label} lacks required FOCUS column(s) {', '.join(missing)}",
            hint="is this a FOCUS export? use --cur-version v1/v2 for CUR",
        )
    parts: list[str] = []
    extras: dict[str, str] = {}
    for col, typ in focus_types.items():
        if col in have:
            src = quote_ident(col)
            expr = (
                f"CAST(to_json({src}) AS VARCHAR)"
                if col == "Tags" and not have[col] == "VARCHAR"
                else _cast(src, have[col], typ)
            )
        else:
            expr = f"CAST(NULL AS {typ})"
        parts.append(f"{expr} AS {quote_ident(col)}")
    for col, _typ in columns:
        if col in focus_types or col.lower() == "billing_period" or col in meta:
            continue
        parts.append(f"CAST({quote_ident(col)} AS VARCHAR) AS {quote_ident(col)}")
        extras[col] = "VARCHAR"
    parts += [f"CAST(${k} AS VARCHAR) AS {quote_ident(k)}" for k in meta]
    parts.append('CAST(row_number() OVER () AS BIGINT) AS "x_source_row"')
    return ",\n  ".join(parts), extras
