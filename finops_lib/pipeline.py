"""The import pipeline, for every provider: discover, load each new delivery atomically, build, publish.

``import_all`` is what ``finops import``, ``finops <provider> import...``, the demo, the scheduler
and the import notebook call. For each configured export of each provider
(``finops_lib.sources.providers()``), per billing period: a delivery id already in
``meta.load_state`` is skipped (unless ``force``); otherwise the source fetches the delivery
(outside any transaction) and, in ONE DuckDB transaction, replaces the period's raw rows, its
source totals (the provider's ``queries/reconcile/<prefix>_*.sql``) and its state row. A failure
rolls that period back and stops the run; periods loaded before it stay loaded and are built.
Then FOCUS is rebuilt for the periods loaded, and the read-only snapshot is published.

Nothing here knows a provider: adding one is a package under ``finops_lib/sources/`` plus SQL.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import duckdb

from finops_lib import allocation, db, focus_store, sources, sql, state
from finops_lib.build import RECORDED_TREES, BuildResult, build
from finops_lib.config import Settings
from finops_lib.errors import ConfigError, InputError
from finops_lib.publish import is_current, publish
from finops_lib.sources import Delivery, Export, LoadContext, Provider

log = logging.getLogger(__name__)

Progress = Callable[[str], None]
Scope = tuple[str, str, str]  # (provider label, export name, billing period)
#: Loads one fetched delivery and records it (:func:`load_delivery`); returns the rows loaded.
Loader = Callable[[duckdb.DuckDBPyConnection, Provider, Export, Delivery, Any], int]


@dataclass(frozen=True)
class Loaded:
    """One period an import loaded."""

    provider: str
    export: str
    period: str
    rows: int
    delivery_id: str


@dataclass
class ImportResult:
    """What an import did."""

    loaded: list[Loaded] = field(default_factory=list)
    skipped: list[Scope] = field(default_factory=list)  # delivery already loaded
    build: BuildResult | None = None
    unbuilt: list[Scope] = field(default_factory=list)  # left by a failed earlier build
    published: str | None = None
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        """Rows loaded in total."""
        return sum(x.rows for x in self.loaded)

    @property
    def periods(self) -> list[str]:
        """Periods loaded (``YYYY-MM``)."""
        return [x.period for x in self.loaded]

    @property
    def changed(self) -> list[Scope]:
        """``(provider, export_name, period)`` loaded, as ``build(changed=)`` takes them."""
        return [(x.provider, x.export, x.period) for x in self.loaded]

    @property
    def to_build(self) -> list[Scope]:
        """The periods this import builds and publishes: loaded now, or left unbuilt before."""
        return self.changed + self.unbuilt


def totals_queries(con: duckdb.DuckDBPyConnection, source: Provider) -> list[str]:
    """The provider's ``queries/reconcile/<prefix>_*.sql`` whose ``-- requires:`` inputs exist."""
    return [
        name
        for name in sql.names("reconcile")
        if name.rsplit("/", 1)[1].startswith(source.query_prefix + "_")
        and all(db.table_exists(con, r) for r in sql.requires(name))
    ]


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create or migrate ``meta`` and every provider's raw tables (before loads and builds)."""
    state.ensure_meta(con)
    for source in sources.providers().values():
        source.ensure_tables(con)


#: What a delivery's load runs with. Raw rows carry their position (``x_source_file``,
#: ``x_source_row``), so DuckDB need not keep insertion order (cheaper and leaner on large
#: files). Its commit does not checkpoint: with the default 16 MB threshold every few small
#: deliveries' commit checkpointed and rewrote the raw tables' open row groups (the demo's 78
#: loads spent 13-26 CPU-s in commits, bench/RESULTS.md); the write-ahead log is checkpointed
#: once, before the build (:func:`finish`) or at close. A commit is as durable.
LOAD_SETTINGS: dict[str, Any] = {"preserve_insertion_order": False, "checkpoint_threshold": "1GB"}


