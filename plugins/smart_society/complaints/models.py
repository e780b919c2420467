"""Complaints (pengaduan): a resident's complaint, its append-only thread and its timeline.

A complaint moves ``received → verified → assigned → in_progress → answered → closed`` or ends
``rejected`` (:mod:`.workflow`). Its title and text are the complainant's words and never change;
everything said afterwards (replies, answers, corrections, extensions) is a :class:`ComplaintEntry`,
which is only ever added (:func:`_append_only`). The three deadlines of the national
public-complaints standard are fixed when the complaint is filed, in the village's working days
(:mod:`.deadlines`); the resolution deadline may be extended once it is known to be complex.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from desacerdas.kit.workflow import StepMixin
from desacerdas.models.base import Base, TenantScoped, Timestamped, string_enum, utcnow


class Status(enum.StrEnum):
    RECEIVED = "received"
    VERIFIED = "verified"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"
    CLOSED = "closed"
    REJECTED = "rejected"


# Still waiting on the village: the resolution clock runs.
OPEN = (Status.RECEIVED, Status.VERIFIED, Status.ASSIGNED, Status.IN_PROGRESS)
FINAL = (Status.CLOSED, Status.REJECTED)


class Channel(enum.StrEnum):
    ONLINE = "online"  # the resident filed it from their phone
    COUNTER = "counter"  # staff took it at the village office
    PHONE = "phone"  # staff took it by telephone
    ANONYMOUS = "anonymous"  # someone without an account, where the village allows it


class Category(enum.StrEnum):
    SERVICE = "service"  # village administration services
    INFRASTRUCTURE = "infrastructure"
    SOCIAL_AID = "social_aid"
    ENVIRONMENT = "environment"
    SECURITY = "security"
    HEALTH = "health"
    OTHER = "other"


class EntryKind(enum.StrEnum):
    REPLY = "reply"  # the complainant writes again
    ANSWER = "answer"  # the village answers the complainant
    NOTE = "note"  # staff only: not shown to the complainant or the public
    CORRECTION = "correction"  # corrects an earlier entry (which stays as it was)
    EXTENSION = "extension"  # the resolution deadline was extended, with the reason


class Complaint(TenantScoped, Timestamped, Base):
    """One complaint of one village."""

    __tablename__ = "smart_society_complaints"

    number: Mapped[str] = mapped_column(String(60))
    category: Mapped[Category] = mapped_column(string_enum(Category))
    title: Mapped[str] = mapped_column(String(160))
    body: Mapped[str] = mapped_column(Text)
    channel: Mapped[Channel] = mapped_column(string_enum(Channel))
    status: Mapped[Status] = mapped_column(string_enum(Status), default=Status.RECEIVED)
    # Where it is about (the hamlet head of that hamlet handles it); a point only if one was given.
    hamlet_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    # Who complained: a signed-in resident (author_id), or a name and phone taken at the counter.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reporter_name: Mapped[str | None] = mapped_column(String(120))
    reporter_phone: Mapped[str | None] = mapped_column(String(30))
    # Hidden from the public list and from the hamlet head when the complainant asks for it.
    name_withheld: Mapped[bool] = mapped_column(Boolean, default=False)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    filed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    filed_on: Mapped[date] = mapped_column(Date)  # the village's date of filing
    verify_due: Mapped[date] = mapped_column(Date)
    answer_due: Mapped[date] = mapped_column(Date)
    resolve_due: Mapped[date] = mapped_column(Date)
    extension_reason: Mapped[str | None] = mapped_column(String(500))
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_answer_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_on: Mapped[date | None] = mapped_column(Date)  # the village's date of the first answer
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rejection_reason: Mapped[str | None] = mapped_column(String(500))
    rating: Mapped[int | None] = mapped_column(Integer)  # 1-5, by the complainant, once answered
    # The last reminder sent about a missed deadline (one a day at most).
    reminded_on: Mapped[date | None] = mapped_column(Date)
    # An anonymous complaint is followed with its number and a code shown once (argon2 hash).
    tracking_hash: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        Index("ix_smart_society_complaints_status", "tenant_id", "status", "filed_at"),
        Index("ix_smart_society_complaints_author", "tenant_id", "author_id"),
    )


class ComplaintEntry(TenantScoped, Base):
    """One message in a complaint's thread; never edited, never deleted on its own."""

    __tablename__ = "smart_society_complaint_entries"

    complaint_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    kind: Mapped[EntryKind] = mapped_column(string_enum(EntryKind))
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(120))
    corrects_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # the entry a correction is about
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "complaint_id"],
            ["smart_society_complaints.tenant_id", "smart_society_complaints.id"],
            ondelete="CASCADE",
        ),
        Index("ix_smart_society_complaint_entries_complaint", "tenant_id", "complaint_id", "at"),
    )


class ComplaintStep(StepMixin, Base):
    """The complaint's timeline (the kit's workflow writes one row per move)."""

    __tablename__ = "smart_society_complaint_steps"
    __step_of__ = "smart_society_complaints"


class AppendOnly(RuntimeError):
    """A programming error: something tried to change what the thread keeps for good."""


# The complainant's own words: set once when the complaint is filed.
_FIXED = (
    "title",
    "body",
    "category",
    "channel",
    "author_id",
    "reporter_name",
    "filed_at",
    "filed_on",
    "number",
)


@event.listens_for(Session, "before_flush")
def _append_only(session: Session, _context: object, _instances: object) -> None:
    """Refuse an edited or deleted thread entry and an edited complaint text (corrections are new
    entries). Deleting a whole complaint (a purge of the village's data) deletes its thread with it."""
    for obj in session.dirty:
        if isinstance(obj, ComplaintEntry) and session.is_modified(obj):
            raise AppendOnly("a complaint's thread entry is never edited; add a correction")
        if isinstance(obj, Complaint):
            state = inspect(obj)
            changed = [name for name in _FIXED if state.attrs[name].history.has_changes()]
            if changed and not state.pending:
                raise AppendOnly(f"a complaint's {', '.join(changed)} never change; add a correction")
    for obj in session.deleted:
        if isinstance(obj, ComplaintEntry):
            raise AppendOnly("a complaint's thread entry is never deleted; add a correction")


MODELS: list[type] = [ComplaintStep, ComplaintEntry, Complaint]  # children first (purge order)
