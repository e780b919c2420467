"""``DESA_STORAGE_URL`` → a storage backend.

* ``file:///srv/desa/documents`` — a local folder;
* ``s3://ACCESS:SECRET@host:9000/bucket?secure=false&region=us-east-1`` — an S3 endpoint
  (``secure`` defaults to true; credentials are URL-encoded).
"""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

from .base import Storage, StorageError
from .local import LocalStorage
from .s3 import S3Storage


def storage_from_url(url: str) -> Storage:
    parts = urlsplit(url)
    if parts.scheme == "file":
        return LocalStorage(unquote(parts.path))
    if parts.scheme == "s3":
        bucket = parts.path.strip("/")
        if not parts.hostname or not bucket or "/" in bucket:
            raise StorageError("DESA_STORAGE_URL must look like s3://KEY:SECRET@host:port/bucket")
        query = parse_qs(parts.query)
        endpoint = parts.hostname + (f":{parts.port}" if parts.port else "")
        return S3Storage(
            endpoint,
            unquote(parts.username or ""),
            unquote(parts.password or ""),
            bucket,
            secure=query.get("secure", ["true"])[0].lower() not in ("0", "false", "no"),
            region=query.get("region", [None])[0],
        )
    raise StorageError(f"unsupported DESA_STORAGE_URL scheme {parts.scheme!r} (use file:// or s3://)")
