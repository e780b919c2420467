"""Resident accounts (sign-in with NIK and a 6-digit PIN) and registration requests.

A resident's account is a core :class:`~desacerdas.models.User` with the ``resident`` role in the
village (so sessions, CSRF and permissions are the core's), plus a :class:`ResidentAccount` that
ties that user to a registry record and holds the PIN: argon2id, a change required after it was set
by someone else, and its own failure counter and lock.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from desacerdas.models.base import Base, TenantScoped, Timestamped, string_enum, utcnow

from .references import new_reference


class RegistrationKind(enum.StrEnum):
    ACCOUNT = "account"  # someone in the registry asks for an account
    NEW_ARRIVAL = "new_arrival"  # someone not yet in the registry submits their data to be added


class RegistrationStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class ResidentAccount(TenantScoped, Timestamped, Base):
    """The sign-in of one resident of the registry: NIK (from the resident) and PIN."""

    __tablename__ = "smart_government_resident_accounts"

    resident_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    pin_hash: Mapped[str] = mapped_column(String(255))
    must_change_pin: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    pin_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (
        UniqueConstraint("tenant_id", "resident_id"),
        UniqueConstraint("tenant_id", "user_id"),
        ForeignKeyConstraint(
            ["tenant_id", "resident_id"],
            ["smart_government_residents.tenant_id", "smart_government_residents.id"],
            ondelete="CASCADE",
        ),
    )


class Registration(TenantScoped, Timestamped, Base):
    """A request for an account (or, for a new arrival, to be added to the registry), with the KTP
    and KK photos and a selfie as documents, decided by staff or the hamlet head."""

    __tablename__ = "smart_government_registrations"

    kind: Mapped[RegistrationKind] = mapped_column(string_enum(RegistrationKind))
    # What the applicant keeps and types back (``K7QM-4TZP``, see ``references``); unique per village.
    reference: Mapped[str] = mapped_column(String(9), default=new_reference)
    status: Mapped[RegistrationStatus] = mapped_column(
        string_enum(RegistrationStatus), default=RegistrationStatus.PENDING
    )
    nik: Mapped[str] = mapped_column(String(16))
    kk_number: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(120))
    birth_date: Mapped[date] = mapped_column(Date)
    phone: Mapped[str | None] = mapped_column(String(20))
    hamlet_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    resident_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # the matched (or, once added, new) record
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # a new arrival's registry fields
    ktp_document_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    kk_document_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    selfie_document_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(String(500))  # why it was rejected

    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "resident_id"],
            ["smart_government_residents.tenant_id", "smart_government_residents.id"],
            ondelete="SET NULL",
        ),
        Index("ix_smart_government_registrations_status", "tenant_id", "status", "submitted_at"),
        Index("ix_smart_government_registrations_nik", "tenant_id", "nik"),
        UniqueConstraint("tenant_id", "reference"),
    )


MODELS: list[type] = [Registration, ResidentAccount]
