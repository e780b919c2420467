"""Declarative base and the ``TenantScoped`` mixin every village-owned model uses."""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, datetime

from sqlalchemy import DateTime, Enum, ForeignKey, Integer, MetaData, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """A stored timestamp with its zone: SQLite hands back naive datetimes, which are UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def string_enum(e: type[enum.Enum], length: int = 20) -> Enum:
    """An enum stored as its values in a VARCHAR (no database enum type to migrate when it grows)."""
    return Enum(e, native_enum=False, length=length, values_callable=lambda x: [m.value for m in x])


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, sort_order=90)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, sort_order=91
    )


class TenantScoped:
    """Mixin for rows owned by one village.

    The primary key is ``(tenant_id, id)`` and ``id`` is a random UUID: keys never collide across
    villages (no "duplicate key" side channel), are not guessable, and the table can be distributed
    by ``tenant_id``. Every query is filtered to the current village by
    :mod:`desacerdas.tenancy.isolation`; on PostgreSQL the migration must also call
    :func:`desacerdas.tenancy.rls.enable_rls` for the table.
    """

    __tenant_scoped__ = True

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:  # noqa: N805 - declared_attr receives the class
        return mapped_column(
            Integer,
            ForeignKey("tenants.id", ondelete="RESTRICT"),
            primary_key=True,
            sort_order=-100,
        )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4, sort_order=-99)


def is_tenant_scoped(cls: type) -> bool:
    return isinstance(cls, type) and issubclass(cls, TenantScoped)
