"""Pure logic of the Azure ingestion: column names, manifests, runs and periods (no I/O)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from finops_lib.errors import InputError
from finops_lib.sources.azure_exports.settings import (
    ALIASES,
    CANONICAL_COLUMNS,
    DATA_SUFFIXES,
    EXPORT_TYPES,
    MANIFEST_NAMES,
    MCA_COLUMNS,
    TYPE_ALIASES,
)

_RANGE = re.compile(r"^(\d{4})(\d{2})\d{2}-\d{8}$")
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_INSTANT = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?)?")
_PERIOD = re.compile(r"^(\d{4})-(\d{2})")


def to_snake(name: str) -> str:
    """An Azure column name in snake_case: ``CostInBillingCurrency`` and MCA's
    ``costInBillingCurrency`` -> ``cost_in_billing_currency``, ``CostInUSD`` -> ``cost_in_usd``,
    ``MeterSubCategory`` -> ``meter_sub_category``; a UTF-8 BOM and other punctuation are dropped."""
    text = name.replace("\ufeff", "").strip()
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", text)
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)
    text = re.sub(r"[^0-9A-Za-z]+", "_", text)
    return text.strip("_").lower()


def column_targets(names: list[str]) -> dict[str, str]:
    """Source column -> ``raw_azure.cost`` column, for one file's header.

    The canonical spelling wins over an alias (``ResourceId`` over ``InstanceName``), the first
    alias over later ones; a column whose target is taken is kept under its own snake name, and a
    name seen twice keeps its first column only. ``x_*`` names (the load metadata) are dropped.
    """
    snakes = {n: to_snake(n) for n in names}
    direct = set(snakes.values())
    out: dict[str, str] = {}
    taken: set[str] = set()
    for name in names:  # canonical and plain names first: they own their target
        target = snakes[name]
        if target in ALIASES or not target or target.startswith("x_") or target in taken:
            continue
        out[name] = target
        taken.add(target)
    for name in names:  # then the aliases, where the canonical spelling is absent
        target = snakes[name]
        if target not in ALIASES:
            continue
        alias = ALIASES[target]
        if alias not in direct and alias not in taken:
            out[name] = alias
        elif target not in taken:
            out[name] = target
        else:
            continue
        taken.add(out[name])
    return {n: out[n] for n in names if n in out}  # in header order


def schema_of(names: list[str], targets: dict[str, str]) -> str:
    """``'MCA'`` when the file has a column only Customer Agreement files carry, or a camelCase
    header (the MCA exports' spelling); ``'EA'`` otherwise."""
    if MCA_COLUMNS & set(targets.values()):
        return "MCA"
    letters = [n.replace("\ufeff", "").strip()[:1] for n in names]
    lower = sum(1 for c in letters if c.islower())
    return "MCA" if letters and lower * 2 > len(letters) else "EA"


def is_data_file(key: str) -> bool:
    """Whether ``key`` is an export data file (CSV, CSV.gz, parquet)."""
    low = key.lower()
    return low.endswith(DATA_SUFFIXES)


def range_period(folder: str) -> str | None:
    """``20230901-20230930`` -> ``2023-09``; None when the folder is not a date range."""
    m = _RANGE.match(folder)
    return f"{m.group(1)}-{m.group(2)}" if m else None


def instant(text: object) -> str:
    """An ISO time as a string that sorts in time order (``submittedTime`` has up to seven
    decimals, not always the same number); ``''`` when it is not a time."""
    m = _INSTANT.match(str(text or ""))
    if not m:
        return ""
    return f"{m.group(1)}T{m.group(2) or '00:00:00'}.{(m.group(3) or '').ljust(9, '0')[:9]}"


def export_type(raw: object, where: str) -> str:
    """The export type as loaded (``ActualCost``, ``AmortizedCost``, ``FocusCost``).

    Raises:
        InputError: another type (price sheet, reservation details...): not a cost export.
    """
    text = str(raw or "").strip()
    for known in EXPORT_TYPES:
        if text.lower() == known.lower():
            return known
    if text.lower() in TYPE_ALIASES:
        return TYPE_ALIASES[text.lower()]
    raise InputError(
        f"{where}: unknown export type {text or '(none)'!r}",
        hint=f"only cost exports load: {', '.join(EXPORT_TYPES)}; remove the export from the dataset",
    )


@dataclass(frozen=True)
class Run:
    """One run of one Azure export for one billing period: its data files and what they are."""

    export: str  # the Azure export name (its folder)
    period: str  # YYYY-MM
    run_id: str
    type: str  # ActualCost | AmortizedCost | FocusCost
    submitted: str  # sortable (see instant); for a legacy export the newest file's mtime
    blobs: tuple[str, ...]  # keys of the data files in the store
    location: str  # the manifest key (or the legacy file / folder)
    rows: tuple[int | None, ...] = ()  # the manifest's dataRowCount per blob
    focus_version: str | None = None
    blob_count: int | None = None


def _load_json(text: bytes | str, key: str) -> dict:
    try:
        doc = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(
            f"manifest {key} is not valid JSON ({exc.__class__.__name__})",
            hint="the run may still be writing; wait for it to finish or remove the manifest",
        ) from None
    if not isinstance(doc, dict):
        raise InputError(f"manifest {key} is not a JSON object", hint="check the export run")
    return doc


def _section(doc: dict, key: str) -> dict:
    value = doc.get(key)
    return value if isinstance(value, dict) else {}


def manifest_blobs(doc: dict, key: str) -> list[tuple[str, int | None]]:
    """``(blobName, dataRowCount)`` of a manifest's ``blobs`` (names relative to the container).

    Raises:
        InputError: no ``blobs`` list, or an entry without a ``blobName``.
    """
    blobs = doc.get("blobs")
    if not isinstance(blobs, list):
        raise InputError(
            f"manifest {key} has no blobs list", hint="is this a Cost Management export?"
        )
    out: list[tuple[str, int | None]] = []
    for blob in blobs:
        name = blob.get("blobName") if isinstance(blob, dict) else None
        if not isinstance(name, str) or not name.strip("/"):
            raise InputError(
                f"manifest {key} lists a blob without a blobName", hint="check the run"
            )
        rows = blob.get("dataRowCount")
        out.append((name.lstrip("/"), rows if isinstance(rows, int) and rows >= 0 else None))
    return out


def parse_manifest(
    text: bytes | str, key: str, export: str, folder_period: str | None
) -> tuple[Run, str]:
    """A run's ``manifest.json`` -> the :class:`Run` (blob names still container-relative) and
    the manifest's ``deliveryConfig.rootFolderPath``.

    The billing period is ``runInfo.startDate``'s month (the date-range folder's when absent), the
    type ``exportConfig.type`` (``exportType`` in 2021 manifests), the FOCUS version its
    ``dataVersion``.

    Raises:
        InputError: malformed JSON, no period, no blobs list, or an export type that is not a cost.
    """
    doc = _load_json(text, key)
    config, run_info, delivery = (
        _section(doc, k) for k in ("exportConfig", "runInfo", "deliveryConfig")
    )
    kind = export_type(config.get("type") or config.get("exportType"), f"manifest {key}")
    m = _PERIOD.match(str(run_info.get("startDate") or ""))
    period = f"{m.group(1)}-{m.group(2)}" if m else folder_period
    if not period:
        raise InputError(
            f"manifest {key} has no runInfo.startDate", hint="is this a Cost Management export?"
        )
    blobs = manifest_blobs(doc, key)
    parent = PurePosixPath(key).parent
    run_id = str(run_info.get("runId") or parent.name)
    count = doc.get("blobCount")
    version = config.get("dataVersion") if kind == "FocusCost" else None
    run = Run(
        export=export,
        period=period,
        run_id=run_id,
        type=kind,
        submitted=instant(run_info.get("submittedTime")),
        blobs=tuple(name for name, _ in blobs),
        location=key,
        rows=tuple(rows for _, rows in blobs),
        focus_version=str(version) if version else None,
        blob_count=count if isinstance(count, int) else len(blobs),
    )
    return run, str(delivery.get("rootFolderPath") or "").strip("/")


def manifest_keys(keys: list[str], base: str) -> dict[str, str | None]:
    """Manifest key -> the period of its date-range folder, from a listing of ``<base>/``
    (``<base>/<YYYYMMDD-YYYYMMDD>/[<YYYYMMDDHHMM>/]<runId>/manifest.json``)."""
    prefix = base.strip("/") + "/" if base.strip("/") else ""
    found: dict[str, str | None] = {}
    for key in keys:
        if not key.startswith(prefix):
            continue
        parts = key[len(prefix) :].split("/")
        if len(parts) >= 3 and parts[-1] in MANIFEST_NAMES:
            found[key] = range_period(parts[0])
    return found


def legacy_runs(
    listing: list[tuple[str, float]], base: str, export: str, kind: str, skip: set[str]
) -> list[Run]:
    """Runs of an export without manifests: ``<base>/<YYYYMMDD-YYYYMMDD>/<export>_<guid>.csv``
    (one file per run) or a run folder below the date range (its files). ``listing`` is
    ``(key, modified)``; folders under ``skip`` (those with a manifest) are left out. Every run is
    returned: :func:`latest` picks the newest per period."""
    prefix = base.strip("/") + "/" if base.strip("/") else ""
    runs: dict[str, list[tuple[str, float]]] = {}
    periods: dict[str, str] = {}
    for key, modified in listing:
        if not key.startswith(prefix) or not is_data_file(key):
            continue
        parts = key[len(prefix) :].split("/")
        period = range_period(parts[0]) if len(parts) >= 2 else None
        if period is None or any(key.startswith(s + "/") for s in skip):
            continue
        run_key = key if len(parts) == 2 else prefix + "/".join(parts[:2])
        runs.setdefault(run_key, []).append((key, modified))
        periods[run_key] = period
    out: list[Run] = []
    for run_key, files in runs.items():
        name = PurePosixPath(run_key).name
        guid = _GUID.search(name)
        run_id = guid.group(0) if guid else name
        newest = max(m for _, m in files)
        out.append(
            Run(
                export=export,
                period=periods[run_key],
                run_id=run_id,
                type=kind,
                submitted=f"{newest:020.6f}",
                blobs=tuple(sorted(k for k, _ in files)),
                location=run_key,
                rows=tuple(None for _ in files),
            )
        )
    return out


def latest(runs: list[Run]) -> dict[str, Run]:
    """Period -> the run submitted last (ties: the greater run id); runs without blobs are
    skipped (``blobCount`` 0: an export of an empty month)."""
    best: dict[str, Run] = {}
    for run in runs:
        if run.blob_count == 0 or not run.blobs:
            continue
        have = best.get(run.period)
        if have is None or (run.submitted, run.run_id) > (have.submitted, have.run_id):
            best[run.period] = run
    return best


def delivery_id(runs: list[Run]) -> str:
    """A dataset period's delivery id: its runs' ids, sorted and joined."""
    return "+".join(sorted(r.run_id for r in runs))


def delivery_format(runs: list[Run]) -> str:
    """A dataset period's format: its runs' types, sorted and joined (``ActualCost+AmortizedCost``)."""
    return "+".join(sorted({r.type for r in runs}))


def canonical_type(column: str) -> str | None:
    """The declared type of a canonical ``raw_azure.cost`` column (None for other columns)."""
    return CANONICAL_COLUMNS.get(column)
