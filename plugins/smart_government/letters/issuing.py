"""Issuing letters on the kit: the number (:mod:`desacerdas.kit.numbering`), the PDF on the kit's
paper (:mod:`desacerdas.kit.paper`), and the verifiable document (:mod:`desacerdas.kit.verification`:
token, SHA-256, the stored PDF and the public ``verifications`` row), all in one transaction with the
:class:`Letter` row and the request's move to ``issued``. If storing fails, the session is rolled
back: no letter, no document, no verification, and the number goes back to the sequence (no gap).
A reprint is the stored document itself, so its bytes and SHA-256 never change.

The letter's QR code prints the pillar's own address (``/desa/<slug>/smart_government/verify/<token>``,
:func:`verify_url`); the core page ``/desa/<slug>/verify/<token>`` shows the same letter.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app, url_for
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, object_session

from desacerdas.auth.permissions import can
from desacerdas.kit import paper, terms
from desacerdas.kit import verification as kit
from desacerdas.kit.access import scope_for
from desacerdas.kit.verification import (  # noqa: F401 - the letters' names for the kit's
    local_date,
    mask_name,
    matches,
    stored_version,
    village_zone,
)
from desacerdas.models import DocumentVersion, Tenant, User, Visibility
from desacerdas.models.base import utcnow
from desacerdas.services import NotFound, ServiceError, audit
from desacerdas.services.i18n import _

from ..accounts import service as accounts
from ..permissions import LETTERS_ISSUE, LETTERS_VIEW
from ..registry.models import Resident
from ..settings import settings_for
from . import content, notices
from .models import Letter, LetterRequest, LetterType
from .numbering import LetterNumber, next_number
from .pdf import LetterDocument, MissingTemplateFields, Signer, fill_template, render_letter
from .workflow import FLOW, InvalidRequest, switched_off

log = logging.getLogger(__name__)

PLUGIN, KIND = "smart_government", "letter"  # the letters' rows in ``verifications``


def verify_limit() -> str:
    """Requests per client address to the letters' verification page and API (``SG_VERIFY_LIMIT``)."""
    return current_app.config.get("SG_VERIFY_LIMIT", kit.DEFAULT_VERIFY_LIMIT)


def verify_url(tenant: Tenant, token: str, base_url: str | None = None) -> str:
    """The absolute address printed on a letter and in its QR code: under ``DESA_PUBLIC_URL`` when
    set, so a clerk on the office network never prints an internal address."""
    base_url = base_url or current_app.config.get("PUBLIC_URL")
    if base_url:
        return f"{base_url.rstrip('/')}/desa/{tenant.slug}/smart_government/verify/{token}"
    try:
        return url_for(
            "smart_government.letters.verify_letter", slug=tenant.slug, token=token, _external=True
        )
    except RuntimeError:  # no request and no SERVER_NAME: a command line without a host configured
        return f"http://localhost/desa/{tenant.slug}/smart_government/verify/{token}"


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
        ("Alamat", ", ".join(v for v in (person["alamat"], person["dusun_lengkap"]) if v != "-") or "-"),
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
    """Issue a signed request's letter: number, PDF, document, verification and row, committed
    together. ``on`` is the letter's date (default: today in the village's time zone)."""
    values = settings_for(tenant)
    off = switched_off(session, tenant, values)
    FLOW.check(session, tenant, user, req, "issue", skip=off)  # refuse before reading and rendering
    letter_type, resident = _type_and_resident(session, req)
    person = content.resident_values(session, tenant, resident)
    owner = accounts.user_of(session, resident)
    issued_at, when, local = _moment(tenant, on)
    draft = LetterDocument(  # everything but the number and the address, before anything is locked
        letterhead=paper.letterhead_for(session, tenant),
        title=letter_type.title,
        number="",
        body=[_body(letter_type, person, req), resident_table(person)],
        place=terms.letterhead_for(tenant).place,
        issued_at=local,
        signer=Signer(req.signer_name or "", tuple(req.signer_title_lines or ()), req.signer_id_line),
        verify_url="",
        purpose=req.purpose,
    )

    # The number, then the move, which locks and re-reads the request (two clerks issuing it at
    # once queue; the second gets 409), then the paper: all of it is committed together, or rolled
    # back together (the number goes back to its sequence).
    try:
        number = _free_number(session, tenant, letter_type, when, values)
        detail = {"number": number.text}
        FLOW.move(
            session, tenant, user, req, "issue", number.text, skip=off, audit_detail=detail, at=issued_at
        )
        return _paper(
            session,
            tenant,
            req,
            user,
            draft,
            letter_type,
            resident,
            number,
            owner,
            (issued_at, when),
            base_url,
        )
    except IntegrityError:
        session.rollback()
        raise ServiceError(
            _("This request was issued by someone else just now."), "already_issued", 409
        ) from None
    except BaseException:
        session.rollback()
        raise


