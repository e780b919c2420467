"""The social-aid ledger: who receives which kind of aid for which period, across villages.

A village writes only its own rows (its recipients, with the NIK as a keyed fingerprint, never
the number itself); only the platform reads across villages, through
:mod:`desacerdas.services.aid_ledger`, which answers a village "conflict: source and period" and
nothing more. On PostgreSQL the table carries the audit log's policy (migration 0014): a session
bound to a village sees and writes that village's rows only.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Uuid, false
from sqlalchemy.orm import Mapped, mapped_column

from ..tenancy.rls import install_platform_context
from .base import Base, utcnow

install_platform_context()


class AidLedgerEntry(Base):
    """One person's claim on one programme of one village for one period."""

    __tablename__ = "aid_ledger"
    __platform_level__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    record_id: Mapped[uuid.UUID] = mapped_column(Uuid)  # the village's recipient record
    nik_hash: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(20))
    excludes: Mapped[str] = mapped_column(String(200), default="")  # sources, comma-separated
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    programme: Mapped[str] = mapped_column(String(160))  # its name, for the regency's view
    # A candidate not yet decided on: never a conflict to another village, but the regency sees it.
    pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        Index("ix_aid_ledger_nik", "nik_hash", "period_start"),
        Index("ix_aid_ledger_record", "tenant_id", "record_id"),
    )
