"""GCP Cloud Billing export (standard ``gcp_billing_export_v1_*`` or detailed
``gcp_billing_export_resource_v1_*``), from BigQuery or from a local JSONL / Parquet extract.

``PROVIDER`` is what the pipeline finds (finops_lib/sources/__init__.py). A configured export
(``[gcp]`` or ``[gcp.exports.<name>]``) has one :class:`Delivery` per invoice month
(``invoice.month`` 'YYYYMM' -> period 'YYYY-MM'); its id is the month's newest ``export_time``
plus its row count, so late rows and corrections (later export times) make a new delivery and the
pipeline reloads only those months. ``load`` replaces the period in ``raw_gcp.billing`` with the
month's rows up to that export time. SQL: ``queries/*/gcp_*.sql``.

Incremental by ``export_time`` with a look-back (BigQuery): the export's load state is read from
``meta.load_state`` when the export is configured (before the import opens the warehouse for
writing); only the invoice months having a row exported after the newest export time loaded minus
``lookback_days`` are listed afresh (newest export time, count) and re-read when changed; the
others keep their loaded delivery. A row exported before that window into an old month is not seen
until ``finops gcp import --full`` (or a larger ``lookback_days``). An extract is always listed
whole (its files are local). A BigQuery month is read page by page (Arrow record batches of
``PAGE_ROWS``) inside the load transaction, never held whole in memory.

``kind = "focus"``: the table is Google's FOCUS view over the detailed export (or the FOCUS export
table), loaded the same way into ``raw_gcp.focus`` (focus_reader.py; SQL ``queries/*/gcp_focus*``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from finops_lib import db
from finops_lib.config import Settings
from finops_lib.errors import ConfigError, FinopsError, InputError
from finops_lib.sources import Delivery, LoadContext
from finops_lib.sources.gcp_billing import load as _load
from finops_lib.sources.gcp_billing.bigquery import BigQuerySource
from finops_lib.sources.gcp_billing.settings import KINDS
from finops_lib.sources.gcp_billing.source import ExtractSource, Month, extract_files
from finops_lib.sources.gcp_billing.tables import ensure_tables

__all__ = ["PROVIDER", "GcpExport"]

LABEL = "GCP"

log = logging.getLogger(__name__)


@dataclass
class GcpExport:
    """One configured GCP billing export."""

    name: str
    source: ExtractSource | BigQuerySource
    provider: str = LABEL
    _months: dict[tuple[str, str], Month] = field(default_factory=dict, repr=False)

    @property
    def where(self) -> str:
        """The extract path or ``bigquery:project.dataset.table`` (never credentials)."""
        return self.source.where

    def months(self) -> list[Month]:
        """Per invoice month: newest export time, rows, kind."""
        return self.source.summary()

    def deliveries(self) -> list[Delivery]:
        """One delivery per invoice month, oldest first."""
        out = []
        for m in self.months():
            self._months[(m.period, m.delivery_id)] = m
            out.append(
                Delivery(
                    provider=LABEL,
                    export=self.name,
                    period=m.period,
                    delivery_id=m.delivery_id,
                    format=m.kind,
                    location=self.where,
                    files=m.sources,
                )
            )
        return out

    def _month(self, delivery: Delivery) -> Month:
        m = self._months.get((delivery.period, delivery.delivery_id))
        if m is None:
            self.deliveries()
            m = self._months.get((delivery.period, delivery.delivery_id))
        if m is None:
            raise InputError(
                f"{self.name} {delivery.period}: delivery {delivery.delivery_id} is no longer current",
                hint="newer rows arrived meanwhile; re-run the import",
            )
        return m

    def fetch(self, delivery: Delivery) -> Any:
        """BigQuery: the month's query, run (its pages are read in :meth:`load`); an extract:
        the files holding the month."""
        m = self._month(delivery)
        if isinstance(self.source, BigQuerySource):
            return self.source.month_pages(m.month, m.max_time)
        return [Path(p) for p in m.sources]

    def load(
        self,
        con: duckdb.DuckDBPyConnection,
        delivery: Delivery,
        fetched: Any,
        ctx: LoadContext,
    ) -> int:
        """Replace the period's rows of ``raw_gcp.billing``; rows loaded. BigQuery pages are
        fetched and inserted one by one here, inside the caller's transaction."""
        month = self._month(delivery)
        if isinstance(self.source, BigQuerySource):
            batches = self.source.batches(fetched)
            return _load.replace(con, delivery, month, batches, ctx, self.source.table_id)
        return _load.replace(con, delivery, month, fetched, ctx, self.source.extract)

    def cleanup(self, fetched: Any) -> None:
        """Nothing is written to disk."""
        del fetched


