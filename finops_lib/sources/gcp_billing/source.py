"""Where a GCP export's rows come from: a local JSONL / Parquet extract of the export table (here) or
BigQuery (bigquery.py). Both answer the same two questions: per invoice month, the newest
``export_time`` and the row count (``summary``, the deliveries), and one month's rows up to a given
export time (an extract: its files, read by DuckDB in load; BigQuery: Arrow record batches).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from finops_lib.errors import InputError
from finops_lib.sources.gcp_billing import reader
from finops_lib.sources.gcp_billing.settings import (
    JSON_SUFFIXES,
    PARQUET_SUFFIXES,
)

MONTH = re.compile(r"^\d{4}(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Month:
    """One invoice month's rows in the source: the newest export time and the count."""

    month: str  # YYYYMM
    max_time: datetime
    rows: int
    kind: str  # standard | detailed
    sources: tuple[str, ...]  # the files (extract) or the table id holding the month
    listed: bool = True  # False: taken from the load state (no row within the look-back)

    @property
    def period(self) -> str:
        return f"{self.month[:4]}-{self.month[4:]}"

    @property
    def max_text(self) -> str:
        return self.max_time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    @property
    def delivery_id(self) -> str:
        return f"{self.max_text}/{self.rows}"


def months_of(found: list[tuple[Any, Any, Any]], where: str, kind: str, src: str) -> list[Month]:
    out = []
    for month, max_time, n in found:
        text = "" if month is None else str(month)
        if not MONTH.match(text):
            raise InputError(
                f"{where}: invoice.month {month!r} is not YYYYMM ({n:,} rows)",
                hint="the extract is not a Cloud Billing export or is damaged",
            )
        out.append(Month(text, max_time, int(n), kind, (src,)))
    return out


def short(exc: object) -> str:
    """The first line of an error's text (its type name when it has none)."""
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


# --------------------------------------------------------------------------- local extract


def extract_files(extract: str) -> list[Path]:
    """The JSONL / Parquet files of an extract (a file, or a folder searched recursively).

    Raises:
        InputError: nothing there, or no readable file in the folder.
    """
    path = Path(extract).expanduser()
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise InputError(
            f"GCP extract {extract} does not exist",
            hint="set [gcp].extract to a JSONL/Parquet file or folder",
        )
    files = sorted(
        p
        for p in path.rglob("*")
        if p.is_file() and p.name.lower().endswith(JSON_SUFFIXES + PARQUET_SUFFIXES)
    )
    if not files:
        raise InputError(
            f"no .jsonl/.json/.parquet file under GCP extract folder {extract}",
            hint="point [gcp].extract at the EXPORT DATA job's output",
        )
    return files


def scan(path: Path) -> str:
    """The DuckDB table function reading one extract file, rows numbered (``ordinality``); the
    path is the bound parameter ``$finops_path`` (:func:`scan_params`)."""
    if path.name.lower().endswith(PARQUET_SUFFIXES):
        return "read_parquet($finops_path) WITH ORDINALITY"
    return "read_json($finops_path, format='newline_delimited', sample_size=-1) WITH ORDINALITY"


def scan_params(path: Path) -> dict[str, object]:
    """The values :func:`scan` refers to."""
    return {"finops_path": str(path)}


def file_schema(con: duckdb.DuckDBPyConnection, path: Path) -> pa.Schema:
    """The nested schema of one extract file as DuckDB reads it.

    Raises:
        InputError: the file does not read (truncated, not JSON lines / Parquet), naming it.
    """
    try:
        return (
            con.execute(f"SELECT * FROM {scan(path)} LIMIT 0", scan_params(path))  # noqa: S608
            .to_arrow_table()
            .schema
        )
    except duckdb.Error as exc:
        raise bad_file(path, exc) from None


def bad_file(path: Path | str, exc: BaseException) -> InputError:
    return InputError(
        f"GCP extract {path} does not read: {short(exc)}",
        hint="re-run the EXPORT DATA job (JSON lines or Parquet) or remove the damaged file",
    )


def local_con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return con


@dataclass
class ExtractSource:
    """A local JSONL / Parquet extract of the export table."""

    extract: str

    @property
    def where(self) -> str:
        return self.extract

    def summary(self) -> list[Month]:
        con = local_con()
        merged: dict[str, Month] = {}
        try:
            for path in extract_files(self.extract):
                schema = file_schema(con, path)
                reader.check_required(schema, f"GCP extract {path}")
                kind = reader.export_kind(schema, path.name)
                try:
                    found = con.execute(
                        f"SELECT CAST(invoice.month AS VARCHAR), max(CAST(export_time AS TIMESTAMPTZ)),"  # noqa: S608
                        f" count(*) FROM {scan(path)} GROUP BY 1 ORDER BY 1",
                        scan_params(path),
                    ).fetchall()
                except duckdb.Error as exc:
                    raise bad_file(path, exc) from None
                for m in months_of(found, f"GCP extract {path}", kind, str(path)):
                    old = merged.get(m.month)
                    if old is not None:
                        m = Month(
                            m.month,
                            max(old.max_time, m.max_time),
                            old.rows + m.rows,
                            "detailed" if "detailed" in (old.kind, m.kind) else m.kind,
                            old.sources + m.sources,
                        )
                    merged[m.month] = m
        finally:
            con.close()
        if not merged:
            raise InputError(f"GCP extract {self.extract} holds no rows", hint="check the extract")
        return [merged[k] for k in sorted(merged)]
