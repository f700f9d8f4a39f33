"""Where Azure exports are read from: a Blob Storage container or a local copy of its layout.

``azure://<container>/<root>``: azure-storage-blob, with ``[azure].connection_string`` (SAS,
account key, emulator) when set, else azure-identity's ``DefaultAzureCredential`` against
``https://<storage_account>.blob.core.windows.net``. The connection string and keys never appear
in a message: errors name the setting, the container and the blob, and the SDK's own text (which
may carry a SAS URL) is not shown.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

from finops_lib.errors import ConfigError, InputError
from finops_lib.sources.azure_exports.settings import CONNECTION_STRING_ENV

SETTING = f"[azure].connection_string ({CONNECTION_STRING_ENV})"


class Store(Protocol):
    """The few operations ingestion needs from a container."""

    name: str  # for messages: azure://container or the local directory
    root: str  # the path under which exports live, in the store's keys ('' for a local copy)

    def list(self, prefix: str) -> list[tuple[str, float]]:
        """``(key, last modified as epoch seconds)`` of every blob under ``prefix``."""
        ...

    def read(self, key: str) -> bytes:
        """A small blob (a manifest) in full."""
        ...

    def fetch(self, key: str, dest: Path) -> None:
        """Copy a blob to ``dest`` (streamed)."""
        ...

    def blob_key(self, blob_name: str, root_folder: str, manifest_key: str) -> str:
        """The store key of a manifest's ``blobName`` (relative to the container)."""
        ...


def missing(key: str, where: str, manifest: str | None = None) -> InputError:
    """The error for a blob a manifest lists but the container lacks."""
    by = f" (listed by {manifest})" if manifest else ""
    return InputError(
        f"blob {key}{by} is missing from {where}",
        hint="the export run is incomplete or was cleaned up; wait for the next run and re-import",
    )


def safe_path(root: Path, key: str) -> Path:
    """The local path of ``key`` under ``root``; refuses keys that would escape it.

    Raises:
        InputError: an absolute key or one with ``..`` parts.
    """
    parts = PurePosixPath(key.lstrip("/")).parts
    bad = InputError(
        f"refusing blob name {key!r}: it would escape {root}",
        hint="a manifest lists an unsafe blob name; check who can write to the container",
    )
    if not parts or any(p in ("..", "") for p in parts) or "\\" in key or ":" in parts[0]:
        raise bad
    target = (root / Path(*parts)).resolve()
    if not target.is_relative_to(root.resolve()):
        raise bad
    return target


class LocalStore:
    """A local directory holding the exports' layout below the root folder
    (``<dir>/<exportName>/<YYYYMMDD-YYYYMMDD>/...``)."""

    root = ""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = str(path)
        if not path.is_dir():
            raise InputError(
                f"local export copy {path} does not exist",
                hint="pass --container azure://CONTAINER/ROOT or an existing directory",
            )

    def list(self, prefix: str) -> list[tuple[str, float]]:
        """Every file under ``prefix``, keys relative to the directory, with its mtime."""
        base = self.path / prefix.strip("/") if prefix.strip("/") else self.path
        if not base.is_dir():
            return []
        return sorted(
            (p.relative_to(self.path).as_posix(), p.stat().st_mtime)
            for p in base.rglob("*")
            if p.is_file()
        )

    def read(self, key: str) -> bytes:
        """A file's bytes."""
        path = safe_path(self.path, key)
        if not path.is_file():
            raise missing(key, self.name)
        return path.read_bytes()

    def local(self, key: str) -> Path:
        """The file of ``key``, read in place."""
        path = safe_path(self.path, key)
        if not path.is_file():
            raise missing(key, self.name)
        return path

    def fetch(self, key: str, dest: Path) -> None:
        """Copy the file to ``dest``."""
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.local(key), dest)

    def blob_key(self, blob_name: str, root_folder: str, manifest_key: str) -> str:
        """A container-relative ``blobName`` in the copy: without the export's root folder, else
        the file of that name next to the manifest, else the name as is (then it is missing)."""
        name = blob_name.lstrip("/")
        candidates = []
        if root_folder and name.startswith(root_folder + "/"):
            candidates.append(name[len(root_folder) + 1 :])
        candidates += [name, str(PurePosixPath(manifest_key).parent / PurePosixPath(name).name)]
        for key in candidates:
            try:
                if safe_path(self.path, key).is_file():
                    return key
            except InputError:
                continue
        return candidates[0]


def split_uri(uri: str) -> tuple[str, str]:
    """``azure://container/a/b`` -> ``("container", "a/b")``.

    Raises:
        InputError: no container name.
    """
    rest = uri[len("azure://") :].strip("/")
    container, _, root = rest.partition("/")
    if not container:
        raise InputError(f"bad container URI {uri!r}", hint="use azure://CONTAINER[/ROOT/FOLDER]")
    return container, root.strip("/")


