"""Where deliveries are read from: an S3 bucket (boto3's credential chain) or a local copy."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Protocol

from finops_lib.errors import InputError
from finops_lib.sources.aws_cur.helpers import safe_local_path, strip_key


class Store(Protocol):
    """The few operations ingestion needs from a bucket."""

    name: str

    def list_keys(self, prefix: str) -> list[str]:
        """Every key under ``prefix``."""
        ...

    def read(self, key: str) -> bytes:
        """A small object (a manifest) in full."""
        ...

    def fetch(self, key: str, dest: Path) -> None:
        """Copy an object to ``dest`` (streamed)."""
        ...


def _missing(key: str, where: str) -> InputError:
    return InputError(
        f"{key} is listed by the manifest but missing from {where}",
        hint="the delivery is incomplete; wait for AWS to finish it and re-run the import",
    )


class LocalStore:
    """A local directory with the bucket's layout."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.name = str(root)
        if not root.is_dir():
            raise InputError(
                f"local bucket copy {root} does not exist",
                hint="pass --bucket s3://NAME or an existing directory",
            )

    def list_keys(self, prefix: str) -> list[str]:
        """Every file under ``prefix``, as keys relative to the root."""
        base = self.root / strip_key(prefix) if prefix.strip("/") else self.root
        if not base.exists():
            return []
        return sorted(str(p.relative_to(self.root)) for p in base.rglob("*") if p.is_file())

    def read(self, key: str) -> bytes:
        """A file's bytes."""
        path = safe_local_path(self.root, key)
        if not path.is_file():
            raise _missing(key, self.name)
        return path.read_bytes()

    def fetch(self, key: str, dest: Path) -> None:
        """Copy the file to ``dest``."""
        path = safe_local_path(self.root, key)
        if not path.is_file():
            raise _missing(key, self.name)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest)


class S3Store:
    """An S3 (or S3-compatible, via ``AWS_ENDPOINT_URL``) bucket through boto3."""

    def __init__(self, bucket: str, region: str) -> None:
        import boto3

        self.bucket = bucket
        self.name = f"s3://{bucket}"
        kwargs = {"region_name": region or None}
        endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
        if endpoint:
            kwargs["endpoint_url"] = endpoint
        # a fresh session: credentials are resolved now, through boto3's chain, never cached globally
        self.client = boto3.session.Session().client("s3", **kwargs)

    def _err(self, exc: Exception, key: str | None = None) -> InputError:
        from botocore.exceptions import ClientError, NoCredentialsError

        what = f"s3://{self.bucket}/{key}" if key else f"s3://{self.bucket}"
        if isinstance(exc, NoCredentialsError):
            return InputError(
                f"no AWS credentials to read {what}",
                hint="configure credentials for boto3 (AWS_PROFILE, env vars, SSO or an instance role)",
            )
        if isinstance(exc, ClientError):
            code = exc.response.get("Error", {}).get("Code", "")
            if code in ("NoSuchKey", "404") and key:
                return _missing(key, self.name)
            if code == "NoSuchBucket":
                return InputError(
                    f"bucket {self.name} does not exist", hint="check --bucket / [aws].bucket"
                )
            if code in ("AccessDenied", "403", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
                return InputError(
                    f"access denied reading {what} ({code})",
                    hint="check the AWS credentials / role and the bucket policy",
                )
            return InputError(
                f"S3 error reading {what} ({code})", hint="check bucket and credentials"
            )
        return InputError(
            f"cannot reach {what}: {type(exc).__name__}", hint="check AWS_ENDPOINT_URL / network"
        )

    def list_keys(self, prefix: str) -> list[str]:
        """Every key under ``prefix`` (paginated)."""
        from botocore.exceptions import BotoCoreError, ClientError

        keys: list[str] = []
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=strip_key(prefix)
            )
            for page in pages:
                keys.extend(o["Key"] for o in page.get("Contents", []))
        except (BotoCoreError, ClientError) as exc:
            raise self._err(exc) from None
        return sorted(keys)

    def read(self, key: str) -> bytes:
        """An object's bytes."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=strip_key(key))["Body"].read()
        except (BotoCoreError, ClientError) as exc:
            raise self._err(exc, key) from None

    def fetch(self, key: str, dest: Path) -> None:
        """Download the object to ``dest`` (streamed, multipart)."""
        from botocore.exceptions import BotoCoreError, ClientError

        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.client.download_file(self.bucket, strip_key(key), str(dest))
        except (BotoCoreError, ClientError) as exc:
            raise self._err(exc, key) from None


def open_store(bucket: str, region: str = "us-east-1") -> Store:
    """``s3://name`` -> :class:`S3Store`; anything else is a local directory."""
    if not bucket:
        raise InputError(
            "no bucket given", hint="pass --bucket s3://NAME (or a directory) or set [aws].bucket"
        )
    if bucket.startswith("s3://"):
        name = bucket[5:].strip("/")
        if not name or "/" in name:
            raise InputError(
                f"bad bucket URI {bucket!r}", hint="use s3://BUCKET and --prefix for the path"
            )
        return S3Store(name, region)
    return LocalStore(Path(bucket).expanduser())
