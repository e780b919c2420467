"""Pagination of list endpoints: ``page`` and ``page_size`` query arguments.

``page_size`` defaults to ``DESA_PAGE_SIZE`` (25) and is capped at 100: a larger value is refused
with 422 rather than silently cut, so a client never believes it received everything when it did
not. The metadata (total, total_pages, page, previous_page, next_page, …) is returned as JSON in the
``X-Pagination`` response header, documented on every paginated operation in the OpenAPI document.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask_smorest.pagination import PaginationParameters
from sqlalchemy import Select, func, select

from ..extensions import db

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
PAGINATION = {"page": 1, "page_size": DEFAULT_PAGE_SIZE, "max_page_size": MAX_PAGE_SIZE}


def page_of(stmt: Select, params: PaginationParameters) -> list[Any]:
    """One page of ``stmt``'s rows; sets the total count for the ``X-Pagination`` header."""
    if "page_size" not in request.args:
        configured = int(current_app.config.get("PAGE_SIZE") or DEFAULT_PAGE_SIZE)
        params.page_size = max(1, min(configured, MAX_PAGE_SIZE))
    params.item_count = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    return list(db.session.scalars(stmt.offset(params.first_item).limit(params.page_size)))
