"""Complaint services: filing (online or at the counter), the thread (replies, staff notes,
corrections), extending the resolution deadline, rating the answer, and the lists the pages and
the API read. Every function takes the session bound to the village; the caller commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from flask import g
from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from desacerdas.kit import numbering
from desacerdas.kit.access import Scope, scope_for
from desacerdas.kit.lists import Filter, ListSpec, Sort, boolean, choice
from desacerdas.models import Hamlet, Tenant, User
from desacerdas.services import NotFound, ServiceError, audit
from desacerdas.services.i18n import _
from desacerdas.web.zoned_time import zone_of

from ..people import may_act, members_who_may
from ..permissions import COMPLAINTS_FILE, COMPLAINTS_HANDLE, COMPLAINTS_VIEW
from ..settings import holidays_for
from . import deadlines, notices
from .models import OPEN, Category, Channel, Complaint, ComplaintEntry, EntryKind, Status
from .workflow import FLOW, author_name

NUMBER_NAMESPACE = "smart_society.complaints"
NUMBER_FORMAT = "ADU/{seq:04}/{month_roman}/{year}"
TITLE_MAX, BODY_MAX, BODY_MIN = 160, 5000, 10


def today_in(tenant: Tenant, now: datetime | None = None) -> date:
    """The village's date now (deadlines run on the village's calendar, not UTC's)."""
    return (now or datetime.now(UTC)).astimezone(zone_of(tenant)).date()


def _invalid(message: str, code: str = "invalid_complaint") -> ServiceError:
    return ServiceError(message, code, 400)


def _clean_text(title: str, body: str) -> tuple[str, str]:
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        raise _invalid(_("Give the complaint a short title."))
    if len(title) > TITLE_MAX:
        raise _invalid(_("The title is at most %(max)d characters.", max=TITLE_MAX))
    if len(body) < BODY_MIN:
        raise _invalid(_("Tell what happened in at least %(min)d characters.", min=BODY_MIN))
    if len(body) > BODY_MAX:
        raise _invalid(_("The text is at most %(max)d characters.", max=BODY_MAX))
    return title, body


def _point(latitude: float | None, longitude: float | None) -> tuple[float | None, float | None]:
    if latitude is None and longitude is None:
        return None, None
    if latitude is None or longitude is None:
        raise _invalid(_("Give both the latitude and the longitude of the place, or neither."))
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise _invalid(_("That point is not on the map."))
    return float(latitude), float(longitude)


def _hamlet_of_resident(session: Session, user: User) -> uuid.UUID | None:
    """A resident's hamlet from the population registry (smart_government, which this pillar needs)."""
    from smart_government.accounts.service import account_of
    from smart_government.registry.models import Resident

    account = account_of(user, session)
    if account is None:
        return None
    return session.scalar(select(Resident.hamlet_id).where(Resident.id == account.resident_id))


def new_complaint(
    session: Session, tenant: Tenant, *, hamlet_id: uuid.UUID | None, now: datetime | None, **fields: Any
) -> Complaint:
    """The row of a checked complaint: its number and its deadlines from the village's calendar."""
    if hamlet_id is not None and session.get(Hamlet, (tenant.id, hamlet_id)) is None:
        raise _invalid(_("That hamlet is not in this village."), "invalid_hamlet")
    filed_on = today_in(tenant, now)
    due = deadlines.deadlines_for(filed_on, holidays_for(tenant))
    number = numbering.take(session, tenant, NUMBER_NAMESPACE, NUMBER_FORMAT, when=filed_on)
    complaint = Complaint(
        number=number.text,
        status=Status.RECEIVED,
        hamlet_id=hamlet_id,
        filed_at=now or datetime.now(UTC),
        filed_on=filed_on,
        verify_due=due.verify,
        answer_due=due.answer,
        resolve_due=due.resolve,
        **fields,
    )
    session.add(complaint)
    session.flush()
    return complaint


