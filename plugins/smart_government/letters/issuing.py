"""Issuing letters: the number, the PDF, its SHA-256 and the stored document, in one transaction;
reprints, revocation, and the public verification behind the QR code.

:func:`issue` takes the number from the village's locked sequence (``numbering.next_number``),
renders the PDF, points a new :class:`Letter` row at a pre-generated document id and lets
``documents.store`` commit everything together. If storing the PDF fails, the session is rolled
back: no letter, no document, and the number goes back to the sequence (no gap). A reprint is the
stored document itself, so its bytes and SHA-256 never change.

The verification token is ``secrets.token_urlsafe(16)``: random, never derived from the number.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import io
import logging
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from flask import current_app, url_for
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from desacerdas.auth.permissions import can
from desacerdas.models import DocumentVersion, Tenant, User, Visibility
from desacerdas.models.base import utcnow
from desacerdas.services import NotFound, ServiceError, audit, regions
from desacerdas.services import documents as docs
from desacerdas.services.i18n import _

from ..accounts import service as accounts
from ..registry.models import Resident
from ..settings import letter_place, office_name, settings_for
from . import content, workflow
from .models import Letter, LetterRequest, LetterType, RequestStatus
from .numbering import next_number
from .pdf import LetterDocument, Letterhead, MissingTemplateFields, Signer, fill_template, render_letter

log = logging.getLogger(__name__)

TOKEN_BYTES = 16
MAX_TOKEN_LENGTH = 64
VERIFY_MAX_BYTES = 10 * 1024 * 1024
PDF_MAGIC = b"%PDF-"


def village_zone(tenant: Tenant) -> ZoneInfo:
    """The village's time zone (by province, or its profile's ``timezone``): the date on a letter."""
    return regions.time_zone(tenant.code, (tenant.profile or {}).get("timezone"))


def local_date(tenant: Tenant, moment: datetime | None = None) -> date:
    """The village's calendar date at ``moment`` (naive datetimes, as SQLite returns them, are UTC)."""
    moment = moment or utcnow()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(village_zone(tenant)).date()


def verify_limit() -> str:
    """Requests per client address to the public verification page and API (``SG_VERIFY_LIMIT``)."""
    return current_app.config.get("SG_VERIFY_LIMIT", "30 per minute")


def verify_url(tenant: Tenant, token: str, base_url: str | None = None) -> str:
    """The absolute address of the public verification page (printed and in the QR code): under
    ``DESA_PUBLIC_URL`` when set, so a clerk on the office network never prints an internal address."""
    path_url = None
    base_url = base_url or current_app.config.get("PUBLIC_URL")
    if base_url:
        return f"{base_url.rstrip('/')}/desa/{tenant.slug}/smart_government/verify/{token}"
    try:
        path_url = url_for(
            "smart_government.letters.verify_letter", slug=tenant.slug, token=token, _external=True
        )
    except RuntimeError:  # no request and no SERVER_NAME: a command line without a host configured
        path_url = f"http://localhost/desa/{tenant.slug}/smart_government/verify/{token}"
    return path_url


def _logo(session: Session, values: dict[str, Any], tenant: Tenant) -> bytes | None:
    """The village logo for the letterhead, if one is set and readable (a letter without a logo
    is better than no letter)."""
    document_id = values.get("logo_document_id")
    if not document_id:
        return None
    try:
        document = docs.get(uuid.UUID(str(document_id)), session)
        if document.kind != "photo":  # an id typed into the settings must not print, say, a KTP scan
            raise ServiceError(f"the logo must be a photo document, not {document.kind!r}", "not_a_logo")
        return b"".join(docs.open_version(docs.version(document)))
    except (ValueError, ServiceError) as exc:
        log.warning("village %s: letterhead logo %s not usable: %s", tenant.slug, document_id, exc)
        return None


def letterhead(session: Session, tenant: Tenant, values: dict[str, Any] | None = None) -> Letterhead:
    values = values if values is not None else settings_for(tenant)
    district = content.bare_name(tenant.district_name, "Kecamatan", "Kec.")
    regency = content.bare_name(tenant.regency_name, "Kabupaten", "Kab.")
    address = values.get("office_address") or f"{tenant.name}, Kecamatan {district}, Kabupaten {regency}"
    return Letterhead(
        regency=tenant.regency_name,
        district=tenant.district_name,
        office=office_name(tenant, values),
        address=address,
        logo=_logo(session, values, tenant),
    )


