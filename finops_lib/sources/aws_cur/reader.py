"""DuckDB SQL that reads one downloaded CUR / FOCUS file into the canonical ``raw_aws`` shape."""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from finops_lib.errors import FinopsError, InputError
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


def is_parquet(path: Path) -> bool:
    """Whether ``path`` is a parquet file (by name, as AWS names them)."""
    return ".parquet" in path.name.lower()


def relation(path: Path, types: dict[str, str] | None = None, *, numbered: bool = False) -> str:
    """The DuckDB table function reading ``path`` (CSV imports stream through :func:`arrow_source`).

    Parquet is read as typed by its writer (``numbered``: with its ``file_row_number``). CSV is read
    with the dialect fixed (comma, ``"`` quoting: a corrupt or truncated file is then an error instead
    of a silent one-column fallback of the sniffer) and, when ``types`` is given, with exactly those
    columns and types, so that the parser itself converts amounts and dates; without ``types`` every
    column is VARCHAR (what :func:`describe` uses to read the header).
    """
    lit = sql_literal(str(path))
    if is_parquet(path):
        extra = ", file_row_number=true" if numbered else ""
        return f"read_parquet({lit}, hive_partitioning=false{extra})"
    dialect = "header=true, delim=',', quote='\"', escape='\"'"
    if types is None:
        return f"read_csv({lit}, {dialect}, all_varchar=true)"
    cols = ", ".join(f"{sql_literal(n)}: {sql_literal(t)}" for n, t in types.items())
    return f"read_csv({lit}, {dialect}, auto_detect=false, columns={{{cols}}})"


#: The name a CSV file's Arrow stream is registered under for its insert (:func:`arrow_source`).
ARROW_VIEW = "finops_csv_source"
#: The row number column :func:`arrow_source` adds.
ARROW_ROW = "__finops_row"


def row_number_sql(path: Path) -> str:
    """The ``x_source_row`` expression of a numbered plan (1-based row within the file)."""
    if is_parquet(path):
        return "CAST(file_row_number + 1 AS BIGINT)"
    return quote_ident(ARROW_ROW)


