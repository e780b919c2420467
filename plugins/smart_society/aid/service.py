"""Social aid: programmes, proposing candidates, the Musdes decision, ending a recipient's aid,
and the lists the pages and the API share.

Proposing refuses a person or family already in the programme and keeps every other conflict
found (another programme that excludes this one, another village) on the candidate, for the
deliberation to see; the decision checks again and holds back a candidate still in conflict.
:mod:`.deliberation` records the decision; these writers leave the commit to the caller.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from desacerdas.kit.access import scope_for
from desacerdas.kit.lists import Filter, ListSpec, Sort, choice
from desacerdas.models import Tenant, User
from desacerdas.services import NotFound, ServiceError, aid_ledger, audit
from desacerdas.services.i18n import _

from ..complaints.service import today_in
from ..permissions import AID_MANAGE, AID_PROPOSE, AID_VIEW
from . import rules
from .models import (
    AidConflict,
    AidProgramme,
    AidRecipient,
    Benefit,
    ConflictKind,
    EndReason,
    RecipientStatus,
    Schedule,
    Source,
    Unit,
)
from .workflow import FLOW

NAME_MIN, NAME_MAX, TEXT_MAX, REASON_MAX = 3, 160, 2000, 500
DOCUMENT_KIND = "smart_society.aid"
MAX_AMOUNT = 100_000_000


def _invalid(message: str, code: str = "invalid_programme") -> ServiceError:
    return ServiceError(message, code, 400)


# -- programmes ------------------------------------------------------------------------------------


def _enum(kind: type, value: object, message: str):  # noqa: ANN202 - the enum member
    try:
        return kind(value)
    except ValueError:
        raise _invalid(message) from None


def save_programme(
    session: Session,
    tenant: Tenant,
    user: User,
    programme: AidProgramme | None = None,
    *,
    name: str,
    source: str,
    benefit: str,
    schedule: str,
    unit: str,
    period_start: date,
    period_end: date,
    amount: int | None = None,
    goods: str | None = None,
    quota: int | None = None,
    criteria: str | None = None,
    excludes: Sequence[str] = (),
    active: bool = True,
) -> AidProgramme:
    """Add a programme, or change one. The exclusion rules are the sources it excludes."""
    scope_for(user, tenant, AID_MANAGE)
    name = " ".join((name or "").split())
    if not NAME_MIN <= len(name) <= NAME_MAX:
        raise _invalid(_("A programme's name has %(min)d to %(max)d characters.", min=NAME_MIN, max=NAME_MAX))
    source_v = _enum(Source, source, _("Choose where the aid comes from."))
    benefit_v = _enum(Benefit, benefit, _("Choose cash or goods."))
    schedule_v = _enum(Schedule, schedule, _("Choose how often the aid is given."))
    unit_v = _enum(Unit, unit, _("Choose whether the aid goes to a family or a person."))
    if not isinstance(period_start, date) or not isinstance(period_end, date):
        raise _invalid(_("Give the first and the last day of the programme's period."))
    if period_end < period_start:
        raise _invalid(_("The period ends before it starts."))
    if (period_end - period_start).days > 3 * 366:
        raise _invalid(_("A programme's period is at most three years; add one per period."))
    goods = " ".join((goods or "").split())[:200] or None
    if benefit_v == Benefit.CASH and not (amount and 0 < amount <= MAX_AMOUNT):
        raise _invalid(_("Give the amount in rupiah given each time."))
    if benefit_v == Benefit.GOODS and not goods:
        raise _invalid(_("Say which goods are given."))
    if quota is not None and quota < 1:
        raise _invalid(_("A quota is at least 1 (leave it empty for none)."))
    excluded = sorted({_enum(Source, s, _("Unknown source of aid: %(s)s.", s=s)).value for s in excludes})
    duplicate = session.scalar(
        select(AidProgramme.id).where(
            AidProgramme.name == name,
            AidProgramme.period_start == period_start,
            *([AidProgramme.id != programme.id] if programme is not None else []),
        )
    )
    if duplicate is not None:
        raise ServiceError(
            _("This village already has a programme of that name and period."), "duplicate", 409
        )
    if programme is None:
        programme = AidProgramme()
        session.add(programme)
    elif (programme.period_start, programme.period_end) != (period_start, period_end) and _has_recipients(
        session, programme
    ):
        raise ServiceError(
            _("The period cannot change once there are recipients: add a programme for the new period."),
            "period_locked",
            409,
        )
    programme.name, programme.source, programme.benefit = name, source_v, benefit_v
    programme.schedule, programme.unit = schedule_v, unit_v
    programme.period_start, programme.period_end = period_start, period_end
    programme.amount = amount if benefit_v == Benefit.CASH else None
    programme.goods = goods if benefit_v == Benefit.GOODS else None
    programme.quota, programme.active = quota, bool(active)
    programme.criteria = (criteria or "").strip()[:TEXT_MAX] or None
    programme.excludes = excluded
    session.flush()
    audit.record(
        "smart_society.aid.programme_saved",
        actor=user,
        tenant_id=tenant.id,
        target=f"aid_programme:{programme.id}",
        session=session,
        source=source_v.value,
        excludes=excluded,
    )
    return programme


def _has_recipients(session: Session, programme: AidProgramme) -> bool:
    return (
        session.scalar(
            select(AidRecipient.id)
            .where(
                AidRecipient.programme_id == programme.id, AidRecipient.status == RecipientStatus.RECIPIENT
            )
            .limit(1)
        )
        is not None
    )


def get_programme(session: Session, tenant: Tenant, user: User, programme_id: uuid.UUID) -> AidProgramme:
    scope_for(user, tenant, AID_VIEW)
    programme = session.get(AidProgramme, (tenant.id, programme_id))
    if programme is None:
        raise NotFound(_("No such aid programme in this village."))
    return programme


PROGRAMMES = ListSpec(
    filters={
        "source": Filter.equals(AidProgramme.source, parse=choice(Source)),
        "active": Filter.equals(AidProgramme.active, parse=lambda v: v in ("1", "true", "yes", "ya")),
        "q": Filter.contains(AidProgramme.name),
    },
    sorts={
        "newest": Sort(AidProgramme.period_start, AidProgramme.id, desc=True),
        "name": Sort(AidProgramme.name, AidProgramme.id),
    },
    default_sort="newest",
)


def programmes(session: Session, tenant: Tenant, user: User) -> Select:
    scope_for(user, tenant, AID_VIEW)
    return select(AidProgramme)


def counts_by_programme(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, dict[str, int]]:
    """Candidates by state, per programme (for the list and the chart)."""
    out: dict[uuid.UUID, dict[str, int]] = {i: {} for i in ids}
    if ids:
        for pid, status, n in session.execute(
            select(AidRecipient.programme_id, AidRecipient.status, func.count())
            .where(AidRecipient.programme_id.in_(list(ids)))
            .group_by(AidRecipient.programme_id, AidRecipient.status)
        ):
            out[pid][RecipientStatus(status).value] = n
    return out


# -- candidates ------------------------------------------------------------------------------------


@dataclass
class Proposal:
    candidate: AidRecipient
    conflicts: list[AidConflict]


def _resident(session: Session, tenant: Tenant, resident_id: uuid.UUID):  # noqa: ANN202 - a Resident
    from smart_government.registry.models import Resident

    resident = session.get(Resident, (tenant.id, resident_id))
    if resident is None:
        raise NotFound(_("No such resident in this village's registry."))
    return resident


def resident_by_nik(session: Session, nik: str):  # noqa: ANN201 - a Resident or None
    from smart_government.registry.models import Resident

    return session.scalar(select(Resident).where(Resident.nik == (nik or "").strip()))


def lock_programme(session: Session, programme: AidProgramme) -> None:
    """One proposal or decision of a programme at a time (two clerks proposing the same family at
    once give one candidate and one refusal)."""
    session.execute(
        select(AidProgramme.id)
        .where(AidProgramme.tenant_id == programme.tenant_id, AidProgramme.id == programme.id)
        .with_for_update()
    )


def propose(
    session: Session,
    tenant: Tenant,
    user: User,
    programme: AidProgramme,
    resident_id: uuid.UUID,
    criteria_met: str | None = None,
) -> Proposal:
    """Propose a resident (or, for a family programme, their family) as a candidate."""
    from smart_government.registry.models import Family, ResidentStatus

    scope = scope_for(user, tenant, AID_PROPOSE)
    resident = _resident(session, tenant, resident_id)
    if not scope.allows(hamlet_id=resident.hamlet_id):
        raise ServiceError(_("You propose candidates of your own hamlet only."), "forbidden", 403)
    if not programme.active:
        raise ServiceError(_("This programme is closed for new candidates."), "programme_closed", 409)
    if resident.status != ResidentStatus.LIVING:
        raise ServiceError(
            _("%(name)s is no longer a resident of the village.", name=resident.name), "not_living", 409
        )
    if resident.nik_temporary:
        raise ServiceError(
            _("%(name)s has no NIK yet: aid is given by NIK.", name=resident.name), "no_nik", 409
        )
    family = session.get(Family, (tenant.id, resident.family_id)) if resident.family_id else None
    if programme.unit == Unit.FAMILY and family is None:
        raise ServiceError(_("%(name)s is on no family card (KK).", name=resident.name), "no_family", 409)
    lock_programme(session, programme)
    found = rules.find(
        session, tenant, programme, resident_id=resident.id, family_id=resident.family_id, actor=user
    )
    if any(f.kind == ConflictKind.SAME_PROGRAMME for f in found):
        who = _("This family") if programme.unit == Unit.FAMILY else resident.name
        raise ServiceError(
            _("%(who)s is already a candidate or recipient of this programme.", who=who), "already_in", 409
        )
    candidate = AidRecipient(
        programme_id=programme.id,
        status=RecipientStatus.PROPOSED,
        resident_id=resident.id,
        family_id=resident.family_id,
        nik=resident.nik,
        name=resident.name,
        kk_number=family.kk_number if family is not None else None,
        hamlet_id=resident.hamlet_id,
        criteria_met=(criteria_met or "").strip()[:TEXT_MAX] or None,
        proposed_by=user.id,
    )
    session.add(candidate)
    session.flush()
    conflicts = rules.note(session, candidate, found)
    niks = rules.household_niks(session, resident.id, resident.family_id, programme.unit)
    aid_ledger.record(session, candidate.id, rules.claim_of(programme, niks), pending=True)
    FLOW.begin(session, tenant, user, candidate, "proposed", audit_detail={"conflicts": len(conflicts)})
    return Proposal(candidate, conflicts)


def get_candidate(session: Session, tenant: Tenant, user: User, candidate_id: uuid.UUID) -> AidRecipient:
    candidate = session.get(AidRecipient, (tenant.id, candidate_id))
    if candidate is None or not FLOW.visible(session, tenant, user, candidate):
        raise FLOW.not_found()
    return candidate


def conflicts_of(session: Session, candidate: AidRecipient, *, open_only: bool = False) -> list[AidConflict]:
    stmt = select(AidConflict).where(AidConflict.recipient_id == candidate.id)
    if open_only:
        stmt = stmt.where(AidConflict.resolved_at.is_(None))
    return list(session.scalars(stmt.order_by(AidConflict.found_at, AidConflict.id)))


def open_conflicts(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not ids:
        return {}
    return dict(
        session.execute(
            select(AidConflict.recipient_id, func.count())
            .where(AidConflict.recipient_id.in_(list(ids)), AidConflict.resolved_at.is_(None))
            .group_by(AidConflict.recipient_id)
        ).all()
    )


STATUS_CHOICES = ("all", *(s.value for s in RecipientStatus))


def _status(stmt: Select, value: str) -> Select:
    return stmt if value == "all" else stmt.where(AidRecipient.status == RecipientStatus(value))


def _conflicted(stmt: Select, value: bool) -> Select:
    if not value:
        return stmt
    return stmt.where(
        AidRecipient.id.in_(select(AidConflict.recipient_id).where(AidConflict.resolved_at.is_(None)))
    )


def _text(stmt: Select, value: str) -> Select:
    value = value.strip()
    if value.isdigit():
        return stmt.where(AidRecipient.nik.startswith(value, autoescape=True))
    return stmt.where(func.lower(AidRecipient.name).contains(value.lower(), autoescape=True))


CANDIDATES = ListSpec(
    filters={
        "status": Filter(_status, parse=choice(STATUS_CHOICES)),
        "conflict": Filter(_conflicted, parse=lambda v: v in ("1", "true", "yes", "ya")),
        "q": Filter(_text),
    },
    sorts={
        "name": Sort(AidRecipient.name, AidRecipient.id),
        "newest": Sort(AidRecipient.created_at, AidRecipient.id, desc=True),
    },
    default_sort="name",
)


def candidates(session: Session, tenant: Tenant, user: User, programme: AidProgramme) -> Select:
    """A programme's candidates and recipients the caller sees (a hamlet head: their hamlet's)."""
    scope = scope_for(user, tenant, AID_VIEW)
    stmt = select(AidRecipient).where(AidRecipient.programme_id == programme.id)
    return scope.filter(stmt, hamlet_column=AidRecipient.hamlet_id)


def end_aid(
    session: Session,
    tenant: Tenant,
    user: User,
    candidate: AidRecipient,
    *,
    reason: str,
    on: date | None = None,
    note: str | None = None,
) -> AidRecipient:
    """A recipient stops receiving (moved, died, no longer eligible): off the ledger from ``on``."""
    on = on or today_in(tenant)
    try:
        EndReason(reason)
    except ValueError:
        raise _invalid(_("Say why the aid ends."), "reason_required") from None
    FLOW.move(session, tenant, user, candidate, "deactivate", note=note or reason, reason=reason, on=on)
    return candidate


def on_civil_event(
    session: Session, tenant: Tenant, actor: User | None, resident_id: uuid.UUID, kind: str, on: date
) -> int:
    """A death or a move out (from the registry) ends that person's aid, and their family's when
    they were its representative and moved away; returns how many recipients were ended.

    The move is taken as the clerk who recorded the event; a clerk who may not end aid leaves it
    to staff (the recipient page shows the resident's status)."""
    reason = {"death": EndReason.DIED, "move_out": EndReason.MOVED}.get(kind)
    if reason is None or actor is None:
        return 0
    rows = session.scalars(
        select(AidRecipient)
        .join(
            AidProgramme,
            (AidProgramme.tenant_id == AidRecipient.tenant_id)
            & (AidProgramme.id == AidRecipient.programme_id),
        )
        .where(AidRecipient.resident_id == resident_id, AidRecipient.status == RecipientStatus.RECIPIENT)
    ).all()
    ended = 0
    for row in rows:
        programme = session.get(AidProgramme, (tenant.id, row.programme_id))
        if programme.unit == Unit.FAMILY and reason == EndReason.DIED:
            continue  # the family still receives; staff name another representative
        try:
            with session.begin_nested():
                end_aid(
                    session,
                    tenant,
                    actor,
                    row,
                    reason=reason.value,
                    on=on,
                    note=_("From the population registry."),
                )
        except ServiceError:
            continue
        ended += 1
    return ended
