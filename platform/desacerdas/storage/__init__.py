"""Where documents' bytes live: a local folder (embedded default) or any S3 endpoint (MinIO).

The backend is chosen by ``DESA_STORAGE_URL``; code elsewhere only sees :class:`Storage`.
"""

from __future__ import annotations

from flask import Flask, current_app

from .base import ObjectInfo, ObjectMissing, Storage, StorageError, StorageUnavailable
from .factory import storage_from_url


def init_app(app: Flask) -> None:
    app.extensions["desa_storage"] = storage_from_url(app.config["STORAGE_URL"])


def storage() -> Storage:
    return current_app.extensions["desa_storage"]


__all__ = [
    "ObjectInfo",
    "ObjectMissing",
    "Storage",
    "StorageError",
    "StorageUnavailable",
    "init_app",
    "storage",
    "storage_from_url",
]
