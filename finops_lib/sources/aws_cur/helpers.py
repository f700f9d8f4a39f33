"""Pure logic of the AWS ingestion: manifests, keys, periods and column names (no I/O)."""

from __future__ import annotations

import json
import re
from pathlib import Path, PurePosixPath

from finops_lib.errors import InputError
from finops_lib.sources import Delivery
from finops_lib.sources.aws_cur.settings import CANONICAL_COLUMNS, V1_MAP_CATEGORIES

_V1_PERIOD = re.compile(r"^(\d{4})(\d{2})01-(\d{8})$")
_V2_PERIOD = re.compile(r"^(?:BILLING_PERIOD|billing_period)=(\d{4}-\d{2})$")


def to_snake(name: str) -> str:
    """AWS's Athena snake_case for a CUR column name.

    ``lineItem/UnblendedCost`` -> ``line_item_unblended_cost``, ``reservation/ReservationARN`` ->
    ``reservation_reservation_a_r_n``; names already in snake_case are returned unchanged.
    """
    out: list[str] = []
    for ch in name.strip():
        if ch.isupper():
            if out and out[-1] != "_":
                out.append("_")
            out.append(ch.lower())
        elif ch.isalnum():
            out.append(ch)
        elif out and out[-1] != "_":
            out.append("_")
    return "".join(out).strip("_")


def classify_column(name: str) -> tuple[str, str | None]:
    """Where a source column goes: ``(column, None)`` or ``(map_column, map_key)``.

    CUR v1 ``resourceTags/user:CostCenter`` -> ``("resource_tags", "user:CostCenter")``,
    ``costCategory/Team`` -> ``("cost_category", "Team")``, ``product/operatingSystem`` ->
    ``("product", "operating_system")``; everything else -> ``(to_snake(name), None)``.
    """
    if "/" in name:
        category, _, rest = name.partition("/")
        target = V1_MAP_CATEGORIES.get(category)
        if target == "product":
            return target, to_snake(rest)
        if target is not None:
            return target, rest
    snake = to_snake(name)
    # AWS writes ARN in capitals (``SavingsPlanARN`` -> ``..._a_r_n``, as its own parquet does);
    # third-party deliveries (koku-nise) write ``SavingsPlanArn``: the same canonical column
    if snake.endswith("_arn") and snake.removesuffix("arn") + "a_r_n" in CANONICAL_COLUMNS:
        return snake.removesuffix("arn") + "a_r_n", None
    return snake, None


def strip_key(key: str) -> str:
    """A key without leading slashes (AWS manifests sometimes carry one)."""
    return key.lstrip("/")


def uri_to_key(uri: str) -> str:
    """``s3://bucket/a/b`` -> ``a/b``; a plain key is returned without its leading ``/``."""
    if uri.startswith("s3://"):
        rest = uri[5:]
        _, _, key = rest.partition("/")
        return strip_key(key)
    return strip_key(uri)


def safe_local_path(root: Path, key: str) -> Path:
    """The local path for ``key`` under ``root``; refuses keys that escape it.

    Raises:
        InputError: the key is absolute after normalisation, or has ``..`` parts.
    """
    parts = PurePosixPath(strip_key(key)).parts
    if not parts or any(p in ("..", "") for p in parts) or "\\" in key or ":" in parts[0]:
        raise InputError(
            f"refusing object key {key!r}: it would escape the download directory {root}",
            hint="the manifest lists an unsafe key; check who can write to the bucket",
        )
    target = (root / Path(*parts)).resolve()
    if not target.is_relative_to(root.resolve()):
        raise InputError(
            f"refusing object key {key!r}: it would escape the download directory {root}",
            hint="the manifest lists an unsafe key; check who can write to the bucket",
        )
    return target


