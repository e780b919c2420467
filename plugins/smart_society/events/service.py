"""Community events: the calendar a visitor or a member of the village may read, and the staff's
(or the banjar's hamlet head's) changes: add, cancel with a reason, count who came."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from desacerdas.auth.permissions import can_see_village
from desacerdas.kit.access import scope_for
from desacerdas.kit.lists import Filter, ListSpec, Sort, choice, uuid_value
from desacerdas.models import Hamlet, Tenant, User
from desacerdas.plugin_system.types import Indicator
from desacerdas.services import NotFound, ServiceError, audit
from desacerdas.services.i18n import _
from desacerdas.web.zoned_time import zone_of

from ..permissions import EVENTS_MANAGE
from .models import Audience, Event, EventKind

TITLE_MAX, PLACE_MAX, TEXT_MAX, MOST_PEOPLE = 160, 160, 3000, 100_000


def _invalid(message: str, code: str = "invalid_event") -> ServiceError:
    return ServiceError(message, code, 400)


def at_local(tenant: Tenant, day: date, clock: time) -> datetime:
    """A day and time on the village's clock, stored in UTC."""
    return datetime.combine(day, clock, tzinfo=zone_of(tenant)).astimezone(UTC)


def visible(session: Session, tenant: Tenant, user: User | None) -> Select:
    """Members of the village see every event; anyone else the public ones."""
    stmt = select(Event)
    if not can_see_village(user, tenant):
        stmt = stmt.where(Event.audience == Audience.PUBLIC)
    return stmt


def get(session: Session, tenant: Tenant, user: User | None, event_id: uuid.UUID) -> Event:
    event = session.scalar(visible(session, tenant, user).where(Event.id == event_id))
    if event is None:
        raise NotFound(_("No such event in this village."))
    return event


def _manage_scope(user: User, tenant: Tenant, hamlet_id: uuid.UUID | None) -> None:
    scope = scope_for(user, tenant, EVENTS_MANAGE)
    if scope.hamlet_id is not None and hamlet_id != scope.hamlet_id:
        raise ServiceError(_("You keep your own hamlet's calendar only."), "forbidden", 403)


def create(session: Session, tenant: Tenant, user: User, **fields: Any) -> Event:
    """Add an event (staff; a hamlet head for their own hamlet)."""
    return save(session, tenant, user, None, **fields)


def save(
    session: Session,
    tenant: Tenant,
    user: User,
    event: Event | None,
    *,
    title: str,
    kind: str,
    starts_at: datetime,
    ends_at: datetime | None = None,
    audience: str = Audience.PUBLIC,
    place: str | None = None,
    hamlet_id: uuid.UUID | None = None,
    description: str | None = None,
) -> Event:
    """Add an event, or change one (not once cancelled): a typo, a new time or place."""
    if event is not None:
        _manage_scope(user, tenant, event.hamlet_id)  # the banjar's head changes only their own
        if event.cancelled_reason:
            raise ServiceError(_("This event was cancelled."), "cancelled", 409)
    title = (title or "").strip()
    if not title or len(title) > TITLE_MAX:
        raise _invalid(_("Give the event a title of at most %(max)d characters.", max=TITLE_MAX))
    try:
        kind, audience = EventKind(kind), Audience(audience)
    except ValueError:
        raise _invalid(_("Choose the kind of event and who may see it from the lists.")) from None
    # A time written without its zone is the village's clock (what a clerk means by "19:00").
    starts_at = _zoned(tenant, starts_at)
    ends_at = _zoned(tenant, ends_at) if ends_at is not None else None
    if ends_at is not None and ends_at <= starts_at:
        raise _invalid(_("The event must end after it starts."), "invalid_times")
    if len(place or "") > PLACE_MAX or len(description or "") > TEXT_MAX:
        raise _invalid(
            _(
                "The place is at most %(place)d characters and the description %(text)d.",
                place=PLACE_MAX,
                text=TEXT_MAX,
            )
        )
    if hamlet_id is not None and session.get(Hamlet, (tenant.id, hamlet_id)) is None:
        raise _invalid(_("That hamlet is not in this village."), "invalid_hamlet")
    _manage_scope(user, tenant, hamlet_id)
    created = event is None
    if created:
        event = Event(created_by=user.id)
        session.add(event)
    event.title, event.kind, event.audience = title, kind, audience
    event.starts_at, event.ends_at = starts_at, ends_at
    event.place = (place or "").strip() or None
    event.hamlet_id = hamlet_id
    event.description = (description or "").strip() or None
    session.flush()
    audit.record(
        "smart_society.event." + ("created" if created else "changed"),
        actor=user,
        tenant_id=tenant.id,
        target=f"event:{event.id}",
        session=session,
    )
    return event


