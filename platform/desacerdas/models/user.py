"""People, their roles in villages, and their personal API tokens (all platform-level)."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Timestamped, string_enum
from .tenant import Tenant


class Role(enum.StrEnum):
    PLATFORM_ADMIN = "platform_admin"
    REGENCY_ADMIN = "regency_admin"
    FACILITATOR = "facilitator"
    VILLAGE_HEAD = "village_head"
    VILLAGE_SECRETARY = "village_secretary"
    OPERATOR = "operator"
    HAMLET_HEAD = "hamlet_head"
    RESIDENT = "resident"


VILLAGE_ROLES = frozenset(
    {Role.VILLAGE_HEAD, Role.VILLAGE_SECRETARY, Role.OPERATOR, Role.HAMLET_HEAD, Role.RESIDENT}
)


class User(Timestamped, Base):
    __tablename__ = "users"
    __platform_level__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(5))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Bumped to end every session at once (sign out everywhere, password/PIN change); each
    # user_sessions row records the version it was opened with (auth/sessions.py).
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_platform_admin(self) -> bool:
        return any(m.role == Role.PLATFORM_ADMIN for m in self.memberships)

    @property
    def signs_in_with_pin(self) -> bool:
        """A resident's account (NIK and PIN): no password to change. Staff invited by phone alone
        have no e-mail either, so the roles decide, not the missing address."""
        return bool(self.memberships) and all(m.role == Role.RESIDENT for m in self.memberships)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email or self.phone}>"


class Membership(Timestamped, Base):
    """A role a user holds: in one village, over one area (regency admin), or platform-wide.

    Platform-level on purpose: sign-in must see every role of a user before any village is chosen.
    """

    __tablename__ = "memberships"
    __platform_level__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(string_enum(Role, 30))
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    hamlet_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    area_prefix: Mapped[str | None] = mapped_column(String(13))

    user: Mapped[User] = relationship(back_populates="memberships")
    tenant: Mapped[Tenant | None] = relationship(lazy="joined")

    # No foreign key to hamlets: platform-level tables never point at tenant-owned ones (on Citus a
    # reference table cannot reference a distributed table). services.users.grant checks the hamlet.
    __table_args__ = (UniqueConstraint("user_id", "role", "tenant_id", "area_prefix"),)

    def covers(self, tenant: Tenant) -> bool:
        if self.role == Role.PLATFORM_ADMIN:
            return True
        if self.role == Role.REGENCY_ADMIN:
            return bool(self.area_prefix) and (
                tenant.code == self.area_prefix or tenant.code.startswith(self.area_prefix + ".")
            )
        return self.tenant_id == tenant.id


class ApiToken(Timestamped, Base):
    """A personal API token: shown once, stored as an argon2 hash, found by its public prefix."""

    __tablename__ = "api_tokens"
    __platform_level__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    token_hash: Mapped[str] = mapped_column(String(255))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()
