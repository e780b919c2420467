"""Letter requests (permohonan surat): submission online or at the counter, and the workflow
``submitted → [verified] → [approved] → signed → issued`` (or ``rejected`` / ``cancelled``).

The verification and approval steps are switched per village (``verification_step``,
``approval_step`` in the village settings). Whoever may take a request's next step may also
refuse it, with a reason; the resident who asked may cancel it while it is open. Every move is a
:class:`LetterRequestStep` (the timeline the resident sees) and an audit record, in the same commit.

Unlike the registry, these functions commit: attachments are documents, and
``documents.store`` commits the session, so the service owns the transaction. Issuing lives in
:mod:`smart_government.issuing`.

Errors: 403 for a missing permission, 404 for a request of another village or (for a hamlet
head) of another hamlet, 409 for a move the request's state does not allow, 400 for bad input.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from desacerdas.auth.permissions import can, memberships_for
from desacerdas.models import Hamlet, Role, Tenant, User, Visibility
from desacerdas.models.base import utcnow
from desacerdas.services import NotFound, ServiceError, audit
from desacerdas.services import documents as docs
from desacerdas.services.i18n import _

from . import accounts, letter_types, registry
from .letter_pdf import DELEGATION_PREFIXES, Signer, indonesian_date
from .models import Family, Resident, ResidentStatus, Sex
from .models_letters import Channel, LetterRequest, LetterRequestStep, LetterType, RequestStatus
from .village_settings import settings_for, terms_for

VIEW = "smart_government.letters.view"
PROCESS = "smart_government.letters.process"
APPROVE = "smart_government.letters.approve"
SIGN = "smart_government.letters.sign"
ISSUE = "smart_government.letters.issue"
CONFIGURE = "smart_government.letters.configure"
REQUEST = "smart_government.letters.request"

OPEN = (RequestStatus.SUBMITTED, RequestStatus.VERIFIED, RequestStatus.APPROVED, RequestStatus.SIGNED)
CLOSED = (RequestStatus.ISSUED, RequestStatus.REJECTED, RequestStatus.CANCELLED)
ACTION_PERMISSION = {"verify": PROCESS, "approve": APPROVE, "sign": SIGN, "issue": ISSUE}
ACTION_STATUS = {
    "verify": RequestStatus.VERIFIED,
    "approve": RequestStatus.APPROVED,
    "sign": RequestStatus.SIGNED,
    "issue": RequestStatus.ISSUED,
}
ACTIONS = ("verify", "approve", "sign", "issue", "reject", "cancel")
# The timeline's order for steps recorded in the same instant (a counter request's two first steps).
_RANK = {
    "submitted": 0,
    "verified": 1,
    "approved": 2,
    "signed": 3,
    "issued": 4,
    "rejected": 5,
    "cancelled": 5,
}
MAX_TEXT = 300
MAX_TEXTAREA = 2000
IDENTITY_KEYS = re.compile(r"(^|_)(ktp|kk)(_|$)")
ATTACHMENT_KINDS = ("identity", "general", "photo")


class InvalidRequest(ServiceError):
    """The request's data is refused; ``fields`` maps each field (or attachment key) to its problem."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.fields = dict(problems)
        listed = "; ".join(f"{k}: {v}" for k, v in self.fields.items())
        super().__init__(
            _("Some fields are not valid: %(problems)s", problems=listed), "invalid_request", 400
        )


def _forbidden(message: str | None = None) -> ServiceError:
    return ServiceError(message or _("You are not allowed to do this."), "forbidden", 403)


# -- the village's workflow ------------------------------------------------------------------------


@dataclass(frozen=True)
class Workflow:
    """Which optional steps this village uses."""

    verification: bool
    approval: bool

    def next_action(self, status: RequestStatus) -> str | None:
        """The move that takes a request in ``status`` forward (None once it is closed)."""
        if status == RequestStatus.SUBMITTED:
            if self.verification:
                return "verify"
            return "approve" if self.approval else "sign"
        if status == RequestStatus.VERIFIED:
            return "approve" if self.approval else "sign"
        if status == RequestStatus.APPROVED:
            return "sign"
        if status == RequestStatus.SIGNED:
            return "issue"
        return None


def workflow_for(tenant: Tenant, values: Mapping[str, Any] | None = None) -> Workflow:
    values = values if values is not None else settings_for(tenant)
    return Workflow(bool(values["verification_step"]), bool(values["approval_step"]))


