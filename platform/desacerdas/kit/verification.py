"""Verifiable documents: a paper a village issues (a letter, a training certificate, a passbook page,
an order receipt, a hand-over record) that anyone holding it can check on the village's public page.

:func:`issue` makes a random token first, renders the PDF with the token's address in its QR code,
hashes it, and stores the PDF as a document together with a :class:`~desacerdas.models.kit.
Verification` row and whatever the caller added to the session (its own record, its number): one
commit, or nothing at all when storage fails. The public page (``/desa/<slug>/verify/<token>``,
:mod:`desacerdas.kit.verification_views`) shows whether the paper is valid, revoked or expired, and
compares an uploaded copy with the issued file by its SHA-256.

The token is ``secrets.token_urlsafe(16)``: random, never derived from the number.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import secrets
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from flask import current_app, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Document, DocumentVersion, Tenant, User, Visibility
from ..models.base import utcnow
from ..models.kit import Verification
from ..services import NotFound, ServiceError, audit, regions
from ..services import documents as docs
from ..services.i18n import _
from ..tenancy import TenantMismatch, current_tenant_id
from ..web.formatting import format_figure

TOKEN_BYTES = 16
MAX_TOKEN_LENGTH = 64
VERIFY_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_VERIFY_LIMIT = "30 per minute"
PDF_MAGIC = b"%PDF-"
ENDPOINT = "kit_verify.verify"
ISSUER_TITLE_SEPARATOR = " / "  # issuer_title keeps a signer's title lines joined by this


def new_token() -> str:
    """A fresh verification token (22 URL-safe characters, 128 random bits)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def verify_limit() -> str:
    """Requests per client address to the public verification page (``VERIFY_LIMIT``)."""
    return current_app.config.get("VERIFY_LIMIT", DEFAULT_VERIFY_LIMIT)


def max_upload_bytes() -> int:
    """The largest copy the page compares (``VERIFY_MAX_BYTES``)."""
    return int(current_app.config.get("VERIFY_MAX_BYTES", VERIFY_MAX_BYTES))


def verify_url(tenant: Tenant, token: str, base_url: str | None = None) -> str:
    """The absolute address of the core verification page (printed and in the QR code): under
    ``DESA_PUBLIC_URL`` when set, so a clerk on the office network never prints an internal address."""
    base_url = base_url or current_app.config.get("PUBLIC_URL")
    if base_url:
        return f"{base_url.rstrip('/')}/desa/{tenant.slug}/verify/{token}"
    try:
        return url_for(ENDPOINT, slug=tenant.slug, token=token, _external=True)
    except RuntimeError:  # no request and no SERVER_NAME: a command line without a host configured
        return f"http://localhost/desa/{tenant.slug}/verify/{token}"


def village_zone(tenant: Tenant) -> ZoneInfo:
    """The village's time zone (by province, or its profile's ``timezone``)."""
    return regions.time_zone(tenant.code, (tenant.profile or {}).get("timezone"))


def local_date(tenant: Tenant, moment: datetime | None = None) -> date:
    """The village's calendar date at ``moment`` (naive datetimes, as SQLite returns them, are UTC)."""
    moment = moment or utcnow()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(village_zone(tenant)).date()


def mask_name(name: str | None) -> str:
    """``I Wayan Sudarsana`` → ``I W**** S********``: enough to recognise, not to harvest."""
    return " ".join(word[0] + "*" * (len(word) - 1) for word in (name or "").split())


# -- issuing --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredAs:
    """How the issued PDF is kept in the village's documents."""

    title: str
    kind: str = "general"  # a document kind of the village that accepts PDF ("letter", a pillar's own)
    filename: str | None = None
    visibility: Visibility = Visibility.STAFF
    owner: User | None = None  # with Visibility.OWNER: the holder's account may download it


