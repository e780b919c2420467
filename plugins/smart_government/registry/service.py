"""The population registry's service layer: the one place where residents, families and civil
events are created and changed, so that pages, the API, imports and demo data apply the same rules.

Every function works on a session bound to one village (``tenant_session`` or a request's
``db.session``); the caller commits. Each change adds an audit event to the same session, so the
change and its record commit or roll back together."""

from __future__ import annotations

import secrets
import unicodedata
import uuid
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from desacerdas.models import Hamlet, User
from desacerdas.plugin_system import events
from desacerdas.plugin_system.types import DomainEvent
from desacerdas.services import NotFound, ServiceError, audit
from desacerdas.services.i18n import _
from desacerdas.tenancy import current_tenant_id

from .models import CivilEvent, EventKind, Family, Resident, ResidentStatus, Sex
from .validation import TEMPORARY_PREFIX, NumberProblem, check_kk, check_nik, is_temporary
from .vocabulary import BLOOD_TYPES

# Fields a clerk may set on a resident; the status changes only through civil events.
RESIDENT_FIELDS = frozenset(
    {
        "nik",
        "family_id",
        "name",
        "birth_place",
        "birth_date",
        "sex",
        "religion",
        "marital_status",
        "relationship_to_head",
        "education",
        "occupation",
        "citizenship",
        "blood_type",
        "hamlet_id",
        "address",
        "phone",
        "father_name",
        "father_nik",
        "mother_name",
        "mother_nik",
    }
)
EVENT_STATUS = {
    EventKind.BIRTH: ResidentStatus.LIVING,
    EventKind.MOVE_IN: ResidentStatus.LIVING,
    EventKind.DEATH: ResidentStatus.DIED,
    EventKind.MOVE_OUT: ResidentStatus.MOVED_OUT,
    EventKind.MISSING: ResidentStatus.MISSING,
}  # a correction changes no status: it is history only

# -- small helpers ---------------------------------------------------------------------------------


def normalise_name(name: str) -> str:
    """Lower case, accents removed, spaces collapsed: what ``Resident.name_search`` holds, so that
    'Ni Kadék Ayu' is found by 'kadek'. Search terms go through the same function."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


def _tenant_id(session: Session) -> int:
    tenant_id = current_tenant_id(session)
    if tenant_id is None:  # the isolation layer would refuse too; say it before building anything
        raise RuntimeError("the registry needs a session bound to a village")
    return tenant_id


def _session_of(obj: Resident | Family) -> Session:
    session = Session.object_session(obj)
    if session is None:
        raise RuntimeError("the record is not attached to a village session")
    return session


def _uuid(value: uuid.UUID | str | None) -> uuid.UUID | None:
    if value in (None, ""):
        return None
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise ServiceError(_("%(value)s is not a valid identifier.", value=value), "invalid_id") from None


def clean_text(value: Any, limit: int) -> str | None:
    """Stripped and cut to the column's length, None when empty: how every free-text field is stored
    (imports use it too, so an imported value compares equal to a typed one)."""
    value = (str(value) if value is not None else "").strip()
    return value[:limit] or None


def _temporary_number(session: Session, column: Any) -> str:
    """``T`` + 15 random digits, not yet used in the village: clearly not a NIK/KK, never guessable."""
    while True:
        number = TEMPORARY_PREFIX + "".join(secrets.choice("0123456789") for _i in range(15))
        if session.scalar(select(column).where(column == number)) is None:
            return number


def _number(check: Any, *args: Any, code: str) -> str:
    try:
        return check(*args)
    except NumberProblem as problem:
        raise ServiceError(str(problem), code) from None


def _check_hamlet(session: Session, hamlet_id: uuid.UUID | None, scope: uuid.UUID | None) -> uuid.UUID | None:
    """The hamlet must be one of this village's, and inside the hamlet head's scope."""
    if hamlet_id is None:
        return scope
    if scope is not None and hamlet_id != scope:
        raise ServiceError(_("You may only register residents of your own hamlet."), "outside_hamlet", 403)
    if session.scalar(select(Hamlet.id).where(Hamlet.id == hamlet_id)) is None:
        raise ServiceError(_("This hamlet does not exist in the village."), "unknown_hamlet")
    return hamlet_id


def _in_scope(record: Resident | Family, scope: uuid.UUID | None) -> None:
    """Outside a hamlet head's hamlet a record does not exist for them (404, not 403)."""
    if scope is not None and record.hamlet_id != scope:
        raise NotFound(_("No such resident in your hamlet."))


