"""Failed sign-in counters per account and client (issue 11).

One row per (account key, client key). The account key is a sha256 of the normalised login, the
same whether the account exists or not, so the throttle answers alike for real and invented logins.
The client key is a sha256 of the known-device id (``device:…``) or of the client address
(``addr:…``); the row with the empty client key counts failures of the account from every unknown
client together (``LOGIN_ACCOUNT_LIMIT``). Platform-level: no village, no RLS (a resident's NIK key
carries the village inside the hashed login, ``nik:<village>:<nik>``). Nothing here names a person.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow

ALL_UNKNOWN_CLIENTS = ""  # the client key of the per-account row over every unknown client


class LoginThrottle(Base):
    """Failures of one account from one client, the delay they impose and the lock."""

    __tablename__ = "login_throttles"
    __platform_level__ = True
    __table_args__ = (UniqueConstraint("account_key", "client_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_key: Mapped[str] = mapped_column(String(64), index=True)
    client_key: Mapped[str] = mapped_column(String(64))
    known_device: Mapped[bool] = mapped_column(Boolean, default=False)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_failure_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
