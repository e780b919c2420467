"""Letter requests (permohonan surat): submission online or at the counter, and the workflow
``submitted → [verified] → [approved] → signed → issued`` (or ``rejected`` / ``cancelled``).

The verification and approval steps are switched per village (``verification_step``,
``approval_step`` in the village settings). Whoever may take a request's next step may also
refuse it, with a reason; the resident who asked may cancel it while it is open. Every move is a
:class:`LetterRequestStep` (the timeline the resident sees) and an audit record, in the same commit.

Unlike the registry, these functions commit: attachments are documents, and
``documents.store`` commits the session, so the service owns the transaction. Issuing lives in
:mod:`smart_government.letters.issuing`.

Errors: 403 for a missing permission, 404 for a request of another village or (for a hamlet
head) of another hamlet, 409 for a move the request's state does not allow, 400 for bad input."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from desacerdas.auth.permissions import can, memberships_for
from desacerdas.kit import terms
from desacerdas.kit.access import scope_for
from desacerdas.kit.lists import Filter, ListSpec, choice, uuid_value
from desacerdas.models import Role, Tenant, User, Visibility
from desacerdas.models.base import utcnow
from desacerdas.services import NotFound, ServiceError
from desacerdas.services import documents as docs
from desacerdas.services.i18n import _

from ..accounts import service as accounts
from ..permissions import LETTERS_PROCESS, LETTERS_REQUEST, LETTERS_VIEW
from ..registry import service as registry
from ..registry.models import Resident, ResidentStatus
from . import issuing, notices
from . import types as letter_types
from .content import _check_attached, _check_uploads, _clean_purpose, attachment_kind, clean_data
from .models import Channel, LetterRequest, LetterRequestStep, LetterType, RequestStatus
from .pdf import DELEGATION_PREFIXES, Signer
from .workflow import FLOW, OPEN, InvalidRequest, _forbidden, labels_for, switched_off


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
    if req is None or not FLOW.visible(session, tenant, user, req):
        raise NotFound(_("No such letter request."))
    return req


def _by_status(stmt: Select, status: Any) -> Select:
    if status == "all":
        return stmt
    if status == "open":
        return stmt.where(LetterRequest.status.in_(OPEN))
    return stmt.where(LetterRequest.status == status)


# The queue's filters, for its page and its API: ``status`` (a state, ``open`` or ``all``) and
# ``type`` (a letter type's id). A status that is none of these is a 400 naming it.
QUEUE = ListSpec(
    filters={
        "status": Filter(
            _by_status, parse=choice({"open": "open", "all": "all", **{s.value: s for s in RequestStatus}})
        ),
        "type": Filter.equals(LetterRequest.type_id, parse=uuid_value),
    }
)


def queue(session: Session, tenant: Tenant, user: User) -> Select:
    """The staff queue: requests of the village (a hamlet head's hamlet only), newest first;
    :data:`QUEUE` filters and pages it. 404 to outsiders, 403 without ``letters.view``."""
    scope = scope_for(user, tenant, LETTERS_VIEW)
    scope.staff_hamlet()  # an own-records scope is no queue
    stmt = select(LetterRequest).options(selectinload(LetterRequest.steps))
    stmt = scope.filter(stmt, hamlet_column=LetterRequest.hamlet_id)
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


_RANK = {state: i for i, state in enumerate(FLOW.states)}


def timeline(req: LetterRequest) -> list[LetterRequestStep]:
    """The request's steps, oldest first (a counter request's two first steps share an instant)."""
    return sorted(req.steps, key=lambda s: (s.at, _RANK.get(s.status.value, len(_RANK))))


def allowed_actions(session: Session, tenant: Tenant, user: User | None, req: LetterRequest) -> list[str]:
    """The moves this user may make on this request now (for the buttons of the detail page)."""
    if req.status not in OPEN:
        return []
    return [a.name for a in FLOW.allowed_actions(session, tenant, user, req)]


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


def _problems(
    letter_type: LetterType,
    channel: Channel,
    purpose: str | None,
    data: Mapping[str, Any] | None,
    uploads: Mapping[str, docs.NewFile],
    attached: Mapping[str, Any] | None,
    seen: list[str],
) -> tuple[dict[str, Any], str | None]:
    """The request's data and purpose, cleaned; every field's problem at once otherwise (each named
    in words by the type's labels). Online, each required attachment must be sent or kept on file."""
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
    declared = {a["key"] for a in letter_type.attachments or []}
    for key in seen:
        if key not in declared:
            problems[key] = _("This letter type has no attachment %(key)s.", key=key)
    if channel == Channel.ONLINE:
        given = set(uploads) | set(attached or {})
        for a in letter_type.attachments or []:
            if a.get("required") and a["key"] not in given:
                problems[a["key"]] = _("%(label)s must be attached.", label=a["label"])
    if problems:
        raise InvalidRequest(problems, labels_for(letter_type))
    return clean, purpose


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
    uploads = {k: v for k, v in (uploads or {}).items() if v is not None}
    seen = [k for k in originals_seen or () if k]
    clean, purpose = _problems(letter_type, channel, purpose, data, uploads, attached, seen)
    _no_open_duplicate(session, resident, letter_type)
    try:
        linked = _check_attached(session, tenant, actor, letter_type, attached or {})
        checked = _check_uploads(tenant, letter_type, uploads)
    except InvalidRequest as exc:
        raise exc.labelled(labels_for(letter_type)) from None

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
    session.add(req)
    session.flush()
    _begin(session, tenant, actor, req, letter_type, seen)
    owner = accounts.user_of(session, resident)
    if checked:
        _store_and_commit(session, tenant, req, checked, actor, owner, letter_type)
    else:
        session.commit()
    return req


def _begin(
    session: Session,
    tenant: Tenant,
    actor: User,
    req: LetterRequest,
    letter_type: LetterType,
    seen: list[str],
) -> None:
    """The request's first step (with the originals seen at the counter in its note), staff told of
    an online request; at the counter, with the verification step on, it starts verified."""
    labels = {a["key"]: a["label"] for a in letter_type.attachments or []}
    note = (
        _("Originals seen at the counter: %(list)s", list=", ".join(labels[k] for k in seen))
        if seen
        else None
    )
    detail = {"channel": req.channel.value, "type": letter_type.code}
    FLOW.begin(session, tenant, actor, req, "submitted", note, detail)
    if req.channel == Channel.ONLINE:
        notices.tell_staff_submitted(session, tenant, req, actor)
    if (
        req.channel == Channel.COUNTER
        and "verify" not in switched_off(session, tenant)
        and can(actor, LETTERS_PROCESS, tenant)
    ):
        FLOW.move(session, tenant, actor, req, "verify", _("Checked at the counter."))


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
    if not can(user, LETTERS_REQUEST, tenant):
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
    scope = scope_for(user, tenant, LETTERS_PROCESS).staff_hamlet()
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


def verify(
    session: Session, tenant: Tenant, req: LetterRequest, user: User, note: str | None = None
) -> LetterRequest:
    """The hamlet head (or staff) confirm the resident and the data. Commits."""
    FLOW.move(session, tenant, user, req, "verify", note)
    session.commit()
    return req


def approve(
    session: Session, tenant: Tenant, req: LetterRequest, user: User, note: str | None = None
) -> LetterRequest:
    """The secretary or the head approve (only when the village uses an approval step). Commits."""
    FLOW.move(session, tenant, user, req, "approve", note)
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
    head_title = terms.terms_for(tenant).head_title
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
    FLOW.check(session, tenant, user, req, "sign")  # refuse before looking at the signer's form
    signer = build_signer(tenant, user, prefix=prefix, title=title, id_line=id_line)
    FLOW.move(session, tenant, user, req, "sign", note)  # locks the row and checks again
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
    FLOW.move(session, tenant, user, req, "reject", reason)
    session.commit()
    return req


def cancel(
    session: Session, tenant: Tenant, req: LetterRequest, user: User, note: str | None = None
) -> LetterRequest:
    """The resident who asked withdraws an open request. Commits."""
    if FLOW.visible(session, tenant, user, req) and not FLOW.owns(session, user, req):
        raise _forbidden(
            _("Only the resident who asked can cancel a request; staff reject it with a reason.")
        )
    FLOW.move(session, tenant, user, req, "cancel", note)
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
        issuing.issue(session, tenant, req, user, base_url=base_url)
        return req
    raise ServiceError(_("Unknown action %(action)s.", action=action), "unknown_action", 400)
