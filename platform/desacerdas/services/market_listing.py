"""The one audited read path of products across villages: the regency-wide market.

A village publishes its public products (:func:`publish`, :func:`withdraw`, in its own session and
transaction, so the listing changes with the product or not at all); the regency market
(:func:`search`) reads them through a platform session of its own, the only reader across
villages, and writes one audit event per read. The table holds only what a village's public
market page shows: nothing else of a village can leak from here.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..models import MarketListing, Tenant, User
from ..tenancy.context import current_tenant_id
from ..web.pagination import Page
from . import audit

CATEGORY_KIND = "market.category"  # ``web.labels.register_states`` kind: the pillar names categories
PAGE_SIZE = 24


@dataclass(frozen=True)
class Listed:
    """What a village says of one public product."""

    product_id: uuid.UUID
    seller_id: uuid.UUID
    seller_name: str
    name: str
    category: str
    price: int
    unit: str
    available: bool
    thumb_document_id: uuid.UUID | None


def _village(session: Session) -> int:
    tenant_id = current_tenant_id(session)
    if tenant_id is None:
        raise RuntimeError("the market listing is written from a session bound to the village")
    return tenant_id


def publish(session: Session, tenant: Tenant, item: Listed) -> None:
    """Put one product on the listing of the session's village (or bring its row up to date)."""
    tenant_id = _village(session)
    row = session.scalar(
        select(MarketListing).where(
            MarketListing.tenant_id == tenant_id, MarketListing.product_id == item.product_id
        )
    )
    if row is None:
        row = MarketListing(tenant_id=tenant_id, product_id=item.product_id)
        session.add(row)
    row.regency_code, row.village_slug, row.village_name = tenant.regency_code, tenant.slug, tenant.name
    row.seller_id, row.seller_name = item.seller_id, item.seller_name[:120]
    row.name, row.name_search = item.name[:120], item.name.lower()[:120]
    row.category, row.price, row.unit = item.category, item.price, item.unit
    row.available, row.thumb_document_id = item.available, item.thumb_document_id
    row.updated_at = func.now()


def withdraw(session: Session, product_ids: Sequence[uuid.UUID]) -> None:
    """Take products of the session's village off the listing (hidden, deleted, seller suspended)."""
    if product_ids:
        session.execute(
            delete(MarketListing).where(
                MarketListing.tenant_id == _village(session), MarketListing.product_id.in_(list(product_ids))
            )
        )


def search(
    regency_code: str | None,
    *,
    village_slug: str | None = None,
    category: str | None = None,
    q: str | None = None,
    page: int = 1,
    per_page: int = PAGE_SIZE,
    actor: User | None = None,
) -> Page:
    """One page of the public products of a regency (``None``: every regency), filtered by village,
    category and words of the name, cheapest first within a name; audited."""
    from ..extensions import db

    stmt = select(MarketListing)
    if regency_code:
        stmt = stmt.where(MarketListing.regency_code == regency_code)
    if village_slug:
        stmt = stmt.where(MarketListing.village_slug == village_slug)
    if category:
        stmt = stmt.where(MarketListing.category == category)
    if q and q.strip():
        stmt = stmt.where(MarketListing.name_search.contains(q.strip().lower(), autoescape=True))
    page = max(1, page)
    with Session(db.engine) as platform:
        # no count of 200,000 rows per view: one more row says whether a next page exists
        rows = list(
            platform.scalars(
                stmt.order_by(MarketListing.name_search, MarketListing.price, MarketListing.id)
                .offset((page - 1) * per_page)
                .limit(per_page + 1)
            )
        )
        more = len(rows) > per_page
        rows = rows[:per_page]
        platform.expunge_all()
        audit.record(
            "market.regency_read",
            actor=actor,
            target=f"regency:{regency_code or 'all'}",
            session=platform,
            shown=len(rows),
        )
        platform.commit()
    seen = (page - 1) * per_page + len(rows)
    return Page(rows, page, per_page, seen, counted=False, more=more)
