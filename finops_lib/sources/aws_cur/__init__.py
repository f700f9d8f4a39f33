"""AWS billing sources: CUR v1, CUR 2.0 (Data Exports) and the AWS Data Exports FOCUS table.

``PROVIDER`` is what the pipeline finds (finops_lib/sources/__init__.py). One :class:`CurExport`
per configured export: ``discover`` turns a bucket listing into the current :class:`Delivery` per
billing period (only the files the current manifest lists), ``load.fetch`` downloads them and
``load.load`` replaces the period's raw rows. SQL: ``queries/staging/aws_*.sql``,
``queries/focus/sources/aws_*.sql``, ``queries/reconcile/aws_*.sql``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from finops_lib.config import Settings
from finops_lib.errors import ConfigError, InputError
from finops_lib.sources import Delivery, LoadContext
from finops_lib.sources.aws_cur import load as _load
from finops_lib.sources.aws_cur.helpers import (
    parse_v1_manifest,
    parse_v2_manifest,
    v1_manifest_keys,
    v2_manifest_keys,
)
from finops_lib.sources.aws_cur.spark import CurSparkReader
from finops_lib.sources.aws_cur.store import Store, open_store
from finops_lib.sources.aws_cur.tables import ensure_tables, focus_types

__all__ = ["PROVIDER", "CurExport", "Delivery", "discover", "focus_types"]

LABEL = "AWS"
VERSIONS = ("v1", "v2", "focus")


def discover(
    store: Store, prefix: str, export_name: str, cur_version: str, label: str | None = None
) -> list[Delivery]:
    """The current delivery of every billing period of one export, oldest period first.

    Args:
        store: the bucket (S3 or a local copy).
        prefix: the report path prefix (may be empty).
        export_name: the CUR report name / Data Exports export name.
        cur_version: ``v1`` (top-level manifest per period folder), ``v2`` or ``focus`` (newest
            manifest per ``BILLING_PERIOD=`` / ``billing_period=`` partition).
        label: the name the export is stored under (default: ``export_name``).

    Raises:
        InputError: no manifest at all (wrong prefix / name / version), or a malformed manifest.
    """
    label = label or export_name
    base = "/".join(p for p in (prefix.strip("/"), export_name) if p)
    if cur_version == "v1":
        keys = store.list_keys(base + "/")
        manifests = v1_manifest_keys(keys, prefix, export_name)
    else:
        keys = store.list_keys(base + "/metadata/")
        manifests = v2_manifest_keys(keys, prefix, export_name)
    if not manifests:
        raise InputError(
            f"no {cur_version} manifests under {store.name}/{base}/",
            hint="check --prefix, --export-name and --cur-version (v1 = legacy CUR, v2 = CUR 2.0, focus)",
        )
    out: list[Delivery] = []
    for period, key in sorted(manifests.items()):
        text = store.read(key)
        if cur_version == "v1":
            out.append(parse_v1_manifest(text, key, LABEL, label, period))
        else:
            out.append(parse_v2_manifest(text, key, LABEL, label, period, cur_version))
    return out


@dataclass
class CurExport:
    """One AWS export: CUR v1, CUR 2.0 or the FOCUS table, in a bucket or a local copy."""

    name: str  # x_export_name / meta.load_state.export_name
    bucket: str
    prefix: str
    export_name: str  # the report / export name in the bucket layout
    cur_version: str
    region: str = "us-east-1"
    download_dir: Path = Path("data/downloads")
    provider: str = LABEL

    @property
    def where(self) -> str:
        """``s3://bucket/prefix/name`` or the local folder, for messages."""
        return "/".join(
            p for p in (self.bucket.rstrip("/"), self.prefix.strip("/"), self.export_name) if p
        )

    def store(self) -> Store:
        """The bucket (opened now: credentials are resolved by boto3's chain when used)."""
        return open_store(self.bucket, self.region)

    def deliveries(self) -> list[Delivery]:
        """The current delivery of every billing period (:func:`discover`)."""
        return discover(self.store(), self.prefix, self.export_name, self.cur_version, self.name)

    def _workdir(self, delivery: Delivery) -> Path:
        del delivery
        return self.download_dir / _load.slug(self.bucket)

    def fetch(self, delivery: Delivery, workdir: Path | None = None) -> _load.Files:
        """The delivery's files, downloaded under ``[aws].download_dir`` (a local copy is read in
        place)."""
        return _load.fetch(self.store(), delivery, workdir or self._workdir(delivery))

    def load(
        self,
        con: duckdb.DuckDBPyConnection,
        delivery: Delivery,
        fetched: _load.Files,
        ctx: LoadContext,
    ) -> int:
        """Replace the period's rows of ``raw_aws.cur`` (or ``raw_aws.focus``); rows loaded."""
        return _load.load(con, delivery, fetched, ctx)

    def spark_reader(self, delivery: Delivery) -> CurSparkReader:
        """How Spark reads the delivery's files (``[engine] kind = "spark"``): every format,
        CUR v1 and 2.0 into ``raw_aws.cur``, the FOCUS export into ``raw_aws.focus``."""
        return CurSparkReader(focus=delivery.format == "focus")

    def cleanup(self, fetched: _load.Files) -> None:
        """Remove the delivery's downloads."""
        del fetched
        _load.cleanup(self.download_dir / _load.slug(self.bucket))