def resident_table(person: dict[str, str]) -> list[tuple[str, str]]:
    """The resident's data printed under the letter's first paragraph."""
    return [
        ("Nama", person["nama"]),
        ("NIK", person["nik"]),
        ("Tempat/Tgl. Lahir", f"{person['tempat_lahir']}, {person['tanggal_lahir']}"),
        ("Jenis Kelamin", person["jenis_kelamin"]),
        ("Agama", person["agama"]),
        ("Status Perkawinan", person["status_perkawinan"]),
        ("Pekerjaan", person["pekerjaan"]),
        ("Kewarganegaraan", person["kewarganegaraan"]),
        ("Alamat", f"{person['alamat']}, {person['dusun']}"),
    ]


def issue(
    session: Session,
    tenant: Tenant,
    req: LetterRequest,
    user: User,
    *,
    base_url: str | None = None,
    on: date | None = None,
) -> Letter:
    """Issue a signed request's letter: number, PDF, document and row committed together.

    ``on`` is the letter's date (default: today in the village's time zone).
    """
    workflow.check_move(session, tenant, user, req, "issue")
    values = settings_for(tenant)
    letter_type, resident = _type_and_resident(session, req)
    person = content.resident_values(session, tenant, resident)
    body = _body(letter_type, person, req)
    head = letterhead(session, tenant, values)
    owner = accounts.user_of(session, resident)
    issued_at, when, local = _moment(tenant, on)

    # Lock the request (PostgreSQL) so two clerks issuing it at once queue; then the number.
    session.refresh(req, with_for_update=True)
    if req.status != RequestStatus.SIGNED:
        raise workflow._wrong_state(
            req, "issue", workflow.workflow_for(tenant, values).next_action(req.status)
        )  # noqa: SLF001
    number = _free_number(session, tenant, letter_type, when, values)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    document_id = uuid.uuid4()
    signer = Signer(req.signer_name or "", tuple(req.signer_title_lines or ()), req.signer_id_line)
    document = LetterDocument(
        letterhead=head,
        title=letter_type.title,
        number=number.text,
        body=[body, resident_table(person)],
        place=letter_place(tenant, values),
        issued_at=local,
        signer=signer,
        verify_url=verify_url(tenant, token, base_url),
        purpose=req.purpose,
        keywords=(letter_type.code, number.text),
    )
    pdf = _render(tenant, document)
    letter = Letter(
        id=uuid.uuid4(),
        request_id=req.id,
        type_code=letter_type.code,
        type_title=letter_type.title,
        number=number.text,
        seq=number.seq,
        year=number.year,
        token=token,
        document_id=document_id,
        sha256=hashlib.sha256(pdf).hexdigest(),
        resident_name=resident.name,
        signer_name=signer.name,
        signer_title=" / ".join(signer.title_lines),
        issued_at=issued_at,
        issued_by=user.id,
        valid_until=when + timedelta(days=letter_type.validity_days) if letter_type.validity_days else None,
    )
    session.add(letter)
    req.status = RequestStatus.ISSUED
    req.closed_at = issued_at
    workflow.record_step(session, tenant, req, "issued", user, number.text, number=number.text)
    audit.record(
        "letter.issued",
        actor=user,
        tenant_id=tenant.id,
        target=f"letter:{letter.id}",
        session=session,
        number=number.text,
        sha256=letter.sha256,
    )
    _store(session, tenant, req, letter, pdf, owner=owner, user=user)
    return letter


def _type_and_resident(session: Session, req: LetterRequest) -> tuple[LetterType, Resident]:
    letter_type = session.scalar(select(LetterType).where(LetterType.id == req.type_id))
    resident = session.scalar(select(Resident).where(Resident.id == req.resident_id))
    if letter_type is None or resident is None:  # pragma: no cover - foreign keys forbid it
        raise NotFound(_("No such letter request."))
    return letter_type, resident


def _moment(tenant: Tenant, on: date | None) -> tuple[datetime, date, datetime]:
    """When the letter is issued (UTC), its date, and the time printed on it (the village's zone;
    ``on`` replaces the date)."""
    issued_at = utcnow()
    when = on or local_date(tenant, issued_at)
    local = issued_at.astimezone(village_zone(tenant))
    if on is not None:
        local = local.replace(year=on.year, month=on.month, day=on.day)
    return issued_at, when, local


