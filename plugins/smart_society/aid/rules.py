"""No double receipt: the checks run when a candidate is proposed and again when the decision is
taken (and for every imported row).

Three kinds (:class:`~.models.ConflictKind`): the same person or family twice in one programme;
a recipient of another programme of this village whose aid clashes with this one (the same
source, or one programme excludes the other's source) for an overlapping period; and the same
NIK on another village's claim, found through the platform's ledger, which answers with the
source and the period only. Family programmes compare families (every member's NIK on the
ledger); person programmes the person.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from desacerdas.models import Tenant, User
from desacerdas.services import aid_ledger

from .models import AidConflict, AidProgramme, AidRecipient, ConflictKind, RecipientStatus, Unit

LIVE = (RecipientStatus.PROPOSED, RecipientStatus.RECIPIENT)


@dataclass(frozen=True)
class Found:
    kind: ConflictKind
    source: str
    period_start: date
    period_end: date
    other_programme: str | None = None  # named only when it is this village's own


def clash(source_a: str, excludes_a: Sequence[str], source_b: str, excludes_b: Sequence[str]) -> bool:
    """Whether two programmes' aid may not go to the same person or family at the same time."""
    same = source_a == source_b and source_a != aid_ledger.NOT_A_FAMILY
    return same or source_b in excludes_a or source_a in excludes_b


def household_niks(
    session: Session, resident_id: uuid.UUID, family_id: uuid.UUID | None, unit: Unit
) -> list[str]:
    """The NIKs a claim covers: the person's, or every living member's of the family."""
    from smart_government.registry.models import Resident, ResidentStatus

    if unit == Unit.FAMILY and family_id is not None:
        rows = session.scalars(
            select(Resident.nik).where(
                Resident.family_id == family_id,
                Resident.status == ResidentStatus.LIVING,
                Resident.nik_temporary.is_(False),
            )
        ).all()
        if rows:
            return list(rows)
    nik = session.scalar(
        select(Resident.nik).where(Resident.id == resident_id, Resident.nik_temporary.is_(False))
    )
    return [nik] if nik else []


def claim_of(programme: AidProgramme, niks: Sequence[str]) -> aid_ledger.Claim:
    return aid_ledger.Claim(
        niks=tuple(niks),
        source=programme.source.value,
        excludes=tuple(programme.excludes or ()),
        period_start=programme.period_start,
        period_end=programme.period_end,
        programme=programme.name,
    )


def _same_household(programme: AidProgramme, resident_id: uuid.UUID, family_id: uuid.UUID | None):  # noqa: ANN202
    """The SQL condition: a recipient row about the same person, or the same family where either
    programme gives to families."""
    person = AidRecipient.resident_id == resident_id
    if family_id is None:
        return person
    family = AidRecipient.family_id == family_id
    if programme.unit == Unit.FAMILY:
        return or_(person, family)
    return or_(person, and_(family, AidProgramme.unit == Unit.FAMILY))


def find(
    session: Session,
    tenant: Tenant,
    programme: AidProgramme,
    *,
    resident_id: uuid.UUID,
    family_id: uuid.UUID | None,
    actor: User | None,
    record_id: uuid.UUID | None = None,
    audited: bool = True,
) -> list[Found]:
    """Every conflict of a candidate (``record_id``: the candidate's own row, left out); a batch
    passes ``audited=False`` and audits the lot itself (``aid_ledger.record_checks``)."""
    found: list[Found] = []
    stmt = (
        select(AidRecipient.programme_id, AidRecipient.status, AidProgramme)
        .join(
            AidProgramme,
            and_(
                AidProgramme.tenant_id == AidRecipient.tenant_id, AidProgramme.id == AidRecipient.programme_id
            ),
        )
        .where(
            AidRecipient.status.in_(LIVE),
            _same_household(programme, resident_id, family_id),
            AidProgramme.period_start <= programme.period_end,
            AidProgramme.period_end >= programme.period_start,
        )
    )
    if record_id is not None:
        stmt = stmt.where(AidRecipient.id != record_id)
    for programme_id, status, other in session.execute(stmt):
        if programme_id == programme.id:
            kind = ConflictKind.SAME_PROGRAMME
        elif status == RecipientStatus.RECIPIENT and clash(
            programme.source.value, programme.excludes or (), other.source.value, other.excludes or ()
        ):
            kind = ConflictKind.EXCLUDED
        else:
            continue
        found.append(Found(kind, other.source.value, other.period_start, other.period_end, other.name))
    niks = household_niks(session, resident_id, family_id, programme.unit)
    about = f"aid_candidate:{record_id}" if record_id else f"aid_programme:{programme.id}"
    claim = claim_of(programme, niks)
    for hit in aid_ledger.conflicts(session, tenant, claim, actor=actor, about=about, audited=audited):
        found.append(Found(ConflictKind.OTHER_VILLAGE, hit.source, hit.period_start, hit.period_end))
    return list(dict.fromkeys(found))


def note(session: Session, recipient: AidRecipient, found: Sequence[Found]) -> list[AidConflict]:
    """Keep what a check found on the candidate: new conflicts are added; open ones no longer
    found are resolved. Returns the candidate's open conflicts."""
    from desacerdas.models.base import utcnow

    open_rows = session.scalars(
        select(AidConflict).where(AidConflict.recipient_id == recipient.id, AidConflict.resolved_at.is_(None))
    ).all()
    keys = {(c.kind, c.source, c.period_start, c.period_end, c.other_programme): c for c in open_rows}
    wanted = {(f.kind, f.source, f.period_start, f.period_end, f.other_programme) for f in found}
    for key, row in keys.items():
        if key not in wanted:
            row.resolved_at, row.resolution = utcnow(), "cleared"
    for f in found:
        key = (f.kind, f.source, f.period_start, f.period_end, f.other_programme)
        if key not in keys:
            row = AidConflict(
                recipient_id=recipient.id,
                kind=f.kind,
                source=f.source,
                period_start=f.period_start,
                period_end=f.period_end,
                other_programme=f.other_programme,
            )
            session.add(row)
            keys[key] = row
    return [keys[(f.kind, f.source, f.period_start, f.period_end, f.other_programme)] for f in found]


def resolve_all(session: Session, recipient: AidRecipient, resolution: str) -> None:
    from desacerdas.models.base import utcnow

    for row in session.scalars(
        select(AidConflict).where(AidConflict.recipient_id == recipient.id, AidConflict.resolved_at.is_(None))
    ):
        row.resolved_at, row.resolution = utcnow(), resolution
