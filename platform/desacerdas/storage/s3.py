"""Any S3 endpoint through the ``minio`` client (MinIO in production, SeaweedFS in tests).

Only plain S3 operations are used (put, get with a range, stat, delete, list, presigned GET), so
any S3 server will do: MinIO's community edition is in maintenance mode.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import BinaryIO
from urllib.parse import quote

import urllib3
from minio import Minio
from minio.error import S3Error

from .base import ObjectInfo, ObjectMissing, StorageError, StorageUnavailable, check_key

CHUNK = 256 * 1024
# Objects up to PART_SIZE go in one PUT (ETag = MD5); larger ones in parts of PART_SIZE, one at a
# time, so an upload holds one part in memory (the minio client buffers a whole part).
PART_SIZE = 8 * 1024 * 1024
UNAVAILABLE_CODES = frozenset({"InternalError", "ServiceUnavailable", "SlowDown", "RequestTimeout"})
NETWORK_ERRORS = (urllib3.exceptions.HTTPError, OSError)


def _error(operation: str, key: str, exc: S3Error) -> StorageError:
    """A server-side failure means "unavailable" (503); anything else is a refusal."""
    kind = StorageUnavailable if exc.code in UNAVAILABLE_CODES else StorageError
    return kind(f"{operation} {key}: {exc.code}")


class S3Storage:
    name = "s3"

    def __init__(
        self,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        *,
        secure: bool,
        region: str | None,
    ) -> None:
        self.bucket = bucket
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=3, read=30),
            retries=urllib3.Retry(total=1, backoff_factor=0.2, status_forcelist=()),
            maxsize=10,
        )
        self.client = Minio(
            endpoint,
            access_key=access_key,
            secret_key=secret_key,
            secure=secure,
            region=region,
            http_client=http,
        )
        self._bucket_ready = False

    def _ensure_bucket(self) -> None:
        if self._bucket_ready:
            return
        try:
            if not self.client.bucket_exists(self.bucket):
                self.client.make_bucket(self.bucket)  # where allowed; a managed bucket already exists
        except S3Error as exc:
            if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise StorageError(f"bucket {self.bucket}: {exc.code}") from exc
        except NETWORK_ERRORS as exc:
            raise StorageUnavailable(str(exc)) from exc
        self._bucket_ready = True

    def check(self) -> None:
        self._bucket_ready = False
        self._ensure_bucket()

    def put(self, key: str, stream: BinaryIO, size: int, content_type: str) -> ObjectInfo:
        self._ensure_bucket()
        try:
            result = self.client.put_object(
                self.bucket,
                check_key(key),
                stream,
                size,
                content_type=content_type,
                part_size=PART_SIZE,
                num_parallel_uploads=1,
            )
        except S3Error as exc:
            raise _error("put", key, exc) from exc
        except NETWORK_ERRORS as exc:
            raise StorageUnavailable(str(exc)) from exc
        return ObjectInfo(key, size, (result.etag or "").strip('"') or None)

    def open(self, key: str, offset: int = 0, length: int | None = None) -> Iterator[bytes]:
        self._ensure_bucket()
        try:
            response = self.client.get_object(self.bucket, check_key(key), offset=offset, length=length or 0)
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject"):
                raise ObjectMissing(key) from None
            raise _error("get", key, exc) from exc
        except NETWORK_ERRORS as exc:
            raise StorageUnavailable(str(exc)) from exc

        def chunks() -> Iterator[bytes]:
            try:
                yield from response.stream(CHUNK)
            finally:
                response.close()
                response.release_conn()

        return chunks()

    def stat(self, key: str) -> ObjectInfo:
        self._ensure_bucket()
        try:
            info = self.client.stat_object(self.bucket, check_key(key))
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject", "ResourceNotFound"):
                raise ObjectMissing(key) from None
            raise _error("stat", key, exc) from exc
        except NETWORK_ERRORS as exc:
            raise StorageUnavailable(str(exc)) from exc
        return ObjectInfo(key, info.size or 0, (info.etag or "").strip('"') or None, info.last_modified)

    def delete(self, key: str) -> None:
        self._ensure_bucket()
        try:
            self.client.remove_object(self.bucket, check_key(key))
        except S3Error as exc:
            if exc.code not in ("NoSuchKey", "NoSuchObject"):
                raise _error("delete", key, exc) from exc
        except NETWORK_ERRORS as exc:
            raise StorageUnavailable(str(exc)) from exc

    def keys(self, prefix: str) -> Iterator[str]:
        self._ensure_bucket()
        try:
            for obj in self.client.list_objects(self.bucket, prefix=prefix, recursive=True):
                yield obj.object_name
        except NETWORK_ERRORS as exc:
            raise StorageUnavailable(str(exc)) from exc

    def presigned_url(self, key: str, seconds: int, filename: str, content_type: str) -> str | None:
        disposition = f"attachment; filename*=UTF-8''{quote(filename)}"
        try:
            return self.client.presigned_get_object(
                self.bucket,
                check_key(key),
                expires=timedelta(seconds=seconds),
                response_headers={
                    "response-content-disposition": disposition,
                    "response-content-type": content_type,
                },
            )
        except NETWORK_ERRORS as exc:
            raise StorageUnavailable(str(exc)) from exc
