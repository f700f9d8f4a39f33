"""Azure Cost Management exports: ActualCost, AmortizedCost (EA and MCA) and FocusCost.

``PROVIDER`` is what the pipeline finds (finops_lib/sources/__init__.py). A configured Azure export
is a *dataset*: one or more Azure exports of the same scope (typically an ActualCost and an
AmortizedCost export) that load together under one name. :func:`discover` finds each export's runs
through their ``manifest.json`` (older exports without one: the newest file per date range) and
:class:`AzureDataset` turns them into one :class:`Delivery` per billing period: the latest run of
each constituent export. ``load.load`` replaces the period in ``raw_azure.cost`` (ActualCost,
AmortizedCost) and ``raw_azure.focus`` (FocusCost). SQL: ``queries/*/azure_*.sql``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from finops_lib.config import Settings
from finops_lib.errors import ConfigError, InputError
from finops_lib.sources import Delivery, LoadContext
from finops_lib.sources.azure_exports import load as _load
from finops_lib.sources.azure_exports.helpers import (
    Run,
    delivery_format,
    delivery_id,
    latest,
    legacy_runs,
    manifest_keys,
    parse_manifest,
)
from finops_lib.sources.azure_exports.settings import EXPORT_TYPES, FOCUS_TYPE
from finops_lib.sources.azure_exports.spark import AzureSparkReader
from finops_lib.sources.azure_exports.store import Store, open_store
from finops_lib.sources.azure_exports.tables import ensure_tables

__all__ = ["PROVIDER", "AzureDataset", "Run", "discover", "runs"]

log = logging.getLogger(__name__)

LABEL = "Azure"


def runs(store: Store, export: str, legacy_type: str = "") -> list[Run]:
    """Every run of one Azure export under the store's root, oldest period first, blob names as
    store keys. Runs are found through their manifests; date-range folders without one are an
    older export's (``<export>_<guid>.csv``), whose type is ``legacy_type``.

    Raises:
        InputError: no run at all, a malformed manifest, a type that is not a cost export, or a
            manifest-less export whose type is not configured.
    """
    base = "/".join(p for p in (store.root, export) if p)
    listing = store.list(base)
    found: list[Run] = []
    run_dirs: set[str] = set()
    for key, folder_period in sorted(manifest_keys([k for k, _ in listing], base).items()):
        run, root_folder = parse_manifest(store.read(key), key, export, folder_period)
        keys = tuple(store.blob_key(b, root_folder, key) for b in run.blobs)
        found.append(
            Run(
                export=run.export,
                period=run.period,
                run_id=run.run_id,
                type=run.type,
                submitted=run.submitted,
                blobs=keys,
                location=run.location,
                rows=run.rows,
                focus_version=run.focus_version,
                blob_count=run.blob_count,
            )
        )
        run_dirs.add(key.rsplit("/", 1)[0])
    legacy = legacy_runs(listing, base, export, legacy_type or "?", run_dirs)
    if legacy and not legacy_type:
        raise InputError(
            f"{store.name}/{base}: export {export} has files without a manifest.json and no type",
            hint=f"set type = one of {', '.join(EXPORT_TYPES)} in its [azure.exports.<name>] table",
        )
    found += legacy
    if not found:
        raise InputError(
            f"no export runs under {store.name}/{base}/",
            hint="check --container (azure://CONTAINER/ROOT) and --export-name (the Azure export's name)",
        )
    return sorted(found, key=lambda r: (r.period, r.submitted, r.run_id))


def discover(store: Store, exports: list[str], legacy_type: str = "") -> dict[str, list[Run]]:
    """Period -> the latest run of each of ``exports`` that has one (a dataset's deliveries)."""
    by_period: dict[str, list[Run]] = {}
    for export in exports:
        for period, run in latest(runs(store, export, legacy_type)).items():
            by_period.setdefault(period, []).append(run)
    return dict(sorted(by_period.items()))


@dataclass
class AzureDataset:
    """One configured Azure dataset: Azure exports of one scope loaded under one name."""

    name: str  # x_export_name / meta.load_state.export_name
    container: str  # azure://container/root or a local directory
    exports: list[str]  # the Azure export names (folders) forming the dataset
    type: str = ""  # the type of manifest-less (older) exports
    connection_string: str = field(default="", repr=False)
    storage_account: str = ""
    download_dir: Path = Path("data/downloads")
    provider: str = LABEL
    _runs: dict[tuple[str, str], list[Run]] = field(default_factory=dict, repr=False)

    @property
    def where(self) -> str:
        """The container URI (or directory), never with credentials."""
        return self.container.rstrip("/")

    def store(self) -> Store:
        """The container (credentials are resolved by the SDK when it is used)."""
        return open_store(self.container, self.connection_string, self.storage_account)

    def runs(self) -> dict[str, list[Run]]:
        """Period -> the latest run of each constituent export (:func:`discover`)."""
        return discover(self.store(), self.exports, self.type)

    def deliveries(self) -> list[Delivery]:
        """One delivery per billing period: the latest run of each constituent export; its id is
        the run ids joined, its format the export types joined (``ActualCost+AmortizedCost``)."""
        out: list[Delivery] = []
        for period, group in self.runs().items():
            did = delivery_id(group)
            self._runs[(period, did)] = group
            out.append(
                Delivery(
                    provider=LABEL,
                    export=self.name,
                    period=period,
                    delivery_id=did,
                    format=delivery_format(group),
                    location="; ".join(r.location for r in group),
                    files=tuple(k for r in group for k in r.blobs),
                )
            )
        return out

    def _workdir(self) -> Path:
        return self.download_dir / _load.slug(self.container) / _load.slug(self.name)

    def _blobs(self, delivery: Delivery) -> list[_load.Blob]:
        group = self._runs.get((delivery.period, delivery.delivery_id))
        if group is None:  # a delivery this object did not list: list again
            self.deliveries()
            group = self._runs.get((delivery.period, delivery.delivery_id))
        if group is None:
            raise InputError(
                f"{self.name} {delivery.period}: run(s) {delivery.delivery_id} are no longer the latest",
                hint="a newer export run arrived meanwhile; re-run the import",
            )
        return [
            _load.Blob(key, run, run.rows[i] if i < len(run.rows) else None)
            for run in group
            for i, key in enumerate(run.blobs)
        ]

    def fetch(self, delivery: Delivery) -> _load.Files:
        """The period's blobs, downloaded under ``[azure].download_dir`` (a local copy is read in
        place)."""
        return _load.fetch(self.store(), self._blobs(delivery), self._workdir())

    def load(
        self,
        con: duckdb.DuckDBPyConnection,
        delivery: Delivery,
        fetched: _load.Files,
        ctx: LoadContext,
    ) -> int:
        """Replace the period's rows of ``raw_azure.cost`` and ``raw_azure.focus``; rows loaded."""
        return _load.load(con, delivery, fetched, ctx)

    def spark_reader(self, delivery: Delivery) -> AzureSparkReader | None:
        """How Spark reads the delivery's blobs (``[engine] kind = "spark"``): cost exports into
        ``raw_azure.cost``, FocusCost into ``raw_azure.focus``; None (DuckDB's load) for a dataset
        mixing the two (two raw tables in one delivery)."""
        types = set(delivery.format.split("+"))
        if types == {FOCUS_TYPE}:
            return AzureSparkReader(focus=True)
        if FOCUS_TYPE in types:
            return None
        return AzureSparkReader()

    def cleanup(self, fetched: _load.Files | None) -> None:
        """Remove the period's downloads."""
        del fetched
        _load.cleanup(self._workdir())


def _dataset(name: str, cfg: dict[str, Any], secrets: dict[str, str], origin: str) -> AzureDataset:
    if not cfg.get("container"):
        raise ConfigError(
            f"Azure dataset {name} has no container ({origin})",
            hint="pass --container azure://CONTAINER/ROOT (or a directory) or set container in the config",
        )
    exports = [e for e in cfg.get("exports") or [] if e] or [name]
    return AzureDataset(
        name=name,
        container=cfg["container"],
        exports=exports,
        type=cfg.get("type") or "",
        connection_string=secrets["connection_string"],
        storage_account=cfg.get("storage_account") or secrets["storage_account"],
        download_dir=Path(secrets["download_dir"]),
    )


class AzureProvider:
    """Azure: ``[azure]`` (one dataset) or ``[azure.exports.<name>]`` (several)."""

    name = "azure"
    label = LABEL
    query_prefix = "azure"

    def ensure_tables(self, con: duckdb.DuckDBPyConnection) -> list[str]:
        """Create or extend ``raw_azure.cost`` and ``raw_azure.focus``."""
        return ensure_tables(con)

    def exports(
        self,
        settings: Settings,
        *,
        container: str | None = None,
        export_names: list[str] | None = None,
        type: str | None = None,  # noqa: A002 - the config key's name
    ) -> list[AzureDataset]:
        """The flags over ``[azure]`` when any is given, else every ``[azure.exports.*]``, else
        ``[azure]`` when it names a container; ``[]`` when Azure is not configured. A dataset
        named by ``[azure]`` or the flags (``export_names``: ``[azure].exports``; not
        ``exports``, which is the pipeline's filter by dataset name) takes the name of its first
        export."""
        secrets = {
            k: settings.get("azure", k)
            for k in ("connection_string", "storage_account", "download_dir")
        }
        flags = any(v for v in (container, export_names, type))
        tables = settings.section_exports("azure")
        if not flags and tables:
            return [
                _dataset(name, cfg, secrets, f"[azure.exports.{name}]")
                for name, cfg in tables.items()
            ]
        cfg = {
            k: settings.get("azure", k) for k in ("container", "exports", "type", "storage_account")
        }
        given = {"container": container, "exports": export_names or None, "type": type}
        cfg |= {k: v for k, v in given.items() if v}
        if not flags and not (cfg["container"] and cfg["exports"]):
            return []
        if not cfg["exports"]:
            raise InputError(
                "no Azure export name",
                hint="pass --export-name (the Cost Management export's name) or set [azure].exports",
            )
        if cfg["type"] and cfg["type"] not in EXPORT_TYPES:
            raise InputError(
                f"unknown Azure export type {cfg['type']!r}",
                hint=f"use one of {', '.join(EXPORT_TYPES)}",
            )
        return [_dataset(cfg["exports"][0], cfg, secrets, "[azure]")]


PROVIDER = AzureProvider()