def load_delivery(
    con: duckdb.DuckDBPyConnection,
    source: Provider,
    export: Export,
    delivery: Delivery,
    fetched: Any,
) -> int:
    """Replace one period's raw rows, source totals and state row in one transaction; rows.

    The load runs with :data:`LOAD_SETTINGS`, restored afterwards, success or not.
    """
    ctx = LoadContext(load_id=uuid.uuid4().hex)
    before = {
        k: con.execute("select current_setting($k)", {"k": k}).fetchone() for k in LOAD_SETTINGS
    }
    for key, value in LOAD_SETTINGS.items():
        con.execute(f"set {sql.safe_ident(key)} = $v", {"v": value})
    try:
        return _load_in_transaction(con, source, export, delivery, fetched, ctx)
    finally:
        for key, row in before.items():
            if row is not None:
                con.execute(f"set {sql.safe_ident(key)} = $v", {"v": row[0]})


def _load_in_transaction(
    con: duckdb.DuckDBPyConnection,
    source: Provider,
    export: Export,
    delivery: Delivery,
    fetched: Any,
    ctx: LoadContext,
) -> int:
    con.execute("begin transaction")
    try:
        rows = export.load(con, delivery, fetched, ctx)
        state.record_load(
            con,
            provider=delivery.provider,
            export_name=delivery.export,
            period=delivery.period,
            fmt=delivery.format,
            delivery_id=delivery.delivery_id,
            location=delivery.location,
            files=len(delivery.files),
            rows=rows,
            load_id=ctx.load_id,
            totals_queries=totals_queries(con, source),
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return rows


def select_exports(
    settings: Settings,
    providers: Iterable[str] | None = None,
    exports: Iterable[str] | None = None,
    **overrides: Any,
) -> list[tuple[Provider, Export]]:
    """The exports to import: the named providers' (default: all), narrowed to ``exports``;
    ``overrides`` are one provider's command-line flags (e.g. AWS ``bucket=``).

    Raises:
        ConfigError: flags without exactly one provider, an unknown export name, or no export.
    """
    names = list(providers) if providers is not None else None
    if overrides and (names is None or len(names) != 1):
        raise ConfigError("provider flags need exactly one provider", hint="pass providers=[name]")
    chosen = [sources.provider(n) for n in names] if names else list(sources.providers().values())
    wanted = set(exports or ())
    found: list[tuple[Provider, Export]] = []
    for source in chosen:
        for export in source.exports(settings, **overrides):
            if not wanted or export.name in wanted:
                found.append((source, export))
    unknown = wanted - {e.name for _, e in found}
    if unknown:
        raise ConfigError(
            f"no configured export named {', '.join(sorted(unknown))}",
            hint="`finops show-state` and the config's [<provider>.exports.<name>] tables list them",
        )
    if not found:
        where = "/".join(s.name for s in chosen)
        raise ConfigError(
            f"no {where} export is configured",
            hint="set [<provider>] or [<provider>.exports.<name>] in finops.toml (see finops.example.toml) or pass the provider's flags",
        )
    return found


def load_exports(
    con: duckdb.DuckDBPyConnection,
    selected: Iterable[tuple[Provider, Export]],
    result: ImportResult,
    *,
    periods: list[str] | None = None,
    force: bool = False,
    progress: Progress | None = None,
    load: Loader | None = None,
) -> None:
    """Load each selected export's new or restated deliveries (of ``periods``, or all) into
    ``result``, each in its own transaction (``load``, default :func:`load_delivery`; the Spark
    import passes its own); no build. A failure leaves the periods loaded before it in ``result``."""
    say = progress or (lambda _msg: None)
    ensure_tables(con)
    for source, export in selected:
        _import_export(con, source, export, periods, force, result, say, load or load_delivery)


def _import_export(
    con: duckdb.DuckDBPyConnection,
    source: Provider,
    export: Export,
    periods: list[str] | None,
    force: bool,
    result: ImportResult,
    say: Progress,
    load: Loader,
) -> None:
    deliveries = export.deliveries()
    if periods:
        unknown = sorted(set(periods) - {d.period for d in deliveries})
        if unknown:
            raise InputError(
                f"{export.name}: no delivery for period(s) {', '.join(unknown)} in {export.where}",
                hint="the month is empty or not delivered yet; `finops <provider> list-...` shows what exists",
            )
        deliveries = [d for d in deliveries if d.period in periods]
    for d in deliveries:
        loaded = state.loaded_delivery(con, d.provider, d.export, d.period)
        if not force and loaded == d.delivery_id:
            say(f"{d.export} {d.period}: delivery {d.delivery_id} already loaded, skipped")
            result.skipped.append((d.provider, d.export, d.period))
            continue
        say(f"{d.export} {d.period}: loading {len(d.files)} file(s) of {d.delivery_id}")
        fetched = None
        try:
            fetched = export.fetch(d)
            rows = load(con, source, export, d, fetched)
        finally:
            export.cleanup(fetched)
        result.loaded.append(Loaded(d.provider, d.export, d.period, rows, d.delivery_id))
        say(f"{d.export} {d.period}: {rows:,} rows loaded")


def finish(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    result: ImportResult,
    say: Progress | None = None,
) -> None:
    """Build FOCUS for the periods just loaded and any a failed earlier build left, then publish
    those (everything when an earlier publish did not finish)."""
    say = say or (lambda _msg: None)
    result.unbuilt = [c for c in state.unbuilt(con) if c not in result.changed]
    if result.unbuilt:
        say(f"building {len(result.unbuilt)} period(s) an earlier import left unbuilt")
    store = focus_store.folder(settings)
    # a warehouse copied or moved with its FOCUS store: re-pointed (a build of no scope) even
    # when nothing new was loaded, so that its view and the snapshot's name the files here
    if result.to_build or focus_store.moved(con, store):
        say("building FOCUS tables")
        # the loads' commits did not checkpoint (LOAD_SETTINGS): done here, once, not at a later
        # commit or at close, so the build reads checkpointed raw rows (its time did not
        # differ measurably either way: the same work, moved)
        con.execute("checkpoint")
        result.build = build(
            con, changed=result.to_build, trees=config_trees(settings), store=store
        )
    if result.build is not None:
        say("publishing the snapshot")
        changed = None if result.build.full else result.to_build
        result.published = str(publish(con, settings, changed=changed))
    elif not is_current(con, settings):
        result.published = str(publish(con, settings))


def config_trees(settings: Settings) -> dict[str, dict[str, Any]]:
    """The config trees a build records and applies (``[allocation]``, ``[budgets]``)."""
    return {section: settings.tree(section) for section in RECORDED_TREES}


def import_all(
    settings: Settings,
    *,
    providers: Iterable[str] | None = None,
    exports: Iterable[str] | None = None,
    periods: list[str] | None = None,
    force: bool = False,
    progress: Progress | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
    **overrides: Any,
) -> ImportResult:
    """Import every configured export of every provider (or those named), each period exactly once.

    Args:
        settings: resolved settings (``[<provider>]``, ``[<provider>.exports.*]``, ``database``).
        providers: only these providers (``aws``, ...); default all.
        exports: only the configured exports of these names.
        periods: only these ``YYYY-MM`` periods.
        force: reload periods whose delivery is already loaded.
        progress: called with one-line status messages.
        con: an open writable warehouse connection (default: open ``settings.database``).
        overrides: a provider's command-line flags (e.g. AWS ``bucket=``), passed to its
            ``exports()``; only with one provider.

    Returns:
        An :class:`ImportResult` (periods loaded / skipped, rows, the build result).

    Raises:
        FinopsError: bad input or config; the message names the file, period or key. Periods
            loaded earlier in the same run stay loaded (and are built); the failing one is untouched.
    """
    t0 = time.perf_counter()
    say = progress or (lambda _msg: None)
    selected = select_exports(settings, providers, exports, **overrides)
    allocation.parse(settings.tree("allocation"))  # a bad rule fails before anything is loaded
    own = con is None
    con = con or db.connect_writer(settings)
    result = ImportResult()
    try:
        try:
            load_exports(con, selected, result, periods=periods, force=force, progress=say)
        finally:
            finish(con, settings, result, say)
    finally:
        if own:
            con.close()
    result.seconds = time.perf_counter() - t0
    return result


def import_provider(provider: str, settings: Settings, **kwargs: Any) -> ImportResult:
    """:func:`import_all` for one provider (its flags, e.g. AWS ``bucket=``, as keywords)."""
    return import_all(settings, providers=[provider], **kwargs)


def rebuild(settings: Settings, *, con: duckdb.DuckDBPyConnection | None = None) -> BuildResult:
    """Migrate the raw tables and rebuild FOCUS and the marts from scratch (``finops focus build``)."""
    own = con is None
    con = con or db.connect_writer(settings)
    try:
        ensure_tables(con)
        return build(con, trees=config_trees(settings), store=focus_store.folder(settings))
    finally:
        if own:
            con.close()
