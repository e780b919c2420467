"""The audit log: who did what, when, and in which village."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..tenancy.rls import install_platform_context
from .base import Base, utcnow

# On PostgreSQL the table has its own RLS policy (migration 0010): a village session reads and
# writes only that village's events; a session bound to no village is a platform context.
install_platform_context()


class AuditEvent(Base):
    """Platform-level in the ORM (platform and regency admins read it across villages with filters),
    but held by RLS on PostgreSQL: a session bound to a village sees only that village's events."""

    __tablename__ = "audit_events"
    __platform_level__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_label: Mapped[str | None] = mapped_column(String(254))
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(80))
    target: Mapped[str | None] = mapped_column(String(200))
    ip: Mapped[str | None] = mapped_column(String(45))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (
        Index("ix_audit_events_tenant_at", "tenant_id", "at"),
        Index("ix_audit_events_action", "action"),
    )
