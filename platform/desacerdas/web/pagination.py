"""Paging long lists on pages: the page number from the query, a page of rows, links to other pages."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from ..extensions import db
from .urls import current_url_with


def page_number() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


def paginate(stmt: Select) -> Pagination:
    """One page of ``stmt`` (PAGE_SIZE rows); a page past the end is empty, not an error."""
    size = max(int(current_app.config["PAGE_SIZE"]), 1)
    return db.paginate(stmt, page=page_number(), per_page=size, max_per_page=size, error_out=False)


def page_links(endpoint: str) -> Callable[[int], str]:
    """For the pager macro: the current URL with another page number, so filters survive paging."""
    return lambda page: current_url_with(endpoint, page=str(page))