def file_complaint(
    session: Session,
    tenant: Tenant,
    user: User,
    *,
    category: str,
    title: str,
    body: str,
    hamlet_id: uuid.UUID | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    name_withheld: bool = False,
    whole_village: bool = False,
    channel: str = Channel.ONLINE,
    reporter_name: str | None = None,
    reporter_phone: str | None = None,
    now: datetime | None = None,
) -> Complaint:
    """File a complaint. A resident files their own (online); staff and a hamlet head take one at
    the counter or by phone for someone, whose name they write down. A resident's complaint is
    about their own hamlet unless they name another or say it is about the whole village."""
    try:
        chosen = Category(category)
    except ValueError:
        raise _invalid(_("Choose a category from the list."), "invalid_category") from None
    try:
        channel = Channel(channel)
    except ValueError:
        raise _invalid(_("Choose how the complaint came in."), "invalid_channel") from None
    title, body = _clean_text(title, body)
    latitude, longitude = _point(latitude, longitude)
    scope = scope_for(user, tenant, COMPLAINTS_HANDLE, COMPLAINTS_FILE)
    if scope.own_user_id is not None:  # a resident, for themselves
        if channel is not Channel.ONLINE:
            raise ServiceError(_("Only staff take complaints at the counter."), "forbidden", 403)
        author_id, reporter_name, reporter_phone = user.id, None, None
        if not whole_village:
            hamlet_id = hamlet_id or _hamlet_of_resident(session, user)
    else:
        if channel is Channel.ONLINE:
            channel = Channel.COUNTER
        reporter_name = (reporter_name or "").strip()
        if not reporter_name:
            raise _invalid(_("Write down the name of the person who complains."), "reporter_required")
        if len(reporter_name) > 120 or len(reporter_phone or "") > 30:
            raise _invalid(_("The name is at most 120 characters and the phone number at most 30."))
        author_id = None
        if whole_village:
            hamlet_id = None
        if scope.hamlet_id is not None:  # a hamlet head takes complaints about their hamlet
            hamlet_id = hamlet_id or scope.hamlet_id
            if hamlet_id != scope.hamlet_id:
                raise ServiceError(_("You take complaints about your own hamlet only."), "forbidden", 403)
    complaint = new_complaint(
        session,
        tenant,
        category=chosen,
        title=title,
        body=body,
        channel=channel,
        hamlet_id=hamlet_id,
        latitude=latitude,
        longitude=longitude,
        author_id=author_id,
        reporter_name=reporter_name or None,
        reporter_phone=(reporter_phone or "").strip() or None,
        name_withheld=bool(name_withheld),
        now=now,
    )
    FLOW.begin(session, tenant, user, complaint, audit_detail={"channel": channel.value})
    notices.tell_handlers(session, tenant, complaint, user)
    return complaint


def get(session: Session, tenant: Tenant, user: User, complaint_id: uuid.UUID) -> Complaint:
    """One complaint the user may see (staff in their scope, or its complainant); else 404."""
    complaint = session.get(Complaint, (tenant.id, complaint_id))
    if complaint is None or not FLOW.visible(session, tenant, user, complaint):
        raise FLOW.not_found()
    return complaint


def withheld_from(session: Session, tenant: Tenant, user: User, complaint: Complaint) -> int | None:
    """The complainant's user id when their name must be hidden from ``user`` (a hamlet head, for
    a complaint whose name is withheld), else None: pages and the API mask that person's name in
    the timeline and the thread."""
    if not complaint.name_withheld or complaint.author_id == user.id:
        return None
    try:
        hamlet_scope = scope_for(user, tenant, COMPLAINTS_VIEW).hamlet_id is not None
    except ServiceError:
        hamlet_scope = False
    return complaint.author_id if hamlet_scope or complaint.author_id is None else None


def is_handler(session: Session, tenant: Tenant, user: User, complaint: Complaint) -> bool:
    """Whether the user may handle this complaint (their scope covers its hamlet)."""
    return may_act(user, tenant, COMPLAINTS_HANDLE, complaint.hamlet_id)


def _open_thread(complaint: Complaint) -> None:
    if complaint.status in (Status.CLOSED, Status.REJECTED):
        raise ServiceError(
            _(
                "This complaint is %(state)s; nothing more can be added.",
                state=FLOW.state_label(complaint.status),
            ),
            "complaint_closed",
            409,
        )


