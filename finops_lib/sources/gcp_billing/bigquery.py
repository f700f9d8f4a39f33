"""The export table in BigQuery, read with google-cloud-bigquery as Arrow.

Listing (:meth:`BigQuerySource.summary`): the table's metadata (``tables.get``: free, and it tells
a missing dataset, a missing table and a table that is not a billing export apart), then one
aggregate per invoice month: newest ``export_time`` and row count. With the load state of the
export (``loaded``: period -> delivery id, read by the caller from ``meta.load_state``), only the
months having a row exported after *the newest export time loaded minus ``lookback_days``* are
aggregated; the others keep their loaded delivery and are skipped. A month is read
(:meth:`month_pages`) as pages of ``page_rows`` rows, each an Arrow record batch, so a month is
never held whole in memory.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa

from finops_lib.errors import ConfigError, InputError
from finops_lib.sources.gcp_billing import reader
from finops_lib.sources.gcp_billing.focus_reader import BIGQUERY_MONTH
from finops_lib.sources.gcp_billing.settings import (
    API_ENDPOINT_ENV,
    PAGE_ROWS,
    REQUEST_TIMEOUT,
    RETRY_DEADLINE,
)
from finops_lib.sources.gcp_billing.source import Month, months_of, short

log = logging.getLogger(__name__)

#: BigQuery column types -> Arrow (for the schema checks; the rows come typed by the API).
_TYPES: dict[str, pa.DataType] = {
    "STRING": pa.string(),
    "BYTES": pa.binary(),
    "INTEGER": pa.int64(),
    "INT64": pa.int64(),
    "FLOAT": pa.float64(),
    "FLOAT64": pa.float64(),
    "NUMERIC": pa.decimal128(38, 9),
    "BIGNUMERIC": pa.decimal256(76, 38),
    "BOOLEAN": pa.bool_(),
    "BOOL": pa.bool_(),
    "TIMESTAMP": pa.timestamp("us", tz="UTC"),
    "DATETIME": pa.timestamp("us"),
    "DATE": pa.date32(),
    "TIME": pa.time64("us"),
}

#: ``errors[].reason`` values BigQuery documents as worth a retry.
_RETRY_REASONS = frozenset({"backendError", "rateLimitExceeded", "internalError", "badGateway"})


def _arrow_type(f: Any) -> pa.DataType:
    if f.field_type in ("RECORD", "STRUCT"):
        typ: pa.DataType = pa.struct([pa.field(s.name, _arrow_type(s)) for s in f.fields])
    else:
        typ = _TYPES.get(f.field_type, pa.string())
    return pa.list_(typ) if f.mode == "REPEATED" else typ


def arrow_schema(bq_schema: list[Any]) -> pa.Schema:
    """The Arrow schema of a BigQuery table schema (``SchemaField`` list), nesting kept."""
    return pa.schema([pa.field(f.name, _arrow_type(f)) for f in bq_schema])


def _refused(exc: BaseException) -> bool:
    """Whether a transport error is a refused connection (nothing listens at the endpoint)."""
    seen: set[int] = set()
    todo: list[Any] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, ConnectionRefusedError) or "connection refused" in str(e).lower():
            return True
        if isinstance(e, BaseException):
            todo += [e.__cause__, e.__context__, getattr(e, "reason", None), *e.args]
    return False


def _transient(exc: BaseException) -> bool:
    """Retry BigQuery's transient answers and dropped connections, not a refused connection."""
    from google.api_core import exceptions as gexc

    if isinstance(
        exc,
        gexc.TooManyRequests | gexc.InternalServerError | gexc.BadGateway | gexc.ServiceUnavailable,
    ):
        return True
    if isinstance(exc, gexc.GoogleAPICallError):
        return any(
            e.get("reason") in _RETRY_REASONS for e in exc.errors or [] if isinstance(e, dict)
        )
    if type(exc).__module__.startswith(("requests", "urllib3")):
        return not _refused(exc)
    return False


