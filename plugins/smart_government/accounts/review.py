"""Deciding a registration, as a workflow of the pillar kit: ``pending`` → ``approved`` or
``rejected``, by holders of ``smart_government.registrations.review`` (a hamlet head only for their
hamlet's requests; another hamlet's request is 404 to them).

:data:`FLOW` takes each decision through :meth:`~desacerdas.kit.workflow.Workflow.move`: the
permission and hamlet check, the row lock and re-read (two reviewers deciding at once give one
decision and one 409), the audit record ``smart_government.registration.approved|rejected`` and the
domain event of the same name. Approving an account request opens the resident's account; approving
a new arrival registers the resident (and their family) first. Rejecting records the reason, which
the applicant sees, and the identity photos are not kept.

There is no timeline table (``step_model=None``): a registration is decided once, and who decided,
when and why are on the record itself (``decided_by``, ``decided_at``, ``reason``).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from desacerdas.kit.access import may, scope_for
from desacerdas.kit.workflow import Action, MoveContext, Workflow
from desacerdas.models import Tenant, User
from desacerdas.notifications import notify
from desacerdas.services import ServiceError
from desacerdas.services import documents as docs
from desacerdas.services.i18n import _

from ..notice_kinds import REGISTRATION_APPROVED, REGISTRATION_REJECTED
from ..permissions import ACCOUNTS_MANAGE, REGISTRATIONS_REVIEW
from ..registry import service as registry
from ..registry.models import EventKind, Family, Resident
from . import reach
from . import service as accounts
from .models import Registration, RegistrationKind, RegistrationStatus
from .registration import ARRIVAL_FIELDS, REASON_MAX, _now

# What a new arrival told about themselves that goes into their registry record.
ARRIVAL_RECORD_FIELDS = tuple(k for k in ARRIVAL_FIELDS if k != "previous_address")


def _reason_ok(ctx: MoveContext) -> None:
    """A rejection needs a reason the applicant can read, within the column's length."""
    reason = str(ctx.data.get("reason") or "").strip()
    if not reason:
        raise ServiceError(_("Say why the request is rejected: the applicant sees it."), "reason_required")
    if len(reason) > REASON_MAX:
        raise ServiceError(
            _("The reason cannot be longer than %(max)d characters.", max=REASON_MAX), "reason_too_long"
        )


def _decided(ctx: MoveContext) -> None:
    registration = ctx.record
    registration.decided_by = ctx.user.id
    registration.decided_at = _now()


def _add_arrival(
    session: Session, registration: Registration, actor: User, scope: uuid.UUID | None
) -> Resident:
    data = dict(registration.data or {})
    family = session.scalar(select(Family).where(Family.kk_number == registration.kk_number))
    if family is None:
        family = registry.create_family(
            session,
            kk_number=registration.kk_number,
            hamlet_id=registration.hamlet_id,
            address=data.get("address"),
            actor=actor,
            hamlet_scope=scope,
        )
    else:
        family = registry.get_family(session, family.id, hamlet_scope=scope)
    person = registry.create_resident(
        session,
        actor=actor,
        hamlet_scope=scope,
        nik=registration.nik,
        name=registration.name,
        birth_date=registration.birth_date,
        sex=data.get("sex"),
        hamlet_id=registration.hamlet_id,
        family_id=family.id,
        phone=registration.phone,
        **{k: data[k] for k in ARRIVAL_RECORD_FIELDS if data.get(k)},
    )
    note = _("Self-registered as a new arrival")
    if data.get("previous_address"):
        note += f" ({data['previous_address']})"
    registry.record_event(
        person, EventKind.MOVE_IN, date.today(), date.today(), note, actor, hamlet_scope=scope
    )
    return person


def _open_requested_account(ctx: MoveContext, scope: uuid.UUID | None) -> tuple[Resident, str]:
    """An account request: the matched resident gets their account (a closed one opened again)."""
    session, registration, actor = ctx.session, ctx.record, ctx.user
    resident = (
        registry.get_resident(session, registration.resident_id, hamlet_scope=scope)
        if registration.resident_id
        else None
    )
    if resident is None:
        raise ServiceError(_("The resident of this request is no longer in the registry."), "gone", 409)
    if not resident.phone and registration.phone:
        registry.update_resident(resident, actor=actor, hamlet_scope=scope, phone=registration.phone)
    existing = accounts.account_for_resident(session, resident.id)
    if existing is not None and existing.active:
        # Approving must never hand out a working PIN for an account someone already uses.
        raise ServiceError(
            _("This resident has an account already: reset its PIN instead."), "duplicate_account", 409
        )
    if existing is None:
        return resident, accounts.create_account(ctx.tenant, session, resident, actor)[1]
    if not may(actor, ctx.tenant, ACCOUNTS_MANAGE):
        raise ServiceError(_("Only the village office can reopen a closed account."), "forbidden", 403)
    return resident, accounts.reset_pin(ctx.tenant, session, existing, actor)