def status_label(status: RequestStatus | str) -> str:
    labels = {
        "submitted": _("Submitted"),
        "verified": _("Verified"),
        "approved": _("Approved"),
        "signed": _("Signed"),
        "issued": _("Issued"),
        "rejected": _("Rejected"),
        "cancelled": _("Cancelled"),
    }
    value = getattr(status, "value", status)
    return labels.get(value, value)


def action_label(action: str) -> str:
    labels = {
        "verify": _("verify"),
        "approve": _("approve"),
        "sign": _("sign"),
        "issue": _("issue"),
        "reject": _("reject"),
        "cancel": _("cancel"),
    }
    return labels.get(action, action)


# -- who sees what ---------------------------------------------------------------------------------


def staff_scope(user: User, tenant: Tenant) -> uuid.UUID | None:
    """None for the whole village, a hamlet id for a hamlet head; 403 for others."""
    if not can(user, VIEW, tenant):
        raise _forbidden()
    return registry.hamlet_scope_for(user, tenant)


def _is_staff_for(user: User | None, tenant: Tenant, req: LetterRequest) -> bool:
    if user is None or not can(user, VIEW, tenant):
        return False
    try:
        scope = registry.hamlet_scope_for(user, tenant)
    except ServiceError:
        return False
    return scope is None or req.hamlet_id == scope


def _is_owner(session: Session, user: User | None, req: LetterRequest) -> bool:
    resident = accounts.resident_of(user, session)
    return resident is not None and resident.id == req.resident_id


def may_see(session: Session, tenant: Tenant, user: User | None, req: LetterRequest) -> bool:
    return _is_staff_for(user, tenant, req) or _is_owner(session, user, req)


def get_request(
    session: Session, tenant: Tenant, user: User | None, request_id: uuid.UUID | str
) -> LetterRequest:
    """A request this user may see: staff of its village (hamlet heads: of its hamlet) or the
    resident who asked. Anything else is 404, as if it did not exist."""
    try:
        key = request_id if isinstance(request_id, uuid.UUID) else uuid.UUID(str(request_id))
    except ValueError:
        raise NotFound(_("No such letter request.")) from None
    req = session.scalar(select(LetterRequest).where(LetterRequest.id == key))
    if req is None or not may_see(session, tenant, user, req):
        raise NotFound(_("No such letter request."))
    return req


def queue(
    session: Session,
    tenant: Tenant,
    user: User,
    *,
    status: str | None = None,
    type_id: uuid.UUID | str | None = None,
    open_only: bool = False,
) -> Select:
    """The staff queue: requests of the village (a hamlet head's hamlet only), newest first."""
    scope = staff_scope(user, tenant)
    stmt = select(LetterRequest).options(selectinload(LetterRequest.steps))
    if scope is not None:
        stmt = stmt.where(LetterRequest.hamlet_id == scope)
    if status:
        try:
            stmt = stmt.where(LetterRequest.status == RequestStatus(status))
        except ValueError:
            raise ServiceError(_("Unknown status %(status)s.", status=status), "invalid_status") from None
    elif open_only:
        stmt = stmt.where(LetterRequest.status.in_(OPEN))
    if type_id:
        stmt = stmt.where(LetterRequest.type_id == letter_types.get_type(session, type_id).id)
    return stmt.order_by(LetterRequest.submitted_at.desc(), LetterRequest.id)


def my_requests(session: Session, user: User) -> Select:
    """The signed-in resident's requests, newest first (nothing when the account has no record)."""
    resident = accounts.resident_of(user, session)
    stmt = (
        select(LetterRequest)
        .options(selectinload(LetterRequest.steps))
        .order_by(LetterRequest.submitted_at.desc(), LetterRequest.id)
    )
    if resident is None:
        return stmt.where(LetterRequest.id.is_(None))
    return stmt.where(LetterRequest.resident_id == resident.id)


def timeline(req: LetterRequest) -> list[LetterRequestStep]:
    return sorted(req.steps, key=lambda s: (s.at, _RANK.get(s.action, 9)))


