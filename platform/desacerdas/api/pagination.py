"""Pagination of list endpoints: ``page`` and ``page_size`` query arguments.

``page_size`` defaults to ``DESA_PAGE_SIZE`` (25) and is capped at 100: a larger value is refused
with 422 rather than silently cut, so a client never believes it received everything when it did
not. The metadata (total, total_pages, page, previous_page, next_page, …) is returned as JSON in the
``X-Pagination`` response header, documented on every paginated operation in the OpenAPI document.
A page past the end (however large its number) is an empty list with the metadata, never an error.
"""

from __future__ import annotations

import json
from typing import Any

from flask import current_app, request
from flask_smorest.pagination import PaginationParameters
from sqlalchemy import Select

from ..web.pagination import MAX_PAGE, Page, fetch

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
PAGINATION = {"page": 1, "page_size": DEFAULT_PAGE_SIZE, "max_page_size": MAX_PAGE_SIZE}
HEADER = "X-Pagination"


def default_page_size() -> int:
    """``DESA_PAGE_SIZE``, within 1 … ``MAX_PAGE_SIZE``."""
    configured = int(current_app.config.get("PAGE_SIZE") or DEFAULT_PAGE_SIZE)
    return max(1, min(configured, MAX_PAGE_SIZE))


def page_of(stmt: Select, params: PaginationParameters) -> list[Any]:
    """One page of ``stmt``'s rows; sets the total count for the ``X-Pagination`` header."""
    if "page_size" not in request.args:
        params.page_size = default_page_size()
    page = fetch(stmt, min(params.page, MAX_PAGE), params.page_size)
    params.item_count = page.total
    return page.items


def metadata(page: Page) -> dict[str, int]:
    """The ``X-Pagination`` metadata of ``page``, exactly as flask-smorest builds it."""
    meta: dict[str, int] = {"total": page.total, "total_pages": page.pages}
    if page.total:
        meta.update(first_page=1, last_page=page.pages)
        if page.page <= page.pages:
            meta["page"] = page.page
            if page.page > 1:
                meta["previous_page"] = page.page - 1
            if page.page < page.pages:
                meta["next_page"] = page.page + 1
    return meta


def headers(page: Page) -> dict[str, str]:
    """The ``X-Pagination`` header for an endpoint that paginates without ``@blp.paginate``."""
    return {HEADER: json.dumps(metadata(page))}