def _body(letter_type: LetterType, person: dict[str, Any], req: LetterRequest) -> str:
    """The letter's text: the type's template filled with the resident's and the request's data."""
    try:
        return fill_template(
            letter_type.template, {**person, **content.field_values(letter_type, req.data or {})}
        )
    except MissingTemplateFields as exc:
        raise ServiceError(
            _(
                "The letter type's template needs data this request lacks: %(names)s.",
                names=", ".join(exc.missing),
            ),
            "template_incomplete",
            409,
        ) from None


def _free_number(
    session: Session, tenant: Tenant, letter_type: LetterType, when: date, values: dict[str, Any]
) -> Any:
    """The next number. One can exist already when the village changed its format or its per-type
    setting during the year: take the next one rather than fail on the unique constraint every time."""
    per_type, fmt = bool(values["number_per_type"]), values["number_format"]
    number = next_number(session, tenant, letter_type.code, when, per_type=per_type, fmt=fmt)
    while session.scalar(select(Letter.id).where(Letter.number == number.text)) is not None:
        number = next_number(session, tenant, letter_type.code, when, per_type=per_type, fmt=fmt)
    return number


def _render(tenant: Tenant, document: LetterDocument) -> bytes:
    try:
        return render_letter(document)
    except Exception:
        head = document.letterhead
        if head.logo is None:
            raise
        # A logo the PDF library cannot read must not stop the village's letters.
        log.exception("village %s: the letterhead logo cannot be rendered; issuing without it", tenant.slug)
        return render_letter(dataclasses.replace(document, letterhead=dataclasses.replace(head, logo=None)))


def _store(
    session: Session,
    tenant: Tenant,
    req: LetterRequest,
    letter: Letter,
    pdf: bytes,
    *,
    owner: Any,
    user: User,
) -> None:
    """Store the PDF as the letter's document and commit; on failure nothing of the letter stays."""
    try:
        docs.store(
            tenant,
            docs.NewFile(io.BytesIO(pdf), f"{letter.type_code}-{letter.year}-{letter.seq:04d}.pdf"),
            title=f"{letter.type_title} {letter.number}",
            kind="letter",
            plugin="smart_government",
            object_id=str(req.id),
            owner=owner,
            visibility=Visibility.OWNER,
            actor=user,
            session=session,
            document_id=letter.document_id,
        )
    except IntegrityError:
        session.rollback()
        raise ServiceError(
            _("This request was issued by someone else just now."), "already_issued", 409
        ) from None
    except BaseException:
        session.rollback()  # nothing of the letter stays, and its number returns to the sequence
        raise


# -- reading, reprinting, revoking -----------------------------------------------------------------


def get_letter(session: Session, tenant: Tenant, user: User | None, letter_id: uuid.UUID | str) -> Letter:
    """A letter this user may see (staff of its village or hamlet, or its resident); else 404."""
    try:
        key = letter_id if isinstance(letter_id, uuid.UUID) else uuid.UUID(str(letter_id))
    except ValueError:
        raise NotFound(_("No such letter.")) from None
    letter = session.scalar(select(Letter).where(Letter.id == key))
    if letter is None:
        raise NotFound(_("No such letter."))
    req = session.scalar(select(LetterRequest).where(LetterRequest.id == letter.request_id))
    if req is None or not workflow.may_see(session, tenant, user, req):
        raise NotFound(_("No such letter."))
    return letter


def letter_for_request(session: Session, req: LetterRequest) -> Letter | None:
    return session.scalar(select(Letter).where(Letter.request_id == req.id))


def letters_query(session: Session, tenant: Tenant, user: User, *, type_code: str | None = None) -> Select:
    """Issued letters the staff user may see, newest first (a hamlet head: their hamlet's)."""
    scope = workflow.staff_scope(user, tenant)
    stmt = select(Letter)
    if scope is not None:
        stmt = stmt.join(LetterRequest, LetterRequest.id == Letter.request_id).where(
            LetterRequest.hamlet_id == scope
        )
    if type_code:
        stmt = stmt.where(Letter.type_code == type_code)
    return stmt.order_by(Letter.issued_at.desc(), Letter.id)


def stored_version(session: Session, letter: Letter) -> DocumentVersion:
    """The stored PDF (the document's current version)."""
    return docs.version(docs.get(letter.document_id, session, include_deleted=True))


