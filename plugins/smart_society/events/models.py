"""Community events: a calendar per village and banjar (meetings, gotong royong, ceremonies),
public or for residents only, with the attendance counted afterwards."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from desacerdas.models.base import Base, TenantScoped, Timestamped, string_enum


class EventKind(enum.StrEnum):
    MEETING = "meeting"  # rapat banjar, musyawarah desa
    GOTONG_ROYONG = "gotong_royong"  # kerja bakti
    CEREMONY = "ceremony"  # upacara, odalan
    TRAINING = "training"
    OTHER = "other"


class Audience(enum.StrEnum):
    PUBLIC = "public"  # anyone, signed in or not
    RESIDENTS = "residents"  # the village's residents and staff


class Event(TenantScoped, Timestamped, Base):
    __tablename__ = "smart_society_events"

    title: Mapped[str] = mapped_column(String(160))
    kind: Mapped[EventKind] = mapped_column(string_enum(EventKind))
    audience: Mapped[Audience] = mapped_column(string_enum(Audience), default=Audience.PUBLIC)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    place: Mapped[str | None] = mapped_column(String(160))
    hamlet_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # None: the whole village
    description: Mapped[str | None] = mapped_column(Text)
    attendance: Mapped[int | None] = mapped_column(Integer)  # counted afterwards
    cancelled_reason: Mapped[str | None] = mapped_column(String(300))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    __table_args__ = (Index("ix_smart_society_events_starts", "tenant_id", "starts_at"),)


MODELS: list[type] = [Event]
