"""The storage interface: plain object operations any S3 server (or a folder) can do."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO, Protocol

# Keys are built by the platform, never taken from users: "<village code>/<plugin or core>/<id>/<n>".
KEY = re.compile(r"^[0-9A-Za-z._-]+(/[0-9A-Za-z._-]+)*$")


class StorageError(RuntimeError):
    """Storage refused or failed an operation."""


class StorageUnavailable(StorageError):
    """The storage cannot be reached (down, timing out): the request fails with 503."""


class ObjectMissing(StorageError):
    """No object under this key."""


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    etag: str | None = None
    modified: datetime | None = None


def check_key(key: str) -> str:
    if not KEY.match(key) or ".." in key.split("/"):
        raise StorageError(f"invalid object key {key!r}")
    return key


class Storage(Protocol):
    """What the documents core needs from a backend. Every method may raise StorageUnavailable."""

    name: str

    def put(self, key: str, stream: BinaryIO, size: int, content_type: str) -> ObjectInfo:
        """Store ``size`` bytes read from ``stream`` under ``key`` (replacing nothing: keys are new)."""

    def open(self, key: str, offset: int = 0, length: int | None = None) -> Iterator[bytes]:
        """The object's bytes (or a range of them) as chunks; ObjectMissing when absent."""

    def stat(self, key: str) -> ObjectInfo:
        """Size (and ETag) of an object; ObjectMissing when absent."""

    def delete(self, key: str) -> None:
        """Remove an object; absent objects are fine."""

    def keys(self, prefix: str) -> Iterator[str]:
        """Every key under ``prefix`` (a village's or a plugin's objects)."""

    def presigned_url(self, key: str, seconds: int, filename: str, content_type: str) -> str | None:
        """A short-lived direct download URL, or None when the backend cannot make one."""

    def check(self) -> None:
        """Raise StorageUnavailable unless the storage answers (readiness)."""
