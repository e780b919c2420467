"""Sending a document version: streamed, with ETag, conditional and range requests.

The app decides who may read; then it either proxies the bytes from storage in chunks (memory stays
flat) or, for S3 with ``DESA_STORAGE_PRESIGN=1``, redirects to a presigned URL valid for a minute.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, current_app, redirect, request, stream_with_context

from ..models import DocumentVersion, Visibility
from ..services.documents import open_version
from ..storage import storage

PRESIGN_SECONDS = 60


def content_disposition(filename: str, attachment: bool) -> str:
    kind = "attachment" if attachment else "inline"
    return f"{kind}; filename=\"{filename}\"; filename*=UTF-8''{quote(filename)}"


def send_version(version: DocumentVersion, visibility: Visibility, *, attachment: bool = True) -> Response:
    etag = version.sha256
    cache = "public, max-age=300" if visibility == Visibility.PUBLIC else "private, no-cache"
    if request.if_none_match.contains(etag):
        response = Response(status=304)
        response.set_etag(etag)
        response.headers["Cache-Control"] = cache
        return response
    if current_app.config.get("STORAGE_PRESIGN"):
        url = storage().presigned_url(
            version.storage_key, PRESIGN_SECONDS, version.filename, version.content_type
        )
        if url:
            response = redirect(url, code=302)
            response.headers["Cache-Control"] = "no-store"
            return response
    status, offset, length = 200, 0, version.size
    byte_range = request.range
    if byte_range is not None and (not request.if_range.to_header() or request.if_range.etag == etag):
        bounds = byte_range.range_for_length(version.size)
        if bounds is None:
            response = Response(status=416)
            response.headers["Content-Range"] = f"bytes */{version.size}"
            return response
        start, stop = bounds
        status, offset, length = 206, start, stop - start
    chunks = open_version(version, offset, length if status == 206 else None)
    response = Response(
        stream_with_context(chunks), status=status, mimetype=version.content_type, direct_passthrough=True
    )
    response.content_length = length
    if status == 206:
        response.headers["Content-Range"] = f"bytes {offset}-{offset + length - 1}/{version.size}"
    response.set_etag(etag)
    response.headers["Accept-Ranges"] = "bytes"
    response.headers["Cache-Control"] = cache
    response.headers["Content-Disposition"] = content_disposition(version.filename, attachment)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
