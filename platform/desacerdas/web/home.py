"""The platform's own start page: a public directory of the villages on it.

It must cost the same with 20 villages as with all 83,762, so it never counts, sorts or skips over
the whole directory. Every listing walks an index in its own order and stops after one page:

- browsing: ``(district_code, name, id)``; a district code starts with its regency code, so this is
  the regency → district → name order of the directory, read from the ``district_code`` index;
- a search by name finds the villages whose name *starts* with the words typed (``mena`` → Menanga),
  in name order, from the ``name`` index; a search by code (``51.07``, ``51.07.01.2003``) finds
  that area's villages in code order, from the unique ``code`` index.

The count is bounded (:data:`COUNT_CAP`): up to it the page says "N villages" and "page p of P";
beyond it, "more than 1,000 villages". "Next" and "Previous" carry a cursor (``?after=<slug>`` /
``?before=<slug>``, with the page number for display only): the next page starts from that village
in the index, however deep it is. A bare ``?page=N`` (an old link) still works, by offset.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from flask import Blueprint, current_app, render_template, request
from sqlalchemy import Select, func, literal, select, tuple_

from ..extensions import db
from ..models import Tenant, TenantStatus
from .pagination import COUNT_CAP, bounded_count, bounded_count_statement, page_number

bp = Blueprint("site", __name__)

BROWSE_ORDER = (Tenant.district_code, Tenant.name, Tenant.id)
NAME_ORDER = (Tenant.name, Tenant.id)
CODE_ORDER = (Tenant.code, Tenant.id)
CODE_QUERY = re.compile(r"^\d{2}(\.\d{0,2}){0,2}(\.\d{0,4})?$")  # 51, 51.07, 51.07.01, 51.07.01.2003


@dataclass
class Directory:
    """One page of the directory and how to reach its neighbours (for ``site/index.html``)."""

    villages: list[Tenant]
    total: int  # exact when ``counted``, else COUNT_CAP
    counted: bool
    page: int
    pages: int | None  # None when not counted
    prev_args: dict[str, str] | None
    next_args: dict[str, str] | None
    cursor: bool  # reached by a cursor link (offers a link to the first page)


def _prefix_range(column: Any, prefix: str) -> list[Any]:
    """``column`` starts with ``prefix``, as an index range (``>= prefix`` and ``< next prefix``)."""
    last = ord(prefix[-1])
    if last >= 0x10FFFF:
        return [column >= prefix]
    return [column >= prefix, column < prefix[:-1] + chr(last + 1)]


def query_for(q: str) -> tuple[Select, tuple]:
    """The active villages ``q`` asks for (unordered) and the index order to list them in."""
    stmt = select(Tenant).where(Tenant.status == TenantStatus.ACTIVE)
    if not q:
        # SQLite's planner prefers a full scan and sort of the table; the index is the flat way
        return stmt.with_hint(Tenant, "INDEXED BY ix_tenants_district_code", "sqlite"), BROWSE_ORDER
    if CODE_QUERY.match(q):
        return stmt.where(*_prefix_range(Tenant.code, q)), CODE_ORDER
    # names are stored capitalised (Menanga, Keude Bakongan): the range reads the index, the LIKE
    # keeps the match exact whatever the database's collation does with case
    words = " ".join(w[:1].upper() + w[1:].lower() for w in q.split())
    like = words.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    stmt = stmt.where(*_prefix_range(Tenant.name, words), func.lower(Tenant.name).like(like, escape="\\"))
    return stmt, NAME_ORDER


def _cursor(slug: str, order: tuple) -> tuple | None:
    """The sort key of the village ``slug`` (a cursor from a link; unknown → None: the first page)."""
    if not slug:
        return None
    row = db.session.execute(select(*order).where(Tenant.slug == slug[:80])).first()
    return tuple(row) if row is not None else None


def _keyset(stmt: Select, order: tuple, key: tuple, forward: bool, per_page: int) -> list[Tenant]:
    """Up to ``per_page + 1`` villages after (or before, nearest first) ``key`` in ``order``."""
    # the redundant bound on the first column lets every database start inside the index (a row
    # value comparison alone does not use PostgreSQL's single-column index)
    row = tuple_(*order)
    keys = tuple_(*map(literal, key))
    if forward:
        stmt = stmt.where(order[0] >= key[0], row > keys).order_by(*order)
    else:
        stmt = stmt.where(order[0] <= key[0], row < keys).order_by(*(c.desc() for c in order))
    return list(db.session.scalars(stmt.limit(per_page + 1)))


@cache
def _browse_count(cap: int) -> Select:
    """The unfiltered directory's bounded count, built once: the start page is the busiest page
    of the platform, and building the statement cost more than the database's answer."""
    return bounded_count_statement(query_for("")[0], cap)


@cache
def _browse_first(per_page: int) -> Select:
    """The unfiltered directory's first page, built once (see :func:`_browse_count`)."""
    return query_for("")[0].order_by(*BROWSE_ORDER).limit(per_page + 1)


def directory(q: str, page: int, after: str, before: str, per_page: int) -> Directory:
    """The page of the directory the request asks for: O(page size + COUNT_CAP) index entries read,
    whatever the number of villages."""
    stmt, order = query_for(q)
    total = bounded_count(stmt) if q else int(db.session.scalar(_browse_count(COUNT_CAP)) or 0)
    counted = total <= COUNT_CAP
    total = min(total, COUNT_CAP)
    pages = max(1, -(-total // per_page)) if counted else None
    key_after, key_before = _cursor(after, order), _cursor(before, order)
    if key_after is not None or key_before is not None:
        forward = key_after is not None
        rows = _keyset(stmt, order, key_after if forward else key_before, forward, per_page)
        more = len(rows) > per_page  # beyond this page, in the direction we went
        villages = rows[:per_page] if forward else rows[:per_page][::-1]
        has_prev, has_next = (True, more) if forward else (more, True)
        if not forward and not more:
            page = 1  # walked back to the start
        cursor = True
    else:
        offset = (page - 1) * per_page
        rows = []
        if offset < total or not counted:  # past the end of a counted list: no query
            if not q and not offset:
                listing = _browse_first(per_page)
            else:
                listing = stmt.order_by(*order).limit(per_page + 1).offset(offset)
            rows = list(db.session.scalars(listing))
        villages, has_prev, has_next, cursor = rows[:per_page], page > 1, len(rows) > per_page, False
    if pages is not None:
        page = min(page, pages) if villages else page
    base = {"q": q} if q else {}
    prev_args = next_args = None
    if has_prev and villages:
        prev_args = {**base, "before": villages[0].slug, "page": str(max(page - 1, 1))}
    elif has_prev:  # an empty page past the end: back to the last page
        prev_args = {**base, "page": str(pages or 1)}
    if has_next and villages:
        next_args = {**base, "after": villages[-1].slug, "page": str(page + 1)}
    return Directory(villages, total, counted, page, pages, prev_args, next_args, cursor)


@bp.get("/")
def index():  # noqa: ANN201
    q = " ".join((request.args.get("q") or "").split())[:80]
    page = page_number()  # untrusted: unreadable → 1, capped at MAX_PAGE (never a 64-bit overflow)
    per_page = current_app.config["PAGE_SIZE"]
    found = directory(q, page, request.args.get("after") or "", request.args.get("before") or "", per_page)
    return render_template(
        "site/index.html", q=q, directory=found, villages=found.villages, total=found.total
    )
