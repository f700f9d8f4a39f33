"""Where a GCP export's rows come from: BigQuery (google-cloud-bigquery, as Arrow) or a local JSONL /
Parquet extract of the export table. Both answer the same two questions: per invoice month, the
newest ``export_time`` and the row count (:meth:`summary`, the deliveries), and one month's rows up
to a given export time (BigQuery: an Arrow table; an extract: its files, read by DuckDB in load).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from finops_lib.errors import ConfigError, InputError
from finops_lib.sources.gcp_billing import reader
from finops_lib.sources.gcp_billing.settings import (
    API_ENDPOINT_ENV,
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

    @property
    def period(self) -> str:
        return f"{self.month[:4]}-{self.month[4:]}"

    @property
    def max_text(self) -> str:
        return self.max_time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    @property
    def delivery_id(self) -> str:
        return f"{self.max_text}/{self.rows}"


def _months(found: list[tuple[Any, Any, Any]], where: str, kind: str, src: str) -> list[Month]:
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


def _short(exc: BaseException) -> str:
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
        f"GCP extract {path} does not read: {_short(exc)}",
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
                for m in _months(found, f"GCP extract {path}", kind, str(path)):
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


# --------------------------------------------------------------------------- BigQuery


@dataclass
class BigQuerySource:
    """The export table in BigQuery, read with google-cloud-bigquery as Arrow."""

    project_id: str
    dataset: str
    table: str
    location: str = "US"
    service_account_path: str = field(default="", repr=False)
    api_endpoint: str = ""
    _client: Any = field(default=None, repr=False)

    @property
    def table_id(self) -> str:
        return ".".join(p for p in (self.project_id, self.dataset, self.table) if p)

    @property
    def where(self) -> str:
        at = f" at {self.api_endpoint}" if self.api_endpoint else ""
        return f"bigquery:{self.table_id}{at}"

    def client(self) -> Any:
        """A BigQuery client: the service account key, else an emulator's anonymous access, else
        application default credentials.

        Raises:
            ConfigError: no credentials (naming the settings that give them).
        """
        if self._client is not None:
            return self._client
        from google.auth.exceptions import DefaultCredentialsError, GoogleAuthError
        from google.cloud import bigquery

        options = {"api_endpoint": self.api_endpoint} if self.api_endpoint else None
        try:
            if self.service_account_path:
                from google.oauth2 import service_account

                creds = service_account.Credentials.from_service_account_file(
                    self.service_account_path
                )
            elif self.api_endpoint:
                from google.auth.credentials import AnonymousCredentials

                creds = AnonymousCredentials()
            else:
                creds = None  # application default credentials
            self._client = bigquery.Client(
                project=self.project_id or None,
                credentials=creds,
                location=self.location or None,
                client_options=options,
            )
        except DefaultCredentialsError:
            raise ConfigError(
                "no Google Cloud credentials for BigQuery",
                hint="run `gcloud auth application-default login`, set GOOGLE_APPLICATION_CREDENTIALS"
                " or [gcp].service_account_path",
            ) from None
        except (OSError, ValueError, GoogleAuthError) as exc:
            raise ConfigError(
                f"cannot use [gcp].service_account_path: {type(exc).__name__}",
                hint="name a readable service account key file (JSON)",
            ) from None
        return self._client

    def _query(self, sql: str, params: list[Any] | None = None) -> pa.Table:
        from google.api_core import exceptions as gexc
        from google.cloud import bigquery

        client = self.client()
        config = bigquery.QueryJobConfig(query_parameters=params or [])
        try:
            job = client.query(sql, job_config=config)
            return job.result().to_arrow(create_bqstorage_client=not self.api_endpoint)
        except gexc.NotFound:
            raise InputError(
                f"BigQuery table {self.table_id} not found",
                hint="set [gcp].project_id, dataset and table to the billing export's table",
            ) from None
        except (gexc.Forbidden, gexc.Unauthorized) as exc:
            raise ConfigError(
                f"BigQuery refused access to {self.table_id} ({type(exc).__name__})",
                hint="grant the credentials BigQuery Data Viewer and Job User, or set [gcp].service_account_path",
            ) from None
        except gexc.GoogleAPIError as exc:
            raise InputError(f"BigQuery query on {self.table_id} failed: {_short(exc)}") from None
        except Exception as exc:  # requests / transport errors: the API is unreachable
            if type(exc).__module__.startswith(("requests", "urllib3", "google.auth")):
                raise InputError(
                    f"cannot reach the BigQuery API{' at ' + self.api_endpoint if self.api_endpoint else ''}"
                    f" ({type(exc).__name__})",
                    hint=f"check the network or [gcp].api_endpoint ({API_ENDPOINT_ENV})",
                ) from None
            raise

    def _check(self) -> pa.Table:
        if not (self.dataset and self.table):
            raise ConfigError(
                "GCP export has no dataset/table",
                hint="set [gcp].dataset and [gcp].table (or [gcp].extract)",
            )
        return self._query(f"SELECT * FROM `{self.table_id}` LIMIT 0")  # noqa: S608

    def summary(self) -> list[Month]:
        empty = self._check()
        reader.check_required(empty.schema, f"BigQuery table {self.table_id}")
        kind = reader.export_kind(empty.schema, self.table)
        got = self._query(
            f"SELECT invoice.month AS month, MAX(export_time) AS max_time, COUNT(*) AS n"  # noqa: S608
            f" FROM `{self.table_id}` GROUP BY month ORDER BY month"
        )
        found = list(
            zip(
                got.column("month").to_pylist(),
                got.column("max_time").to_pylist(),
                got.column("n").to_pylist(),
                strict=True,
            )
        )
        found = [(m, t if t.tzinfo else t.replace(tzinfo=UTC), n) for m, t, n in found]
        return _months(found, f"BigQuery table {self.table_id}", kind, self.table_id)

    def month_rows(self, month: str, max_time: datetime) -> pa.Table:
        """One invoice month's rows exported up to ``max_time``, nested, as an Arrow table."""
        from google.cloud import bigquery

        return self._query(
            f"SELECT * FROM `{self.table_id}` WHERE invoice.month = @month"  # noqa: S608
            " AND export_time <= @max_time",
            [
                bigquery.ScalarQueryParameter("month", "STRING", month),
                bigquery.ScalarQueryParameter("max_time", "TIMESTAMP", max_time),
            ],
        )
