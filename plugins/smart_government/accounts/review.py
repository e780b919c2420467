"""Deciding a registration: approving an account request opens the resident's account, approving
a new arrival registers the resident (and their family) in the registry; rejecting records the
reason. A hamlet head decides only their hamlet's.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from desacerdas.auth.permissions import can
from desacerdas.models import Tenant, User
from desacerdas.services import NotFound, ServiceError, audit
from desacerdas.services import documents as docs
from desacerdas.services.i18n import _

from ..registry import service as registry
from ..registry.models import EventKind, Family, Resident
from . import service as accounts
from .models import Registration, RegistrationKind, RegistrationStatus
from .registration import REASON_MAX, _now


def _pending(registration: Registration) -> None:
    if registration.status != RegistrationStatus.PENDING:
        raise ServiceError(_("This request has been decided already."), "already_decided", 409)


def _decided(registration: Registration, status: RegistrationStatus, actor: User) -> None:
    registration.status = status
    registration.decided_by = actor.id
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
    fields = {
        k: data[k]
        for k in (
            "birth_place",
            "religion",
            "marital_status",
            "relationship_to_head",
            "education",
            "occupation",
            "address",
        )
        if data.get(k)
    }
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
        **fields,
    )
    note = _("Self-registered as a new arrival")
    if data.get("previous_address"):
        note += f" ({data['previous_address']})"
    registry.record_event(
        person, EventKind.MOVE_IN, date.today(), date.today(), note, actor, hamlet_scope=scope
    )
    return person


def approve(
    tenant: Tenant,
    session: Session,
    registration: Registration,
    actor: User,
    *,
    hamlet_scope: uuid.UUID | None = None,
    open_account: bool = True,
) -> str | None:
    """Approve a pending request: an account request opens the account; a new arrival is added to
    the registry (family, resident, "moved in" event) and, with ``open_account``, gets an account
    too. Returns the initial PIN to hand over (shown once), or None. Commits."""
    if hamlet_scope is not None and registration.hamlet_id != hamlet_scope:
        raise NotFound(_("No such registration."))
    _pending(registration)
    if registration.kind == RegistrationKind.ACCOUNT:
        resident = (
            registry.get_resident(session, registration.resident_id, hamlet_scope=hamlet_scope)
            if (registration.resident_id)
            else None
        )
        if resident is None:
            raise ServiceError(_("The resident of this request is no longer in the registry."), "gone", 409)
        if not resident.phone and registration.phone:
            registry.update_resident(
                resident, actor=actor, hamlet_scope=hamlet_scope, phone=registration.phone
            )
        existing = accounts.account_for_resident(session, resident.id)
        if existing is not None and existing.active:
            # Approving must never hand out a working PIN for an account someone already uses.
            raise ServiceError(
                _("This resident has an account already: reset its PIN instead."), "duplicate_account", 409
            )
        if existing is not None:
            if not can(actor, "smart_government.accounts.manage", tenant):
                raise ServiceError(
                    _("Only the village office can reopen a closed account."), "forbidden", 403
                )
            pin = accounts.reset_pin(tenant, session, existing, actor)  # a closed account opened again
        else:
            _account, pin = accounts.create_account(tenant, session, resident, actor)
    else:
        resident = _add_arrival(session, registration, actor, hamlet_scope)
        registration.resident_id = resident.id
        pin = accounts.create_account(tenant, session, resident, actor)[1] if open_account else None
    _decided(registration, RegistrationStatus.APPROVED, actor)
    audit.record(
        "smart_government.registration.approved",
        actor=actor,
        tenant_id=tenant.id,
        target=f"registration:{registration.id}",
        session=session,
        kind=registration.kind.value,
        resident_id=str(resident.id),
        account=pin is not None,
    )
    session.commit()
    return pin


def reject(
    tenant: Tenant,
    session: Session,
    registration: Registration,
    actor: User,
    reason: str,
    *,
    hamlet_scope: uuid.UUID | None = None,
) -> Registration:
    """Reject a pending request; the reason (required) is shown to the applicant. Commits."""
    if hamlet_scope is not None and registration.hamlet_id != hamlet_scope:
        raise NotFound(_("No such registration."))
    _pending(registration)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("Say why the request is rejected: the applicant sees it."), "reason_required")
    if len(reason) > REASON_MAX:
        raise ServiceError(
            _("The reason cannot be longer than %(max)d characters.", max=REASON_MAX), "reason_too_long"
        )
    _decided(registration, RegistrationStatus.REJECTED, actor)
    registration.reason = reason
    audit.record(
        "smart_government.registration.rejected",
        actor=actor,
        tenant_id=tenant.id,
        target=f"registration:{registration.id}",
        session=session,
        kind=registration.kind.value,
    )
    session.commit()
    # Identity photos of a refused request are not kept: deleted now, purged after the retention.
    for document_id in (
        registration.ktp_document_id,
        registration.kk_document_id,
        registration.selfie_document_id,
    ):
        if document_id is not None:
            docs.soft_delete(tenant, docs.get(document_id, session), actor=actor, session=session)
    return registration
