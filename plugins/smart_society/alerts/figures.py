"""Alert indicators of a month: alerts raised, false alarms, the median minutes to the first answer."""

from __future__ import annotations

import statistics as pystats
from datetime import UTC, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from desacerdas.models import Tenant
from desacerdas.plugin_system.types import Indicator
from desacerdas.services.i18n import _
from desacerdas.web.zoned_time import zone_of

from .models import Alert


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def indicators(tenant: Tenant, period: str, session: Session) -> list[Indicator]:
    from smart_government.registry.statistics import period_range

    start, end = period_range(period)
    zone = zone_of(tenant)
    lo = datetime.combine(start, time.min, tzinfo=zone).astimezone(UTC)
    hi = datetime.combine(end, time.min, tzinfo=zone).astimezone(UTC)
    rows = session.execute(
        select(Alert.raised_at, Alert.acknowledged_at, Alert.false_alarm).where(
            Alert.raised_at >= lo, Alert.raised_at < hi
        )
    ).all()
    waits = [
        (_aware(answered) - _aware(raised)).total_seconds() / 60 for raised, answered, _f in rows if answered
    ]
    return [
        Indicator("smart_society.alerts_raised", _("Emergency alerts"), len(rows), _("alerts")),
        Indicator(
            "smart_society.false_alarms",
            _("False alarms"),
            sum(1 for *_r, false in rows if false),
            _("alerts"),
        ),
        Indicator(
            "smart_society.alert_minutes_to_answer",
            _("Median minutes to the first answer of an alert"),
            round(pystats.median(waits), 1) if waits else None,
            _("minutes"),
            "duration",
        ),
    ]
