"""Convert CUR files straight to a FOCUS file, in one streaming pass, without a warehouse.

What the FinOps Foundation's ``focus-converter`` does, with this project's mapping: the files are read
by the same normalising ``SELECT`` as an import (``sources.aws_cur.reader.cur_plan``), exposed as a
view named ``raw_aws.cur`` in an in-memory DuckDB, and the same staging view and FOCUS mapping
(``queries/staging/aws_cur.sql``, ``queries/focus/sources/aws_cur.sql``) are written out with
``COPY``. Nothing is materialised in between, so memory does not grow with the files.

Differences from an import: no manifest, no load state, no source totals; ``x_source_row`` and
``x_manifest_id`` are NULL (row numbers come from the warehouse's row ids on import), and
``x_billing_period`` is taken from each row's billing period start.
"""

from __future__ import annotations

import functools
import os
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

from finops_lib import build, db, sql
from finops_lib.errors import FinopsError, InputError
from finops_lib.export import FORMATS, select_columns
from finops_lib.sources.aws_cur.reader import bad_file, cur_plan, describe, unpack
from finops_lib.sources.aws_cur.settings import CANONICAL_COLUMNS
from finops_lib.spec import SUPPORTED_VERSIONS

CUR_VERSIONS = ("v1", "v2")


@dataclass(frozen=True)
class ConvertResult:
    """What a conversion wrote."""

    path: Path
    rows: int
    files: int
    focus_version: str


def _variable(name: str, *, suffix: int) -> str:
    """The SQL reading the DuckDB variable ``<name>_<suffix>`` (a view cannot take parameters)."""
    return f"getvariable('{name}_{suffix}')"


def _raw_view(con: duckdb.DuckDBPyConnection, files: list[Path]) -> None:
    """``raw_aws.cur`` as a view over the files: the import's normalising SELECT per file.

    The load metadata comes from DuckDB variables set with bound values, so no value is formatted
    into the view's SQL (a view cannot take parameters).
    """
    selects = []
    for i, path in enumerate(files):
        var = f"finops_file_{i}"
        con.execute(f"SET VARIABLE {var} = $v", {"v": path.name})
        plan = cur_plan(
            path,
            describe(con, path, path.name),
            path.name,
            {},
            numbered=False,
            ref=functools.partial(_variable, suffix=i),
        )
        for name, value in plan.params.items():  # the path and column types, as variables
            con.execute(f"SET VARIABLE {name}_{i} = $v", {"v": value})
        selects.append(
            f"SELECT {plan.select},\n  getvariable('{var}') AS x_source_file\nFROM {plan.source}"
        )
    # the canonical columns a file lacks, as typed NULLs (no rows come from this branch)
    nulls = ", ".join(
        f"CAST(NULL AS {t}) AS {sql.quote_ident(c)}" for c, t in CANONICAL_COLUMNS.items()
    )
    selects.append(f"SELECT {nulls} WHERE false")
    union = "\nUNION ALL BY NAME\n".join(selects)
    con.execute("CREATE SCHEMA IF NOT EXISTS raw_aws")
    con.execute(
        "CREATE VIEW raw_aws.cur AS\n"
        "SELECT *,\n"
        "  'AWS' AS x_provider,\n"
        "  getvariable('finops_export') AS x_export_name,\n"
        "  getvariable('finops_cur_version') AS x_cur_version,\n"
        "  strftime(bill_billing_period_start_date, '%Y-%m') AS x_billing_period,\n"
        "  CAST(NULL AS VARCHAR) AS x_manifest_id,\n"
        "  CAST(NULL AS BIGINT) AS x_source_row,\n"
        "  getvariable('finops_load_id') AS x_load_id\n"
        f"FROM (\n{union}\n)"
    )


def convert(
    inputs: list[Path],
    output: Path,
    *,
    cur_version: str = "v1",
    focus_version: str = "1.2",
    fmt: str = "parquet",
    export_name: str = "convert",
    memory_limit: str | None = None,
) -> ConvertResult:
    """Convert CUR v1 / CUR 2.0 files (CSV, CSV.gz, zip or parquet) to one FOCUS file.

    Args:
        inputs: the data files of one export (e.g. the files a manifest lists).
        output: the FOCUS file to write; written next to it first and moved into place.
        cur_version: ``v1`` or ``v2`` (only recorded in ``x_cur_version``; columns are recognised
            by name in either naming style).
        focus_version: ``1.2`` or ``1.3`` columns.
        fmt: ``parquet`` or ``csv``.
        export_name: recorded in ``x_export_name`` (not written to a FOCUS-only file).
        memory_limit: DuckDB's memory limit, e.g. ``"1GB"``.

    Raises:
        InputError: a missing or unreadable file, a file without the required CUR columns, an
            unknown version or format. The message names the file.
    """
    if cur_version not in CUR_VERSIONS:
        raise InputError(
            f"cannot convert --cur-version {cur_version!r}",
            hint="use v1 or v2 (an AWS FOCUS export is FOCUS already: import it instead)",
        )
    if focus_version not in SUPPORTED_VERSIONS:
        raise InputError(
            f"unknown FOCUS version {focus_version!r}",
            hint=f"use one of {', '.join(SUPPORTED_VERSIONS)}",
        )
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}", hint="use parquet or csv")
    if not inputs:
        raise InputError("no input files", hint="give the CUR data files to convert")
    for path in inputs:
        if not Path(path).is_file():
            raise InputError(f"{path} does not exist", hint="check the path")
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.name}.tmp")
    with tempfile.TemporaryDirectory(prefix="finops-convert-") as work:
        files = [_local(Path(p), Path(work)) for p in inputs]
        con = db.connect(":memory:", memory_limit=memory_limit)
        try:
            con.execute("SET preserve_insertion_order = false")  # a file, no order to keep
            con.execute("SET VARIABLE finops_export = $v", {"v": export_name})
            con.execute("SET VARIABLE finops_cur_version = $v", {"v": cur_version})
            con.execute("SET VARIABLE finops_load_id = $v", {"v": uuid.uuid4().hex})
            _raw_view(con, files)
            con.execute("CREATE SCHEMA IF NOT EXISTS staging")
            build.create_staging(con)
            mapping = sql.load("focus/sources/aws_cur")
            query = f"SELECT {select_columns(focus_version, fmt)} FROM (\n{mapping}\n) AS focus"  # noqa: S608 - spec names
            options = "FORMAT parquet" if fmt == "parquet" else "FORMAT csv, HEADER true"
            try:
                row = con.execute(
                    f"COPY ({query}) TO $path ({options})", {"path": str(tmp)}
                ).fetchone()
            except duckdb.Error as exc:
                tmp.unlink(missing_ok=True)
                raise bad_file(", ".join(p.name for p in inputs), exc) from None
        finally:
            con.close()
    try:
        os.replace(tmp, output)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise FinopsError(f"cannot write {output}: {exc}", hint="check the path") from None
    rows = int(row[0]) if row else 0
    return ConvertResult(output, rows, len(inputs), focus_version)


def _local(path: Path, work: Path) -> Path:
    """A zip is extracted into ``work``; other files are read where they are."""
    if path.suffix.lower() != ".zip":
        return path
    link = work / path.name
    link.symlink_to(path.resolve())
    return unpack(link)
