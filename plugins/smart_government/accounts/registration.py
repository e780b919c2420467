"""Self-registration: a resident asks for an account, a new arrival asks to be added to the registry.

An **account request** must match the registry on three things at once (NIK, the KK number of the
resident's family, the birth date); a mismatch gets one generic message, so the form cannot be used
to probe the registry. A **new arrival** submits the registry's fields (checked like a clerk would:
NIK against birth date and sex, KK number); nothing is compared with the registry before review, for
the same reason. Both bring photos of their KTP and KK (and a selfie), stored through the documents
core for staff only, and wait for staff or the hamlet head, who approve (an account is opened, a new
arrival is registered) or reject with a reason.

The applicant follows their request with its short reference (``K7QM-4TZP``, random, unique per
village: :mod:`.references`), never a sequence number; the registration's UUID stays its key for
staff pages and the API, and the status address with the UUID keeps working."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from flask import current_app
from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session

from desacerdas.kit.access import Scope
from desacerdas.kit.lists import Filter, ListSpec, Sort, choice
from desacerdas.models import Hamlet, Tenant, Visibility
from desacerdas.services import NotFound, ServiceError, audit, images
from desacerdas.services import documents as docs
from desacerdas.services import users as user_svc
from desacerdas.services.i18n import _

from ..registry.models import Family, Resident, ResidentStatus, Sex
from ..registry.validation import NumberProblem, check_kk, check_nik, clean_number
from . import references
from . import service as accounts
from .models import Registration, RegistrationKind, RegistrationStatus

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


def _new_reference(session: Session) -> str:
    """A reference no registration of the village has yet."""

    def taken(code: str) -> bool:
        return session.scalar(select(Registration.id).where(Registration.reference == code)) is not None

    return references.unused_reference(taken)


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
    uploads = [(attr, kind, title, images.bounded_upload(upload)) for attr, kind, title, upload in files]
    session.add(registration)
    items = []
    for attr, kind, title, upload in uploads:
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
        reference=_new_reference(session),
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
        reference=_new_reference(session),
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


def _matching(stmt: Select, term: str) -> Select:
    """Name, the start of the NIK, or the applicant's reference as they read it out."""
    term = term.strip()
    conditions = [
        Registration.nik.startswith(term, autoescape=True),
        Registration.name.icontains(term, autoescape=True),
    ]
    if (code := references.normalise(term)) is not None:
        conditions.append(Registration.reference == code)
    return stmt.where(or_(*conditions))


# Pending requests first (this column is 1 for them, sorted descending), then the newest.
_WAITING = case((Registration.status == RegistrationStatus.PENDING, 1), else_=0)

REGISTRATIONS = ListSpec(
    filters={
        "status": Filter.equals(Registration.status, parse=choice(RegistrationStatus)),
        "kind": Filter.equals(Registration.kind, parse=choice(RegistrationKind)),
        "q": Filter(_matching),
    },
    sorts={
        "queue": Sort(_WAITING, Registration.submitted_at, Registration.id, desc=True),
        "name": Sort(Registration.name, Registration.id),
    },
    default_sort="queue",
)
"""The review queue, for its page and its API alike: ``REGISTRATIONS.page(queue(scope))``."""


def queue(scope: Scope) -> Select:
    """The registrations a reviewer with ``scope`` sees (a hamlet head: their hamlet's), unordered:
    :data:`REGISTRATIONS` filters, sorts and pages it."""
    return scope.filter(select(Registration), hamlet_column=Registration.hamlet_id)


def get(session: Session, registration_id: uuid.UUID | str, *, scope: Scope | None = None) -> Registration:
    """A registration of the session's village; outside the reviewer's ``scope`` it does not exist."""
    wanted = _uuid(registration_id)
    found = session.scalar(select(Registration).where(Registration.id == wanted)) if wanted else None
    if found is None or (scope is not None and not scope.allows(hamlet_id=found.hamlet_id)):
        raise NotFound(_("No such registration."))
    return found


def by_reference(session: Session, reference: uuid.UUID | str) -> Registration:
    """The applicant's view of their request, by its short reference (as typed: ``k7qm 4tzp``) or,
    for addresses given out before references existed, by the registration's UUID."""
    found = None
    if (code := references.normalise(str(reference))) is not None:
        found = session.scalar(select(Registration).where(Registration.reference == code))
    elif _uuid(reference) is not None:
        found = session.scalar(select(Registration).where(Registration.id == _uuid(reference)))
    if found is None:
        raise NotFound(_("No request with this reference."))
    return found
