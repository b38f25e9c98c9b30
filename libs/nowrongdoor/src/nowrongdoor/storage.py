"""Blob storage by key: a folder on this machine, or S3-compatible object storage for clusters.

`open_store(url, default_folder)` picks the backend from a URL:

- none, or a path, or `file:///path`: a folder; without a URL, `default_folder`.
- `s3://bucket/prefix?endpoint=http://host:9000&region=eu-west-3`: object storage, for replicas
  that share no disk. The access key comes only from the environment, as every AWS tool reads it
  (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, optionally `AWS_SESSION_TOKEN`), never from the
  URL, so the URL can be shown in settings and logs. `endpoint` and `region` may also come from
  `AWS_ENDPOINT_URL` and `AWS_REGION`; an `http://` endpoint is allowed as given.

Keys are chosen by the caller from random ids (`a-5f0c2e9b7d1a4c33`), never from names or
content: a listing of the store tells nothing about anyone. Callers seal what they store.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

if TYPE_CHECKING:
    from obstore.store import S3Config

_KEY = re.compile(r"[a-z0-9][a-z0-9_-]{0,99}(/[a-z0-9][a-z0-9_-]{0,99}){0,3}")


class StorageError(Exception):
    """The store could not do what was asked; nothing in the message names a person."""


class BlobNotFound(StorageError, LookupError):
    """No blob under this key."""


class BlobStore(Protocol):
    """Where sealed files live, each under one key."""

    async def put(self, key: str, data: bytes) -> None:
        """Store `data` under `key`, replacing what was there in one step."""
        ...

    async def get(self, key: str) -> bytes:
        """The bytes under `key`; `BlobNotFound` when there are none."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the blob under `key`; a key with none is already done."""
        ...


def checked_key(key: str) -> str:
    """`key` when it is a plain relative key of lowercase letters, digits, `-`, `_` and `/`."""
    if not _KEY.fullmatch(key):
        raise ValueError("a blob key is lowercase letters, digits, '-', '_' and '/'")
    return key


class FolderStore:
    """Blobs as files in one folder, written to a temporary file and renamed into place."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / checked_key(key)

    async def put(self, key: str, data: bytes) -> None:
        await asyncio.to_thread(self._write, self._path(key), data)

    async def get(self, key: str) -> bytes:
        try:
            return await asyncio.to_thread(self._path(key).read_bytes)
        except FileNotFoundError:
            raise BlobNotFound(key) from None
        except OSError as error:
            raise StorageError(f"reading {key} failed: {error.strerror}") from error

    async def delete(self, key: str) -> None:
        try:
            await asyncio.to_thread(self._path(key).unlink, missing_ok=True)
        except OSError as error:
            raise StorageError(f"deleting {key} failed: {error.strerror}") from error

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        except OSError as error:
            temporary.unlink(missing_ok=True)
            raise StorageError(f"writing {path.name} failed: {error.strerror}") from error


class ObjectStore:
    """Blobs as objects in an S3-compatible bucket, under a prefix.

    The object storage client (some 8 MB resident) is loaded by the first `ObjectStore`, so that
    a process storing blobs in a folder never carries it.
    """

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        endpoint: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
    ) -> None:
        from obstore.store import S3Store

        config: S3Config = {}
        if access_key_id and secret_access_key:
            # Otherwise the standard AWS_* variables of the environment, as S3 clients do.
            config["access_key_id"] = access_key_id
            config["secret_access_key"] = secret_access_key
        if endpoint:
            config["endpoint"] = endpoint
            # Path-style requests: what most S3-compatible servers other than AWS expect.
            config["virtual_hosted_style_request"] = False
        if region:
            config["region"] = region
        allow_http = bool(endpoint and endpoint.startswith("http://"))
        self.bucket = bucket
        self._store = S3Store(
            bucket,
            prefix=prefix.strip("/") or None,
            config=config,
            client_options={"allow_http": allow_http},
        )

    async def put(self, key: str, data: bytes) -> None:
        import obstore

        try:
            await obstore.put_async(self._store, checked_key(key), data)
        except Exception as error:
            raise StorageError(f"storing {key} in {self.bucket} failed") from error

    async def get(self, key: str) -> bytes:
        import obstore

        try:
            found = await obstore.get_async(self._store, checked_key(key))
            return bytes(await found.bytes_async())
        except FileNotFoundError:
            raise BlobNotFound(key) from None
        except ValueError:
            raise
        except Exception as error:
            raise StorageError(f"reading {key} from {self.bucket} failed") from error

    async def delete(self, key: str) -> None:
        import obstore

        try:
            await obstore.delete_async(self._store, checked_key(key))
        except FileNotFoundError:
            return
        except Exception as error:
            raise StorageError(f"deleting {key} from {self.bucket} failed") from error


def open_store(
    url: str | None,
    default_folder: Path,
    *,
    access_key_id: str | None = None,
    secret_access_key: str | None = None,
) -> BlobStore:
    """The store a setting names: a folder (by default `default_folder`) or an `s3://` bucket,
    with the access key given, else the one in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY."""
    if not url:
        return FolderStore(default_folder)
    parts = urlsplit(url)
    if parts.scheme == "s3":
        if not parts.netloc:
            raise ValueError("an s3:// store URL names its bucket: s3://bucket/prefix")
        if parts.username or parts.password:
            raise ValueError(
                "an s3:// store URL carries no credentials: set AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY instead"
            )
        query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
        unknown = set(query) - {"endpoint", "region"}
        if unknown:
            raise ValueError(f"an s3:// store URL takes endpoint and region, not {sorted(unknown)}")
        return ObjectStore(
            parts.netloc,
            prefix=unquote(parts.path),
            endpoint=query.get("endpoint"),
            region=query.get("region"),
            access_key_id=access_key_id,
            secret_access_key=secret_access_key,
        )
    if parts.scheme == "file":
        return FolderStore(Path(unquote(parts.path)))
    if parts.scheme == "":
        return FolderStore(Path(url))
    raise ValueError(f"a store URL is a folder, file:// or s3://, not {parts.scheme}://")
