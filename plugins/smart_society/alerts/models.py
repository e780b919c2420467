"""Emergency alerts (kentongan digital): a resident's one-button alarm, acknowledged by the first
handler to answer and closed with what happened; and staff warnings to a hamlet or the village.

An alert moves ``raised → acknowledged → closed`` on the kit's workflow (:mod:`.workflow`); who
acknowledged first is the step that moved it. A warning is a message, not a workflow: it is sent
once to every resident with an account in its area and kept as a record of what was said.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
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


class AlertStatus(enum.StrEnum):
    RAISED = "raised"
    ACKNOWLEDGED = "acknowledged"
    CLOSED = "closed"


class Hazard(enum.StrEnum):
    FLOOD = "flood"
    FIRE = "fire"
    VOLCANO = "volcano"
    LANDSLIDE = "landslide"
    EARTHQUAKE = "earthquake"
    OTHER = "other"


class Alert(TenantScoped, Timestamped, Base):
    """One emergency alert raised by a resident."""

    __tablename__ = "smart_society_alerts"

    status: Mapped[AlertStatus] = mapped_column(string_enum(AlertStatus), default=AlertStatus.RAISED)
    raised_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    hamlet_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(String(300))  # what the resident typed, if anything
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(String(500))
    false_alarm: Mapped[bool] = mapped_column(Boolean, default=False)
    notified: Mapped[int] = mapped_column(Integer, default=0)  # people told when it was raised

    __table_args__ = (
        Index("ix_smart_society_alerts_status", "tenant_id", "status", "raised_at"),
        Index("ix_smart_society_alerts_raised_by", "tenant_id", "raised_by", "raised_at"),
    )


class AlertStep(StepMixin, Base):
    """The alert's timeline (the kit's workflow writes one row per move)."""

    __tablename__ = "smart_society_alert_steps"
    __step_of__ = "smart_society_alerts"


class Warning(TenantScoped, Base):  # noqa: A001 - the domain's word ("peringatan")
    """A warning staff sent to a hamlet or the whole village (flood, fire, volcanic activity…)."""

    __tablename__ = "smart_society_warnings"

    hazard: Mapped[Hazard] = mapped_column(string_enum(Hazard))
    message: Mapped[str] = mapped_column(Text)
    hamlet_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # None: the whole village
    sent_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    recipients: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_smart_society_warnings_sent", "tenant_id", "sent_at"),)


class OnDuty(TenantScoped, Base):
    """A staff member on duty for emergency alerts, since when. With nobody on duty, every staff
    member is told of an alert; the hamlet's head always is."""

    __tablename__ = "smart_society_on_duty"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    since: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (UniqueConstraint("tenant_id", "user_id"),)


MODELS: list[type] = [AlertStep, Alert, Warning, OnDuty]  # children first (purge order)
