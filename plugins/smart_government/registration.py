"""Self-registration: a resident asks for an account, a new arrival asks to be added to the registry.

An **account request** must match the registry on three things at once (NIK, the KK number of the
resident's family, the birth date); a mismatch gets one generic message, so the form cannot be used
to probe the registry. A **new arrival** submits the registry's fields (checked like a clerk would:
NIK against birth date and sex, KK number); nothing is compared with the registry before review, for
the same reason. Both bring photos of their KTP and KK (and a selfie), stored through the documents
core for staff only, and wait for staff or the hamlet head, who approve (an account is opened, a new
arrival is registered) or reject with a reason.

The applicant follows their request with its reference: the registration's random id, never a
sequence number.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from flask import current_app
from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session

from desacerdas.auth.permissions import can
from desacerdas.models import Hamlet, Tenant, User, Visibility
from desacerdas.services import NotFound, ServiceError, audit
from desacerdas.services import documents as docs
from desacerdas.services import users as user_svc
from desacerdas.services.i18n import _

from . import accounts, registry
from .models import EventKind, Family, Resident, ResidentStatus, Sex
from .models_accounts import Registration, RegistrationKind, RegistrationStatus
from .validation import NumberProblem, check_kk, check_nik, clean_number

PLUGIN = "smart_government"
REASON_MAX = 500
# What a new arrival may tell about themselves besides the columns of a registration.
ARRIVAL_FIELDS = (
    "birth_place",
    "religion",
    "marital_status",
    "relationship_to_head",
    "education",
    "occupation",
    "address",
    "previous_address",
)


Upload = docs.NewFile  # a file from a form or an API call: its stream and the name the client gave


def _now() -> datetime:
    return datetime.now(UTC)


def _no_match() -> ServiceError:
    return ServiceError(
        _(
            "These details do not match the village's population registry. Check them against your "
            "KTP and KK, or ask the village office."
        ),
        "no_match",
        400,
    )


def _clean_phone(phone: str | None, *, required: bool) -> str | None:
    normalised = user_svc.normalize_phone(phone)
    if not normalised:
        if required:
            raise ServiceError(_("Give a phone number we can reach you on."), "phone_required")
        return None
    if not user_svc.PHONE.match(normalised):
        raise ServiceError(_("'%(phone)s' is not a phone number.", phone=phone), "invalid_phone")
    return normalised


def _number(check: Any, *args: Any, code: str) -> str:
    try:
        return check(*args)
    except NumberProblem as problem:
        raise ServiceError(str(problem), code) from None


def _uuid(value: uuid.UUID | str | None) -> uuid.UUID | None:
    if value in (None, ""):
        return None
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        return None


def _hamlet(session: Session, hamlet_id: uuid.UUID | str | None) -> uuid.UUID:
    hamlet = _uuid(hamlet_id)
    if hamlet is None:
        raise ServiceError(_("Choose the hamlet you live in."), "hamlet_required")
    if session.scalar(select(Hamlet.id).where(Hamlet.id == hamlet)) is None:
        raise ServiceError(_("This hamlet does not exist in the village."), "unknown_hamlet")
    return hamlet


def _pending_for(session: Session, nik: str, kind: RegistrationKind) -> bool:
    stmt = select(Registration.id).where(
        Registration.nik == nik, Registration.kind == kind, Registration.status == RegistrationStatus.PENDING
    )
    return session.scalar(stmt) is not None


# -- storing the photos --------------------------------------------------------------------------------


def _room_for_more(session: Session) -> None:
    """Anyone may apply without an account, so a village takes at most ``SG_MAX_PENDING_REGISTRATIONS``
    (default 200) undecided requests: a flood of applications cannot fill its document storage."""
    limit = int(current_app.config.get("SG_MAX_PENDING_REGISTRATIONS", 200))
    pending = session.scalar(
        select(func.count(Registration.id)).where(Registration.status == RegistrationStatus.PENDING)
    )
    if (pending or 0) >= limit:
        raise ServiceError(
            _("The village office has too many requests waiting. Please try again in a few days."),
            "too_many_pending",
            429,
        )


def _store_with_photos(
    tenant: Tenant, session: Session, registration: Registration, files: list[tuple[str, str, str, Upload]]
) -> Registration:
    """Save the registration with its photos in one transaction: all of them or nothing."""
    session.add(registration)
    items = []
    for attr, kind, title, upload in files:
        document_id = uuid.uuid4()
        setattr(registration, attr, document_id)
        items.append(
            docs.NewDocument(
                upload,
                title,
                kind,
                PLUGIN,
                str(registration.id),
                visibility=Visibility.STAFF,
                document_id=document_id,
            )
        )
    docs.store_all(tenant, items, session=session)
    return registration


# -- submitting ------------------------------------------------------------------------------------------


def request_account(
    tenant: Tenant,
    session: Session,
    *,
    nik: str,
    kk_number: str,
    birth_date: date | None,
    phone: str | None,
    ktp: Upload,
    kk: Upload,
    selfie: Upload,
) -> Registration:
    """A resident of the registry asks for an account. Commits (with the photos)."""
    _room_for_more(session)
    nik, kk_number = clean_number(nik), clean_number(kk_number)
    phone = _clean_phone(phone, required=True)
    resident = session.scalar(select(Resident).where(Resident.nik == nik)) if nik else None
    family = (
        session.scalar(select(Family).where(Family.id == resident.family_id))
        if resident is not None and resident.family_id
        else None
    )
    if (
        resident is None
        or family is None
        or resident.nik_temporary
        or family.kk_number != kk_number
        or birth_date is None
        or resident.birth_date != birth_date
        or resident.status != ResidentStatus.LIVING
    ):
        audit.record(
            "smart_government.registration.no_match", tenant_id=tenant.id, session=session, kind="account"
        )
        session.commit()
        raise _no_match()
    existing = accounts.account_for_resident(session, resident.id)
    if existing is not None and existing.active:
        raise ServiceError(
            _('You have an account already. Use "Forgot PIN" or ask the village office.'),
            "duplicate_account",
            409,
        )
    if _pending_for(session, nik, RegistrationKind.ACCOUNT):
        raise ServiceError(
            _("A request for this NIK is already waiting for review."), "duplicate_request", 409
        )
    registration = Registration(
        id=uuid.uuid4(),
        kind=RegistrationKind.ACCOUNT,
        status=RegistrationStatus.PENDING,
        nik=nik,
        kk_number=kk_number,
        name=resident.name,
        birth_date=birth_date,
        phone=phone,
        hamlet_id=resident.hamlet_id,
        resident_id=resident.id,
        data={},
        submitted_at=_now(),
    )
    audit.record(
        "smart_government.registration.submitted",
        tenant_id=tenant.id,
        target=f"registration:{registration.id}",
        session=session,
        kind="account",
    )
    return _store_with_photos(
        tenant,
        session,
        registration,
        [
            ("ktp_document_id", "identity", f"KTP {nik}", ktp),
            ("kk_document_id", "identity", f"KK {kk_number}", kk),
            ("selfie_document_id", "photo", f"Selfie {nik}", selfie),
        ],
    )


def new_arrival(
    tenant: Tenant,
    session: Session,
    *,
    name: str,
    nik: str,
    kk_number: str,
    birth_date: date | None,
    sex: str,
    hamlet_id: uuid.UUID | str | None,
    phone: str | None,
    ktp: Upload,
    kk: Upload,
    selfie: Upload | None = None,
    **fields: Any,
) -> Registration:
    """Someone who moved into the village submits their data, to be checked and added by staff.
    Commits (with the photos)."""
    _room_for_more(session)
    unknown = set(fields) - set(ARRIVAL_FIELDS)
    if unknown:
        raise ServiceError(
            _("Unknown fields: %(fields)s.", fields=", ".join(sorted(unknown))), "unknown_field"
        )
    name = (name or "").strip()
    if not name:
        raise ServiceError(_("A resident needs a name."), "name_required")
    if birth_date is None:
        raise ServiceError(_("A resident needs a date of birth."), "birth_date_required")
    if birth_date > date.today():
        raise ServiceError(_("The date of birth is in the future."), "birth_date_future")
    try:
        sex_value = Sex(sex)
    except ValueError:
        raise ServiceError(_("Sex must be male or female."), "invalid_sex") from None
    nik = _number(check_nik, nik, birth_date, sex_value, code="invalid_nik")
    kk_number = _number(check_kk, kk_number, code="invalid_kk")
    phone = _clean_phone(phone, required=True)
    hamlet = _hamlet(session, hamlet_id)
    if _pending_for(session, nik, RegistrationKind.NEW_ARRIVAL):
        raise ServiceError(
            _("A request for this NIK is already waiting for review."), "duplicate_request", 409
        )
    data = {"sex": sex_value.value}
    for key in ARRIVAL_FIELDS:
        value = (str(fields.get(key) or "")).strip()
        if value:
            data[key] = value[:300]
    registration = Registration(
        id=uuid.uuid4(),
        kind=RegistrationKind.NEW_ARRIVAL,
        status=RegistrationStatus.PENDING,
        nik=nik,
        kk_number=kk_number,
        name=name[:120],
        birth_date=birth_date,
        phone=phone,
        hamlet_id=hamlet,
        data=data,
        submitted_at=_now(),
    )
    files = [
        ("ktp_document_id", "identity", f"KTP {nik}", ktp),
        ("kk_document_id", "identity", f"KK {kk_number}", kk),
    ]
    if selfie is not None:
        files.append(("selfie_document_id", "photo", f"Selfie {nik}", selfie))
    audit.record(
        "smart_government.registration.submitted",
        tenant_id=tenant.id,
        target=f"registration:{registration.id}",
        session=session,
        kind="new_arrival",
    )
    return _store_with_photos(tenant, session, registration, files)


# -- reviewing -------------------------------------------------------------------------------------------


def search(
    session: Session,
    *,
    status: RegistrationStatus | str | None = None,
    kind: RegistrationKind | str | None = None,
    q: str | None = None,
    hamlet_scope: uuid.UUID | None = None,
) -> Select:
    """Registrations, pending first, then the oldest waiting / the newest decided."""
    stmt = select(Registration)
    if status:
        try:
            stmt = stmt.where(Registration.status == RegistrationStatus(status))
        except ValueError:
            raise ServiceError(_("Unknown status %(status)s.", status=status), "invalid_status") from None
    if kind:
        try:
            stmt = stmt.where(Registration.kind == RegistrationKind(kind))
        except ValueError:
            raise ServiceError(_("Unknown kind %(kind)s.", kind=kind), "invalid_kind") from None
    if q and q.strip():
        term = q.strip()
        stmt = stmt.where(
            or_(Registration.nik.startswith(term, autoescape=True), Registration.name.ilike(f"%{term}%"))
        )
    if hamlet_scope is not None:
        stmt = stmt.where(Registration.hamlet_id == hamlet_scope)
    pending_first = case((Registration.status == RegistrationStatus.PENDING, 0), else_=1)
    return stmt.order_by(pending_first, Registration.submitted_at.desc(), Registration.id)


def get(
    session: Session, registration_id: uuid.UUID | str, *, hamlet_scope: uuid.UUID | None = None
) -> Registration:
    """A registration of the session's village; outside a hamlet head's hamlet it does not exist."""
    wanted = _uuid(registration_id)
    found = session.scalar(select(Registration).where(Registration.id == wanted)) if wanted else None
    if found is None or (hamlet_scope is not None and found.hamlet_id != hamlet_scope):
        raise NotFound(_("No such registration."))
    return found


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


def by_reference(session: Session, reference: uuid.UUID | str) -> Registration:
    """The applicant's view of their request: the reference is the registration's random id."""
    try:
        return get(session, reference)
    except ServiceError:
        raise NotFound(_("No request with this reference.")) from None
