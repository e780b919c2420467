"""Documents of a village: uploaded photos, issued letters, product pictures, each with versions."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    DateTime,
    Enum,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, TenantScoped, Timestamped, utcnow


class Visibility(enum.StrEnum):
    STAFF = "staff"  # village staff only
    OWNER = "owner"  # the owner (uploader or the person it is about) and staff
    PUBLIC = "public"  # anyone with the link


class Document(TenantScoped, Timestamped, Base):
    __tablename__ = "documents"

    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(60))
    plugin: Mapped[str] = mapped_column(String(60), default="core")  # who owns it: "core" or a plugin
    object_id: Mapped[str | None] = mapped_column(String(80))  # the plugin's object it belongs to
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    visibility: Mapped[Visibility] = mapped_column(
        Enum(Visibility, native_enum=False, length=10, values_callable=lambda e: [m.value for m in e]),
        default=Visibility.STAFF,
    )
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deleted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    versions: Mapped[list[DocumentVersion]] = relationship(
        back_populates="document", order_by="DocumentVersion.number", cascade="all, delete-orphan"
    )

    __table_args__ = (
        Index("ix_documents_tenant_kind", "tenant_id", "kind"),
        Index("ix_documents_tenant_object", "tenant_id", "plugin", "object_id"),
    )

    @property
    def current(self) -> DocumentVersion:
        return next(v for v in self.versions if v.number == self.current_version)


class DocumentVersion(TenantScoped, Base):
    """One uploaded file of a document; older versions stay readable."""

    __tablename__ = "document_versions"

    document_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    number: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(200))  # sanitised, for Content-Disposition
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(300))
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    document: Mapped[Document] = relationship(back_populates="versions")

    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "document_id"], ["documents.tenant_id", "documents.id"], ondelete="CASCADE"
        ),
        UniqueConstraint("tenant_id", "document_id", "number"),
        UniqueConstraint("tenant_id", "storage_key"),
    )