def _export(name: str, cfg: dict[str, Any], download_dir: str, origin: str) -> CurExport:
    if cfg["cur_version"] not in VERSIONS:
        raise InputError(
            f"unknown cur_version {cfg['cur_version']!r} for AWS export {name}",
            hint="use v1, v2 or focus",
        )
    if not cfg["bucket"]:
        raise ConfigError(
            f"AWS export {name} has no bucket ({origin})",
            hint="pass --bucket s3://NAME (or a directory) or set bucket in the config",
        )
    return CurExport(
        name=name,
        bucket=cfg["bucket"],
        prefix=cfg["prefix"],
        export_name=cfg["export_name"] or name,
        cur_version=cfg["cur_version"],
        region=cfg["region"],
        download_dir=Path(download_dir),
    )


class AwsProvider:
    """AWS: ``[aws]`` (one export) or ``[aws.exports.<name>]`` (several)."""

    name = "aws"
    label = LABEL
    query_prefix = "aws"

    def ensure_tables(self, con: duckdb.DuckDBPyConnection) -> list[str]:
        """Create or migrate ``raw_aws.cur`` and ``raw_aws.focus``."""
        return ensure_tables(con)

    def exports(
        self,
        settings: Settings,
        *,
        bucket: str | None = None,
        prefix: str | None = None,
        export_name: str | None = None,
        cur_version: str | None = None,
    ) -> list[CurExport]:
        """The flags over ``[aws]`` when any is given, else every ``[aws.exports.*]``, else
        ``[aws]`` when it names a bucket and an export; ``[]`` when AWS is not configured."""
        download_dir = settings.get("aws", "download_dir")
        flags = any(v is not None for v in (bucket, prefix, export_name, cur_version))
        if not flags and settings.aws_exports:
            return [
                _export(name, cfg, download_dir, f"[aws.exports.{name}]")
                for name, cfg in settings.aws_exports.items()
            ]
        keys = ("bucket", "prefix", "export_name", "cur_version", "region")
        cfg = {k: settings.get("aws", k) for k in keys}
        given = {
            "bucket": bucket,
            "prefix": prefix,
            "export_name": export_name,
            "cur_version": cur_version,
        }
        cfg |= {k: v for k, v in given.items() if v is not None}
        if not flags and not (cfg["bucket"] and cfg["export_name"]):
            return []
        if not cfg["export_name"]:
            raise InputError(
                "no export name",
                hint="pass --export-name (the CUR report / export name) or set [aws].export_name",
            )
        if not cfg["bucket"]:
            raise InputError(
                "no bucket given",
                hint="pass --bucket s3://NAME (or a directory) or set [aws].bucket",
            )
        return [_export(cfg["export_name"], cfg, download_dir, "[aws]")]


PROVIDER = AwsProvider()
