"""The daily reminder about letter requests waiting past the village's service standard.

Every morning (beat, ``smart_government.letters.remind_overdue``) each village with the pillar
enabled tells the staff who take the next step (a hamlet head: of their hamlet's requests) how many
open requests were submitted more than ``letter_service_days`` days ago (3 unless the village set
another). One message per person per day: the idempotency key carries the date, so a second run the
same day sends nothing new. Each village is worked in its own tenant session and transaction.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from celery.schedules import crontab
from sqlalchemy import select
from sqlalchemy.orm import Session

from desacerdas.jobs.each_village import each_enabled_village
from desacerdas.jobs.schedule import periodic
from desacerdas.models import Tenant
from desacerdas.notifications import notify

from ..notice_kinds import LETTER_OVERDUE
from ..settings import settings_for
from .models import LetterRequest
from .notices import link, staff_for
from .workflow import OPEN

PLUGIN = "smart_government"
DEFAULT_SERVICE_DAYS = 3  # working days a village promises, by default, for a letter


def service_days(tenant: Tenant) -> int:
    """The village's service standard in days (``letter_service_days``), at least 1."""
    try:
        days = int(settings_for(tenant).get("letter_service_days") or DEFAULT_SERVICE_DAYS)
    except (TypeError, ValueError):
        days = DEFAULT_SERVICE_DAYS
    return max(days, 1)


def overdue(session: Session, tenant: Tenant, now: datetime) -> list[LetterRequest]:
    """The village's open requests submitted before the service standard's limit, oldest first."""
    limit = now - timedelta(days=service_days(tenant))
    stmt = (
        select(LetterRequest)
        .where(LetterRequest.status.in_(OPEN), LetterRequest.submitted_at < limit)
        .order_by(LetterRequest.submitted_at)
    )
    return list(session.scalars(stmt))


def remind(session: Session, tenant: Tenant, now: datetime | None = None) -> int:
    """Write today's reminders of one village in ``session`` (the caller commits); how many people
    are told."""
    now = now or datetime.now(UTC)
    waiting = overdue(session, tenant, now)
    if not waiting:
        return 0
    per_person: dict[int, int] = defaultdict(int)
    people = {}
    for hamlet_id in {r.hamlet_id for r in waiting}:
        count = sum(1 for r in waiting if r.hamlet_id == hamlet_id)
        for user in staff_for(session, tenant, hamlet_id):
            per_person[user.id] += count
            people[user.id] = user
    days = service_days(tenant)
    queue = link(tenant, "smart_government.letters.letter_requests")
    for user_id, count in sorted(per_person.items()):
        data = {"count": count, "days": days, "village_name": tenant.name, "link": queue}
        key = f"letter_overdue:{now.date().isoformat()}:{user_id}"
        notify(session, tenant, people[user_id], LETTER_OVERDUE, data, key=key)
    return len(per_person)


def remind_all(now: datetime | None = None) -> dict[str, int]:
    """Every active village with the pillar enabled, each in its own transaction."""
    return each_enabled_village(
        PLUGIN, lambda session, tenant: remind(session, tenant, now), "letter reminders"
    )


@periodic("smart_government.letters.remind_overdue", crontab(hour=0, minute=30))  # 08:30 in Bali
def remind_overdue_task() -> dict[str, int]:
    return remind_all()