def _nik_free(session: Session, nik: str, exclude: uuid.UUID | None = None) -> None:
    stmt = select(Resident.id).where(Resident.nik == nik)
    if exclude is not None:
        stmt = stmt.where(Resident.id != exclude)
    if session.scalar(stmt) is not None:
        raise ServiceError(
            _("NIK %(nik)s is already registered to another resident of this village.", nik=nik),
            "duplicate_nik",
            409,
        )


def get_resident(
    session: Session, resident_id: uuid.UUID | str, *, hamlet_scope: uuid.UUID | None = None
) -> Resident:
    resident = session.scalar(select(Resident).where(Resident.id == _uuid(resident_id)))
    if resident is None:
        raise NotFound(_("No such resident."))
    _in_scope(resident, hamlet_scope)
    return resident


def get_family(
    session: Session, family_id: uuid.UUID | str, *, hamlet_scope: uuid.UUID | None = None
) -> Family:
    family = session.scalar(select(Family).where(Family.id == _uuid(family_id)))
    if family is None:
        raise NotFound(_("No such family."))
    if hamlet_scope is not None and family.hamlet_id != hamlet_scope:
        raise NotFound(_("No such family."))
    return family


# -- families and residents --------------------------------------------------------------------------


def create_family(
    session: Session,
    *,
    kk_number: str | None = None,
    hamlet_id: uuid.UUID | str | None = None,
    address: str | None = None,
    actor: User | None = None,
    hamlet_scope: uuid.UUID | None = None,
) -> Family:
    """A Kartu Keluarga; without a KK number it gets a temporary one to replace later."""
    tenant_id = _tenant_id(session)
    hamlet = _check_hamlet(session, _uuid(hamlet_id), hamlet_scope)
    if (kk_number or "").strip():
        kk = _number(check_kk, kk_number, code="invalid_kk")
        if session.scalar(select(Family.id).where(Family.kk_number == kk)) is not None:
            raise ServiceError(
                _("KK number %(kk)s is already registered in this village.", kk=kk), "duplicate_kk", 409
            )
        temporary = False
    else:
        kk, temporary = _temporary_number(session, Family.kk_number), True
    family = Family(kk_number=kk, kk_temporary=temporary, hamlet_id=hamlet, address=clean_text(address, 300))
    session.add(family)
    session.flush()
    audit.record(
        "smart_government.family.created",
        actor=actor,
        tenant_id=tenant_id,
        target=f"family:{family.id}",
        session=session,
        temporary=temporary,
    )
    return family


def _clean_fields(session: Session, fields: dict[str, Any], scope: uuid.UUID | None) -> dict[str, Any]:
    """Validate and normalise resident fields (those given); NIK checks happen in the callers."""
    unknown = set(fields) - RESIDENT_FIELDS
    if unknown:
        raise ServiceError(
            _("Unknown fields: %(fields)s.", fields=", ".join(sorted(unknown))), "unknown_field"
        )
    clean: dict[str, Any] = {}
    for key, value in fields.items():
        if key == "name":
            name = clean_text(value, 120)
            if not name:
                raise ServiceError(_("A resident needs a name."), "name_required")
            clean["name"] = name
        elif key == "birth_date":
            if not isinstance(value, date):
                raise ServiceError(_("A resident needs a date of birth."), "birth_date_required")
            if value > date.today():
                raise ServiceError(_("The date of birth is in the future."), "birth_date_future")
            clean["birth_date"] = value
        elif key == "sex":
            try:
                clean["sex"] = Sex(value)
            except ValueError:
                raise ServiceError(_("Sex must be male or female."), "invalid_sex") from None
        elif key == "hamlet_id":
            clean["hamlet_id"] = _check_hamlet(session, _uuid(value), scope)
        elif key == "family_id":
            family_id = _uuid(value)
            if family_id is not None:
                get_family(session, family_id, hamlet_scope=scope)
            clean["family_id"] = family_id
        elif key in ("father_nik", "mother_nik"):
            clean[key] = (
                _number(check_nik, value, code="invalid_parent_nik") if clean_text(value, 16) else None
            )
        elif key == "blood_type":
            blood = clean_text(value, 3)
            if blood is not None and blood.upper() not in BLOOD_TYPES:
                raise ServiceError(_("Blood type must be A, B, AB or O."), "invalid_blood_type")
            clean[key] = blood.upper() if blood else None
        elif key == "citizenship":
            clean[key] = (clean_text(value, 3) or "WNI").upper()
        elif key == "nik":
            clean[key] = value
        else:
            limit = Resident.__table__.c[key].type.length
            clean[key] = clean_text(value, limit)
    return clean


