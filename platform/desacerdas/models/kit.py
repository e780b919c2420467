"""Tables of the pillar kit (``desacerdas.kit``): number sequences, verifiable documents and
monthly indicator snapshots. Every pillar shares them; each row belongs to one village."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, DateTime, Float, ForeignKey, Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, TenantScoped, Timestamped, utcnow


class Sequence(TenantScoped, Timestamped, Base):
    """The last number handed out in one village for one namespace (``smart_government.letters``,
    ``smart_economy.orders``…), scope (a letter type code, ``*`` for shared) and year (0: never resets)."""

    __tablename__ = "sequences"

    namespace: Mapped[str] = mapped_column(String(60))
    scope_key: Mapped[str] = mapped_column(String(40))
    year: Mapped[int] = mapped_column(Integer)
    last_value: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (UniqueConstraint("tenant_id", "namespace", "scope_key", "year"),)


class Verification(TenantScoped, Timestamped, Base):
    """A paper a village issued that anyone may check on its public verification page.

    ``token`` is random and printed in the QR code; ``sha256`` is the issued PDF's digest, so an
    uploaded copy can be compared; ``holder_name`` is shown masked.
    """

    __tablename__ = "verifications"

    token: Mapped[str] = mapped_column(String(64))
    plugin: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(60))  # e.g. "letter", "certificate", "receipt"
    object_id: Mapped[str | None] = mapped_column(String(80))  # the pillar's record it belongs to
    document_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # no FK: documents are purged on their own
    sha256: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    number: Mapped[str | None] = mapped_column(String(120))
    holder_name: Mapped[str | None] = mapped_column(String(120))
    issuer_name: Mapped[str | None] = mapped_column(String(120))
    issuer_title: Mapped[str | None] = mapped_column(String(300))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    valid_until: Mapped[date | None] = mapped_column(Date)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_reason: Mapped[str | None] = mapped_column(String(500))
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    __table_args__ = (
        UniqueConstraint("tenant_id", "token"),
        Index("ix_verifications_object", "tenant_id", "plugin", "object_id"),
    )


class IndicatorSnapshot(TenantScoped, Base):
    """One indicator of one village for one month, kept so the regency sees a trend."""

    __tablename__ = "indicator_snapshots"

    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    key: Mapped[str] = mapped_column(String(120))
    label: Mapped[str] = mapped_column(String(200))
    value: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(30), default="")
    kind: Mapped[str] = mapped_column(String(20), default="count")
    taken_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        UniqueConstraint("tenant_id", "period", "key"),
        Index("ix_indicator_snapshots_key", "tenant_id", "key", "period"),
    )
