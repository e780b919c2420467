"""Notification tables: the outbox/inbox rows, contacts with consent, villages' own wording.

``notifications`` rows belong to one village (TenantScoped); ``platform_notifications`` carry the
same columns for recipients outside any village (a regency admin's password reset). Contacts and
their consent log are platform-level, like the users they belong to.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from .base import Base, TenantScoped, Timestamped, string_enum, utcnow


class NotificationChannel(enum.StrEnum):
    INBOX = "inbox"
    WHATSAPP = "whatsapp"
    SMS = "sms"
    EMAIL = "email"


class NotificationStatus(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
    SKIPPED = "skipped"


class ConsentAction(enum.StrEnum):
    OPT_IN = "opt_in"
    OPT_OUT = "opt_out"


class ConsentHow(enum.StrEnum):
    WEB = "web"
    API = "api"
    WHATSAPP_REPLY = "whatsapp_reply"
    STAFF = "staff"


class NotificationColumns:
    """The columns both outbox tables share (one code path delivers either)."""

    @declared_attr
    def recipient_user_id(cls) -> Mapped[int]:  # noqa: N805
        return mapped_column(ForeignKey("users.id", ondelete="CASCADE"))

    kind: Mapped[str] = mapped_column(String(80))
    channel: Mapped[NotificationChannel] = mapped_column(string_enum(NotificationChannel))
    address: Mapped[str | None] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(5), default="id")
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[NotificationStatus] = mapped_column(
        string_enum(NotificationStatus), default=NotificationStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    idempotency_key: Mapped[str] = mapped_column(String(200))
    provider_message_id: Mapped[str | None] = mapped_column(String(200), index=True)
    cost: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(500))
    secret: Mapped[bool] = mapped_column(Boolean, default=False)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class Notification(TenantScoped, NotificationColumns, Base):
    """One message to one person over one channel in one village (the inbox row is channel inbox)."""

    __tablename__ = "notifications"

    __table_args__ = (
        UniqueConstraint("tenant_id", "idempotency_key", "channel"),
        Index("ix_notifications_recipient", "tenant_id", "recipient_user_id", "channel", "status"),
        Index("ix_notifications_due", "tenant_id", "status", "next_attempt_at"),
        # the day's count against the cap reads only this index (channel, status, secret: covering)
        Index("ix_notifications_created", "tenant_id", "created_at", "channel", "status", "secret"),
    )


class PlatformNotification(NotificationColumns, Base):
    """A message to someone outside any village; ``tenant_id`` is always None."""

    __tablename__ = "platform_notifications"
    __platform_level__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)

    @property
    def tenant_id(self) -> None:
        return None

    __table_args__ = (
        UniqueConstraint("idempotency_key", "channel"),
        Index("ix_platform_notifications_recipient", "recipient_user_id", "channel", "status"),
        Index("ix_platform_notifications_due", "status", "next_attempt_at"),
        Index("ix_platform_notifications_created", "created_at", "channel", "status", "secret"),
    )


class UserContact(Timestamped, Base):
    """A person's number or address for one channel: usable once verified and opted in."""

    __tablename__ = "user_contacts"
    __platform_level__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    channel: Mapped[NotificationChannel] = mapped_column(string_enum(NotificationChannel))
    address: Mapped[str] = mapped_column(String(254), index=True)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    code_hash: Mapped[str | None] = mapped_column(String(255))
    code_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    code_attempts: Mapped[int] = mapped_column(Integer, default=0)
    opted_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    opt_in_how: Mapped[ConsentHow | None] = mapped_column(string_enum(ConsentHow))
    opted_out_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    preferred: Mapped[bool] = mapped_column(Boolean, default=False)
    last_inbound_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (UniqueConstraint("user_id", "channel"),)

    @property
    def verified(self) -> bool:
        return self.verified_at is not None

    @property
    def opted_in(self) -> bool:
        return self.opted_in_at is not None and (
            self.opted_out_at is None or self.opted_out_at < self.opted_in_at
        )

    @property
    def usable(self) -> bool:
        return self.verified and self.opted_in


class ContactConsent(Base):
    """Append-only: each opt-in and opt-out with when and how (the personal-data law asks for it)."""

    __tablename__ = "contact_consents"
    __platform_level__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    channel: Mapped[NotificationChannel] = mapped_column(string_enum(NotificationChannel))
    address: Mapped[str] = mapped_column(String(254))
    action: Mapped[ConsentAction] = mapped_column(string_enum(ConsentAction))
    how: Mapped[ConsentHow] = mapped_column(string_enum(ConsentHow))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class NotificationTemplate(TenantScoped, Timestamped, Base):
    """A village's own wording of one kind for the inbox or e-mail in one language."""

    __tablename__ = "notification_templates"

    kind: Mapped[str] = mapped_column(String(80))
    channel: Mapped[NotificationChannel] = mapped_column(string_enum(NotificationChannel))
    locale: Mapped[str] = mapped_column(String(5))
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (UniqueConstraint("tenant_id", "kind", "channel", "locale"),)