def _approved(ctx: MoveContext) -> None:
    """The approval's work, inside the move: ``ctx.results`` gets the PIN to hand over (or None)."""
    _decided(ctx)
    scope = scope_for(ctx.user, ctx.tenant, REGISTRATIONS_REVIEW).staff_hamlet()
    registration = ctx.record
    if registration.kind == RegistrationKind.ACCOUNT:
        resident, pin = _open_requested_account(ctx, scope)
    else:
        resident = _add_arrival(ctx.session, registration, ctx.user, scope)
        registration.resident_id = resident.id
        opened = ctx.data.get("open_account", True)
        pin = accounts.create_account(ctx.tenant, ctx.session, resident, ctx.user)[1] if opened else None
    ctx.results.update(pin=pin, resident_id=resident.id)


def _rejected(ctx: MoveContext) -> None:
    _decided(ctx)
    ctx.record.reason = ctx.note


def _audit_detail(ctx: MoveContext) -> dict[str, Any]:
    """What the audit record keeps besides the states: never the PIN itself."""
    detail: dict[str, Any] = {"kind": ctx.record.kind.value}
    if ctx.action.name == "approve":
        detail.update(resident_id=str(ctx.results["resident_id"]), account=ctx.results["pin"] is not None)
    return detail


def _tell(session: Session, tenant: Tenant, registration: Registration, kind: str, **data: Any) -> None:
    """The applicant hears of the decision, in its transaction, when they have a user to reach: the
    account just opened, or the (closed) account of the resident they matched. A new arrival turned
    away has none yet (they follow their request by its reference). The message goes to the phone
    number they applied with, over the channel the status page named (:mod:`.reach`)."""
    if registration.resident_id is None:
        return
    account = accounts.account_for_resident(session, registration.resident_id)
    user = session.get(User, account.user_id) if account is not None else None
    if user is None:
        return
    data = {"name": registration.name, "village_name": tenant.name, **data}
    key = f"registration:{registration.id}:{kind}"
    channel = reach.phone_channel(tenant) if registration.phone else None
    if channel is not None:  # the number they applied with, as the status page promised
        notify(session, tenant, user, kind, data, key=key, channels=(channel,), address=registration.phone)
    else:
        notify(session, tenant, user, kind, data, key=key)


FLOW = Workflow(
    name="smart_government.registration",
    target="registration",
    states={
        RegistrationStatus.PENDING.value: _l("Waiting for review"),
        RegistrationStatus.APPROVED.value: _l("Approved"),
        RegistrationStatus.REJECTED.value: _l("Rejected"),
    },
    actions=[
        Action(
            "approve",
            ("pending",),
            "approved",
            _l("Approve"),
            REGISTRATIONS_REVIEW,
            effect=_approved,
            recorded_as="approved",
        ),
        Action(
            "reject",
            ("pending",),
            "rejected",
            _l("Reject"),
            REGISTRATIONS_REVIEW,
            guard=_reason_ok,
            effect=_rejected,
            recorded_as="rejected",
        ),
    ],
    final=frozenset({"approved", "rejected"}),
    path=("approve",),
    hamlet_attr="hamlet_id",
    view_permission=REGISTRATIONS_REVIEW,
    step_model=None,
    coerce=RegistrationStatus,
    missing=lambda: _("No such registration."),
    wrong_state_code="already_decided",
    wrong_state=lambda *_a: _("This request has been decided already."),
)


def approve(
    tenant: Tenant, session: Session, registration: Registration, actor: User, *, open_account: bool = True
) -> str | None:
    """Approve a pending request: an account request opens the account; a new arrival is added to
    the registry (family, resident, "moved in" event) and, with ``open_account``, gets an account
    too. Returns the initial PIN to hand over (shown once), or None. Commits."""
    made = FLOW.move(
        session,
        tenant,
        actor,
        registration,
        "approve",
        open_account=open_account,
        audit_detail=_audit_detail,
    )
    _tell(session, tenant, registration, REGISTRATION_APPROVED, account=made.results["pin"] is not None)
    session.commit()
    return made.results["pin"]


def reject(
    tenant: Tenant, session: Session, registration: Registration, actor: User, reason: str
) -> Registration:
    """Reject a pending request; the reason (required) is shown to the applicant. Commits, then
    deletes the identity photos (purged after the documents' retention)."""
    FLOW.move(
        session,
        tenant,
        actor,
        registration,
        "reject",
        note=reason,
        reason=reason,
        audit_detail=_audit_detail,
    )
    _tell(session, tenant, registration, REGISTRATION_REJECTED, reason=registration.reason or "")
    session.commit()
    for document_id in (
        registration.ktp_document_id,
        registration.kk_document_id,
        registration.selfie_document_id,
    ):
        if document_id is not None:
            docs.soft_delete(tenant, docs.get(document_id, session), actor=actor, session=session)
    return registration
