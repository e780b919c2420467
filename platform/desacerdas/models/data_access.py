"""Who looked at a village's personal data, and why (issue 11, UU 27/2022).

A regency admin or a facilitator sees residents masked; opening full data for one resident or for
the whole list (a time-limited window) writes one row here, with the stated reason. The village
head and secretary read these rows ("who looked at my residents' data"). Village staff reading
their own village are not logged: it is their daily work, and the audit log covers their changes.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, TenantScoped, utcnow


class PersonalDataAccess(TenantScoped, Base):
    """One opening of full personal data: ``resident_id`` set for one resident, NULL for the list."""

    __tablename__ = "personal_data_access"
    __table_args__ = (Index("ix_personal_data_access_user_at", "tenant_id", "user_id", "at"),)

    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    user_name: Mapped[str] = mapped_column(String(120))  # kept when the account is deleted
    role: Mapped[str] = mapped_column(String(40))
    resident_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # no FK: the log outlives the record
    channel: Mapped[str] = mapped_column(String(10))  # "web" or "api"
    reason: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
