"""Products of the village market, each with up to four photos kept as public documents (the
photo and a small thumbnail for slow connections)."""

from __future__ import annotations

import uuid

from sqlalchemy import Boolean, ForeignKey, ForeignKeyConstraint, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from desacerdas.models.base import Base, TenantScoped, Timestamped, string_enum

from ..sellers.models import Category


class Product(TenantScoped, Timestamped, Base):
    """One product of one seller."""

    __tablename__ = "smart_economy_products"

    seller_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    owner_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )  # the seller's
    name: Mapped[str] = mapped_column(String(120))
    name_search: Mapped[str] = mapped_column(String(120))  # lower case: for search
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[Category] = mapped_column(string_enum(Category))
    price: Mapped[int] = mapped_column(Integer)  # rupiah
    unit: Mapped[str] = mapped_column(String(20))  # kg, pcs, pack, bungkus…
    stock: Mapped[int | None] = mapped_column(Integer)  # None: made to order
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "seller_id"],
            ["smart_economy_sellers.tenant_id", "smart_economy_sellers.id"],
            ondelete="CASCADE",
        ),
        Index("ix_smart_economy_products_seller", "tenant_id", "seller_id"),
        Index("ix_smart_economy_products_market", "tenant_id", "active", "category", "name_search"),
    )


class ProductPhoto(TenantScoped, Base):
    """A product's photo: the picture and its thumbnail, both public documents."""

    __tablename__ = "smart_economy_product_photos"

    product_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    document_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    thumb_document_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    position: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "product_id"],
            ["smart_economy_products.tenant_id", "smart_economy_products.id"],
            ondelete="CASCADE",
        ),
        Index("ix_smart_economy_product_photos_product", "tenant_id", "product_id", "position"),
    )


MODELS: list[type] = [ProductPhoto, Product]  # children first (purge order)
