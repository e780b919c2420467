"""Letter services (layanan surat): letter types, requests and their timeline, and issued letters.

A request moves ``submitted → verified → approved → signed → issued`` (the verification and
approval steps can be switched off per village) or ends ``rejected``/``cancelled``; every move is a
:class:`LetterRequestStep`, which is the timeline the resident sees. Issuing creates one
:class:`Letter`: the number (unique per village by a constraint), the random verification token,
the SHA-256 of the PDF stored as a document, and the signer as they were at signing time; the
public record of the same letter is the kit's ``verifications`` row with the same token
(:mod:`desacerdas.kit.verification`).

Numbers come from the kit's ``sequences`` table (namespace ``smart_government.letters``, scope the
type's code or ``"*"``): :func:`smart_government.letters.numbering.next_number`.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from desacerdas.models.base import Base, TenantScoped, Timestamped, string_enum, utcnow


class RequestStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    VERIFIED = "verified"
    APPROVED = "approved"
    SIGNED = "signed"
    ISSUED = "issued"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class Channel(enum.StrEnum):
    ONLINE = "online"  # the resident asked from their phone
    COUNTER = "counter"  # staff entered it at the village office


class LetterType(TenantScoped, Timestamped, Base):
    """A kind of letter a village issues (SKTM, domisili…), editable by its staff.

    ``fields`` is a list of ``{"name", "label", "required", "kind"}`` (kind: text, date, number,
    textarea) the requester fills; their values fill ``${name}`` in ``template`` together with the
    resident's data. ``attachments`` is a list of ``{"key", "label", "required"}`` documents to bring
    or upload. ``code`` is printed in the letter number and keys the per-type sequence.
    """

    __tablename__ = "smart_government_letter_types"

    code: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(150))
    description: Mapped[str | None] = mapped_column(Text)
    fields: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    validity_days: Mapped[int | None] = mapped_column(Integer)
    template: Mapped[str] = mapped_column(Text)
    online: Mapped[bool] = mapped_column(Boolean, default=True)  # False: the resident must come in person
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    def __repr__(self) -> str:
        return f"<LetterType {self.code} {self.title!r}>"


class LetterRequest(TenantScoped, Timestamped, Base):
    """One resident's request for one letter, from submission to issue (or rejection)."""

    __tablename__ = "smart_government_letter_requests"

    type_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    resident_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    # Copied from the resident at submission, so a hamlet head's queue is one indexed query.
    hamlet_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    channel: Mapped[Channel] = mapped_column(string_enum(Channel))
    status: Mapped[RequestStatus] = mapped_column(string_enum(RequestStatus), default=RequestStatus.SUBMITTED)
    purpose: Mapped[str] = mapped_column(String(300))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the type's field values
    attachments: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # attachment key → document id
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    rejection_reason: Mapped[str | None] = mapped_column(String(500))
    # The signer as they were at signing time: name, and the title lines printed on the letter
    # (e.g. ["a.n. Perbekel Menanga", "Sekretaris Desa"]).
    signed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    signer_name: Mapped[str | None] = mapped_column(String(120))
    signer_prefix: Mapped[str | None] = mapped_column(String(10))  # None, a.n., u.b., Plt., Plh.
    signer_title_lines: Mapped[list[str] | None] = mapped_column(JSON)
    signer_id_line: Mapped[str | None] = mapped_column(String(80))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # issued, rejected, cancelled

    steps: Mapped[list[LetterRequestStep]] = relationship(
        primaryjoin="and_(LetterRequest.tenant_id == LetterRequestStep.tenant_id, "
        "LetterRequest.id == LetterRequestStep.request_id)",
        foreign_keys="[LetterRequestStep.tenant_id, LetterRequestStep.request_id]",
        order_by="LetterRequestStep.at",
        viewonly=True,
    )

    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "type_id"],
            ["smart_government_letter_types.tenant_id", "smart_government_letter_types.id"],
            ondelete="RESTRICT",
        ),
        ForeignKeyConstraint(
            ["tenant_id", "resident_id"],
            ["smart_government_residents.tenant_id", "smart_government_residents.id"],
            ondelete="RESTRICT",
        ),
        Index("ix_smart_government_letter_requests_status", "tenant_id", "status", "submitted_at"),
        Index("ix_smart_government_letter_requests_resident", "tenant_id", "resident_id"),
    )


class LetterRequestStep(TenantScoped, Base):
    """One move of a request (the timeline): who did what, when, and why."""

    __tablename__ = "smart_government_letter_request_steps"

    request_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    action: Mapped[str] = mapped_column(String(20))  # submitted, verified, approved, signed, issued, …
    status: Mapped[RequestStatus] = mapped_column(string_enum(RequestStatus))  # the status after the move
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_name: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "request_id"],
            ["smart_government_letter_requests.tenant_id", "smart_government_letter_requests.id"],
            ondelete="CASCADE",
        ),
        Index("ix_smart_government_letter_request_steps_request", "tenant_id", "request_id"),
    )


class Letter(TenantScoped, Timestamped, Base):
    """An issued letter: its number, the PDF (a document), and what the verification page shows.

    ``token`` is random (``secrets.token_urlsafe``), never derived from the number, so letters
    cannot be enumerated on the public verification page.
    """

    __tablename__ = "smart_government_letters"

    request_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    type_code: Mapped[str] = mapped_column(String(20))
    type_title: Mapped[str] = mapped_column(String(150))
    number: Mapped[str] = mapped_column(String(120))
    seq: Mapped[int] = mapped_column(Integer)
    year: Mapped[int] = mapped_column(Integer)
    token: Mapped[str] = mapped_column(String(64))
    # No foreign key: the documents core purges a plugin's documents on its own schedule.
    document_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    sha256: Mapped[str] = mapped_column(String(64))
    resident_name: Mapped[str] = mapped_column(String(120))
    signer_name: Mapped[str] = mapped_column(String(120))
    signer_title: Mapped[str] = mapped_column(String(300))  # the title lines joined by " / "
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    valid_until: Mapped[date | None] = mapped_column(Date)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_reason: Mapped[str | None] = mapped_column(String(500))
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        UniqueConstraint("tenant_id", "request_id"),
        UniqueConstraint("tenant_id", "token"),
        ForeignKeyConstraint(
            ["tenant_id", "request_id"],
            ["smart_government_letter_requests.tenant_id", "smart_government_letter_requests.id"],
            ondelete="RESTRICT",
        ),
    )


MODELS: list[type] = [Letter, LetterRequestStep, LetterRequest, LetterType]