def new_resident_values(fields: dict[str, Any], *, nik: str, temporary: bool) -> dict[str, Any]:
    """The stored values of a new resident from its cleaned fields: the defaults (citizenship WNI,
    status living) and the search form of the name. ``create_resident`` and the import's bulk
    insert both build their rows with it, so a typed and an imported resident are stored alike."""
    values = dict(fields)
    values["citizenship"] = values.get("citizenship") or "WNI"
    values["status"] = ResidentStatus.LIVING
    values.update(nik=nik, nik_temporary=temporary, name_search=normalise_name(values["name"]))
    return values


def create_resident(
    session: Session,
    *,
    actor: User | None = None,
    hamlet_scope: uuid.UUID | None = None,
    **fields: Any,
) -> Resident:
    """Register a resident. The NIK is checked against the birth date and sex and is unique in the
    village; a resident without one gets a clearly marked temporary number."""
    tenant_id = _tenant_id(session)
    for required in ("name", "birth_date", "sex"):
        fields.setdefault(required, None)
    fields.setdefault("hamlet_id", None)
    clean = _clean_fields(session, fields, hamlet_scope)
    nik = (str(clean.pop("nik", None) or "")).strip()
    if nik:
        nik = _number(check_nik, nik, clean["birth_date"], clean["sex"], code="invalid_nik")
        _nik_free(session, nik)
        temporary = False
    else:
        nik, temporary = _temporary_number(session, Resident.nik), True
    resident = Resident(**new_resident_values(clean, nik=nik, temporary=temporary))
    session.add(resident)
    session.flush()
    audit.record(
        "smart_government.resident.created",
        actor=actor,
        tenant_id=tenant_id,
        target=f"resident:{resident.id}",
        session=session,
        temporary_nik=temporary,
    )
    return resident


def update_resident(
    resident: Resident,
    *,
    actor: User | None = None,
    hamlet_scope: uuid.UUID | None = None,
    **changes: Any,
) -> Resident:
    """Change a resident's data (not the status: that follows civil events). A real NIK is checked
    again against the new birth date and sex."""
    session = _session_of(resident)
    _in_scope(resident, hamlet_scope)
    clean = _clean_fields(session, changes, hamlet_scope)
    if "nik" in clean:
        nik = (str(clean.pop("nik") or "")).strip()
        if nik and nik != resident.nik:
            if is_temporary(nik):
                raise ServiceError(_("A temporary number cannot be assigned by hand."), "invalid_nik")
            clean["nik"] = nik
    birth_date = clean.get("birth_date", resident.birth_date)
    sex = clean.get("sex", resident.sex)
    nik = clean.get("nik", resident.nik)
    if not is_temporary(nik) and {"nik", "birth_date", "sex"} & set(clean):
        nik = _number(check_nik, nik, birth_date, sex, code="invalid_nik")
        _nik_free(session, nik, exclude=resident.id)
        if "nik" in clean:
            clean["nik"] = nik
            clean["nik_temporary"] = False
    changed = sorted(k for k, v in clean.items() if getattr(resident, k) != v)
    for key in changed:
        setattr(resident, key, clean[key])
    if "name" in changed:
        resident.name_search = normalise_name(resident.name)
    if changed:
        session.flush()
        audit.record(
            "smart_government.resident.updated",
            actor=actor,
            tenant_id=resident.tenant_id,
            target=f"resident:{resident.id}",
            session=session,
            fields=changed,
        )
    return resident


