"""GCP Cloud Billing export (standard ``gcp_billing_export_v1_*`` or detailed
``gcp_billing_export_resource_v1_*``), from BigQuery or from a local JSONL / Parquet extract.

``PROVIDER`` is what the pipeline finds (finops_lib/sources/__init__.py). A configured export
(``[gcp]`` or ``[gcp.exports.<name>]``) has one :class:`Delivery` per invoice month
(``invoice.month`` 'YYYYMM' -> period 'YYYY-MM'); its id is the month's newest ``export_time``
plus its row count, so late rows and corrections (later export times) make a new delivery and the
pipeline reloads only those months. ``load`` replaces the period in ``raw_gcp.billing`` with the
month's rows up to that export time. SQL: ``queries/*/gcp_*.sql``.

``lookback_days`` is kept for configs that set it; change detection is exact (the per-month
newest export time and count are one cheap aggregate in BigQuery), so nothing depends on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from finops_lib.config import Settings
from finops_lib.errors import ConfigError, InputError
from finops_lib.sources import Delivery, LoadContext
from finops_lib.sources.gcp_billing import load as _load
from finops_lib.sources.gcp_billing.source import (
    BigQuerySource,
    ExtractSource,
    Month,
    extract_files,
)
from finops_lib.sources.gcp_billing.tables import ensure_tables

__all__ = ["PROVIDER", "GcpExport"]

LABEL = "GCP"


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

    def fetch(self, delivery: Delivery) -> pa.Table | list[Path]:
        """BigQuery: the month's rows as a nested Arrow table; an extract: the files holding it."""
        m = self._month(delivery)
        if isinstance(self.source, BigQuerySource):
            return self.source.month_rows(m.month, m.max_time)
        return [Path(p) for p in m.sources]

    def load(
        self,
        con: duckdb.DuckDBPyConnection,
        delivery: Delivery,
        fetched: pa.Table | list[Path],
        ctx: LoadContext,
    ) -> int:
        """Replace the period's rows of ``raw_gcp.billing``; rows loaded."""
        source = (
            self.source.table_id if isinstance(self.source, BigQuerySource) else self.source.extract
        )
        return _load.replace(con, delivery, self._month(delivery), fetched, ctx, source)

    def cleanup(self, fetched: Any) -> None:
        """Nothing is written to disk."""
        del fetched


def _export(name: str, cfg: dict[str, Any], secrets: dict[str, Any], origin: str) -> GcpExport:
    if cfg.get("extract"):
        extract_files(cfg["extract"])  # fail early, naming the path
        return GcpExport(name, ExtractSource(cfg["extract"]))
    if not (cfg.get("dataset") and cfg.get("table")):
        raise ConfigError(
            f"GCP export {name} has no extract and no dataset/table ({origin})",
            hint="set extract (a JSONL/Parquet file or folder) or project_id, dataset and table",
        )
    lookback = cfg.get("lookback_days")
    if lookback is not None and int(lookback) < 0:
        raise ConfigError(f"lookback_days must be >= 0 ({origin})")
    return GcpExport(
        name,
        BigQuerySource(
            project_id=cfg.get("project_id") or "",
            dataset=cfg["dataset"],
            table=cfg["table"],
            location=cfg.get("location") or "",
            service_account_path=secrets["service_account_path"],
            api_endpoint=secrets["api_endpoint"],
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
        """Create or extend ``raw_gcp.billing``."""
        return ensure_tables(con)

    def exports(
        self,
        settings: Settings,
        *,
        extract: str | None = None,
        project_id: str | None = None,
        dataset: str | None = None,
        table: str | None = None,
    ) -> list[GcpExport]:
        """The flags over ``[gcp]`` when any is given, else every ``[gcp.exports.*]``, else
        ``[gcp]`` when it names an extract or a table; ``[]`` when GCP is not configured."""
        secrets = {k: settings.get("gcp", k) for k in ("service_account_path", "api_endpoint")}
        given = {"extract": extract, "project_id": project_id, "dataset": dataset, "table": table}
        flags = {k: v for k, v in given.items() if v}
        tables = settings.section_exports("gcp")
        if not flags and tables:
            return [_export(n, c, secrets, f"[gcp.exports.{n}]") for n, c in tables.items()]
        keys = ("extract", "project_id", "dataset", "table", "location", "lookback_days")
        cfg = {k: settings.get("gcp", k) for k in keys} | flags
        if not flags and not (cfg["extract"] or cfg["table"] or cfg["dataset"]):
            return []
        if not (cfg["extract"] or cfg["table"]):
            raise ConfigError(
                "GCP export has no extract and no table",
                hint="set [gcp].extract or [gcp].table (gcp_billing_export_v1_... / _resource_v1_...)",
            )
        return [_export(_name(cfg), cfg, secrets, "[gcp]")]


PROVIDER = GcpProvider()