def _paper(
    session: Session,
    tenant: Tenant,
    req: LetterRequest,
    user: User,
    draft: LetterDocument,
    letter_type: LetterType,
    resident: Resident,
    number: LetterNumber,
    owner: User | None,
    moment: tuple[datetime, date],
    base_url: str | None,
) -> Letter:
    """Render, store and commit the letter's verifiable PDF (:func:`desacerdas.kit.verification.issue`)
    with the :class:`Letter` row and everything pending in the session."""
    issued_at, when = moment
    signer = draft.signer
    document = dataclasses.replace(draft, number=number.text, keywords=(letter_type.code, number.text))
    valid_until = when + timedelta(days=letter_type.validity_days) if letter_type.validity_days else None
    made: list[Letter] = []
    kit.issue(
        session,
        tenant,
        plugin=PLUGIN,
        kind=KIND,
        title=letter_type.title,
        number=number.text,
        holder_name=resident.name,
        issuer_name=signer.name,
        issuer_title=kit.ISSUER_TITLE_SEPARATOR.join(signer.title_lines),
        valid_until=valid_until,
        object_id=str(req.id),
        render=lambda url: _render(tenant, dataclasses.replace(document, verify_url=url)),
        stored_as=kit.StoredAs(
            title=f"{letter_type.title} {number.text}",
            kind=KIND,
            filename=f"{letter_type.code}-{number.year}-{number.seq:04d}.pdf",
            visibility=Visibility.OWNER,
            owner=owner,
        ),
        actor=user,
        url=lambda token: verify_url(tenant, token, base_url),
        issued_at=issued_at,
        audit_issue=False,  # letter.issued records it, with the letter's number and SHA-256
        before_store=lambda row: made.append(
            _letter(session, tenant, req, row, letter_type, number, user, valid_until)
        ),
    )
    return made[0]


def _letter(
    session: Session,
    tenant: Tenant,
    req: LetterRequest,
    row: Any,
    letter_type: LetterType,
    number: LetterNumber,
    user: User,
    valid_until: date | None,
) -> Letter:
    """The letter's own row, pointing at the verification's token, document and SHA-256."""
    letter = Letter(
        id=uuid.uuid4(),
        request_id=req.id,
        type_code=letter_type.code,
        type_title=letter_type.title,
        number=number.text,
        seq=number.seq,
        year=number.year,
        token=row.token,
        document_id=row.document_id,
        sha256=row.sha256,
        resident_name=row.holder_name or "",
        signer_name=row.issuer_name or "",
        signer_title=row.issuer_title or "",
        issued_at=row.issued_at,
        issued_by=user.id,
        valid_until=valid_until,
    )
    session.add(letter)
    audit.record(
        "letter.issued",
        actor=user,
        tenant_id=tenant.id,
        target=f"letter:{letter.id}",
        session=session,
        number=number.text,
        sha256=letter.sha256,
    )
    notices.tell_resident(session, tenant, req, "issued", letter=letter)
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
) -> LetterNumber:
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
    if req is None or not FLOW.visible(session, tenant, user, req):
        raise NotFound(_("No such letter."))
    return letter


def letter_for_request(session: Session, req: LetterRequest) -> Letter | None:
    return session.scalar(select(Letter).where(Letter.request_id == req.id))


def letters_query(session: Session, tenant: Tenant, user: User, *, type_code: str | None = None) -> Select:
    """Issued letters the staff user may see, newest first (a hamlet head: their hamlet's)."""
    scope = scope_for(user, tenant, LETTERS_VIEW)
    scope.staff_hamlet()  # an own-records scope lists nothing here
    stmt = select(Letter)
    if not scope.village_wide:
        stmt = stmt.join(LetterRequest, LetterRequest.id == Letter.request_id)
    stmt = scope.filter(stmt, hamlet_column=LetterRequest.hamlet_id)
    if type_code:
        stmt = stmt.where(Letter.type_code == type_code)
    return stmt.order_by(Letter.issued_at.desc(), Letter.id)


def reprint(session: Session, tenant: Tenant, letter: Letter, user: User) -> DocumentVersion:
    """The same stored PDF again (same bytes, same SHA-256); the print is audited. Commits."""
    version = stored_version(session, letter)
    audit.record(
        "letter.reprinted" if can(user, LETTERS_VIEW, tenant) else "letter.downloaded",
        actor=user,
        tenant_id=tenant.id,
        target=f"letter:{letter.id}",
        session=session,
        number=letter.number,
    )
    session.commit()
    return version


def revoke(session: Session, tenant: Tenant, letter: Letter, user: User, reason: str | None) -> Letter:
    """Withdraw an issued letter and its verification (the public page then says so). Commits."""
    if not can(user, LETTERS_ISSUE, tenant):
        raise ServiceError(_("You are not allowed to do this."), "forbidden", 403)
    if letter.revoked_at is not None:
        raise ServiceError(_("This letter is already revoked."), "already_revoked", 409)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidRequest({"reason": _("Give the reason for revoking the letter.")})
    row = kit.revoke(session, kit.find(session, letter.token), user, reason, commit=False)
    letter.revoked_at = row.revoked_at
    letter.revoked_reason = row.revoked_reason
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
    if not token or len(token) > kit.MAX_TOKEN_LENGTH:
        raise NotFound(_("No such letter."))
    letter = session.scalar(select(Letter).where(Letter.token == token))
    if letter is None:
        raise NotFound(_("No such letter."))
    return letter


@dataclasses.dataclass(frozen=True)
class LetterView(kit.PublicView):
    """The kit's public view of a letter, also under the names the letters API has always used."""

    type_code: str = ""

    @property
    def type_title(self) -> str:
        return self.title

    @property
    def resident(self) -> str:
        return self.holder

    @property
    def signer_name(self) -> str:
        return self.issuer_name or ""

    @property
    def signer_title_lines(self) -> tuple[str, ...]:
        return self.issuer_title_lines

    def as_dict(self) -> dict[str, Any]:
        names = ("type_code", "type_title", "resident", "signer_name", "signer_title_lines")
        return {**super().as_dict(), **{n: getattr(self, n) for n in names}}


def verification(tenant: Tenant, letter: Letter) -> LetterView:
    """What the public page and its JSON show of ``letter``, read from its ``verifications`` row."""
    session = object_session(letter)
    view = kit.public_view(tenant, kit.find(session, letter.token))
    fields = {f.name: getattr(view, f.name) for f in dataclasses.fields(view)}
    return LetterView(**fields, type_code=letter.type_code)
