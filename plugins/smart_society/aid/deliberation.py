"""The village deliberation (Musdes) on a programme's candidates: its record with the minutes and
the head's decree, the approvals (checked again for double receipt, under the programme's lock)
and refusals, and the candidates held back. :func:`decide` commits: its documents exist only
together with their rows."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from desacerdas.kit.access import scope_for
from desacerdas.models import Tenant, User
from desacerdas.services import NotFound, ServiceError, audit
from desacerdas.services import documents as docs
from desacerdas.services.i18n import N_, _, indonesian

from ..complaints.service import today_in
from ..permissions import AID_DECIDE
from . import rules
from .models import (
    AidDecision,
    AidProgramme,
    AidRecipient,
    RecipientStatus,
)
from .service import DOCUMENT_KIND, REASON_MAX, TEXT_MAX, lock_programme
from .workflow import FLOW


def _invalid(message: str, code: str) -> ServiceError:
    return ServiceError(message, code, 400)


# -- the deliberation's decision -------------------------------------------------------------------


@dataclass
class DecisionResult:
    decision: AidDecision
    approved: list[AidRecipient] = field(default_factory=list)
    refused: list[AidRecipient] = field(default_factory=list)
    held: list[tuple[AidRecipient, str]] = field(default_factory=list)  # still in conflict, or over quota


def _proposed(
    session: Session, programme: AidProgramme, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, AidRecipient]:
    rows = {
        c.id: c
        for c in session.scalars(
            select(AidRecipient).where(
                AidRecipient.programme_id == programme.id, AidRecipient.id.in_(list(ids))
            )
        )
    }
    for candidate_id in ids:
        row = rows.get(candidate_id)
        if row is None:
            raise NotFound(_("A candidate of the decision is not one of this programme's."))
        if row.status != RecipientStatus.PROPOSED:
            raise ServiceError(_("%(name)s was decided on already.", name=row.name), "wrong_state", 409)
    return rows


def _documents_of(session: Session, tenant: Tenant, ids: Sequence[uuid.UUID | None]) -> None:
    from desacerdas.models import Document

    for doc_id in ids:
        if doc_id is not None and session.get(Document, (tenant.id, doc_id)) is None:
            raise NotFound(_("No such document in this village."))


def decide(
    session: Session,
    tenant: Tenant,
    user: User,
    programme: AidProgramme,
    *,
    held_on: date,
    approve: Sequence[uuid.UUID] = (),
    refuse: Mapping[uuid.UUID, str] | None = None,
    decree_number: str | None = None,
    note: str | None = None,
    minutes: docs.NewFile | None = None,
    decree: docs.NewFile | None = None,
    minutes_document_id: uuid.UUID | None = None,
    decree_document_id: uuid.UUID | None = None,
) -> DecisionResult:
    """Record a Musdes and its decision on candidates, with its minutes and the head's decree
    (uploaded here, or documents already stored); commits. A candidate still in conflict, or
    beyond the quota, is held back (stays proposed) and named in the result."""
    scope_for(user, tenant, AID_DECIDE)
    refuse = dict(refuse or {})
    if not approve and not refuse:
        raise _invalid(_("Choose at least one candidate to approve or refuse."), "nothing_decided")
    if set(approve) & set(refuse):
        raise _invalid(_("A candidate is either approved or refused."), "both")
    if not isinstance(held_on, date) or held_on > today_in(tenant):
        raise _invalid(_("Give the day the deliberation was held (not in the future)."), "held_on")
    for reason in refuse.values():
        if not (reason or "").strip():
            raise _invalid(_("Give the reason of each refusal; it is kept with the record."), "note_required")
    _documents_of(session, tenant, (minutes_document_id, decree_document_id))
    lock_programme(session, programme)
    rows = _proposed(session, programme, [*approve, *refuse])
    decision = AidDecision(
        id=uuid.uuid4(),
        programme_id=programme.id,
        held_on=held_on,
        decree_number=" ".join((decree_number or "").split())[:80] or None,
        note=(note or "").strip()[:TEXT_MAX] or None,
        recorded_by=user.id,
        minutes_document_id=minutes_document_id,
        decree_document_id=decree_document_id,
    )
    session.add(decision)
    session.flush()
    result = DecisionResult(decision)
    for candidate_id in approve:
        candidate = rows[candidate_id]
        found = rules.find(
            session,
            tenant,
            programme,
            resident_id=candidate.resident_id,
            family_id=candidate.family_id,
            actor=user,
            record_id=candidate.id,
        )
        rules.note(session, candidate, found)
        if found:
            result.held.append((candidate, "conflict"))
            continue
        try:
            with session.begin_nested():
                FLOW.move(session, tenant, user, candidate, "approve", decision=decision, checked=True)
        except ServiceError as exc:
            if exc.code not in ("quota_reached", "conflict"):
                raise
            result.held.append((candidate, exc.code))
            continue
        result.approved.append(candidate)
    for candidate_id, reason in refuse.items():
        FLOW.move(
            session, tenant, user, rows[candidate_id], "refuse", note=reason[:REASON_MAX], decision=decision
        )
        result.refused.append(rows[candidate_id])
    decision.approved, decision.refused = len(result.approved), len(result.refused)
    audit.record(
        "smart_society.aid.decided",
        actor=user,
        tenant_id=tenant.id,
        target=f"aid_programme:{programme.id}",
        session=session,
        decision=str(decision.id),
        approved=decision.approved,
        refused=decision.refused,
        held=len(result.held),
    )
    items = []
    titled = (  # the village's documents are kept in Indonesian, whoever records them
        (minutes, indonesian(N_("Minutes of the village deliberation")), "minutes_document_id"),
        (decree, indonesian(N_("Village head's decree")), "decree_document_id"),
    )
    for upload, title, attr in titled:
        if upload is not None:
            doc_id = uuid.uuid4()
            setattr(decision, attr, doc_id)
            items.append(
                docs.NewDocument(
                    upload,
                    f"{title}: {programme.name} ({held_on.isoformat()})",
                    kind=DOCUMENT_KIND,
                    plugin="smart_society",
                    object_id=str(decision.id),
                    document_id=doc_id,
                )
            )
    if items:
        docs.store_all(tenant, items, actor=user, session=session)  # commits, with the decision
    else:
        session.commit()
    return result


def decisions(session: Session, programme: AidProgramme) -> list[AidDecision]:
    return list(
        session.scalars(
            select(AidDecision)
            .where(AidDecision.programme_id == programme.id)
            .order_by(AidDecision.held_on.desc(), AidDecision.recorded_at.desc())
        )
    )
