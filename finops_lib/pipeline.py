"""AWS import: discover the current manifests, load each new period atomically, rebuild FOCUS.

``import_aws`` is what ``finops aws import-cur``, the demo and notebooks call. Per billing period:
the manifest id already in ``meta.load_state`` -> skipped (unless ``force``); otherwise the files
the manifest lists are downloaded under ``[aws].download_dir`` and, in one DuckDB transaction, the
period's raw rows, source totals and state row are replaced. A failure rolls that period back.

DuckDB reads the downloaded files directly inside that transaction (``INSERT INTO raw_aws.cur BY
NAME SELECT <normalising casts> FROM read_csv/read_parquet(file)``, streamed, bounded memory), which
the issue allows ("or let DuckDB read the files directly"); no file is held in Python memory. The dlt
route (``sources.aws_cur.dlt_resource``: pyarrow batches into a staging dataset, then a swap) is kept
for the benchmark (bench/bench_ingest.py, bench/RESULTS.md "Ingestion").
"""

from __future__ import annotations

import logging
import re
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from finops_lib import db, state
from finops_lib.config import Settings
from finops_lib.errors import InputError
from finops_lib.sources.aws_cur import discover, focus_types
from finops_lib.sources.aws_cur.helpers import Delivery, safe_local_path
from finops_lib.sources.aws_cur.reader import (
    ARROW_VIEW,
    Plan,
    _bad_file,
    arrow_source,
    check_numbering,
    cur_plan,
    describe,
    focus_plan,
    unpack,
)
from finops_lib.sources.aws_cur.store import LocalStore, Store, open_store

log = logging.getLogger(__name__)

Progress = Callable[[str], None]


@dataclass
class ExportSpec:
    """One export to import: where it is and what it is."""

    name: str  # x_export_name / meta.load_state.export_name
    bucket: str
    prefix: str
    export_name: str  # the report / export name in the bucket layout
    cur_version: str
    region: str = "us-east-1"


@dataclass
class ImportResult:
    """What an import did."""

    loaded: list[tuple[str, str, int]] = field(default_factory=list)  # (export, period, rows)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (export, period)
    build: Any = None
    unbuilt: list[tuple[str, str, str]] = field(default_factory=list)  # left by a failed build
    published: str | None = None
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        """Rows loaded in total."""
        return sum(r for _, _, r in self.loaded)

    @property
    def periods(self) -> list[str]:
        """Periods loaded (``YYYY-MM``)."""
        return [p for _, p, _ in self.loaded]

    @property
    def changed(self) -> list[tuple[str, str, str]]:
        """``(provider, export_name, period)`` loaded, as ``build(changed=)`` takes them."""
        return [("AWS", e, p) for e, p, _ in self.loaded]

    @property
    def to_build(self) -> list[tuple[str, str, str]]:
        """The periods this import builds and publishes: loaded now, or left unbuilt before."""
        return self.changed + self.unbuilt


def export_specs(
    settings: Settings,
    *,
    bucket: str | None = None,
    prefix: str | None = None,
    export_name: str | None = None,
    cur_version: str | None = None,
) -> list[ExportSpec]:
    """The exports to import: the flags (over ``[aws]``), or every ``[aws.exports.*]`` when none given."""
    if not any((bucket, prefix, export_name, cur_version)) and settings.aws_exports:
        return [
            ExportSpec(
                name,
                cfg["bucket"],
                cfg["prefix"],
                cfg["export_name"] or name,
                cfg["cur_version"],
                cfg["region"],
            )
            for name, cfg in settings.aws_exports.items()
        ]
    aws = {
        k: settings.get("aws", k)
        for k in ("bucket", "prefix", "export_name", "cur_version", "region")
    }
    spec = ExportSpec(
        name=export_name or aws["export_name"],
        bucket=bucket or aws["bucket"],
        prefix=aws["prefix"] if prefix is None else prefix,
        export_name=export_name or aws["export_name"],
        cur_version=cur_version or aws["cur_version"],
        region=aws["region"],
    )
    if not spec.export_name:
        raise InputError(
            "no export name",
            hint="pass --export-name (the CUR report / export name) or set [aws].export_name",
        )
    if spec.cur_version not in ("v1", "v2", "focus"):
        raise InputError(f"unknown --cur-version {spec.cur_version!r}", hint="use v1, v2 or focus")
    return [spec]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "bucket"


