"""The visit log: a facilitator records a visit or a call to a village, with a note and follow-ups.

Every function works in a session bound to the village (a page's request session, or a
``tenant_session``), so the ORM criteria and Row-Level Security keep each village's log its own.
Who may do what is checked here (``kit.access.scope_for``): no role covering the village is 404,
a role without the permission 403.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ..kit.access import scope_for
from ..models import FacilitatorVisit, Tenant, User, VisitKind
from ..services import NotFound, ServiceError, audit, regions
from ..services.i18n import _
from . import VISITS_RECORD, VISITS_VIEW

NOTE_MAX = 2000
FOLLOW_UP_MAX = 200
FOLLOW_UPS_MAX = 10
OLDEST = date(2000, 1, 1)


@dataclass(frozen=True)
class VisitInput:
    """What a page or the API hands over, already parsed into types (not yet checked)."""

    visited_on: date
    kind: str
    note: str
    follow_ups: list[str]


def village_today(tenant: Tenant) -> date:
    """Today in the village's own time zone (a visit late in the evening in Bali is already the next
    day in UTC+8), the form's default date."""
    zone = regions.time_zone(tenant.code, (tenant.profile or {}).get("timezone"))
    return datetime.now(zone).date()


def _check(data: VisitInput, today: date) -> tuple[VisitKind, str, list[dict]]:
    if data.visited_on > today + timedelta(days=1):  # one day of slack for time zones
        raise ServiceError(_("The date of a visit cannot be in the future."), "visit_in_future", 422)
    if data.visited_on < OLDEST:
        raise ServiceError(_("The date of the visit is not plausible."), "visit_date_invalid", 422)
    try:
        kind = VisitKind(data.kind)
    except ValueError:
        raise ServiceError(_("Choose a visit or a call."), "visit_kind_invalid", 422) from None
    note = (data.note or "").strip()
    if not note:
        raise ServiceError(_("Write a short note about the visit."), "visit_note_missing", 422)
    if len(note) > NOTE_MAX:
        raise ServiceError(
            _("The note may have at most %(max)d characters.", max=NOTE_MAX), "visit_note_too_long", 422
        )
    items = [t.strip() for t in data.follow_ups if t and t.strip()]
    if len(items) > FOLLOW_UPS_MAX:
        raise ServiceError(
            _("At most %(max)d follow-ups per visit.", max=FOLLOW_UPS_MAX), "too_many_follow_ups", 422
        )
    if any(len(t) > FOLLOW_UP_MAX for t in items):
        raise ServiceError(
            _("A follow-up may have at most %(max)d characters.", max=FOLLOW_UP_MAX),
            "follow_up_too_long",
            422,
        )
    return kind, note, [{"text": t, "done": False} for t in items]


def record(
    session: Session, tenant: Tenant, actor: User, data: VisitInput, *, today: date | None = None
) -> FacilitatorVisit:
    """Add a visit to ``tenant``'s log as ``actor`` (a facilitator of the village, or a platform
    admin), audited; the caller commits."""
    scope_for(actor, tenant, VISITS_RECORD)
    kind, note, follow_ups = _check(data, today or village_today(tenant))
    visit = FacilitatorVisit(
        tenant_id=tenant.id,
        facilitator_id=actor.id,
        facilitator_name=actor.name[:120],
        visited_on=data.visited_on,
        kind=kind,
        note=note,
        follow_ups=follow_ups,
    )
    session.add(visit)
    session.flush()
    audit.record(
        "facilitation.visit_recorded",
        actor=actor,
        tenant_id=tenant.id,
        target=f"visit:{visit.id}",
        session=session,
        kind=kind.value,
        follow_ups=len(follow_ups),
    )
    return visit


def listing(session: Session, tenant: Tenant, viewer: User) -> Select:
    """The village's visits, newest first (for a page or the API to paginate)."""
    scope_for(viewer, tenant, VISITS_VIEW)
    return select(FacilitatorVisit).order_by(
        FacilitatorVisit.visited_on.desc(), FacilitatorVisit.created_at.desc()
    )


def get(session: Session, tenant: Tenant, viewer: User, visit_id: uuid.UUID) -> FacilitatorVisit:
    """One visit of this village; another village's id is simply not found."""
    scope_for(viewer, tenant, VISITS_VIEW)
    visit = session.scalar(select(FacilitatorVisit).where(FacilitatorVisit.id == visit_id))
    if visit is None:
        raise NotFound(_("No such visit in this village."), "visit_not_found")
    return visit


def set_follow_up(
    session: Session, tenant: Tenant, actor: User, visit_id: uuid.UUID, index: int, done: bool
) -> FacilitatorVisit:
    """Tick a follow-up done (or open again): facilitators do, at the next visit; audited."""
    scope_for(actor, tenant, VISITS_RECORD)
    visit = get(session, tenant, actor, visit_id)
    items = [dict(item) for item in visit.follow_ups or []]
    if not 0 <= index < len(items):
        raise NotFound(_("This visit has no such follow-up."), "follow_up_not_found")
    if items[index].get("done") == done:
        return visit
    items[index]["done"] = done
    visit.follow_ups = items  # a new list: the JSON column sees the change
    audit.record(
        "facilitation.follow_up_done" if done else "facilitation.follow_up_reopened",
        actor=actor,
        tenant_id=tenant.id,
        target=f"visit:{visit.id}",
        session=session,
        index=index,
    )
    return visit


def summary(session: Session) -> tuple[date | None, int]:
    """The village's last visit date and how many follow-ups are still open (for the surface)."""
    visits = session.scalars(
        select(FacilitatorVisit).order_by(FacilitatorVisit.visited_on.desc()).limit(50)
    ).all()
    last = visits[0].visited_on if visits else None
    return last, sum(v.open_follow_ups for v in visits)