@dataclass
class BigQuerySource:
    """The billing export table in BigQuery."""

    project_id: str
    dataset: str
    table: str
    location: str = "US"
    service_account_path: str = field(default="", repr=False)
    api_endpoint: str = ""
    lookback_days: int = 3
    #: period -> delivery id loaded (``meta.load_state``); None: unknown, list every month
    loaded: dict[str, str] | None = None
    page_rows: int = PAGE_ROWS
    #: ``billing`` (the Cloud Billing export) or ``focus`` (Google's FOCUS view / export table)
    kind: str = "billing"
    _client: Any = field(default=None, repr=False)
    _schema: pa.Schema | None = field(default=None, repr=False)

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

    def _retry(self) -> Any:
        from google.api_core.retry import Retry

        return Retry(predicate=_transient, deadline=RETRY_DEADLINE)

    def _error(self, exc: BaseException) -> Exception:
        """The one-line error for a failed BigQuery call (the original when it is a bug)."""
        from google.api_core import exceptions as gexc

        if isinstance(exc, gexc.NotFound):
            return self._not_found()
        if isinstance(exc, gexc.Forbidden | gexc.Unauthorized):
            first = exc.errors[0] if exc.errors and isinstance(exc.errors[0], dict) else {}
            detail = first.get("message") or exc.message
            reason = f" {first['reason']}" if first.get("reason") else ""
            return ConfigError(
                f"BigQuery refused access to {self.table_id} ({exc.code}{reason}: {short(detail)})",
                hint="grant the credentials BigQuery Data Viewer and Job User on the export's"
                " dataset and project, or set [gcp].service_account_path",
            )
        if isinstance(exc, gexc.GoogleAPIError):
            return InputError(f"BigQuery call on {self.table_id} failed: {short(exc)}")
        if type(exc).__module__.startswith(("requests", "urllib3", "google.auth")):
            at = f" at {self.api_endpoint}" if self.api_endpoint else ""
            return InputError(
                f"cannot reach the BigQuery API{at} ({type(exc).__name__}"
                f"{': connection refused' if _refused(exc) else ''})",
                hint=f"check the network or [gcp].api_endpoint ({API_ENDPOINT_ENV})",
            )
        return exc if isinstance(exc, Exception) else RuntimeError(str(exc))

    def _not_found(self) -> InputError:
        """Which of dataset or table is missing (one more metadata call)."""
        from google.api_core import exceptions as gexc

        dataset = ".".join(p for p in (self.project_id, self.dataset) if p)
        try:
            self.client().get_dataset(dataset, retry=self._retry(), timeout=REQUEST_TIMEOUT)
        except gexc.NotFound:
            return InputError(
                f"BigQuery dataset {dataset} not found",
                hint="set [gcp].project_id and dataset to where the billing export writes",
            )
        except Exception:  # noqa: BLE001 - the table message below is still right
            log.debug("get_dataset %s failed", dataset, exc_info=True)
        return InputError(
            f"BigQuery table {self.table_id} not found",
            hint="set [gcp].table to the export's table (gcp_billing_export_v1_... or"
            " gcp_billing_export_resource_v1_...)",
        )

    def schema(self) -> pa.Schema:
        """The table's nested schema (from its metadata), checked to be a billing export.

        Raises:
            ConfigError: no dataset/table configured, or access refused.
            InputError: dataset or table missing, a required column missing, API unreachable.
        """
        if self._schema is not None:
            return self._schema
        if not (self.dataset and self.table):
            raise ConfigError(
                "GCP export has no dataset/table",
                hint="set [gcp].dataset and [gcp].table (or [gcp].extract)",
            )
        try:
            meta = self.client().get_table(
                self.table_id, retry=self._retry(), timeout=REQUEST_TIMEOUT
            )
        except Exception as exc:  # noqa: BLE001 - mapped to one line, bugs re-raised
            raise self._error(exc) from None
        schema = arrow_schema(list(meta.schema))
        reader.check_required(schema, f"BigQuery table {self.table_id}", self.kind)
        self._schema = schema
        return schema

    def _query(
        self, sql: str, params: list[Any] | None = None, page_rows: int | None = None
    ) -> Any:
        """Run a query and wait for it; its RowIterator (pages fetched as iterated)."""
        from google.cloud import bigquery

        config = bigquery.QueryJobConfig(query_parameters=params or [])
        try:
            job = self.client().query(sql, job_config=config, retry=self._retry())
            return job.result(page_size=page_rows, retry=self._retry())
        except Exception as exc:  # noqa: BLE001 - mapped to one line, bugs re-raised
            raise self._error(exc) from None

    def _loaded_months(self) -> dict[str, Month] | None:
        """The loaded months (from their delivery ids ``<export time>/<rows>``), or None when the
        state is unknown or not in that form (then every month is listed)."""
        if not self.loaded:
            return None
        out: dict[str, Month] = {}
        for period, did in self.loaded.items():
            stamp, _, rows = did.rpartition("/")
            try:
                when = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
                n = int(rows)
            except ValueError:
                return None
            month = period.replace("-", "")
            out[month] = Month(month, when, n, "", (self.table_id,))
        return out

    def since(self) -> datetime | None:
        """The export time after which rows are looked for: the newest loaded minus the
        look-back; None when every month is listed."""
        loaded = self._loaded_months()
        if loaded is None:
            return None
        return max(m.max_time for m in loaded.values()) - timedelta(days=self.lookback_days)

    def summary(self) -> list[Month]:
        """Per invoice month: the newest export time and the row count (see the module doc)."""
        from google.cloud import bigquery

        schema = self.schema()
        kind = "focus" if self.kind == "focus" else reader.export_kind(schema, self.table)
        month, exported = self._month_columns()
        since = self.since()
        table = f"`{self.table_id}`"
        if since is None:
            got = self._query(
                f"SELECT {month} AS month, MAX({exported}) AS max_time, COUNT(*) AS n"  # noqa: S608
                f" FROM {table} GROUP BY month ORDER BY month"
            )
        else:
            got = self._query(
                f"SELECT {month} AS month, MAX({exported}) AS max_time, COUNT(*) AS n"  # noqa: S608
                f" FROM {table} WHERE {month} IN (SELECT DISTINCT {month} FROM {table}"
                f" WHERE {exported} > @since) GROUP BY month ORDER BY month",
                [bigquery.ScalarQueryParameter("since", "TIMESTAMP", since)],
            )
        try:
            found = [(r["month"], r["max_time"], r["n"]) for r in got]
        except Exception as exc:  # noqa: BLE001 - mapped to one line, bugs re-raised
            raise self._error(exc) from None
        found = [(m, t if t.tzinfo else t.replace(tzinfo=UTC), n) for m, t, n in found]
        fresh = months_of(found, f"BigQuery table {self.table_id}", kind, self.table_id)
        months = {m.month: m for m in fresh}
        for month, old in (self._loaded_months() or {}).items():
            if month not in months:  # nothing exported within the look-back: as loaded
                months[month] = Month(month, old.max_time, old.rows, kind, old.sources, False)
        if since is not None:
            log.info(
                "%s: %d month(s) with rows exported after %s, %d as loaded",
                self.table_id,
                len(fresh),
                since.isoformat(),
                len(months) - len(fresh),
            )
        return [months[k] for k in sorted(months)]

    def _month_columns(self) -> tuple[str, str]:
        """The invoice month (YYYYMM) and export time of a row, in GoogleSQL."""
        if self.kind == "focus":
            return BIGQUERY_MONTH, "x_ExportTime"
        return "invoice.month", "export_time"

    def month_pages(self, month: str, max_time: datetime) -> Any:
        """Start reading one invoice month's rows exported up to ``max_time``: a RowIterator
        whose pages (``page_rows`` rows each) are fetched as :meth:`batches` iterates."""
        from google.cloud import bigquery

        of_month, exported = self._month_columns()
        return self._query(
            f"SELECT * FROM `{self.table_id}` WHERE {of_month} = @month"  # noqa: S608
            f" AND {exported} <= @max_time",
            [
                bigquery.ScalarQueryParameter("month", "STRING", month),
                bigquery.ScalarQueryParameter("max_time", "TIMESTAMP", max_time),
            ],
            page_rows=self.page_rows,
        )

    def batches(self, pages: Any) -> Iterator[pa.RecordBatch]:
        """The month's rows page by page as nested Arrow record batches.

        Raises:
            InputError / ConfigError: the API fails while paging (one line).
        """
        it = iter(pages.to_arrow_iterable())
        while True:
            try:
                batch = next(it)
            except StopIteration:
                return
            except Exception as exc:  # noqa: BLE001 - mapped to one line, bugs re-raised
                raise self._error(exc) from None
            yield batch