def _fetch(
    store: Store, spec: ExportSpec, delivery: Delivery, download_dir: Path
) -> list[tuple[str, Path]]:
    """Download (or locate, for a local copy) the delivery's files; ``(key, local path)`` pairs."""
    root = download_dir / _slug(spec.bucket)
    out: list[tuple[str, Path]] = []
    for key in delivery.data_keys:
        dest = safe_local_path(root, key)
        if isinstance(store, LocalStore) and not key.lower().endswith(".zip"):
            path = safe_local_path(store.root, key)
            if not path.is_file():
                raise InputError(
                    f"{key} is listed by manifest {delivery.manifest_key} but missing from {store.name}",
                    hint="the delivery is incomplete; wait for AWS to finish it and re-run the import",
                )
            out.append((key, path))
            continue
        store.fetch(key, dest)
        out.append((key, unpack(dest)))
    return out


def load_delivery(
    con: duckdb.DuckDBPyConnection,
    spec: ExportSpec,
    delivery: Delivery,
    files: list[tuple[str, Path]],
) -> int:
    """Replace one period's raw rows, source totals and state in one transaction; returns rows."""
    if not files:
        raise InputError(
            f"{spec.name} {delivery.period}: manifest {delivery.manifest_key} lists no data files",
            hint="the month is empty; wait for the next AWS delivery or skip it with --period",
        )
    from pyarrow import ArrowException  # a CSV's Arrow stream fails with it (not at start-up)

    load_id = uuid.uuid4().hex
    is_focus = delivery.cur_version == "focus"
    table = "raw_aws.focus" if is_focus else "raw_aws.cur"
    export_col = "x_load_export_name" if is_focus else "x_export_name"
    plans: list[tuple[Plan, dict[str, object]]] = []
    extras: dict[str, str] = {}
    for key, path in files:
        meta: dict[str, object] = {"x_provider": "AWS", export_col: spec.name}
        if not is_focus:
            meta["x_cur_version"] = delivery.cur_version
        meta |= {
            "x_billing_period": delivery.period,
            "x_manifest_id": delivery.manifest_id,
            "x_source_file": key,
            "x_load_id": load_id,
        }
        cols = describe(con, path, key)
        if is_focus:
            plan = focus_plan(path, cols, key, meta, focus_types())
        else:
            plan = cur_plan(path, cols, key, meta)
        extras |= plan.extras
        plans.append((plan, meta))
    # every row carries its number (x_source_row), so the insert need not keep the file's order
    setting = con.execute("SELECT current_setting('preserve_insertion_order')").fetchone()
    keep_order = bool(setting[0]) if setting else True
    con.execute("SET preserve_insertion_order = false")
    con.execute("BEGIN TRANSACTION")
    try:
        state.add_columns(con, table, extras)
        con.execute(
            f"DELETE FROM {table} WHERE x_provider = 'AWS' AND {export_col} = $e AND x_billing_period = $p",  # noqa: S608 - fixed names
            {"e": spec.name, "p": delivery.period},
        )
        counts: list[tuple[str, int]] = []
        for (plan, meta), (key, _) in zip(plans, files, strict=True):
            try:
                if plan.arrow is not None:
                    con.register(ARROW_VIEW, arrow_source(plan.arrow, plan.columns))
                inserted = con.execute(
                    f"INSERT INTO {table} BY NAME SELECT\n  {plan.select}\nFROM {plan.source}",  # noqa: S608 - quoted idents
                    meta,
                ).fetchone()
            except (duckdb.Error, OSError, ArrowException) as exc:
                raise _bad_file(key, exc) from None
            finally:
                if plan.arrow is not None:
                    con.unregister(ARROW_VIEW)
            counts.append((key, int(inserted[0]) if inserted else 0))
        check_numbering(con, table, load_id, counts)
        rows = sum(n for _, n in counts)
        if rows == 0:
            raise InputError(
                f"{spec.name} {delivery.period}: the files of manifest {delivery.manifest_key} hold no rows",
                hint="the month is empty; wait for the next AWS delivery or skip it with --period",
            )
        params = {"e": spec.name, "p": delivery.period}
        con.execute(
            "DELETE FROM meta.source_totals WHERE provider = 'AWS' AND export_name = $e AND billing_period = $p",
            params,
        )
        con.execute(
            state.FOCUS_TOTALS_SQL if is_focus else state.CUR_TOTALS_SQL,
            params | {"m": delivery.manifest_id, "l": load_id},
        )
        con.execute(
            "DELETE FROM meta.load_state WHERE provider = 'AWS' AND export_name = $e AND billing_period = $p",
            params,
        )
        con.execute(
            "INSERT INTO meta.load_state VALUES ('AWS', $e, $v, $p, $m, $k, $f, $r, now(), $l)",
            params
            | {
                "v": delivery.cur_version,
                "m": delivery.manifest_id,
                "k": delivery.manifest_key,
                "f": len(files),
                "r": rows,
                "l": load_id,
            },
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.execute("SET preserve_insertion_order = $v", {"v": keep_order})
    return int(rows)


def _build(con: duckdb.DuckDBPyConnection, result: ImportResult) -> None:
    """Build FOCUS for the periods just loaded and any a failed earlier build left behind."""
    result.unbuilt = [c for c in state.unbuilt(con) if c not in result.changed]
    if not result.to_build:
        return
    from finops_lib.build import build

    result.build = build(con, changed=result.to_build)


def _publish(con: duckdb.DuckDBPyConnection, settings: Settings, result: ImportResult) -> None:
    """Write the read-only snapshot the notebooks and reports read: the built periods after a
    build, everything when an earlier publish did not finish."""
    from finops_lib.publish import is_current, publish

    if result.build is not None:
        changed = None if result.build.full else result.to_build
        result.published = str(publish(con, settings, changed=changed))
    elif not is_current(con, settings):
        result.published = str(publish(con, settings))


def import_aws(
    settings: Settings,
    *,
    bucket: str | None = None,
    prefix: str | None = None,
    export_name: str | None = None,
    cur_version: str | None = None,
    periods: list[str] | None = None,
    force: bool = False,
    progress: Progress | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> ImportResult:
    """Import AWS billing exports into the warehouse, each period exactly once.

    Args:
        settings: resolved settings (``[aws]``, ``[aws.exports.*]``, ``database``).
        bucket: ``s3://name`` or a local directory with the bucket layout.
        prefix, export_name, cur_version: override ``[aws]``; none of the four -> every configured export.
        periods: only these ``YYYY-MM`` periods.
        force: reload periods whose manifest is already loaded.
        progress: called with one-line status messages.
        con: an open writable warehouse connection (default: open ``settings.database``).

    Returns:
        An :class:`ImportResult` (periods loaded / skipped, rows, the build result).

    Raises:
        InputError: bad input; the message names the file or period. Periods loaded earlier in the
            same run stay loaded (and are built); the failing period is untouched.
    """
    t0 = time.perf_counter()
    say = progress or (lambda _msg: None)
    specs = export_specs(
        settings, bucket=bucket, prefix=prefix, export_name=export_name, cur_version=cur_version
    )
    own = con is None
    con = con or db.connect_writer(settings)
    result = ImportResult()
    download_dir = Path(settings.get("aws", "download_dir"))
    try:
        state.ensure_meta(con)
        state.ensure_raw(con, focus_types())
        try:
            for spec in specs:
                store = open_store(spec.bucket, spec.region)
                deliveries = discover(
                    store, spec.prefix, spec.export_name, spec.cur_version, spec.name
                )
                if periods:
                    unknown = sorted(set(periods) - {d.period for d in deliveries})
                    if unknown:
                        raise InputError(
                            f"{spec.name}: no manifest for period(s) {', '.join(unknown)} in {store.name}",
                            hint="the month is empty or not delivered yet; `finops aws list-manifests` shows what exists",
                        )
                    deliveries = [d for d in deliveries if d.period in periods]
                for d in deliveries:
                    if (
                        not force
                        and state.loaded_manifest(con, spec.name, d.period) == d.manifest_id
                    ):
                        say(
                            f"{spec.name} {d.period}: manifest {d.manifest_id} already loaded, skipped"
                        )
                        result.skipped.append((spec.name, d.period))
                        continue
                    say(
                        f"{spec.name} {d.period}: loading {len(d.data_keys)} file(s) of {d.manifest_id}"
                    )
                    files = _fetch(store, spec, d, download_dir)
                    rows = load_delivery(con, spec, d, files)
                    result.loaded.append((spec.name, d.period, rows))
                    say(f"{spec.name} {d.period}: {rows:,} rows loaded")
                    shutil.rmtree(download_dir / _slug(spec.bucket), ignore_errors=True)
        finally:
            if result.loaded:
                say("building FOCUS tables")
            _build(con, result)
            if result.unbuilt:
                say(f"built {len(result.unbuilt)} period(s) an earlier import left unbuilt")
            if result.build is not None:
                say("publishing the snapshot")
            _publish(con, settings, result)
    finally:
        if own:
            con.close()
    result.seconds = time.perf_counter() - t0
    return result


def import_configured(
    settings: Settings,
    progress: Progress | None = None,
    *,
    con: duckdb.DuckDBPyConnection | None = None,
) -> ImportResult:
    """Import every configured AWS export (``[aws]`` or each ``[aws.exports.*]``); new periods only.

    This is what the notebook's import button and ``finops aws import-cur`` without flags call.
    """
    return import_aws(settings, progress=progress, con=con)
