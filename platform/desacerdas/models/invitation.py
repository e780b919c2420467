"""One-time invitation links that let a new account choose its own password (issue 13).

Platform-level like ``users`` and ``api_tokens``: the link is opened before anyone is signed in
and before any village is chosen, and an invitation may be to a platform role (a facilitator of
several villages) rather than to one village. ``tenant_id`` names the village the person is
invited to (its name on the welcome page, its notification channels), or None.

Only the sha256 of the token is stored: the token is 32 random bytes, so a fast hash cannot be
brute-forced, and an equality lookup on an indexed column finds it (argon2 would need a public
prefix to find the row first, for no gain against a 256-bit secret). A copied database holds no
link that works.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Timestamped
from .tenant import Tenant
from .user import User


class Invitation(Timestamped, Base):
    """One link: pending until accepted, replaced (``ended_at``) or past ``expires_at``."""

    __tablename__ = "invitations"
    __platform_level__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # replaced or withdrawn
    sent_via: Mapped[str | None] = mapped_column(String(40))  # "email", "whatsapp" … or None (counter)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    tenant: Mapped[Tenant | None] = relationship(lazy="joined")
