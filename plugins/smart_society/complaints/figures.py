"""Complaint figures: the indicators of a month (filed, answered within the deadline, median days
to the first answer, overdue now) and the overdue queue on the facilitator's work surface.

Periods are the village's calendar days (``filed_on``, ``answered_on``), so a month's figures do
not depend on the server's time zone.
"""

from __future__ import annotations

import statistics as pystats
from datetime import UTC, datetime

from flask import url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.routing import BuildError

from desacerdas.models import Tenant
from desacerdas.plugin_system.types import Indicator, WaitingItem
from desacerdas.services.i18n import _

from ..permissions import COMPLAINTS_VIEW
from .models import Complaint
from .service import overdue_condition, today_in


def period_days(period: str):  # noqa: ANN201 - (date, date)
    from smart_government.registry.statistics import period_range

    return period_range(period)


def indicators(tenant: Tenant, period: str, session: Session) -> list[Indicator]:
    start, end = period_days(period)
    filed = session.scalar(
        select(func.count(Complaint.id)).where(Complaint.filed_on >= start, Complaint.filed_on < end)
    )
    answered = session.execute(
        select(Complaint.filed_on, Complaint.answered_on, Complaint.answer_due).where(
            Complaint.answered_on >= start, Complaint.answered_on < end
        )
    ).all()
    on_time = sum(1 for _filed, on, due in answered if on <= due)
    days = [(on - filed_on).days for filed_on, on, _due in answered]
    overdue = session.scalar(select(func.count(Complaint.id)).where(overdue_condition(today_in(tenant))))
    return [
        Indicator("smart_society.complaints_filed", _("Complaints filed"), int(filed or 0), _("complaints")),
        Indicator(
            "smart_society.complaints_answered_on_time",
            _("Complaints answered within the deadline"),
            round(100 * on_time / len(answered), 1) if answered else None,
            "%",
            "ratio",
        ),
        Indicator(
            "smart_society.complaint_days_to_answer",
            _("Median days to a first answer"),
            float(pystats.median(days)) if days else None,
            _("days"),
            "duration",
        ),
        Indicator(
            "smart_society.complaints_overdue",
            _("Complaints past a deadline"),
            int(overdue or 0),
            _("complaints"),
        ),
    ]


def waiting_items(tenant: Tenant, session: Session, now: datetime | None = None) -> list[WaitingItem]:
    """Complaints past a deadline (verification, first answer or resolution)."""
    today = today_in(tenant, now or datetime.now(UTC))
    count, oldest = session.execute(
        select(func.count(Complaint.id), func.min(Complaint.filed_at)).where(overdue_condition(today))
    ).one()
    if not count:
        return []
    try:
        link = url_for("smart_society.complaints.complaints", slug=tenant.slug, overdue="1")
    except (RuntimeError, BuildError):
        link = ""
    return [
        WaitingItem(
            "smart_society.complaints_overdue",
            _("Complaints past their deadline"),
            int(count),
            link,
            oldest,
            COMPLAINTS_VIEW,
        )
    ]