def _load_json(text: bytes | str, key: str) -> dict:
    try:
        doc = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(
            f"manifest {key} is not valid JSON ({exc})",
            hint="the delivery may be incomplete; wait for AWS to rewrite it or remove the manifest",
        ) from None
    if not isinstance(doc, dict):
        raise InputError(f"manifest {key} is not a JSON object", hint="check the delivery")
    return doc


def v1_period(folder: str) -> str | None:
    """``20180801-20180901`` -> ``2018-08``; None when the folder is not a period folder."""
    m = _V1_PERIOD.match(folder)
    return f"{m.group(1)}-{m.group(2)}" if m else None


def v2_period(part: str) -> str | None:
    """``BILLING_PERIOD=2024-05`` or ``billing_period=2024-05`` -> ``2024-05``."""
    m = _V2_PERIOD.match(part)
    return m.group(1) if m else None


def parse_v1_manifest(
    text: bytes | str, key: str, provider: str, export_name: str, period: str
) -> Delivery:
    """A CUR v1 top-level manifest -> the :class:`Delivery` its ``reportKeys`` describe.

    Raises:
        InputError: malformed JSON or missing ``assemblyId`` / ``reportKeys``.
    """
    doc = _load_json(text, key)
    keys = doc.get("reportKeys")
    manifest_id = doc.get("assemblyId")
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys) or not manifest_id:
        raise InputError(
            f"manifest {key} lacks assemblyId or a reportKeys list",
            hint="is this a CUR v1 manifest? for Data Exports use --cur-version v2 or focus",
        )
    return Delivery(
        provider,
        export_name,
        period,
        str(manifest_id),
        "v1",
        key,
        tuple(strip_key(k) for k in keys),
    )


def parse_v2_manifest(
    text: bytes | str, key: str, provider: str, export_name: str, period: str, cur_version: str
) -> Delivery:
    """A Data Exports manifest -> the :class:`Delivery` its ``dataFiles`` describe.

    Raises:
        InputError: malformed JSON or missing ``executionId`` / ``dataFiles``.
    """
    doc = _load_json(text, key)
    files = doc.get("dataFiles")
    manifest_id = doc.get("executionId")
    if not isinstance(files, list) or not all(isinstance(k, str) for k in files) or not manifest_id:
        raise InputError(
            f"manifest {key} lacks executionId or a dataFiles list",
            hint="is this a Data Exports manifest? for legacy CUR use --cur-version v1",
        )
    return Delivery(
        provider,
        export_name,
        period,
        str(manifest_id),
        cur_version,
        key,
        tuple(uri_to_key(f) for f in files),
    )


def v1_manifest_keys(keys: list[str], prefix: str, report: str) -> dict[str, str]:
    """Period -> key of the top-level manifest, from a listing of ``<prefix>/<report>/``."""
    base = "/".join(p for p in (prefix.strip("/"), report) if p)
    name = f"{report}-Manifest.json"
    found: dict[str, str] = {}
    for key in keys:
        parts = strip_key(key).split("/")
        rel = parts[len(base.split("/")) :] if base else parts
        if strip_key(key).startswith(base + "/") and len(rel) == 2 and rel[1] == name:
            period = v1_period(rel[0])
            if period:
                found[period] = key
    return found


def v2_manifest_keys(keys: list[str], prefix: str, export: str) -> dict[str, str]:
    """Period -> key of the newest manifest per partition under ``<prefix>/<export>/metadata/``.

    In create-new-version mode each refresh has its own ``<ISO timestamp>-<executionId>`` folder:
    the lexically greatest key (the newest timestamp) wins.
    """
    base = "/".join(p for p in (prefix.strip("/"), export, "metadata") if p) + "/"
    found: dict[str, str] = {}
    for key in keys:
        k = strip_key(key)
        if not k.startswith(base) or not k.endswith("-Manifest.json"):
            continue
        period = v2_period(k[len(base) :].split("/")[0])
        if period and (period not in found or strip_key(found[period]) < k):
            found[period] = key
    return found
