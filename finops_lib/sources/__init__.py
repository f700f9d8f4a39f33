"""Billing-export sources: the interface every provider implements, and how they are found.

A provider is a package ``finops_lib/sources/<package>/`` whose ``__init__.py`` defines
``PROVIDER``, an object of the :class:`Provider` shape below, plus its SQL under ``queries/``
(``staging/<prefix>_*.sql``, ``focus/sources/<prefix>_*.sql``, ``reconcile/<prefix>_*.sql``).
:func:`providers` discovers the packages by listing this folder, so adding a provider edits no
core module (pipeline, state, build, publish, reconcile, checks): docs/CONTRACTS.md, "Adding a
provider".

The pipeline drives a provider in this order, per configured export:

1. ``provider.ensure_tables(con)``: create or migrate the provider's raw tables;
2. ``export.deliveries()``: the current delivery of every billing period (with a delivery id);
3. ``export.fetch(delivery)``: outside any transaction, whatever must happen before the
   load (download files, run a dlt pipeline into a staging dataset); returns an opaque value;
4. ``export.load(con, delivery, fetched, load)`` inside the pipeline's transaction: replace the
   period's raw rows (delete + insert) and return the rows loaded. The pipeline then writes the
   period's source totals (``queries/reconcile/<prefix>_*.sql``) and its ``meta.load_state`` row
   and commits; any exception rolls the period back;
5. ``export.cleanup(fetched)``: drop what ``fetch`` left behind (always called).

Optional, for ``[engine] kind = "spark"``: an export may have a ``spark_reader(delivery)`` method
returning a :class:`SparkReader` for the delivery's format (or None). The Spark import then lets
Spark read the fetched files instead of step 4 (:func:`spark_reader` finds the hook; an export
without it, or returning None, is loaded by step 4 as on DuckDB). Steps 1-3 and 5 are unchanged.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

from finops_lib.errors import ConfigError

if TYPE_CHECKING:
    import duckdb

    from finops_lib.config import Settings


@dataclass(frozen=True)
class Delivery:
    """One billing period's current delivery of one export.

    ``delivery_id`` identifies the delivery's content (a manifest's assembly or execution id, an
    export run id, the newest export time): a period whose delivery id is already loaded is
    skipped. ``location`` says where it is described (a manifest key, a table), for people.
    """

    provider: str  # x_provider, e.g. "AWS"
    export: str  # the configured export name (x_export_name)
    period: str  # YYYY-MM
    delivery_id: str
    format: str  # the export's format / version, e.g. "v1", "v2", "focus"
    location: str = ""
    files: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class LoadContext:
    """What the pipeline hands to :meth:`Export.load`: the load's id, stamped on every raw row."""

    load_id: str


class Export(Protocol):
    """One configured export of one provider."""

    provider: str  # x_provider value, e.g. "AWS"
    name: str  # the configured export name

    @property
    def where(self) -> str:
        """Where the export is read from, for messages (never with credentials)."""
        ...

    def deliveries(self) -> list[Delivery]:
        """The current delivery of every billing period, oldest first.

        Raises:
            FinopsError: nothing found, or a malformed manifest (the message names it).
        """
        ...

    def fetch(self, delivery: Delivery) -> Any:
        """Prepare one delivery for loading, outside the pipeline's transaction (download its
        files, stage it with dlt...); what it returns is handed to :meth:`load`."""
        ...

    def load(
        self, con: duckdb.DuckDBPyConnection, delivery: Delivery, fetched: Any, ctx: LoadContext
    ) -> int:
        """Replace the period's raw rows inside the caller's open transaction; rows loaded.

        Raises:
            FinopsError: bad input, naming the file or period (the caller rolls back).
        """
        ...

    def cleanup(self, fetched: Any) -> None:
        """Remove what :meth:`fetch` left on disk (called after success and failure)."""
        ...


class Provider(Protocol):
    """A cloud provider's sources."""

    name: str  # config section and CLI name, e.g. "aws"
    label: str  # x_provider / ProviderName, e.g. "AWS"
    query_prefix: str  # its SQL files are queries/<folder>/<query_prefix>_*.sql

    def ensure_tables(self, con: duckdb.DuckDBPyConnection) -> list[str]:
        """Create the provider's raw tables when absent and migrate older ones; what changed."""
        ...

    def exports(self, settings: Settings, **overrides: Any) -> list[Export]:
        """The configured exports (``[<name>]`` / ``[<name>.exports.*]``), or the one the
        ``overrides`` (command-line flags) describe; ``[]`` when none is configured.

        Raises:
            ConfigError: an export is configured incompletely or wrongly.
        """
        ...


@dataclass(frozen=True)
class SparkRead:
    """What a :class:`SparkReader` gives for one delivery: the raw rows as a Spark DataFrame
    (every column of the raw table, typed, the scope columns included; nothing read yet) and the
    files it reads, ``(label, path)``, so that an error can name the file."""

    frame: Any  # pyspark.sql.DataFrame (pyspark is imported only by the Spark engine)
    files: tuple[tuple[str, str], ...]
    #: Spark SQL settings the read needs while it runs (the engine sets them around its write)
    settings: tuple[tuple[str, str], ...] = ()
    #: ``(label, rows, manifest)``: a file's data rows as its manifest states them (checked)
    expected_rows: tuple[tuple[str, int, str], ...] = ()


class SparkReader(Protocol):
    """Reads one delivery's fetched files on Spark into the shape of one raw table (optional)."""

    table: str  # the raw table, ``schema.table`` (e.g. ``raw_aws.cur``)
    scope_columns: tuple[str, str, str]  # provider, export and billing period columns

    def read(self, spark: Any, delivery: Delivery, fetched: Any, ctx: LoadContext) -> SparkRead:
        """The delivery's raw rows, normalised exactly as the provider's DuckDB load does.

        Raises:
            FinopsError: a file lacks a required column (the message names it).
        """
        ...


def spark_reader(export: Export, delivery: Delivery) -> SparkReader | None:
    """The export's optional ``spark_reader(delivery)`` hook, or None (no Spark reader for this
    provider or format: the delivery is loaded by :meth:`Export.load`)."""
    hook = getattr(export, "spark_reader", None)
    return hook(delivery) if callable(hook) else None


@cache
def providers() -> dict[str, Provider]:
    """Every provider package under ``finops_lib/sources/``, by name, in name order."""
    found: dict[str, Provider] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if not info.ispkg:
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        provider = getattr(module, "PROVIDER", None)
        if provider is not None:
            found[provider.name] = provider
    return dict(sorted(found.items()))


def provider(name: str) -> Provider:
    """The provider called ``name`` (``aws``, ...).

    Raises:
        ConfigError: no such provider.
    """
    known = providers()
    if name.lower() not in known:
        raise ConfigError(
            f"unknown provider {name!r}", hint=f"use one of {', '.join(known) or 'none'}"
        )
    return known[name.lower()]