def loaded_deliveries(settings: Settings, export: str) -> dict[str, str] | None:
    """The export's loaded deliveries (period -> delivery id) in ``meta.load_state``; ``{}``
    before any load; None when the warehouse cannot be read now (e.g. another process writes):
    then every month is listed, as with ``--full``."""
    path = settings.database
    if str(path) == ":memory:" or not path.exists():
        return {}
    try:
        con = db.connect(path, read_only=True)
    except (FinopsError, duckdb.Error) as exc:
        log.info("GCP %s: load state not readable (%s); listing every month", export, exc)
        return None
    try:
        if not db.table_exists(con, "meta", "load_state"):
            return {}
        rows = con.execute(
            "select billing_period, delivery_id from meta.load_state"
            " where provider = $v and export_name = $e",
            {"v": LABEL, "e": export},
        ).fetchall()
    finally:
        con.close()
    return {str(p): str(d) for p, d in rows}


def _export(
    name: str,
    cfg: dict[str, Any],
    secrets: dict[str, Any],
    origin: str,
    loaded: dict[str, str] | None,
) -> GcpExport:
    if cfg.get("extract") and (cfg.get("kind") or "billing") != "billing":
        raise ConfigError(
            f'GCP export {name}: a kind = "focus" export is read from BigQuery, not an extract'
            f" ({origin})",
            hint="set project_id, dataset and table (the FOCUS view) instead of extract",
        )
    if cfg.get("extract"):
        extract_files(cfg["extract"])  # fail early, naming the path
        return GcpExport(name, ExtractSource(cfg["extract"]))
    if not (cfg.get("dataset") and cfg.get("table")):
        raise ConfigError(
            f"GCP export {name} has no extract and no dataset/table ({origin})",
            hint="set extract (a JSONL/Parquet file or folder) or project_id, dataset and table",
        )
    kind = cfg.get("kind") or "billing"
    if kind not in KINDS:
        raise ConfigError(
            f"GCP export {name}: kind = {kind!r} ({origin})",
            hint='use kind = "billing" (the Cloud Billing export) or "focus" (Google\'s FOCUS view)',
        )
    lookback = cfg.get("lookback_days")
    if lookback is None:
        lookback = 3
    if int(lookback) < 0:
        raise ConfigError(
            f"lookback_days must be >= 0 ({origin})",
            hint="days of export_time re-read on each run, e.g. 3",
        )
    return GcpExport(
        name,
        BigQuerySource(
            project_id=cfg.get("project_id") or "",
            dataset=cfg["dataset"],
            table=cfg["table"],
            location=cfg.get("location") or "",
            service_account_path=secrets["service_account_path"],
            api_endpoint=secrets["api_endpoint"],
            lookback_days=int(lookback),
            loaded=loaded,
            kind=kind,
        ),
    )


def _name(cfg: dict[str, Any]) -> str:
    if cfg.get("table"):
        return str(cfg["table"])
    path = Path(str(cfg["extract"]))
    return path.name.split(".")[0] or "gcp"


class GcpProvider:
    """GCP: ``[gcp]`` (one export) or ``[gcp.exports.<name>]`` (several)."""

    name = "gcp"
    label = LABEL
    query_prefix = "gcp"

    def ensure_tables(self, con: duckdb.DuckDBPyConnection) -> list[str]:
        """Create or extend ``raw_gcp.billing`` and ``raw_gcp.focus``."""
        return ensure_tables(con)

    def exports(
        self,
        settings: Settings,
        *,
        extract: str | None = None,
        project_id: str | None = None,
        dataset: str | None = None,
        table: str | None = None,
        full: bool = False,
    ) -> list[GcpExport]:
        """The flags over ``[gcp]`` when any is given, else every ``[gcp.exports.*]``, else
        ``[gcp]`` when it names an extract or a table; ``[]`` when GCP is not configured.
        ``full``: list every invoice month of a BigQuery table, not only the look-back's."""
        secrets = {k: settings.get("gcp", k) for k in ("service_account_path", "api_endpoint")}
        given = {"extract": extract, "project_id": project_id, "dataset": dataset, "table": table}
        flags = {k: v for k, v in given.items() if v}
        tables = settings.section_exports("gcp")

        def state(name: str, cfg: dict[str, Any]) -> dict[str, str] | None:
            if full or cfg.get("extract"):
                return None
            return loaded_deliveries(settings, name)

        if not flags and tables:
            return [
                _export(n, c, secrets, f"[gcp.exports.{n}]", state(n, c)) for n, c in tables.items()
            ]
        keys = ("extract", "project_id", "dataset", "table", "location", "lookback_days", "kind")
        cfg = {k: settings.get("gcp", k) for k in keys} | flags
        if not flags and not (cfg["extract"] or cfg["table"] or cfg["dataset"]):
            return []
        if not (cfg["extract"] or cfg["table"]):
            raise ConfigError(
                "GCP export has no extract and no table",
                hint="set [gcp].extract or [gcp].table (gcp_billing_export_v1_... / _resource_v1_...)",
            )
        name = _name(cfg)
        return [_export(name, cfg, secrets, "[gcp]", state(name, cfg))]


PROVIDER = GcpProvider()
