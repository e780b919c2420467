"""The population registry: families (Kartu Keluarga), residents and their civil events."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from desacerdas.models.base import Base, TenantScoped, Timestamped, string_enum, utcnow


class Sex(enum.StrEnum):
    MALE = "male"
    FEMALE = "female"


class ResidentStatus(enum.StrEnum):
    LIVING = "living"
    DIED = "died"
    MOVED_OUT = "moved_out"
    MISSING = "missing"


class EventKind(enum.StrEnum):
    BIRTH = "birth"
    DEATH = "death"
    MOVE_IN = "move_in"
    MOVE_OUT = "move_out"
    MISSING = "missing"
    CORRECTION = "correction"


FAMILY_FK = "fk_smart_government_residents_family_id"  # the convention's name is too long for PostgreSQL


class Family(TenantScoped, Timestamped, Base):
    """A Kartu Keluarga: the KK number, the address, the hamlet."""

    __tablename__ = "smart_government_families"

    kk_number: Mapped[str] = mapped_column(String(16))
    kk_temporary: Mapped[bool] = mapped_column(Boolean, default=False)
    hamlet_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    address: Mapped[str | None] = mapped_column(String(300))

    members: Mapped[list[Resident]] = relationship(
        back_populates="family",
        foreign_keys="Resident.family_id",
        primaryjoin="and_(Family.tenant_id == Resident.tenant_id, Family.id == Resident.family_id)",
        viewonly=True,
    )

    __table_args__ = (
        UniqueConstraint("tenant_id", "kk_number"),
        ForeignKeyConstraint(
            ["tenant_id", "hamlet_id"], ["hamlets.tenant_id", "hamlets.id"], ondelete="RESTRICT"
        ),
    )


class Resident(TenantScoped, Timestamped, Base):
    """A person in the village's registry. Without a NIK, a clearly marked temporary number."""

    __tablename__ = "smart_government_residents"

    nik: Mapped[str] = mapped_column(String(16))
    nik_temporary: Mapped[bool] = mapped_column(Boolean, default=False)
    family_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    name: Mapped[str] = mapped_column(String(120))
    name_search: Mapped[str] = mapped_column(String(120))  # lower case, accents removed: for search
    birth_place: Mapped[str | None] = mapped_column(String(80))
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[Sex] = mapped_column(string_enum(Sex))
    religion: Mapped[str | None] = mapped_column(String(30))
    marital_status: Mapped[str | None] = mapped_column(String(30))
    relationship_to_head: Mapped[str | None] = mapped_column(String(30))
    education: Mapped[str | None] = mapped_column(String(60))
    occupation: Mapped[str | None] = mapped_column(String(80))
    citizenship: Mapped[str] = mapped_column(String(3), default="WNI")
    blood_type: Mapped[str | None] = mapped_column(String(3))
    hamlet_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    address: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(20))
    father_name: Mapped[str | None] = mapped_column(String(120))
    father_nik: Mapped[str | None] = mapped_column(String(16))
    mother_name: Mapped[str | None] = mapped_column(String(120))
    mother_nik: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[ResidentStatus] = mapped_column(string_enum(ResidentStatus), default=ResidentStatus.LIVING)

    family: Mapped[Family | None] = relationship(
        back_populates="members",
        primaryjoin="and_(Family.tenant_id == Resident.tenant_id, Family.id == Resident.family_id)",
        foreign_keys="[Resident.tenant_id, Resident.family_id]",
        viewonly=True,
    )

    __table_args__ = (
        UniqueConstraint("tenant_id", "nik"),
        # Deferrable: a bulk import defers the check to its commit (see importing.writer), when
        # PostgreSQL plans it against the full families table instead of the first few rows.
        ForeignKeyConstraint(
            ["tenant_id", "family_id"],
            ["smart_government_families.tenant_id", "smart_government_families.id"],
            ondelete="RESTRICT",
            name=FAMILY_FK,
            deferrable=True,
            initially="IMMEDIATE",
        ),
        ForeignKeyConstraint(
            ["tenant_id", "hamlet_id"], ["hamlets.tenant_id", "hamlets.id"], ondelete="RESTRICT"
        ),
        Index("ix_smart_government_residents_search", "tenant_id", "name_search"),
        Index("ix_smart_government_residents_hamlet", "tenant_id", "hamlet_id", "status"),
    )


class CivilEvent(TenantScoped, Base):
    """Birth, death, moving in or out, missing, correction: each with its own history."""

    __tablename__ = "smart_government_civil_events"

    resident_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    kind: Mapped[EventKind] = mapped_column(string_enum(EventKind))
    event_date: Mapped[date] = mapped_column(Date)
    report_date: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "resident_id"],
            ["smart_government_residents.tenant_id", "smart_government_residents.id"],
            ondelete="CASCADE",
        ),
        Index("ix_smart_government_civil_events_date", "tenant_id", "event_date"),
    )


# Children before parents: purging a village's data deletes in this order (``plugin.MODELS``).
MODELS: list[type] = [CivilEvent, Resident, Family]
