"""The letter request's workflow on the kit (:mod:`desacerdas.kit.workflow`):
``submitted → [verified] → [approved] → signed → issued``, or ``rejected`` / ``cancelled``.

:data:`FLOW` names who may take each move (a permission and the caller's scope: a hamlet head only in
their hamlet; the resident who asked may cancel), locks and re-reads the request, writes the
timeline row (:class:`LetterRequestStep`), the audit record ``letter_request.<word>`` and the domain
event ``smart_government.letter_request.<word>``. The verification and approval steps are switched
per village (``verification_step``, ``approval_step`` in the village settings).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from desacerdas.kit.workflow import NEXT_STEP, Action, MoveContext, StepColumns, Workflow
from desacerdas.models import Tenant, User
from desacerdas.models.base import utcnow
from desacerdas.services import ServiceError
from desacerdas.services.i18n import _

from ..accounts import service as accounts
from ..permissions import (
    LETTERS_APPROVE,
    LETTERS_ISSUE,
    LETTERS_PROCESS,
    LETTERS_SIGN,
    LETTERS_VIEW,
)
from ..settings import settings_for
from . import notices
from .models import LetterRequest, LetterRequestStep, RequestStatus

OPEN = (RequestStatus.SUBMITTED, RequestStatus.VERIFIED, RequestStatus.APPROVED, RequestStatus.SIGNED)
CLOSED = (RequestStatus.ISSUED, RequestStatus.REJECTED, RequestStatus.CANCELLED)
ACTIONS = ("verify", "approve", "sign", "issue", "reject", "cancel")


class InvalidRequest(ServiceError):
    """The request's data is refused; ``fields`` maps each field (or attachment key) to its problem.

    The message names each field in words: ``labels`` maps a key to what the form calls it (a
    letter type's field and attachment labels, :func:`labels_for`), so a resident reads
    "Foto KTP: …", never ``ktp: …``. A problem that already starts with its label is not prefixed
    again; a key without a label is left out of the sentence (its problem still stands next to
    the field)."""

    def __init__(self, problems: Mapping[str, str], labels: Mapping[str, str] | None = None) -> None:
        self.fields = dict(problems)
        self.labels = dict(labels or {})
        parts = []
        for key, problem in self.fields.items():
            label = str(self.labels.get(key) or _BUILT_IN.get(key) or "")
            if not label or str(problem).startswith(label):
                parts.append(str(problem))
            else:
                parts.append(f"{label}: {problem}")
        listed = "; ".join([p.rstrip(".") for p in parts[:-1]] + parts[-1:])  # one full stop, at the end
        super().__init__(
            _("Some fields are not valid: %(problems)s", problems=listed), "invalid_request", 400
        )

    def labelled(self, labels: Mapping[str, str]) -> InvalidRequest:
        """The same problems, worded with ``labels`` (known once the letter type is)."""
        return InvalidRequest(self.fields, {**self.labels, **labels})


_BUILT_IN = {"purpose": _l("What is the letter for?"), "reason": _l("Reason")}


def labels_for(letter_type: Any) -> dict[str, str]:
    """What a letter type's form calls each of its fields and attachments, by key."""
    out = {f["name"]: f.get("label") or f["name"] for f in letter_type.fields or []}
    out.update({a["key"]: a.get("label") or a["key"] for a in letter_type.attachments or []})
    return out


def _forbidden(message: str | None = None) -> ServiceError:
    return ServiceError(message or _("You are not allowed to do this."), "forbidden", 403)


def switched_off(session: Session, tenant: Tenant, values: Mapping | None = None) -> set[str]:
    """The optional steps this village does not use."""
    values = values if values is not None else settings_for(tenant)
    return {
        name
        for name, key in (("verify", "verification_step"), ("approve", "approval_step"))
        if not values[key]
    }


def is_owner(session: Session, user: User | None, req: LetterRequest) -> bool:
    """Whether ``user`` is the resident the request is for (through their resident account)."""
    account = accounts.account_of(user, session)
    return account is not None and account.resident_id == req.resident_id


def _reason_required(ctx: MoveContext) -> None:
    if not ctx.note:
        raise InvalidRequest({"reason": _("Give the reason for the rejection; the resident reads it.")})


def _told(ctx: MoveContext) -> None:
    """The resident hears of the move in the move's own transaction (issuing tells them itself,
    with the letter's link, once the letter exists)."""
    notices.tell_resident(ctx.session, ctx.tenant, ctx.record, ctx.action.word, reason=ctx.note)


def _rejected(ctx: MoveContext) -> None:
    ctx.record.rejection_reason = ctx.note
    ctx.record.closed_at = utcnow()
    _told(ctx)


def _closed(ctx: MoveContext) -> None:
    ctx.record.closed_at = ctx.data.get("at") or utcnow()  # issuing passes the letter's moment


def _wrong_state(req: LetterRequest, action: Action, expected: Action | None) -> str:
    """The 409's sentence, in the words letters have always used."""
    if expected is None:
        return _(
            "This request is already %(status)s; it cannot be changed any more.",
            status=FLOW.state_label(req.status),
        )
    return _(
        "This request is %(status)s, so you cannot %(action)s it now; the next step is to %(next)s it.",
        status=FLOW.state_label(req.status),
        action=FLOW.action_label(action),
        next=FLOW.action_label(expected),
    )


_OPEN = tuple(s.value for s in OPEN)
FLOW = Workflow(
    name="smart_government.letter_request",
    states={
        "submitted": _l("Submitted"),
        "verified": _l("Verified"),
        "approved": _l("Approved"),
        "signed": _l("Signed"),
        "issued": _l("Issued"),
        "rejected": _l("Rejected"),
        "cancelled": _l("Cancelled"),
    },
    actions=[
        Action(
            "verify",
            ("submitted",),
            "verified",
            _l("verify"),
            LETTERS_PROCESS,
            optional=True,
            effect=_told,
            recorded_as="verified",
        ),
        Action(
            "approve",
            ("verified",),
            "approved",
            _l("approve"),
            LETTERS_APPROVE,
            optional=True,
            effect=_told,
            recorded_as="approved",
        ),
        Action("sign", ("approved",), "signed", _l("sign"), LETTERS_SIGN, effect=_told, recorded_as="signed"),
        Action(
            "issue", ("signed",), "issued", _l("issue"), LETTERS_ISSUE, effect=_closed, recorded_as="issued"
        ),
        Action(
            "reject",
            _OPEN,
            "rejected",
            _l("reject"),
            NEXT_STEP,
            guard=_reason_required,
            effect=_rejected,
            recorded_as="rejected",
        ),
        Action(
            "cancel",
            _OPEN,
            "cancelled",
            _l("cancel"),
            owner_allowed=True,
            effect=_closed,
            recorded_as="cancelled",
        ),
    ],
    final=frozenset({"issued", "rejected", "cancelled"}),
    path=("verify", "approve", "sign", "issue"),
    is_owner=is_owner,
    view_permission=LETTERS_VIEW,
    step_model=LetterRequestStep,
    step_columns=StepColumns(record="request_id", to_state="status", from_state=None),
    skipped=switched_off,
    coerce=RequestStatus,
    target="letter_request",
    audit_prefix="letter_request",
    missing=lambda: _("No such letter request."),
    wrong_state=_wrong_state,
)


# -- who acts next (the request page and "My letters" say it) ---------------------------------------


def next_actor(session: Session, tenant: Tenant, req: LetterRequest, hamlet: str | None = None) -> str:
    """Who the request waits for now, in words and in the village's own titles: "Waiting for
    verification by Kelian Banjar Dinas Kaja or the desa office", "Waiting for the signature of
    Perbekel Menanga", "Ready to collect at the desa office"; a closed request says that nobody
    acts on it any more. ``hamlet`` is the name of the request's hamlet (None: none recorded)."""
    from desacerdas.kit import terms as village_terms

    words = village_terms.terms_for(tenant)
    office = _("the %(village)s office", village=words.village.lower())
    status = RequestStatus(req.status)
    if status == RequestStatus.ISSUED:
        if req.channel.value == "online":
            return _("Ready: download the letter below, or collect it at %(office)s.", office=office)
        return _("Ready to collect at %(office)s.", office=office)
    if status == RequestStatus.REJECTED:
        return _("Turned down: nobody acts on this request any more. A new request can be sent.")
    if status not in OPEN:
        return _("Cancelled: nobody acts on this request any more.")
    step = FLOW.next_action(status.value, FLOW.disabled(session, tenant))
    if step is None or step.name == "issue":
        return _("Signed: %(office)s prints and issues the letter.", office=office)
    if step.name == "verify":
        if hamlet:
            who = _("%(head)s or %(office)s", head=words.hamlet_head_title(hamlet), office=office)
        else:
            who = office
        return _("Waiting for verification by %(who)s.", who=who)
    if step.name == "approve":
        secretary = f"Sekretaris {words.village}"  # Sekretaris Desa / Sekretaris Kelurahan
        return _(
            "Waiting for approval by %(secretary)s or %(head)s.", secretary=secretary, head=words.head_title
        )
    return _("Waiting for the signature of %(head)s.", head=words.head_title)