def allowed_actions(session: Session, tenant: Tenant, user: User | None, req: LetterRequest) -> list[str]:
    """The moves this user may make on this request now (for the buttons of the detail page)."""
    if req.status not in OPEN or user is None:
        return []
    out: list[str] = []
    nxt = workflow_for(tenant).next_action(req.status)
    if nxt and _is_staff_for(user, tenant, req) and can(user, ACTION_PERMISSION[nxt], tenant):
        out += [nxt, "reject"]
    if _is_owner(session, user, req):
        out.append("cancel")
    return out


# -- the resident's data, for templates and the letter ---------------------------------------------


def bare_name(name: str, *words: str) -> str:
    """``Kabupaten Karangasem`` → ``Karangasem``: templates write the word themselves."""
    name = (name or "").strip()
    for word in words:
        if name.lower().startswith(word.lower() + " "):
            return name[len(word) + 1 :].strip()
    return name


def resident_values(session: Session, tenant: Tenant, resident: Resident) -> dict[str, str]:
    """What ``${nama}``, ``${nik}``… print for this resident (``-`` where nothing is recorded)."""
    family = (
        session.scalar(select(Family).where(Family.id == resident.family_id)) if resident.family_id else None
    )
    hamlet = (
        session.scalar(select(Hamlet).where(Hamlet.id == resident.hamlet_id)) if resident.hamlet_id else None
    )
    address = resident.address or (family.address if family else None)
    return {
        "nama": resident.name,
        "nik": resident.nik,
        "no_kk": family.kk_number if family else "-",
        "tempat_lahir": resident.birth_place or "-",
        "tanggal_lahir": indonesian_date(resident.birth_date),
        "jenis_kelamin": "Laki-laki" if resident.sex == Sex.MALE else "Perempuan",
        "agama": resident.religion or "-",
        "status_perkawinan": resident.marital_status or "-",
        "pekerjaan": resident.occupation or "-",
        "kewarganegaraan": resident.citizenship or "WNI",
        "alamat": address or "-",
        "dusun": hamlet.name if hamlet else "-",
        "desa": tenant.name,
        "kecamatan": bare_name(tenant.district_name, "Kecamatan", "Kec."),
        "kabupaten": bare_name(tenant.regency_name, "Kabupaten", "Kab."),
        "provinsi": tenant.province_name,
    }


def field_values(letter_type: LetterType, data: Mapping[str, Any]) -> dict[str, str]:
    """The type's fields as printed: dates in Indonesian, an empty optional field as ``-``."""
    out = {}
    for f in letter_type.fields or []:
        value = data.get(f["name"])
        if value in (None, ""):
            out[f["name"]] = "-"
        elif f.get("kind") == "date":
            try:
                out[f["name"]] = indonesian_date(date.fromisoformat(str(value)))
            except ValueError:  # the field became a date after this request was made
                out[f["name"]] = str(value)
        else:
            out[f["name"]] = str(value)
    return out


# -- submitting ------------------------------------------------------------------------------------


def clean_data(letter_type: LetterType, data: Mapping[str, Any] | None) -> dict[str, Any]:
    """The type's fields from ``data``: required ones present, each of its kind; others dropped."""
    data = data or {}
    out: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for f in letter_type.fields or []:
        name, kind = f["name"], f.get("kind", "text")
        raw = data.get(name)
        value = "" if raw is None else str(raw).strip()
        if not value:
            if f.get("required"):
                problems[name] = _("%(label)s is required.", label=f["label"])
            continue
        if kind == "date":
            try:
                value = date.fromisoformat(value).isoformat()
            except ValueError:
                problems[name] = _("%(label)s must be a date (YYYY-MM-DD).", label=f["label"])
                continue
        elif kind == "number":
            try:
                number = Decimal(value.replace(" ", ""))
                if not number.is_finite():
                    raise InvalidOperation
            except InvalidOperation:
                problems[name] = _("%(label)s must be a number.", label=f["label"])
                continue
            value = str(number)
        limit = MAX_TEXTAREA if kind == "textarea" else MAX_TEXT
        if len(value) > limit:
            problems[name] = _("%(label)s is longer than %(max)d characters.", label=f["label"], max=limit)
            continue
        out[name] = value
    if problems:
        raise InvalidRequest(problems)
    return out


def _clean_purpose(purpose: str | None) -> str:
    purpose = (purpose or "").strip()
    if not purpose:
        raise InvalidRequest({"purpose": _("Say what the letter is for.")})
    if len(purpose) > MAX_TEXT:
        raise InvalidRequest({"purpose": _("The purpose is longer than %(max)d characters.", max=MAX_TEXT)})
    return purpose