def issue(
    session: Session,
    tenant: Tenant,
    *,
    plugin: str,
    kind: str,
    title: str,
    render: Callable[[str], bytes],
    stored_as: StoredAs,
    number: str | None = None,
    holder_name: str | None = None,
    issuer_name: str | None = None,
    issuer_title: str | None = None,
    valid_until: date | None = None,
    object_id: str | None = None,
    actor: User | None = None,
    url: Callable[[str], str] | None = None,
    issued_at: datetime | None = None,
    before_store: Callable[[Verification], None] | None = None,
    audit_issue: bool = True,  # False when the pillar records the issue itself (letters: letter.issued)
) -> tuple[Verification, Document]:
    """Issue a verifiable paper and COMMIT it with everything pending in ``session``; returns the
    row and its document (``documents.version(document)`` loads the stored PDF's version when needed).

    ``render(verify_url)`` returns the PDF bytes with that address in its QR code. ``url(token)``
    gives the address (default :func:`verify_url`; a pillar with its own printed address passes its
    own). ``before_store(row)`` runs with the pending row (token, ``document_id`` and ``sha256`` set)
    just before the commit, so the pillar can point its own record at it. If rendering fails, nothing
    is written and the session is left to the caller; if storing fails (or the document is refused),
    the session is rolled back: no row, no object, and any number taken in it goes back.
    """
    if current_tenant_id(session) != tenant.id:
        raise TenantMismatch(f"session serves village {current_tenant_id(session)}, not {tenant.id}")
    if not (title or "").strip():
        raise ServiceError(_("A document needs a title."), "title_required")
    token = new_token()
    pdf = render((url or (lambda t: verify_url(tenant, t)))(token))
    if not isinstance(pdf, bytes | bytearray) or not bytes(pdf).startswith(PDF_MAGIC):
        raise ServiceError(_("This is not a PDF file."), "not_a_pdf", 415)
    pdf = bytes(pdf)
    row = Verification(
        id=uuid.uuid4(),
        token=token,
        plugin=plugin,
        kind=kind,
        object_id=object_id,
        document_id=uuid.uuid4(),
        sha256=hashlib.sha256(pdf).hexdigest(),
        title=title.strip()[:200],
        number=number,
        holder_name=(holder_name or None) and holder_name[:120],
        issuer_name=(issuer_name or None) and issuer_name[:120],
        issuer_title=(issuer_title or None) and issuer_title[:300],
        issued_at=issued_at or utcnow(),
        valid_until=valid_until,
    )
    session.add(row)
    if audit_issue:
        audit.record(
            "verification.issued",
            actor=actor,
            tenant_id=tenant.id,
            target=f"verification:{row.id}",
            session=session,
            plugin=plugin,
            kind=kind,
            number=number,
            sha256=row.sha256,
        )
    try:
        if before_store is not None:
            before_store(row)
        document = docs.store(  # commits the row, the document and the caller's pending work together
            tenant,
            docs.NewFile(io.BytesIO(pdf), stored_as.filename or f"{kind}-{token[:8]}.pdf"),
            title=stored_as.title,
            kind=stored_as.kind,
            plugin=plugin,
            object_id=object_id,
            owner=stored_as.owner,
            visibility=stored_as.visibility,
            actor=actor,
            session=session,
            document_id=row.document_id,
        )
    except BaseException:
        session.rollback()  # a refused file is refused before store's own rollback: undo it all here
        raise
    return row, document


def stored_version(session: Session, verification: Verification) -> DocumentVersion:
    """The issued PDF (a reprint is these same bytes, so the SHA-256 keeps matching)."""
    if verification.document_id is None:
        raise NotFound(_("No such document."))
    return docs.version(docs.get(verification.document_id, session, include_deleted=True))


def revoke(
    session: Session,
    verification: Verification,
    actor: User | None,
    reason: str | None,
    *,
    commit: bool = True,
) -> Verification:
    """Withdraw an issued paper: its page then says so. The pillar checks who may do this first.

    ``commit=False`` leaves the commit to the caller (to revoke the pillar's own record with it).
    """
    if verification.revoked_at is not None:
        raise ServiceError(_("This document is already revoked."), "already_revoked", 409)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("Give the reason for revoking the document."), "reason_required", 400)
    verification.revoked_at = utcnow()
    verification.revoked_reason = reason[:500]
    verification.revoked_by = actor.id if actor else None
    audit.record(
        "verification.revoked",
        actor=actor,
        tenant_id=verification.tenant_id,
        target=f"verification:{verification.id}",
        session=session,
        number=verification.number,
        reason=verification.revoked_reason,
    )
    if commit:
        session.commit()
    else:
        session.flush()
    return verification