def replace_temporary_nik(
    resident: Resident, real_nik: str, *, actor: User | None = None, hamlet_scope: uuid.UUID | None = None
) -> Resident:
    """Give a resident registered with a temporary number their real NIK.

    When another record of the village already holds that NIK, the two are probably the same person
    registered twice: refuse and name the other record, so a clerk merges them by hand rather than
    the registry silently keeping two.
    """
    session = _session_of(resident)
    _in_scope(resident, hamlet_scope)
    if not resident.nik_temporary:
        raise ServiceError(_("This resident already has a real NIK."), "not_temporary", 409)
    nik = _number(check_nik, real_nik, resident.birth_date, resident.sex, code="invalid_nik")
    other = session.scalar(select(Resident).where(Resident.nik == nik, Resident.id != resident.id))
    if other is not None and hamlet_scope is not None and other.hamlet_id != hamlet_scope:
        # A hamlet head must not learn who lives in another hamlet: say only that it is taken.
        raise ServiceError(
            _("NIK %(nik)s is already registered to another resident of this village.", nik=nik),
            "duplicate_nik",
            409,
        )
    if other is not None:
        raise ServiceError(
            _(
                "NIK %(nik)s already belongs to %(name)s (born %(born)s) in this village: if they are the "
                "same person, keep that record and remove this one.",
                nik=nik,
                name=other.name,
                born=other.birth_date.strftime("%d-%m-%Y"),
            ),
            "duplicate_nik",
            409,
        )
    old = resident.nik
    resident.nik, resident.nik_temporary = nik, False
    session.flush()
    audit.record(
        "smart_government.resident.nik_replaced",
        actor=actor,
        tenant_id=resident.tenant_id,
        target=f"resident:{resident.id}",
        session=session,
        temporary=old,
    )
    return resident


def record_event(
    resident: Resident,
    kind: EventKind | str,
    event_date: date,
    report_date: date | None = None,
    note: str | None = None,
    actor: User | None = None,
    *,
    hamlet_scope: uuid.UUID | None = None,
) -> CivilEvent:
    """Record a birth, death, move, disappearance or correction; the status follows the event.

    Monthly reports count by ``event_date`` (when it happened), not by ``report_date``.
    """
    session = _session_of(resident)
    _in_scope(resident, hamlet_scope)
    try:
        kind = EventKind(kind)
    except ValueError:
        raise ServiceError(_("Unknown kind of civil event: %(kind)s.", kind=kind), "invalid_kind") from None
    report_date = report_date or date.today()
    if not isinstance(event_date, date):
        raise ServiceError(_("A civil event needs the date it happened."), "event_date_required")
    if event_date > report_date:
        raise ServiceError(_("An event cannot happen after it was reported."), "event_after_report")
    if report_date > date.today():
        raise ServiceError(_("The report date is in the future."), "report_date_future")
    if event_date < resident.birth_date:
        raise ServiceError(_("The event happened before the resident was born."), "event_before_birth")
    if resident.status == ResidentStatus.DIED and kind != EventKind.CORRECTION:
        raise ServiceError(
            _("%(name)s is recorded as deceased; only a correction can be recorded.", name=resident.name),
            "deceased",
            409,
        )
    event = CivilEvent(
        resident_id=resident.id,
        kind=kind,
        event_date=event_date,
        report_date=report_date,
        note=clean_text(note, 2000),
        recorded_by=actor.id if actor is not None else None,
    )
    session.add(event)
    before = resident.status
    if kind in EVENT_STATUS:
        resident.status = EVENT_STATUS[kind]
    session.flush()
    audit.record(
        f"smart_government.event.{kind.value}",
        actor=actor,
        tenant_id=resident.tenant_id,
        target=f"resident:{resident.id}",
        session=session,
        event=str(event.id),
        event_date=event_date.isoformat(),
        status_before=before.value,
        status_after=resident.status.value,
    )
    # Other pillars follow the registry (social aid ends for the dead and those who moved away).
    events.queue(
        session,
        DomainEvent(
            f"smart_government.resident.{kind.value}",
            resident.tenant_id,
            {"resident_id": str(resident.id), "event_date": event_date.isoformat()},
            actor.id if actor is not None else None,
        ),
    )
    return event
