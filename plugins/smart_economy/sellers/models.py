"""Sellers: a resident's business (UMKM) or a BUMDes unit, applied for and approved by staff.

A seller moves ``applied → approved`` (or ``refused``), ``approved → suspended → approved``
(:mod:`.workflow`). Only an approved seller's active products are on the market.
"""

from __future__ import annotations

import enum
import uuid

from sqlalchemy import ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from desacerdas.kit.workflow import StepMixin
from desacerdas.models.base import Base, TenantScoped, Timestamped, string_enum


class SellerStatus(enum.StrEnum):
    APPLIED = "applied"
    APPROVED = "approved"
    REFUSED = "refused"
    SUSPENDED = "suspended"


class SellerKind(enum.StrEnum):
    UMKM = "umkm"  # a resident's business
    BUMDES = "bumdes"  # a unit of the village's BUMDes


class Category(enum.StrEnum):
    FOOD = "food"
    DRINK = "drink"
    PRODUCE = "produce"  # farm and garden produce
    CRAFT = "craft"
    CLOTHING = "clothing"
    SERVICE = "service"
    OTHER = "other"


class Seller(TenantScoped, Timestamped, Base):
    """One seller of one village."""

    __tablename__ = "smart_economy_sellers"

    kind: Mapped[SellerKind] = mapped_column(string_enum(SellerKind), default=SellerKind.UMKM)
    status: Mapped[SellerStatus] = mapped_column(string_enum(SellerStatus), default=SellerStatus.APPLIED)
    business_name: Mapped[str] = mapped_column(String(120))
    category: Mapped[Category] = mapped_column(string_enum(Category))
    description: Mapped[str | None] = mapped_column(Text)
    # The owner in the population registry (by NIK) and the account that keeps the shop.
    owner_resident_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    owner_name: Mapped[str] = mapped_column(String(120))
    nib: Mapped[str | None] = mapped_column(String(13))  # Nomor Induk Berusaha (OSS)
    npwp: Mapped[str | None] = mapped_column(String(16))
    phone: Mapped[str] = mapped_column(String(20))  # for WhatsApp, +62…
    hamlet_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    pickup_address: Mapped[str | None] = mapped_column(String(300))
    refusal_reason: Mapped[str | None] = mapped_column(String(500))
    suspension_reason: Mapped[str | None] = mapped_column(String(500))

    __table_args__ = (
        Index("ix_smart_economy_sellers_status", "tenant_id", "status"),
        Index("ix_smart_economy_sellers_owner", "tenant_id", "owner_user_id"),
    )


class SellerStep(StepMixin, Base):
    """The seller's timeline (the kit's workflow writes one row per move)."""

    __tablename__ = "smart_economy_seller_steps"
    __step_of__ = "smart_economy_sellers"


MODELS: list[type] = [SellerStep, Seller]  # children first (purge order)
