"""Pagination of list endpoints: ``page`` and ``page_size`` query arguments.

``page_size`` defaults to ``DESA_PAGE_SIZE`` (25) and is capped at 100: a larger value is refused
with 422 rather than silently cut, so a client never believes it received everything when it did
not. The metadata (total, total_pages, page, previous_page, next_page, …) is returned as JSON in the
``X-Pagination`` response header, documented on every paginated operation in the OpenAPI document.
A page past the end (however large its number) is an empty list with the metadata, never an error.

:class:`Blueprint` is flask-smorest's, minus two costs per request the response does not need: a
new instance of every query-argument schema class (webargs instantiates a class on each parse; one
instance per class is kept, as flask-smorest does for schema instances) and a marshmallow dump of
the pagination metadata (plain integers, built here in the schema's order). The OpenAPI document
is unchanged: the same decorators, schemas and parameters.
"""

from __future__ import annotations

import json
from typing import Any

import flask_smorest
import marshmallow as ma
from flask import current_app, request
from flask_smorest.pagination import PaginationParameters
from sqlalchemy import Select
from webargs.flaskparser import FlaskParser

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


class SchemaInstanceParser(FlaskParser):
    """webargs' Flask parser, keeping one instance of each schema class it is given."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._instances: dict[type[ma.Schema], ma.Schema] = {}

    def _get_schema(self, argmap: Any, req: Any) -> ma.Schema:
        if isinstance(argmap, type) and issubclass(argmap, ma.Schema):
            schema = self._instances.get(argmap)
            if schema is None:
                schema = self._instances[argmap] = argmap()
            return schema
        return super()._get_schema(argmap, req)


def pagination_metadata(page: int, page_size: int, item_count: int) -> dict[str, int]:
    """flask-smorest's ``X-Pagination`` metadata (same keys, order and values), without its dump."""
    meta: dict[str, int] = {"total": item_count}
    if item_count == 0:
        meta["total_pages"] = 0
        return meta
    last = (item_count - 1) // page_size + 1
    meta.update(total_pages=last, first_page=1, last_page=last)
    if page <= last:
        meta["page"] = page
        if page > 1:
            meta["previous_page"] = page - 1
        if page < last:
            meta["next_page"] = page + 1
    return meta


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint for list endpoints: see the module doc."""

    ARGUMENTS_PARSER = SchemaInstanceParser()
    PAGINATION_ARGUMENTS_PARSER = SchemaInstanceParser()

    @staticmethod
    def _make_pagination_metadata(page: int, page_size: int, item_count: int) -> dict[str, int]:
        return pagination_metadata(page, page_size, item_count)
