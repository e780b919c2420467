from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from desacerdas.auth.permissions import can
from desacerdas.models import Tenant, User
from desacerdas.models.base import utcnow
from desacerdas.services import NotFound, ServiceError, audit
from desacerdas.services.i18n import _

from ..accounts import service as accounts
from ..registry import service as registry
from ..settings import settings_for
from .models import LetterRequest, LetterRequestStep, RequestStatus

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