def reprint(session: Session, tenant: Tenant, letter: Letter, user: User) -> DocumentVersion:
    """The same stored PDF again (same bytes, same SHA-256); the print is audited. Commits."""
    version = stored_version(session, letter)
    staff = can(user, workflow.VIEW, tenant)
    audit.record(
        "letter.reprinted" if staff else "letter.downloaded",
        actor=user,
        tenant_id=tenant.id,
        target=f"letter:{letter.id}",
        session=session,
        number=letter.number,
    )
    session.commit()
    return version


def revoke(session: Session, tenant: Tenant, letter: Letter, user: User, reason: str | None) -> Letter:
    """Withdraw an issued letter: the verification page then says so. Commits."""
    if not can(user, workflow.ISSUE, tenant):
        raise ServiceError(_("You are not allowed to do this."), "forbidden", 403)
    if letter.revoked_at is not None:
        raise ServiceError(_("This letter is already revoked."), "already_revoked", 409)
    reason = (reason or "").strip()
    if not reason:
        raise workflow.InvalidRequest({"reason": _("Give the reason for revoking the letter.")})
    letter.revoked_at = utcnow()
    letter.revoked_reason = reason[:500]
    letter.revoked_by = user.id
    audit.record(
        "letter.revoked",
        actor=user,
        tenant_id=tenant.id,
        target=f"letter:{letter.id}",
        session=session,
        number=letter.number,
        reason=letter.revoked_reason,
    )
    session.commit()
    return letter


# -- public verification ---------------------------------------------------------------------------


def find_by_token(session: Session, token: str) -> Letter:
    """The letter of the session's village with this token (another village's token: not found)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise NotFound(_("No such letter."))
    letter = session.scalar(select(Letter).where(Letter.token == token))
    if letter is None:
        raise NotFound(_("No such letter."))
    return letter


def mask_name(name: str) -> str:
    """``I Wayan Sudarsana`` → ``I W**** S********``: enough to recognise, not to harvest."""
    return " ".join(word[0] + "*" * (len(word) - 1) for word in name.split())


@dataclass(frozen=True)
class Verification:
    """What the public verification page and its JSON show."""

    number: str
    type_code: str
    type_title: str
    issued_on: date
    village: str
    office: str
    signer_name: str
    signer_title_lines: tuple[str, ...]
    valid_until: date | None
    resident: str  # masked
    sha256: str
    revoked: bool
    revoked_on: date | None
    expired: bool

    @property
    def valid(self) -> bool:
        return not self.revoked and not self.expired

    def as_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "type_code": self.type_code,
            "type_title": self.type_title,
            "issued_on": self.issued_on.isoformat(),
            "village": self.village,
            "office": self.office,
            "signer_name": self.signer_name,
            "signer_title_lines": list(self.signer_title_lines),
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "resident": self.resident,
            "sha256": self.sha256,
            "revoked": self.revoked,
            "revoked_on": self.revoked_on.isoformat() if self.revoked_on else None,
            "expired": self.expired,
            "valid": self.valid,
        }


def verification(tenant: Tenant, letter: Letter) -> Verification:
    today = local_date(tenant)
    return Verification(
        number=letter.number,
        type_code=letter.type_code,
        type_title=letter.type_title,
        issued_on=local_date(tenant, letter.issued_at),
        village=tenant.name,
        office=office_name(tenant),
        signer_name=letter.signer_name,
        signer_title_lines=tuple(t for t in letter.signer_title.split(" / ") if t),
        valid_until=letter.valid_until,
        resident=mask_name(letter.resident_name),
        sha256=letter.sha256,
        revoked=letter.revoked_at is not None,
        revoked_on=local_date(tenant, letter.revoked_at) if letter.revoked_at else None,
        expired=letter.valid_until is not None and letter.valid_until < today,
    )


def read_pdf_upload(stream: BinaryIO, limit: int = VERIFY_MAX_BYTES) -> bytes:
    """An uploaded file to compare: at most ``limit`` bytes, and a PDF."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise ServiceError(
            _("The file is larger than the limit of %(mb)s MB.", mb=round(limit / 1024 / 1024, 1)),
            "too_large",
            413,
        )
    if not data.startswith(PDF_MAGIC):
        raise ServiceError(_("This is not a PDF file."), "not_a_pdf", 415)
    return data


def matches(letter: Letter, data: bytes | Iterable[bytes]) -> bool:
    """Whether ``data`` is byte for byte the issued PDF (by its SHA-256)."""
    digest = hashlib.sha256()
    for chunk in [data] if isinstance(data, bytes) else data:
        digest.update(chunk)
    return hmac.compare_digest(digest.hexdigest(), letter.sha256)