def _zoned(tenant: Tenant, moment: datetime) -> datetime:
    """In UTC (SQLite keeps no zone: an aware value stored as it is would read back shifted); a
    value without a zone is on the village's clock."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=zone_of(tenant))
    return aware.astimezone(UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def record_attendance(
    session: Session, tenant: Tenant, user: User, event: Event, count: int, now: datetime | None = None
) -> Event:
    """How many came, once the event has begun (it may be corrected later)."""
    _manage_scope(user, tenant, event.hamlet_id)
    if event.cancelled_reason:
        raise ServiceError(_("This event was cancelled."), "cancelled", 409)
    if _aware(event.starts_at) > (now or datetime.now(UTC)):
        raise ServiceError(_("Attendance is counted once the event has begun."), "not_started", 409)
    if not isinstance(count, int) or not 0 <= count <= MOST_PEOPLE:
        raise _invalid(_("Give the number of people who came (0 or more)."), "invalid_count")
    before = event.attendance
    event.attendance = count
    audit.record(
        "smart_society.event.attendance",
        actor=user,
        tenant_id=tenant.id,
        target=f"event:{event.id}",
        session=session,
        before=before,
        after=count,
    )
    return event


def cancel(session: Session, tenant: Tenant, user: User, event: Event, reason: str) -> Event:
    _manage_scope(user, tenant, event.hamlet_id)
    reason = (reason or "").strip()
    if not reason:
        raise _invalid(_("Give the reason for cancelling; residents read it."), "note_required")
    if event.cancelled_reason:
        raise ServiceError(_("This event was cancelled."), "cancelled", 409)
    event.cancelled_reason = reason[:300]
    audit.record(
        "smart_society.event.cancelled",
        actor=user,
        tenant_id=tenant.id,
        target=f"event:{event.id}",
        session=session,
    )
    return event


def _when(stmt: Select, value: str) -> Select:
    cut = datetime.now(UTC) - timedelta(hours=12)  # an event of this morning is still "coming"
    return stmt.where(Event.starts_at >= cut) if value == "upcoming" else stmt.where(Event.starts_at < cut)


CALENDAR = ListSpec(
    filters={
        "when": Filter(_when, parse=choice(("upcoming", "past"))),
        "hamlet": Filter.equals(Event.hamlet_id, parse=uuid_value),
        "kind": Filter.equals(Event.kind, parse=choice(EventKind)),
    },
    sorts={
        "soonest": Sort(Event.starts_at, Event.id),
        "latest": Sort(Event.starts_at, Event.id, desc=True),
    },
    default_sort="soonest",
)


def indicators(tenant: Tenant, period: str, session: Session) -> list[Indicator]:
    """Events held in the month (begun by now, not cancelled) and the people counted at them."""
    from smart_government.registry.statistics import period_range

    start, end = period_range(period)
    lo, hi = at_local(tenant, start, time.min), at_local(tenant, end, time.min)
    hi = min(hi, datetime.now(UTC))  # an event still to come has not been held
    held, people = session.execute(
        select(func.count(Event.id), func.coalesce(func.sum(Event.attendance), 0)).where(
            Event.starts_at >= lo, Event.starts_at < hi, Event.cancelled_reason.is_(None)
        )
    ).one()
    return [
        Indicator("smart_society.events_held", _("Community events held"), int(held or 0), _("events")),
        Indicator(
            "smart_society.event_attendance", _("People at community events"), int(people or 0), _("people")
        ),
    ]
