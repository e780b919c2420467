"""A folder on the local disk (the embedded default)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from .base import ObjectInfo, ObjectMissing, StorageError, StorageUnavailable, check_key

CHUNK = 256 * 1024


class LocalStorage:
    name = "file"

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / check_key(key)).resolve()
        if self.root not in path.parents:
            raise StorageError(f"key {key!r} leaves the storage folder")
        return path

    def check(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            if not os.access(self.root, os.W_OK):
                raise StorageUnavailable(f"{self.root} is not writable")
        except OSError as exc:
            raise StorageUnavailable(str(exc)) from exc

    def put(self, key: str, stream: BinaryIO, size: int, content_type: str) -> ObjectInfo:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Write to a temporary file in the same folder, then rename: never a half-written object.
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
            written = 0
            try:
                with os.fdopen(fd, "wb") as out:
                    while chunk := stream.read(CHUNK):
                        out.write(chunk)
                        written += len(chunk)
                    out.flush()
                    os.fsync(out.fileno())
                if written != size:
                    raise StorageError(f"expected {size} bytes, stored {written}")
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise StorageUnavailable(str(exc)) from exc
        return ObjectInfo(key, written)

    def open(self, key: str, offset: int = 0, length: int | None = None) -> Iterator[bytes]:
        path = self._path(key)
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            raise ObjectMissing(key) from None
        except OSError as exc:
            raise StorageUnavailable(str(exc)) from exc

        def chunks() -> Iterator[bytes]:
            with handle:
                handle.seek(offset)
                remaining = length
                while remaining is None or remaining > 0:
                    chunk = handle.read(CHUNK if remaining is None else min(CHUNK, remaining))
                    if not chunk:
                        break
                    if remaining is not None:
                        remaining -= len(chunk)
                    yield chunk

        return chunks()

    def stat(self, key: str) -> ObjectInfo:
        try:
            st = self._path(key).stat()
            return ObjectInfo(key, st.st_size, modified=datetime.fromtimestamp(st.st_mtime, UTC))
        except FileNotFoundError:
            raise ObjectMissing(key) from None
        except OSError as exc:
            raise StorageUnavailable(str(exc)) from exc

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink(missing_ok=True)
        except OSError as exc:
            raise StorageUnavailable(str(exc)) from exc

    def keys(self, prefix: str) -> Iterator[str]:
        base = self._path(prefix.rstrip("/")) if prefix else self.root
        if not base.exists():
            return
        for path in sorted(base.rglob("*")):
            if path.is_file() and not path.name.startswith(".upload-"):
                yield path.relative_to(self.root).as_posix()

    def presigned_url(self, key: str, seconds: int, filename: str, content_type: str) -> str | None:
        return None
