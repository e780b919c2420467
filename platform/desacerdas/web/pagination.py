"""Paging long lists on pages: the page number from the query, a page of rows, links to other pages.

A page number is untrusted text: anything that is not a positive whole number reads as page 1, and a
number beyond ``MAX_PAGE`` (``?page=9223372036854775808``) as ``MAX_PAGE``, which is past the end of
every list. A page past the end is empty, never an error, and is answered without asking the
database for an offset it could not hold (SQLite refuses offsets beyond 64 bits).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, request
from sqlalchemy import Select, func, literal, select
from sqlalchemy.orm import Session

from ..extensions import db
from .urls import current_url_with

MAX_PAGE = 1_000_000_000  # far beyond any list, far below any database's offset limit
COUNT_CAP = 1000  # rows a bounded list counts exactly; beyond: "more than 1,000"


def parse_page(value: Any, default: int = 1) -> int:
    """A page number from untrusted input: 1 for anything unreadable, at most ``MAX_PAGE``."""
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        number = value
    else:
        text = str(value or "").strip()
        if not text.isascii() or not text.isdigit():
            return default
        text = text.lstrip("0") or "0"
        number = int(text) if len(text) <= 12 else MAX_PAGE + 1
    return min(max(number, 1), MAX_PAGE)


def page_number(args: Mapping[str, Any] | None = None) -> int:
    """The ``page`` query argument of the request (or of ``args``), read safely."""
    return parse_page((request.args if args is None else args).get("page"))


def page_size() -> int:
    """The configured page size of pages (``DESA_PAGE_SIZE``)."""
    return max(int(current_app.config.get("PAGE_SIZE") or 25), 1)


@dataclass
class Page:
    """One page of a list. Has the attributes templates use from Flask-SQLAlchemy's ``Pagination``
    (``items``, ``page``, ``per_page``, ``total``, ``pages``, ``has_prev``/``has_next``,
    ``prev_num``/``next_num``), so the ``pager`` macro takes either."""

    items: list[Any]
    page: int
    per_page: int
    total: int
    # keyword-only, so that subclasses (kit.lists.ListResult) keep their positional fields
    counted: bool = field(default=True, kw_only=True)  # False: ``total`` is a lower bound (fetch_bounded)
    more: bool = field(default=False, kw_only=True)  # when not counted: a row exists past this page

    @property
    def pages(self) -> int:
        if not self.counted:  # as far as is known: this page, and the next when there is one
            return self.page + 1 if self.more else self.page
        return (self.total + self.per_page - 1) // self.per_page if self.total else 0

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int | None:
        """The page before; from beyond the end, the last page (not 999,999,999)."""
        return min(self.page - 1, max(self.pages, 1)) if self.page > 1 else None

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    @property
    def first(self) -> int:
        """Number (from 1) of the first item on this page; 0 when the page is empty."""
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1 if self.items else 0


def count(stmt: Select, session: Session | None = None) -> int:
    """How many rows ``stmt`` gives (its ORDER BY dropped)."""
    session = session or db.session
    return int(session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0)


def bounded_count(stmt: Select, cap: int | None = None, session: Session | None = None) -> int:
    """How many rows ``stmt`` gives, reading at most ``cap + 1`` of them (``cap + 1`` means more;
    ``cap`` defaults to :data:`COUNT_CAP`)."""
    return int((session or db.session).scalar(bounded_count_statement(stmt, cap)) or 0)


def bounded_count_statement(stmt: Select, cap: int | None = None) -> Select:
    """The statement of :func:`bounded_count` (to build once for a list that never changes)."""
    cap = COUNT_CAP if cap is None else cap
    inner = stmt.with_only_columns(literal(1), maintain_column_froms=True).order_by(None).limit(cap + 1)
    return select(func.count()).select_from(inner.subquery())


def fetch_bounded(
    stmt: Select, page: int, per_page: int, session: Session | None = None, cap: int | None = None
) -> Page:
    """Like :func:`fetch` for lists that may hold every village of the country: counts at most
    ``cap`` rows, so page 1 costs the same with 20 rows as with 83,762. Beyond the cap the page
    is not counted (``counted`` False, ``total`` = ``cap``) and "next" is known by reading one
    row more."""
    session = session or db.session
    page, per_page = parse_page(page), max(int(per_page), 1)
    cap = COUNT_CAP if cap is None else cap
    total = bounded_count(stmt, cap, session)
    if total <= cap:
        return fetch(stmt, page, per_page, session, total=total)
    rows = list(session.execute(stmt.limit(per_page + 1).offset((page - 1) * per_page)).unique().scalars())
    return Page(rows[:per_page], page, per_page, cap, counted=False, more=len(rows) > per_page)


def fetch(
    stmt: Select, page: int, per_page: int, session: Session | None = None, total: int | None = None
) -> Page:
    """Page ``page`` of ``stmt`` with ``per_page`` rows; past the end: an empty page, no row query.
    The first page of a list shorter than a page is its own count: no count statement (most of a
    village's lists — hamlets, staff, letter types — are that short)."""
    session = session or db.session
    page, per_page = parse_page(page), max(int(per_page), 1)
    if total is None and page == 1:
        items = list(session.execute(stmt.limit(per_page)).unique().scalars())
        total = len(items) if len(items) < per_page else count(stmt, session)
        return Page(items, page, per_page, total)
    total = count(stmt, session) if total is None else total
    offset = (page - 1) * per_page
    if offset >= total:
        return Page([], page, per_page, total)
    items = list(session.execute(stmt.limit(per_page).offset(offset)).unique().scalars())
    return Page(items, page, per_page, total)


def paginate(stmt: Select) -> Page:
    """One page of ``stmt`` (PAGE_SIZE rows) at the request's ``page``; past the end is empty."""
    return fetch(stmt, page_number(), page_size())


def page_links(endpoint: str) -> Callable[[int], str]:
    """For the pager macro: the current URL with another page number, so filters survive paging."""
    return lambda page: current_url_with(endpoint, page=str(page))