def attachment_kind(key: str) -> str:
    """KTP and KK scans are identity documents; anything else is a general document."""
    return "identity" if IDENTITY_KEYS.search(key) else "general"


def _check_uploads(
    tenant: Tenant, letter_type: LetterType, uploads: Mapping[str, docs.NewFile]
) -> dict[str, docs.NewFile]:
    """Refuse unknown keys and wrong file types before anything is written (all or nothing)."""
    declared = {a["key"]: a for a in letter_type.attachments or []}
    kinds = docs.kinds_for(tenant)
    checked: dict[str, docs.NewFile] = {}
    problems: dict[str, str] = {}
    for key, upload in uploads.items():
        if key not in declared:
            problems[key] = _("This letter type has no attachment %(key)s.", key=key)
            continue
        try:
            spooled = docs.spool(upload.stream, docs.max_bytes())
            docs.check_type(spooled, kinds[attachment_kind(key)])
        except ServiceError as exc:
            problems[key] = exc.message
            continue
        checked[key] = docs.NewFile(spooled.file, upload.filename)
    if problems:
        for upload in checked.values():
            upload.stream.close()
        raise InvalidRequest(problems)
    return checked


def _check_attached(
    session: Session, tenant: Tenant, user: User, letter_type: LetterType, attached: Mapping[str, Any]
) -> dict[str, str]:
    """Documents uploaded before (e.g. through the documents API), referenced by id."""
    declared = {a["key"] for a in letter_type.attachments or []}
    out, problems = {}, {}
    for key, document_id in attached.items():
        if key not in declared:
            problems[key] = _("This letter type has no attachment %(key)s.", key=key)
            continue
        try:
            document = docs.get(uuid.UUID(str(document_id)), session)
        except (ValueError, NotFound):
            document = None
        if (
            document is None
            or not docs.readable_by(user, tenant, document)
            or document.kind not in ATTACHMENT_KINDS
        ):
            problems[key] = _("No such document to attach.")
            continue
        out[key] = str(document.id)
    if problems:
        raise InvalidRequest(problems)
    return out


def record_step(
    session: Session,
    tenant: Tenant,
    req: LetterRequest,
    action: str,
    actor: User | None,
    note: str | None = None,
    **detail: Any,
) -> LetterRequestStep:
    step = LetterRequestStep(
        request_id=req.id,
        action=action,
        status=req.status,
        actor_id=actor.id if actor else None,
        actor_name=actor.name if actor else None,
        note=(note or "").strip()[:500] or None,
        at=utcnow(),
    )
    session.add(step)
    audit.record(
        f"letter_request.{action}",
        actor=actor,
        tenant_id=tenant.id,
        target=f"letter_request:{req.id}",
        session=session,
        status=req.status.value,
        **detail,
    )
    return step


def _no_open_duplicate(session: Session, resident: Resident, letter_type: LetterType) -> None:
    stmt = select(LetterRequest.id).where(
        LetterRequest.resident_id == resident.id,
        LetterRequest.type_id == letter_type.id,
        LetterRequest.status.in_(OPEN),
    )
    if session.scalar(stmt) is not None:
        raise ServiceError(
            _("There is already an open request for this letter; wait for it or cancel it first."),
            "duplicate_request",
            409,
        )


def _store_and_commit(
    session: Session,
    tenant: Tenant,
    req: LetterRequest,
    uploads: dict[str, docs.NewFile],
    actor: User,
    owner: User | None,
    letter_type: LetterType,
) -> None:
    """Store the uploads and commit them with the request in one transaction (all or nothing)."""
    labels = {a["key"]: a["label"] for a in letter_type.attachments or []}
    items = []
    for key, upload in uploads.items():
        document_id = uuid.uuid4()
        req.attachments = {**(req.attachments or {}), key: str(document_id)}
        title = f"{letter_type.code} {labels.get(key, key)}"
        items.append(
            docs.NewDocument(
                upload,
                title,
                attachment_kind(key),
                "smart_government",
                str(req.id),
                owner,
                Visibility.OWNER,
                document_id,
            )
        )
    try:
        docs.store_all(tenant, items, actor=actor, session=session)
    finally:
        for upload in uploads.values():
            upload.stream.close()