class BlobStore:
    """A Blob Storage container through azure-storage-blob."""

    def __init__(self, uri: str, connection_string: str = "", storage_account: str = "") -> None:
        self.container, self.root = split_uri(uri)
        self.name = f"azure://{self.container}"
        self.client = _container_client(self.container, connection_string, storage_account)

    def _err(self, exc: Exception, key: str | None = None) -> InputError:
        """A one-line error for an SDK failure; never the SDK's text (it may hold a SAS URL)."""
        from azure.core.exceptions import (
            ClientAuthenticationError,
            HttpResponseError,
            ResourceNotFoundError,
            ServiceRequestError,
        )

        what = f"{self.name}/{key}" if key else self.name
        code = str(getattr(exc, "error_code", "") or "")
        if isinstance(exc, ResourceNotFoundError) or code in ("BlobNotFound", "ContainerNotFound"):
            if code == "ContainerNotFound" or key is None:
                return InputError(
                    f"container {self.name} does not exist",
                    hint="check --container / [azure].container",
                )
            return missing(key, self.name)
        if isinstance(exc, ClientAuthenticationError) and getattr(exc, "status_code", None) is None:
            return InputError(
                f"no Azure credentials to read {what}",
                hint=f"sign in (az login, a managed identity, AZURE_* variables) or set {SETTING}",
            )
        if isinstance(exc, HttpResponseError):
            status = getattr(exc, "status_code", None)
            if status in (401, 403) or "Authoriz" in code or "Authentic" in code:
                return InputError(
                    f"access denied reading {what} ({code or status})",
                    hint=f"check {SETTING} or the identity's role on the storage account",
                )
            return InputError(
                f"Azure Storage error reading {what} ({code or status})",
                hint="check the container and the credentials",
            )
        if isinstance(exc, ServiceRequestError):
            return InputError(
                f"cannot reach the storage endpoint of {what} ({type(exc).__name__})",
                hint=f"check the network, the account name and {SETTING}",
            )
        return InputError(
            f"cannot read {what} ({type(exc).__name__})", hint=f"check {SETTING} and the network"
        )

    def list(self, prefix: str) -> list[tuple[str, float]]:
        """Every blob under ``prefix`` (paged), with its last-modified time."""
        from azure.core.exceptions import AzureError

        try:
            return sorted(
                (b.name, b.last_modified.timestamp() if b.last_modified else 0.0)
                for b in self.client.list_blobs(name_starts_with=prefix.strip("/") + "/")
            )
        except AzureError as exc:
            raise self._err(exc) from None

    def read(self, key: str) -> bytes:
        """A blob's bytes."""
        from azure.core.exceptions import AzureError

        try:
            return bytes(self.client.download_blob(key).readall())
        except AzureError as exc:
            raise self._err(exc, key) from None

    def fetch(self, key: str, dest: Path) -> None:
        """Download a blob to ``dest`` (streamed in chunks)."""
        from azure.core.exceptions import AzureError

        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            with dest.open("wb") as fh:
                self.client.download_blob(key).readinto(fh)
        except AzureError as exc:
            dest.unlink(missing_ok=True)
            raise self._err(exc, key) from None

    def blob_key(self, blob_name: str, root_folder: str, manifest_key: str) -> str:
        """``blobName`` is relative to the container already."""
        del root_folder, manifest_key
        return blob_name.lstrip("/")


def _client_options() -> dict[str, Any]:
    """Few, short retries (the storage SDK's default waits 15 s, then 45 s...): a wrong endpoint
    fails in seconds, a transient error is still retried."""
    from azure.storage.blob import LinearRetry

    return {
        "retry_policy": LinearRetry(backoff=1, random_jitter_range=1, retry_total=3),
        "connection_timeout": 20,
        "read_timeout": 120,
    }


def _has_credential(connection_string: str) -> bool:
    """Whether a connection string names an account key, a SAS or the emulator (without one the
    SDK would go on anonymously and fail later with a less useful message)."""
    keys = {
        part.split("=", 1)[0].strip().lower()
        for part in connection_string.split(";")
        if "=" in part
    }
    return bool(keys & {"accountkey", "sharedaccesssignature", "usedevelopmentstorage"})


def _container_client(container: str, connection_string: str, storage_account: str) -> Any:
    """A ``ContainerClient``: from the connection string, else ``DefaultAzureCredential``.

    Raises:
        ConfigError: a malformed connection string (named, never shown), or neither a connection
            string nor a storage account.
    """
    from azure.storage.blob import BlobServiceClient

    if connection_string:
        bad = ConfigError(
            f"{SETTING} is not a valid Azure Storage connection string",
            hint="copy it again from the storage account's access keys or SAS page",
        )
        if not _has_credential(connection_string):
            raise bad
        try:
            service = BlobServiceClient.from_connection_string(
                connection_string, **_client_options()
            )
        except Exception:  # noqa: BLE001 - the SDK's message may quote the key: say which setting
            raise bad from None
        return service.get_container_client(container)
    if not storage_account:
        raise ConfigError(
            "no storage account to read azure://" + container,
            hint=f"set [azure].storage_account (Azure sign-in) or {SETTING}",
        )
    if not storage_account.replace("-", "").isalnum():
        raise ConfigError(
            f"[azure].storage_account {storage_account!r} is not a storage account name",
            hint="use the account's name (lower-case letters and digits), not its URL",
        )
    from azure.identity import DefaultAzureCredential

    # its failure is logged as a page of warnings; the import's one-line error says it instead
    quiet = logging.getLogger("azure.identity")
    if quiet.level == logging.NOTSET:
        quiet.setLevel(logging.ERROR)

    service = BlobServiceClient(
        f"https://{storage_account}.blob.core.windows.net",
        credential=DefaultAzureCredential(),
        **_client_options(),
    )
    return service.get_container_client(container)


def open_store(container: str, connection_string: str = "", storage_account: str = "") -> Store:
    """``azure://container/root`` -> :class:`BlobStore`; anything else is a local directory.

    Raises:
        InputError: nothing given, a bad URI or a missing directory.
        ConfigError: bad or missing credentials settings.
    """
    if not container:
        raise InputError(
            "no container given",
            hint="pass --container azure://CONTAINER/ROOT (or a directory) or set [azure].container",
        )
    if container.startswith("azure://"):
        return BlobStore(container, connection_string, storage_account)
    return LocalStore(Path(container).expanduser())
