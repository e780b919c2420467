"""Browser sessions kept on the server, so that signing out ends them (issue 11).

The browser holds only a random token in its signed Flask session; this table holds its sha256, so
a copied database cannot be used to sign in, and deleting or ending a row ends the session at once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class UserSession(Base):
    """One signed-in browser. Platform-level: sign-in happens before any village is chosen."""

    __tablename__ = "user_sessions"
    __platform_level__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    session_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(String(30))
    user_agent: Mapped[str] = mapped_column(String(120), default="")
    address: Mapped[str | None] = mapped_column(String(45))