def _submit(
    session: Session,
    tenant: Tenant,
    actor: User,
    resident: Resident,
    letter_type: LetterType,
    channel: Channel,
    purpose: str | None,
    data: Mapping[str, Any] | None,
    uploads: Mapping[str, docs.NewFile] | None,
    attached: Mapping[str, Any] | None,
    originals_seen: Iterable[str],
) -> LetterRequest:
    if not letter_type.active:
        raise ServiceError(_("This letter type is no longer offered."), "inactive_type", 400)
    if resident.status != ResidentStatus.LIVING:
        raise ServiceError(_("Letters are requested for living residents only."), "not_living", 400)
    problems: dict[str, str] = {}
    try:
        clean = clean_data(letter_type, data)
    except InvalidRequest as exc:
        problems.update(exc.fields)
        clean = {}
    try:
        purpose = _clean_purpose(purpose)
    except InvalidRequest as exc:
        problems.update(exc.fields)
    uploads = {k: v for k, v in (uploads or {}).items() if v is not None}
    seen = [k for k in originals_seen or () if k]
    declared = {a["key"]: a for a in letter_type.attachments or []}
    for key in seen:
        if key not in declared:
            problems[key] = _("This letter type has no attachment %(key)s.", key=key)
    if channel == Channel.ONLINE:
        given = set(uploads) | set(attached or {})
        for a in letter_type.attachments or []:
            if a.get("required") and a["key"] not in given:
                problems[a["key"]] = _("%(label)s must be attached.", label=a["label"])
    if problems:
        raise InvalidRequest(problems)
    _no_open_duplicate(session, resident, letter_type)
    linked = _check_attached(session, tenant, actor, letter_type, attached or {})
    checked = _check_uploads(tenant, letter_type, uploads)

    wf = workflow_for(tenant)
    req = LetterRequest(
        id=uuid.uuid4(),
        type_id=letter_type.id,
        resident_id=resident.id,
        hamlet_id=resident.hamlet_id,
        channel=channel,
        status=RequestStatus.SUBMITTED,
        purpose=purpose,
        data=clean,
        attachments=linked,
        requested_by=actor.id,
        submitted_at=utcnow(),
    )
    note = None
    if seen:
        note = _(
            "Originals seen at the counter: %(list)s", list=", ".join(declared[k]["label"] for k in seen)
        )
    session.add(req)
    session.flush()
    record_step(session, tenant, req, "submitted", actor, note, channel=channel.value, type=letter_type.code)
    if channel == Channel.COUNTER and wf.verification and can(actor, PROCESS, tenant):
        req.status = RequestStatus.VERIFIED
        record_step(session, tenant, req, "verified", actor, _("Checked at the counter."))
    owner = accounts.user_of(session, resident)
    if checked:
        _store_and_commit(session, tenant, req, checked, actor, owner, letter_type)
    else:
        session.commit()
    return req


def submit_online(
    session: Session,
    tenant: Tenant,
    user: User,
    type_id: uuid.UUID | str,
    *,
    purpose: str | None,
    data: Mapping[str, Any] | None = None,
    uploads: Mapping[str, docs.NewFile] | None = None,
    attached: Mapping[str, Any] | None = None,
) -> LetterRequest:
    """A resident asks for a letter for themself (types allowed online only); required
    attachments must be uploaded. Commits."""
    if not can(user, REQUEST, tenant):
        raise _forbidden()
    resident = accounts.resident_of(user, session)
    if resident is None:
        raise _forbidden(_("Your account is not linked to a resident of this village."))
    letter_type = letter_types.get_type(session, type_id)
    if not letter_type.online:
        raise ServiceError(
            _("%(title)s is only served in person at the village office.", title=letter_type.title),
            "in_person_only",
            400,
        )
    return _submit(
        session, tenant, user, resident, letter_type, Channel.ONLINE, purpose, data, uploads, attached, ()
    )


