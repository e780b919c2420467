"""Social aid (bansos): programmes, their candidates and recipients, the village deliberation's
decisions, the conflicts found against double receipt, and each period's receipts.

A person or family proposed for a programme is an :class:`AidRecipient` row that moves
``proposed → recipient`` (or ``refused``) by a Musdes :class:`AidDecision`, and later
``recipient → deactivated`` with a reason (:mod:`.workflow`). Exclusion rules are data: each
programme lists the sources it excludes (``excludes``), checked within the village and, through
the platform's ledger (:mod:`desacerdas.services.aid_ledger`), across villages.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

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
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from desacerdas.kit.workflow import StepMixin
from desacerdas.models.base import Base, TenantScoped, Timestamped, string_enum, utcnow


class Source(enum.StrEnum):
    BLT_DD = "blt_dd"  # direct cash from the village budget (Dana Desa)
    PKH = "pkh"  # Kemensos: Program Keluarga Harapan
    BPNT = "bpnt"  # Kemensos: non-cash food aid
    SEMBAKO = "sembako"  # Kemensos: staple food programme
    PROVINCE = "province"
    REGENCY = "regency"
    OTHER = "other"


class Benefit(enum.StrEnum):
    CASH = "cash"
    GOODS = "goods"


class Schedule(enum.StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ONE_OFF = "one_off"


class Unit(enum.StrEnum):
    FAMILY = "family"  # a Kartu Keluarga
    PERSON = "person"


class RecipientStatus(enum.StrEnum):
    PROPOSED = "proposed"
    RECIPIENT = "recipient"
    REFUSED = "refused"
    DEACTIVATED = "deactivated"


class EndReason(enum.StrEnum):
    MOVED = "moved"
    DIED = "died"
    NOT_ELIGIBLE = "not_eligible"
    OTHER = "other"


class ConflictKind(enum.StrEnum):
    SAME_PROGRAMME = "same_programme"
    EXCLUDED = "excluded"  # another programme of the village that excludes this one (or is excluded)
    OTHER_VILLAGE = "other_village"


class Proof(enum.StrEnum):
    SIGNATURE = "signature"  # signed on the printed distribution list
    PHOTO = "photo"


class AidProgramme(TenantScoped, Timestamped, Base):
    """One aid programme the village runs or takes part in, for one period."""

    __tablename__ = "smart_society_aid_programmes"

    name: Mapped[str] = mapped_column(String(160))
    source: Mapped[Source] = mapped_column(string_enum(Source))
    benefit: Mapped[Benefit] = mapped_column(string_enum(Benefit))
    amount: Mapped[int | None] = mapped_column(Integer)  # rupiah per period (cash)
    goods: Mapped[str | None] = mapped_column(String(200))  # what is handed over (goods)
    schedule: Mapped[Schedule] = mapped_column(string_enum(Schedule))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    quota: Mapped[int | None] = mapped_column(Integer)
    unit: Mapped[Unit] = mapped_column(string_enum(Unit))
    criteria: Mapped[str | None] = mapped_column(Text)
    excludes: Mapped[list[str]] = mapped_column(JSON, default=list)  # sources this one excludes
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (
        UniqueConstraint("tenant_id", "name", "period_start"),
        Index("ix_smart_society_aid_programmes_period", "tenant_id", "period_start"),
    )


def _programme_fk() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["tenant_id", "programme_id"],
        ["smart_society_aid_programmes.tenant_id", "smart_society_aid_programmes.id"],
        ondelete="CASCADE",
    )


class AidDecision(TenantScoped, Base):
    """A village deliberation (Musdes) deciding on a programme's candidates, with its documents."""

    __tablename__ = "smart_society_aid_decisions"

    programme_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    held_on: Mapped[date] = mapped_column(Date)
    decree_number: Mapped[str | None] = mapped_column(String(80))  # the head's SK
    minutes_document_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    decree_document_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    note: Mapped[str | None] = mapped_column(Text)
    approved: Mapped[int] = mapped_column(Integer, default=0)
    refused: Mapped[int] = mapped_column(Integer, default=0)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        _programme_fk(),
        Index("ix_smart_society_aid_decisions_programme", "tenant_id", "programme_id", "held_on"),
    )