def arrow_source(path: Path, columns: list[tuple[str, str]]) -> Any:
    """A CSV (or CSV.gz) file as a stream of Arrow batches of strings, each row with its number.

    Arrow's CSV reader parses blocks on several threads and hands them over in file order, so the
    row number (``x_source_row``) is a counter per batch: no window over the file, no second pass,
    and the file is never whole in memory. Amounts and dates are cast by DuckDB in the insert
    (Arrow's decimal parser refuses more than ten decimals; DuckDB rounds, as the warehouse always
    has). Column names are those :func:`describe` gave, so duplicates are told apart the same way.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pcsv

    names = [n for n, _ in columns]
    reader = pcsv.open_csv(
        pa.input_stream(str(path), compression="detect"),
        read_options=pcsv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 20),
        parse_options=pcsv.ParseOptions(delimiter=",", quote_char='"', double_quote=True),
        convert_options=pcsv.ConvertOptions(
            column_types={n: pa.string() for n in names},
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        ),
    )
    schema = reader.schema.append(pa.field(ARROW_ROW, pa.int64()))

    def numbered() -> Any:
        start = 1
        for batch in reader:
            rows = pa.array(np.arange(start, start + batch.num_rows, dtype=np.int64))
            yield pa.RecordBatch.from_arrays([*batch.columns, rows], schema=schema)
            start += batch.num_rows

    return pa.RecordBatchReader.from_batches(schema, numbered())


def sql_literal(text: str) -> str:
    """``text`` as a SQL string literal (for the file paths and column names of table functions,
    which DuckDB does not accept as bound parameters)."""
    return "'" + text.replace("'", "''") + "'"


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


_WIDE_DECIMAL = re.compile(r"DECIMAL\((\d+),\s*(\d+)\)")


def _cast(expr: str, src_type: str, dst_type: str) -> str:
    if src_type == "VARCHAR":
        expr = f"NULLIF({expr}, '')"
    if src_type == dst_type:
        return expr
    wide = _WIDE_DECIMAL.fullmatch(dst_type)
    if src_type == "VARCHAR" and wide and int(wide[1]) > 18 and int(wide[2]) < 18:
        # Text -> DECIMAL(38,s) parses through 128-bit arithmetic, about ten times slower than
        # DECIMAL(18,s) (it was a quarter of a CUR v1 load). Amounts below 10^(18-s) take the fast
        # path, which rounds the same way; larger ones (and errors) fall through to the wide cast.
        return f"COALESCE(TRY_CAST({expr} AS DECIMAL(18,{wide[2]})), CAST({expr} AS {dst_type}))"
    return f"CAST({expr} AS {dst_type})"


def _json_text(src: str, src_type: str) -> str:
    """A map column as compact JSON object text; NULL when empty.

    Native MAPs (CUR 2.0 parquet) are serialised; JSON text (CUR 2.0 CSV) is parsed once, so a
    malformed value is an error that names the file, and re-serialised compactly.
    """
    if src_type.startswith("MAP"):
        return f"NULLIF(CAST(to_json({src}) AS VARCHAR), '{{}}')"
    return f"NULLIF(CAST(json(NULLIF(CAST({src} AS VARCHAR), '')) AS VARCHAR), '{{}}')"


def _json_pack(items: list[tuple[str, str]]) -> str:
    """CUR v1 ``<category>/<key>`` columns packed into one JSON object text, without NULL or ''
    values; NULL when no value is set. String concatenation, not a MAP: a MAP costs several times
    more to build and to store, and the FOCUS build only needs the JSON."""
    parts = ", ".join(
        f"CASE WHEN {src} <> '' THEN {sql_literal(json.dumps(key) + ':')} || to_json({src}) END"
        for key, src in items
    )
    return f"NULLIF('{{' || concat_ws(',', {parts}) || '}}', '{{}}')"


@dataclass
class Plan:
    """How one file is loaded: ``INSERT INTO <raw> BY NAME SELECT <select> FROM <source>``.

    Absent canonical columns are left out (NULL). ``x_source_row`` comes with the rows as they
    stream (parquet ``file_row_number``, a counter per Arrow batch for CSV), not from a window
    function, which would hold the whole file in memory, nor from an update after the insert, which
    at 10M rows cost a third of the load.
    """

    select: str
    source: str
    extras: dict[str, str]
    arrow: Path | None = None  # a CSV file to register as ARROW_VIEW (arrow_source) for the insert
    columns: list[tuple[str, str]] = field(default_factory=list)  # the file's, for arrow_source


def cur_plan(
    path: Path,
    columns: list[tuple[str, str]],
    label: str,
    meta: dict[str, object],
    *,
    numbered: bool = True,
) -> Plan:
    """The plan mapping a CUR v1 / CUR 2.0 file's columns to ``raw_aws.cur``.

    Canonical columns get their declared type (for CSV the reader parses them, for parquet they are
    cast); v1 ``resourceTags/*``, ``costCategory/*`` and ``product/*`` are packed into JSON object
    text; CUR 2.0 maps are serialised to the same JSON text, and the canonical ``product_*``
    attributes are taken out of its ``product`` map; other columns are kept as VARCHAR under their
    snake_case name. ``meta`` values become ``$x_*`` parameters. ``numbered``: add ``x_source_row``
    (the file is then read in order, see :func:`relation`).

    Raises:
        InputError: a required column is missing.
    """
    # CSV read by DuckDB with typed columns (convert), or as Arrow strings cast here (import)
    csv = not is_parquet(path) and not numbered
    arrow = not is_parquet(path) and numbered
    select: dict[str, str] = {}
    csv_types: dict[str, str] = {}
    packs: dict[str, list[tuple[str, str]]] = {}
    product_map: tuple[str, str] | None = None
    extras: dict[str, str] = {}
    for name, typ in columns:
        csv_types[name] = "VARCHAR"
        if name.upper() == "BILLING_PERIOD":
            continue
        target, key = classify_column(name)
        src = quote_ident(name)
        canonical = CANONICAL_COLUMNS.get(target)
        if key is not None:
            packs.setdefault(target, []).append((key, src))
            if target == "product" and f"product_{key}" in CANONICAL_COLUMNS:
                select[f"product_{key}"] = src if csv else _cast(src, typ, "VARCHAR")
        elif target in MAP_COLUMNS:
            select[target] = _json_text(src, typ)
            if target == "product":
                product_map = (src, typ)
        elif canonical is not None:
            if csv and not _WIDE_DECIMAL.fullmatch(canonical):
                csv_types[name] = canonical
                select[target] = src
            elif csv:  # the reader's wide-decimal parse is as slow as the cast (see _cast)
                select[target] = _cast(src, "VARCHAR", canonical)
            else:
                select[target] = _cast(src, typ, canonical)
        elif target and target not in select and not target.startswith("x_"):
            select[target] = src if csv else f"CAST({_cast(src, typ, 'VARCHAR')} AS VARCHAR)"
            extras[target] = "VARCHAR"
    missing = [c for c in REQUIRED_COLUMNS if c not in select]
    if missing:
        raise InputError(
            f"{label} lacks required column(s) {', '.join(missing)}",
            hint="is the report a cost and usage report with line items? check --cur-version",
        )
    for target, items in packs.items():
        select[target] = _json_pack(items)
    if product_map is not None:
        src, typ = product_map
        for col in CANONICAL_COLUMNS:
            if col.startswith("product_") and col not in select:
                key = col.removeprefix("product_")
                select[col] = (
                    f"NULLIF({src}[{sql_literal(key)}], '')"
                    if typ.startswith("MAP")
                    else f"NULLIF(json_extract_string({select['product']}, {sql_literal('$.' + key)}), '')"
                )
    parts = [f"{select[c]} AS {quote_ident(c)}" for c in CANONICAL_COLUMNS if c in select]
    parts += [f"{select[c]} AS {quote_ident(c)}" for c in extras]
    parts += [f"CAST(${k} AS VARCHAR) AS {quote_ident(k)}" for k in meta]
    if numbered:
        parts.append(f"{row_number_sql(path)} AS x_source_row")
    if arrow:
        return Plan(",\n  ".join(parts), ARROW_VIEW, extras, arrow=path, columns=columns)
    source = relation(path, csv_types if csv else None, numbered=numbered)
    return Plan(",\n  ".join(parts), source, extras)


def focus_plan(
    path: Path,
    columns: list[tuple[str, str]],
    label: str,
    meta: dict[str, object],
    focus_types: dict[str, str],
) -> Plan:
    """The plan mapping an AWS FOCUS export file to ``raw_aws.focus`` (absent columns NULL)."""
    have = dict(columns)
    missing = [c for c in FOCUS_REQUIRED_COLUMNS if c not in have]
    if missing:
        raise InputError(
            f"{label} lacks required FOCUS column(s) {', '.join(missing)}",
            hint="is this a FOCUS export? use --cur-version v1/v2 for CUR",
        )
    arrow = not is_parquet(path)  # CSV streams through Arrow as strings and is cast here
    parts: list[str] = []
    extras: dict[str, str] = {}
    for col, typ in focus_types.items():
        if col not in have:
            continue
        src = quote_ident(col)
        if col == "Tags":
            expr = _json_text(src, have[col])
        else:
            expr = _cast(src, have[col], typ)
        parts.append(f"{expr} AS {src}")
    for col, _typ in columns:
        if col in focus_types or col.lower() == "billing_period" or col in meta:
            continue
        parts.append(f"CAST({quote_ident(col)} AS VARCHAR) AS {quote_ident(col)}")
        extras[col] = "VARCHAR"
    parts += [f"CAST(${k} AS VARCHAR) AS {quote_ident(k)}" for k in meta]
    parts.append(f"{row_number_sql(path)} AS x_source_row")
    if arrow:
        return Plan(",\n  ".join(parts), ARROW_VIEW, extras, arrow=path, columns=columns)
    return Plan(",\n  ".join(parts), relation(path, numbered=True), extras)


def check_numbering(
    con: duckdb.DuckDBPyConnection, table: str, load_id: str, counts: list[tuple[str, int]]
) -> None:
    """Every file of the load is numbered 1..n (``x_source_row``), so a broken assumption about row
    order fails the load instead of storing wrong numbers.

    Raises:
        FinopsError: the numbering is not 1..n for some file (the load is rolled back).
    """
    got = con.execute(
        f"SELECT x_source_file, min(x_source_row), max(x_source_row), count(*) FROM {table} "  # noqa: S608 - fixed table name
        "WHERE x_load_id = $l GROUP BY ALL",
        {"l": load_id},
    ).fetchall()
    want = sorted((k, 1, n, n) for k, n in counts if n)
    if sorted(got) != want:
        raise FinopsError(
            "row numbering of the load went wrong (x_source_row)",
            hint="this is a bug; the load was rolled back, please report it",
        )