def _entry_text(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise _invalid(_("Write something first."), "text_required")
    if len(body) > BODY_MAX:
        raise _invalid(_("The text is at most %(max)d characters.", max=BODY_MAX))
    return body


def post(
    session: Session,
    tenant: Tenant,
    user: User,
    complaint: Complaint,
    body: str,
    *,
    corrects: uuid.UUID | None = None,
) -> ComplaintEntry:
    """Add to the thread: the complainant's reply, or a handler's note (staff only, never shown to
    the complainant). ``corrects`` makes it a correction of an earlier entry of the same author;
    the earlier entry stays as it was."""
    get(session, tenant, user, complaint.id)  # 404 outside the scope
    _open_thread(complaint)
    body = _entry_text(body)
    owner = complaint.author_id is not None and complaint.author_id == user.id
    if owner:
        kind = EntryKind.REPLY
    elif is_handler(session, tenant, user, complaint):
        kind = EntryKind.NOTE
    else:
        raise ServiceError(_("You are not allowed to do this."), "forbidden", 403)
    if corrects is not None:
        earlier = session.get(ComplaintEntry, (tenant.id, corrects))
        if earlier is None or earlier.complaint_id != complaint.id:
            raise NotFound(_("No such entry in this complaint."))
        if earlier.author_id != user.id:
            raise ServiceError(_("Only its author corrects an entry."), "forbidden", 403)
        # A correction of a staff note is a staff note too: it never reaches the complainant.
        kind = EntryKind.NOTE if earlier.kind == EntryKind.NOTE else EntryKind.CORRECTION
    entry = ComplaintEntry(
        complaint_id=complaint.id,
        kind=kind,
        body=body,
        author_id=user.id,
        author_name=author_name(user),
        corrects_id=corrects,
    )
    session.add(entry)
    audit.record(
        "smart_society.complaint.replied",
        actor=user,
        tenant_id=tenant.id,
        target=f"complaint:{complaint.id}",
        session=session,
        kind=kind.value,
    )
    session.flush()
    return entry


def extend(
    session: Session, tenant: Tenant, user: User, complaint: Complaint, days: int, reason: str
) -> Complaint:
    """Give a complex case more time: resolved within ``days`` working days of filing (up to 60),
    with the reason, which the complainant reads."""
    get(session, tenant, user, complaint.id)
    if not is_handler(session, tenant, user, complaint):
        raise ServiceError(_("You are not allowed to do this."), "forbidden", 403)
    if complaint.status not in OPEN:
        raise ServiceError(
            _(
                "Only an open complaint gets more time; this one is %(state)s.",
                state=FLOW.state_label(complaint.status),
            ),
            "wrong_state",
            409,
        )
    reason = (reason or "").strip()
    if not reason:
        raise _invalid(_("Give the reason for the extension; the complainant reads it."), "note_required")
    if len(reason) > 500:
        raise _invalid(_("The reason is at most %(max)d characters.", max=500))
    if not deadlines.RESOLVE_DAYS < days <= deadlines.LONGEST_RESOLVE_DAYS:
        raise _invalid(
            _(
                "A complex case is resolved within %(low)d to %(high)d working days of filing.",
                low=deadlines.RESOLVE_DAYS + 1,
                high=deadlines.LONGEST_RESOLVE_DAYS,
            ),
            "invalid_days",
        )
    new_due = deadlines.add_working_days(complaint.filed_on, days, holidays_for(tenant))
    if new_due <= complaint.resolve_due:
        raise _invalid(_("The new deadline must be later than the current one."), "invalid_days")
    before = complaint.resolve_due
    complaint.resolve_due = new_due
    complaint.extension_reason = reason
    session.add(
        ComplaintEntry(
            complaint_id=complaint.id,
            kind=EntryKind.EXTENSION,
            body=reason,
            author_id=user.id,
            author_name=author_name(user),
        )
    )
    audit.record(
        "smart_society.complaint.extended",
        actor=user,
        tenant_id=tenant.id,
        target=f"complaint:{complaint.id}",
        session=session,
        before=before.isoformat(),
        after=new_due.isoformat(),
    )
    session.flush()
    return complaint


def rate(session: Session, tenant: Tenant, user: User, complaint: Complaint, rating: int) -> Complaint:
    """The complainant rates the answer once (1 to 5)."""
    get(session, tenant, user, complaint.id)
    if complaint.author_id is None or complaint.author_id != user.id:
        raise ServiceError(_("Only the complainant rates the answer."), "forbidden", 403)
    if complaint.first_answer_at is None or complaint.status == Status.REJECTED:
        raise ServiceError(_("There is no answer to rate yet."), "wrong_state", 409)
    if complaint.rating is not None:
        raise ServiceError(_("You rated this answer already."), "already_rated", 409)
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise _invalid(_("Give a rating from 1 to 5."), "invalid_rating")
    complaint.rating = rating
    audit.record(
        "smart_society.complaint.rated",
        actor=user,
        tenant_id=tenant.id,
        target=f"complaint:{complaint.id}",
        session=session,
        rating=rating,
    )
    session.flush()
    return complaint


def thread(session: Session, complaint: Complaint, *, with_notes: bool) -> list[ComplaintEntry]:
    """The thread, oldest first; staff notes only for handlers."""
    stmt = select(ComplaintEntry).where(ComplaintEntry.complaint_id == complaint.id)
    if not with_notes:
        stmt = stmt.where(ComplaintEntry.kind != EntryKind.NOTE)
    return list(session.scalars(stmt.order_by(ComplaintEntry.at, ComplaintEntry.id)))


# -- deadlines -----------------------------------------------------------------------------------


def overdue_condition(today: date) -> Any:
    """SQL: a deadline of the complaint has passed while it waits on the village."""
    return or_(
        and_(Complaint.status == Status.RECEIVED, Complaint.verify_due < today),
        and_(Complaint.status.in_(OPEN), Complaint.first_answer_at.is_(None), Complaint.answer_due < today),
        and_(Complaint.status.in_(OPEN), Complaint.resolve_due < today),
    )


def missed(complaint: Complaint, today: date) -> list[str]:
    """Which deadlines this complaint has missed so far: ``verify``, ``answer``, ``resolve``."""
    late = []
    waiting = complaint.status in OPEN
    if complaint.status == Status.RECEIVED and today > complaint.verify_due:
        late.append("verify")
    if waiting and complaint.first_answer_at is None and today > complaint.answer_due:
        late.append("answer")
    if waiting and today > complaint.resolve_due:
        late.append("resolve")
    return late


# -- lists ---------------------------------------------------------------------------------------

STATUS_CHOICES = ("open", "all", *(s.value for s in Status))


def _status_filter(stmt: Select, value: str) -> Select:
    if value == "all":
        return stmt
    if value == "open":
        return stmt.where(Complaint.status.in_(OPEN))
    return stmt.where(Complaint.status == Status(value))


def _overdue_filter(stmt: Select, value: bool) -> Select:
    """Lists are read in a request, where the platform has resolved the village (``g.tenant``)."""
    return stmt.where(overdue_condition(today_in(g.tenant))) if value else stmt


QUEUE = ListSpec(
    filters={
        "status": Filter(_status_filter, parse=choice(STATUS_CHOICES)),
        "category": Filter.equals(Complaint.category, parse=choice(Category)),
        "overdue": Filter(_overdue_filter, parse=boolean),
        "q": Filter.contains(Complaint.title),
    },
    sorts={
        "newest": Sort(Complaint.filed_at, Complaint.id, desc=True),
        "oldest": Sort(Complaint.filed_at, Complaint.id),
        "deadline": Sort(Complaint.resolve_due, Complaint.id),
    },
    default_sort="newest",
)


def queue(session: Session, tenant: Tenant, user: User) -> Select:
    """The complaints the user handles or reads (a hamlet head: their hamlet's)."""
    scope: Scope = scope_for(user, tenant, COMPLAINTS_VIEW)
    return scope.filter(select(Complaint), hamlet_column=Complaint.hamlet_id)


def mine(session: Session, tenant: Tenant, user: User) -> Select:
    """The complaints the user filed themselves."""
    scope_for(user, tenant, COMPLAINTS_FILE)
    return select(Complaint).where(Complaint.author_id == user.id)


def public(session: Session, mode: str) -> Select:
    """What the public list may show: verified complaints, newest first."""
    if mode == "none":
        raise NotFound(_("This village does not publish its complaints."))
    # Only what staff have checked: nothing still unverified, nothing rejected.
    return select(Complaint).where(Complaint.status.not_in((Status.RECEIVED, Status.REJECTED)))


def answers_of(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    """The village's answers to these complaints (for the public list: text only, no names)."""
    out: dict[uuid.UUID, list[str]] = {}
    rows = session.execute(
        select(ComplaintEntry.complaint_id, ComplaintEntry.body)
        .where(ComplaintEntry.complaint_id.in_(ids), ComplaintEntry.kind == EntryKind.ANSWER)
        .order_by(ComplaintEntry.at)
    )
    for complaint_id, body in rows:
        out.setdefault(complaint_id, []).append(body)
    return out


def handlers(session: Session, tenant: Tenant, complaint: Complaint) -> Sequence[User]:
    """The people this complaint can be assigned to: active members who may handle it."""
    return members_who_may(session, tenant, COMPLAINTS_HANDLE, complaint.hamlet_id)