def submit_counter(
    session: Session,
    tenant: Tenant,
    user: User,
    resident_id: uuid.UUID | str,
    type_id: uuid.UUID | str,
    *,
    purpose: str | None,
    data: Mapping[str, Any] | None = None,
    uploads: Mapping[str, docs.NewFile] | None = None,
    attached: Mapping[str, Any] | None = None,
    originals_seen: Iterable[str] = (),
) -> LetterRequest:
    """Staff enter a request at the counter for any resident (a hamlet head: of their hamlet).

    Attachments are optional here: staff tick the paper originals they saw (kept in the step's
    note). With the verification step on, the request starts verified. Commits.
    """
    if not can(user, PROCESS, tenant):
        raise _forbidden()
    scope = staff_scope(user, tenant)
    resident = registry.get_resident(session, resident_id, hamlet_scope=scope)
    letter_type = letter_types.get_type(session, type_id)
    return _submit(
        session,
        tenant,
        user,
        resident,
        letter_type,
        Channel.COUNTER,
        purpose,
        data,
        uploads,
        attached,
        originals_seen,
    )


# -- moving a request ------------------------------------------------------------------------------


def _wrong_state(req: LetterRequest, action: str, expected: str | None) -> ServiceError:
    if expected is None:
        message = _(
            "This request is already %(status)s; it cannot be changed any more.",
            status=status_label(req.status),
        )
    else:
        message = _(
            "This request is %(status)s, so you cannot %(action)s it now; the next step is to %(next)s it.",
            status=status_label(req.status),
            action=action_label(action),
            next=action_label(expected),
        )
    return ServiceError(message, "wrong_state", 409)


def check_move(session: Session, tenant: Tenant, user: User, req: LetterRequest, action: str) -> None:
    """404 if the user may not see it, 403 without the step's permission, 409 in the wrong state."""
    if not may_see(session, tenant, user, req):
        raise NotFound(_("No such letter request."))
    if not can(user, ACTION_PERMISSION[action], tenant) or not _is_staff_for(user, tenant, req):
        raise _forbidden()
    expected = workflow_for(tenant).next_action(req.status)
    if expected != action:
        raise _wrong_state(req, action, expected)


def _lock(session: Session, req: LetterRequest) -> None:
    """Re-read the request under a row lock (PostgreSQL), so two people moving it at once queue and
    the second sees the first one's move instead of recording it twice."""
    session.refresh(req, with_for_update=True)


def _advance(
    session: Session, tenant: Tenant, req: LetterRequest, user: User, action: str, note: str | None
) -> None:
    _lock(session, req)
    check_move(session, tenant, user, req, action)
    previous = req.status
    req.status = ACTION_STATUS[action]
    record_step(session, tenant, req, ACTION_STATUS[action].value, user, note, previous=previous.value)


def verify(
    session: Session, tenant: Tenant, req: LetterRequest, user: User, note: str | None = None
) -> LetterRequest:
    """The hamlet head (or staff) confirm the resident and the data. Commits."""
    _advance(session, tenant, req, user, "verify", note)
    session.commit()
    return req


def approve(
    session: Session, tenant: Tenant, req: LetterRequest, user: User, note: str | None = None
) -> LetterRequest:
    """The secretary or the head approve (only when the village uses an approval step). Commits."""
    _advance(session, tenant, req, user, "approve", note)
    session.commit()
    return req


def _is_village_head(user: User, tenant: Tenant) -> bool:
    return any(m.role == Role.VILLAGE_HEAD for m in memberships_for(user, tenant))


def own_title(user: User, tenant: Tenant) -> str | None:
    """The signer's own office for ``a.n.``/``u.b.`` letters (the secretary's by default)."""
    if any(m.role == Role.VILLAGE_SECRETARY for m in memberships_for(user, tenant)):
        return "Sekretaris Kelurahan" if tenant.kind == "kelurahan" else "Sekretaris Desa"
    return None


def build_signer(
    tenant: Tenant,
    user: User,
    *,
    prefix: str | None = None,
    title: str | None = None,
    id_line: str | None = None,
) -> Signer:
    """Who signs and how: the village head plainly; anyone else for them with a.n., u.b., Plt. or
    Plh., under the village's own word for its head (``a.n. Perbekel Menanga`` / ``Sekretaris Desa``)."""
    head_title = f"{terms_for(tenant).village_head} {tenant.name}"
    prefix = (prefix or "").strip() or None
    id_line = (id_line or "").strip()[:80] or None
    if _is_village_head(user, tenant):
        if prefix is not None:
            raise ServiceError(
                _("The village head signs in their own name, without a.n., u.b., Plt. or Plh."),
                "prefix_not_allowed",
            )
        return Signer.build(user.name, head_title, id_line=id_line)
    if prefix not in DELEGATION_PREFIXES:
        raise ServiceError(
            _("Choose how you sign for the village head: %(list)s.", list=", ".join(DELEGATION_PREFIXES)),
            "prefix_required",
        )
    if prefix in ("Plt.", "Plh."):
        return Signer.build(user.name, head_title, prefix=prefix, id_line=id_line)
    title = (title or "").strip()[:100] or own_title(user, tenant)
    if not title:
        raise ServiceError(_("Give your own office, printed under the village head's."), "title_required")
    return Signer.build(user.name, title, prefix=prefix, principal=head_title, id_line=id_line)