# -- checking -------------------------------------------------------------------------------------


def find(session: Session, token: str) -> Verification:
    """The paper of the session's village with this token (another village's token: not found)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise NotFound(_("No such document."))
    row = session.scalar(select(Verification).where(Verification.token == token))
    if row is None:
        raise NotFound(_("No such document."))
    return row


def for_object(session: Session, plugin: str, object_id: str) -> list[Verification]:
    """The papers issued for one of a pillar's records, newest first."""
    stmt = select(Verification).where(Verification.plugin == plugin, Verification.object_id == object_id)
    return list(session.scalars(stmt.order_by(Verification.issued_at.desc())))


def read_pdf_upload(stream: BinaryIO, limit: int | None = None) -> bytes:
    """An uploaded copy to compare: at most ``limit`` bytes (default ``VERIFY_MAX_BYTES``), and a PDF."""
    limit = max_upload_bytes() if limit is None else limit
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise ServiceError(
            _("The file is larger than the limit of %(mb)s MB.", mb=format_figure(limit / 1024 / 1024)),
            "too_large",
            413,
        )
    if not data.startswith(PDF_MAGIC):
        raise ServiceError(_("This is not a PDF file."), "not_a_pdf", 415)
    return data


def matches(verification: Verification, data: bytes | Iterable[bytes]) -> bool:
    """Whether ``data`` is byte for byte the issued PDF (by its SHA-256)."""
    digest = hashlib.sha256()
    for chunk in [data] if isinstance(data, bytes) else data:
        digest.update(chunk)
    return hmac.compare_digest(digest.hexdigest(), verification.sha256)


def default_office(tenant: Tenant) -> str:
    """Who issued it, as the page says: the village's office line (``DESA MENANGA``, or as the village
    set it on its terms page)."""
    from . import terms

    return terms.letterhead_for(tenant).office


@dataclass(frozen=True)
class PublicView:
    """What the public verification page (and a pillar's JSON answer) shows of one paper."""

    title: str
    number: str | None
    kind: str
    plugin: str
    issued_on: date
    village: str
    office: str
    issuer_name: str | None
    issuer_title_lines: tuple[str, ...]
    holder: str  # masked
    valid_until: date | None
    sha256: str
    revoked: bool
    revoked_on: date | None
    expired: bool

    @property
    def valid(self) -> bool:
        return not self.revoked and not self.expired

    def as_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "number": self.number,
            "kind": self.kind,
            "plugin": self.plugin,
            "issued_on": self.issued_on.isoformat(),
            "village": self.village,
            "office": self.office,
            "issuer_name": self.issuer_name,
            "issuer_title_lines": list(self.issuer_title_lines),
            "holder": self.holder,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "sha256": self.sha256,
            "revoked": self.revoked,
            "revoked_on": self.revoked_on.isoformat() if self.revoked_on else None,
            "expired": self.expired,
            "valid": self.valid,
        }


def public_view(tenant: Tenant, verification: Verification, office: str | None = None) -> PublicView:
    """The page's facts; dates are the village's calendar dates, the holder's name is masked."""
    v = verification
    title_lines = tuple(t for t in (v.issuer_title or "").split(ISSUER_TITLE_SEPARATOR) if t)
    return PublicView(
        title=v.title,
        number=v.number,
        kind=v.kind,
        plugin=v.plugin,
        issued_on=local_date(tenant, v.issued_at),
        village=tenant.name,
        office=office or default_office(tenant),
        issuer_name=v.issuer_name,
        issuer_title_lines=title_lines,
        holder=mask_name(v.holder_name),
        valid_until=v.valid_until,
        sha256=v.sha256,
        revoked=v.revoked_at is not None,
        revoked_on=local_date(tenant, v.revoked_at) if v.revoked_at else None,
        expired=v.valid_until is not None and v.valid_until < local_date(tenant),
    )