class AidRecipient(TenantScoped, Timestamped, Base):
    """A candidate, then a recipient, of one programme: a family (by its KK) or a person."""

    __tablename__ = "smart_society_aid_recipients"

    programme_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    status: Mapped[RecipientStatus] = mapped_column(
        string_enum(RecipientStatus), default=RecipientStatus.PROPOSED
    )
    resident_id: Mapped[uuid.UUID] = mapped_column(Uuid)  # the person, or the family's representative
    family_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    nik: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(120))
    kk_number: Mapped[str | None] = mapped_column(String(16))
    hamlet_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    criteria_met: Mapped[str | None] = mapped_column(Text)
    proposed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decision_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    refusal_reason: Mapped[str | None] = mapped_column(String(500))
    end_reason: Mapped[EndReason | None] = mapped_column(string_enum(EndReason))
    ended_on: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        _programme_fk(),
        ForeignKeyConstraint(
            ["tenant_id", "decision_id"],
            ["smart_society_aid_decisions.tenant_id", "smart_society_aid_decisions.id"],
            ondelete="SET NULL",
        ),
        Index("ix_smart_society_aid_recipients_programme", "tenant_id", "programme_id", "status"),
        Index("ix_smart_society_aid_recipients_resident", "tenant_id", "resident_id"),
        Index("ix_smart_society_aid_recipients_family", "tenant_id", "family_id"),
    )


class AidRecipientStep(StepMixin, Base):
    """The candidate's timeline (the kit's workflow writes one row per move)."""

    __tablename__ = "smart_society_aid_recipient_steps"
    __step_of__ = "smart_society_aid_recipients"


class AidConflict(TenantScoped, Base):
    """A double receipt found for a candidate; resolved when refused or no longer found."""

    __tablename__ = "smart_society_aid_conflicts"

    recipient_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    kind: Mapped[ConflictKind] = mapped_column(string_enum(ConflictKind))
    source: Mapped[str] = mapped_column(String(20))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    other_programme: Mapped[str | None] = mapped_column(String(160))  # this village's only
    found_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolution: Mapped[str | None] = mapped_column(String(300))

    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "recipient_id"],
            ["smart_society_aid_recipients.tenant_id", "smart_society_aid_recipients.id"],
            ondelete="CASCADE",
        ),
        Index("ix_smart_society_aid_conflicts_recipient", "tenant_id", "recipient_id"),
        Index("ix_smart_society_aid_conflicts_found", "tenant_id", "found_at"),
    )


class AidReceipt(TenantScoped, Base):
    """One recipient's receipt of one period's aid, with who handed it over and the proof."""

    __tablename__ = "smart_society_aid_receipts"

    programme_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    recipient_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    period: Mapped[str] = mapped_column(String(10))  # 2026-12, 2026-Q4, once
    received_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[int | None] = mapped_column(Integer)
    goods: Mapped[str | None] = mapped_column(String(200))
    handed_by: Mapped[str] = mapped_column(String(120))
    proof: Mapped[Proof] = mapped_column(string_enum(Proof))
    photo_document_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        _programme_fk(),
        ForeignKeyConstraint(
            ["tenant_id", "recipient_id"],
            ["smart_society_aid_recipients.tenant_id", "smart_society_aid_recipients.id"],
            ondelete="CASCADE",
        ),
        UniqueConstraint("tenant_id", "recipient_id", "period"),
        Index("ix_smart_society_aid_receipts_period", "tenant_id", "programme_id", "period"),
    )


# Children first (purge order).
MODELS: list[type] = [AidReceipt, AidConflict, AidRecipientStep, AidRecipient, AidDecision, AidProgramme]
