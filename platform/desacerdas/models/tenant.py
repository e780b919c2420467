"""Villages (tenants) and their hamlets."""

from __future__ import annotations

import enum
import uuid
from typing import Any

from sqlalchemy import JSON, Enum, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, TenantScoped, Timestamped


def new_stamp() -> str:
    """A fresh random stamp: what a worker's plugin cache compares (see ``plugins_stamp``)."""
    return uuid.uuid4().hex


class TenantStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    ARCHIVED = "archived"


class Tenant(Timestamped, Base):
    """A village. Platform-level: the registry every tenant-owned row points at."""

    __tablename__ = "tenants"
    __platform_level__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(13), unique=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20), default="desa")
    district_code: Mapped[str] = mapped_column(String(8), index=True)
    district_name: Mapped[str] = mapped_column(String(120))
    regency_code: Mapped[str] = mapped_column(String(5), index=True)
    regency_name: Mapped[str] = mapped_column(String(120))
    province_code: Mapped[str] = mapped_column(String(2))
    province_name: Mapped[str] = mapped_column(String(120))
    status: Mapped[TenantStatus] = mapped_column(
        Enum(TenantStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=TenantStatus.ACTIVE,
    )
    status_reason: Mapped[str | None] = mapped_column(String(500))
    profile: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # A new random value in the same transaction as any change to this village's village_plugins
    # rows (plugin_system/state.py): every worker's cache of enabled plugins compares it.
    plugins_stamp: Mapped[str] = mapped_column(String(32), default=new_stamp)

    __table_args__ = (Index("ix_tenants_name", "name"),)

    @property
    def is_active(self) -> bool:
        return self.status == TenantStatus.ACTIVE

    def __repr__(self) -> str:
        return f"<Tenant {self.code} {self.slug}>"


class Hamlet(TenantScoped, Timestamped, Base):
    """A banjar dinas / dusun inside a village."""

    __tablename__ = "hamlets"

    name: Mapped[str] = mapped_column(String(120))
    code: Mapped[str | None] = mapped_column(String(20))

    __table_args__ = (UniqueConstraint("tenant_id", "name"),)