def sign(
    session: Session,
    tenant: Tenant,
    req: LetterRequest,
    user: User,
    *,
    prefix: str | None = None,
    title: str | None = None,
    id_line: str | None = None,
    note: str | None = None,
) -> LetterRequest:
    """Sign: the signer as they are now is kept on the request and printed on the letter. Commits."""
    check_move(session, tenant, user, req, "sign")  # refuse before looking at the signer's form
    signer = build_signer(tenant, user, prefix=prefix, title=title, id_line=id_line)
    _advance(session, tenant, req, user, "sign", note)  # locks the row and checks again
    req.signed_by = user.id
    req.signed_at = utcnow()
    req.signer_name = signer.name
    req.signer_prefix = None if _is_village_head(user, tenant) else ((prefix or "").strip() or None)
    req.signer_title_lines = list(signer.title_lines)
    req.signer_id_line = signer.id_line
    session.commit()
    return req


def reject(
    session: Session, tenant: Tenant, req: LetterRequest, user: User, reason: str | None
) -> LetterRequest:
    """Refuse an open request with a reason the resident reads; whoever may take its next step may
    refuse it. Commits."""
    _lock(session, req)
    if not may_see(session, tenant, user, req):
        raise NotFound(_("No such letter request."))
    expected = workflow_for(tenant).next_action(req.status)
    if expected is None:
        raise _wrong_state(req, "reject", None)
    if not can(user, ACTION_PERMISSION[expected], tenant) or not _is_staff_for(user, tenant, req):
        raise _forbidden()
    reason = (reason or "").strip()
    if not reason:
        raise InvalidRequest({"reason": _("Give the reason for the rejection; the resident reads it.")})
    previous = req.status
    req.status = RequestStatus.REJECTED
    req.rejection_reason = reason[:500]
    req.closed_at = utcnow()
    record_step(session, tenant, req, "rejected", user, reason, previous=previous.value)
    session.commit()
    return req


def cancel(
    session: Session, tenant: Tenant, req: LetterRequest, user: User, note: str | None = None
) -> LetterRequest:
    """The resident who asked withdraws an open request. Commits."""
    _lock(session, req)
    if not may_see(session, tenant, user, req):
        raise NotFound(_("No such letter request."))
    if not _is_owner(session, user, req):
        raise _forbidden(
            _("Only the resident who asked can cancel a request; staff reject it with a reason.")
        )
    if req.status not in OPEN:
        raise _wrong_state(req, "cancel", None)
    previous = req.status
    req.status = RequestStatus.CANCELLED
    req.closed_at = utcnow()
    record_step(session, tenant, req, "cancelled", user, note, previous=previous.value)
    session.commit()
    return req


def transition(
    session: Session,
    tenant: Tenant,
    req: LetterRequest,
    user: User,
    action: str,
    *,
    reason: str | None = None,
    note: str | None = None,
    prefix: str | None = None,
    title: str | None = None,
    id_line: str | None = None,
    base_url: str | None = None,
) -> LetterRequest:
    """One entry point for pages and the API: ``action`` is one of :data:`ACTIONS`."""
    if action == "verify":
        return verify(session, tenant, req, user, note)
    if action == "approve":
        return approve(session, tenant, req, user, note)
    if action == "sign":
        return sign(session, tenant, req, user, prefix=prefix, title=title, id_line=id_line, note=note)
    if action == "reject":
        return reject(session, tenant, req, user, reason)
    if action == "cancel":
        return cancel(session, tenant, req, user, note)
    if action == "issue":
        from .issuing import issue

        issue(session, tenant, req, user, base_url=base_url)
        return req
    raise ServiceError(_("Unknown action %(action)s.", action=action), "unknown_action", 400)
