"""The market listing: the public part of every village's products, for the regency-wide market.

A village writes only its own rows (what its public market page shows anyway: the product's name,
category, price, unit, whether it is in stock, its thumbnail, the seller's business name); only the
platform reads across villages, through :mod:`desacerdas.services.market_listing`. Nothing private
(stock counts, the owner, phone numbers, hidden products, suspended sellers) is ever written here.
On PostgreSQL the table carries the audit log's policy (migration 0015).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ..tenancy.rls import install_platform_context
from .base import Base, utcnow

install_platform_context()


class MarketListing(Base):
    """One public product of one village."""

    __tablename__ = "market_listings"
    __platform_level__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    regency_code: Mapped[str] = mapped_column(String(5))
    village_slug: Mapped[str] = mapped_column(String(80))
    village_name: Mapped[str] = mapped_column(String(120))
    product_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    seller_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    seller_name: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(120))
    name_search: Mapped[str] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(20))
    price: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(20))
    available: Mapped[bool] = mapped_column(Boolean, default=True)  # in stock, or made to order
    thumb_document_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        UniqueConstraint("tenant_id", "product_id"),
        # the regency's page in name order, with and without a category (an index scan with LIMIT)
        Index("ix_market_listings_regency", "regency_code", "name_search", "price", "id"),
        Index("ix_market_listings_category", "regency_code", "category", "name_search", "price", "id"),
        Index("ix_market_listings_seller", "tenant_id", "seller_id"),
        Index("ix_market_listings_village", "regency_code", "village_slug", "name_search", "price", "id"),
    )
