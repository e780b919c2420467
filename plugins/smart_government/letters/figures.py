"""Letter service indicators for a period: requests per type and per state, the median time from
submission to issue, and the backlog of open requests at the end of the period.

``period`` is ``YYYY`` or ``YYYY-MM``, parsed by :func:`statistics.period_range` like every other
indicator of the pillar, so the figures of a month add up to those of its year.
"""

from __future__ import annotations

import statistics as pystats
from datetime import UTC, datetime, time

from markupsafe import Markup
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from desacerdas.extensions import db
from desacerdas.models import Tenant
from desacerdas.plugin_system.types import Indicator
from desacerdas.services.i18n import _
from desacerdas.tenancy.context import NoTenantContext
from desacerdas.web import charts

from ..registry.statistics import period_range
from .issuing import village_zone
from .models import Letter, LetterRequest, LetterType, RequestStatus
from .workflow import FLOW


def _midnight(day, tenant: Tenant) -> datetime:  # noqa: ANN001 - a date
    """Periods start at midnight in the village (as letter numbers and dates do), not in UTC."""
    return datetime.combine(day, time.min, tzinfo=village_zone(tenant)).astimezone(UTC)


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they are stored in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def indicators(tenant: Tenant, period: str, session: Session) -> list[Indicator]:
    """The letter service's figures for ``tenant`` in ``period`` (``session`` bound to the village)."""
    start, end = period_range(period)
    lo, hi = _midnight(start, tenant), _midnight(end, tenant)
    in_period = and_(LetterRequest.submitted_at >= lo, LetterRequest.submitted_at < hi)

    per_type = dict(
        session.execute(
            select(LetterType.code, func.count(LetterRequest.id))
            .join(LetterType, LetterType.id == LetterRequest.type_id)
            .where(in_period)
            .group_by(LetterType.code)
            .order_by(LetterType.code)
        ).all()
    )
    per_state_rows = dict(
        session.execute(
            select(LetterRequest.status, func.count(LetterRequest.id))
            .where(in_period)
            .group_by(LetterRequest.status)
        ).all()
    )
    per_state = {s.value: per_state_rows.get(s, 0) for s in RequestStatus}
    total = sum(per_type.values())

    issued = session.execute(
        select(LetterRequest.submitted_at, Letter.issued_at)
        .join(Letter, Letter.request_id == LetterRequest.id)
        .where(Letter.issued_at >= lo, Letter.issued_at < hi)
    ).all()
    hours = [(_aware(done) - _aware(sent)).total_seconds() / 3600 for sent, done in issued]
    median = round(pystats.median(hours), 1) if hours else None

    open_states = (
        RequestStatus.SUBMITTED,
        RequestStatus.VERIFIED,
        RequestStatus.APPROVED,
        RequestStatus.SIGNED,
    )
    backlog = (
        session.scalar(
            select(func.count(LetterRequest.id)).where(
                LetterRequest.submitted_at < hi,
                or_(
                    and_(LetterRequest.closed_at.is_(None), LetterRequest.status.in_(open_states)),
                    LetterRequest.closed_at >= hi,
                ),
            )
        )
        or 0
    )
    requests = _("requests")
    return [
        Indicator(
            "smart_government.letter_requests",
            _("Letter requests"),
            total,
            requests,
            series=tuple((code, float(n)) for code, n in per_type.items()),
        ),
        Indicator(
            "smart_government.letter_requests_by_state",
            _("Letter requests per state"),
            total,
            requests,
            series=tuple((state, float(n)) for state, n in per_state.items()),
        ),
        Indicator("smart_government.letters_issued", _("Letters issued"), len(hours), _("letters")),
        Indicator(
            "smart_government.letter_issue_hours",
            _("Median time from request to issued letter"),
            median,
            _("hours"),
            kind="duration",
        ),
        Indicator("smart_government.letter_backlog", _("Open letter requests (backlog)"), backlog, requests),
    ]


# -- how the pillar's series read on a page (web.charts) ----------------------------------------------
# The series keys stay codes (data: "submitted", "0-4 male", a hamlet name or "-"); the dashboard
# draws them in words. The registry's two series are registered here too, with the letters', so the
# pillar's whole chart vocabulary sits in one place.


def _pyramid(indicator: Indicator) -> Markup:
    """``("0-4 male", n), ("0-4 female", n), …`` (registry.statistics.pyramid_series) as a pyramid."""
    bands: dict[str, list[float]] = {}
    for key, value in indicator.series:
        band, _sep, sex = str(key).rpartition(" ")
        cell = bands.setdefault(band, [0.0, 0.0])  # "0-4" is drawn "0–4"
        cell[0 if sex == "male" else 1] += value
    rows = [(band, male, female) for band, (male, female) in bands.items()]
    return charts.pyramid(rows, str(indicator.label))


def _hamlet(name: str) -> str:
    return _("Not recorded") if name in ("", "-") else name


def _type_titles() -> dict[str, str]:
    """Letter type code → its title in the current village ("SKTM" → "Surat Keterangan Tidak
    Mampu"); none outside a village (then the codes are shown, as on a regency page)."""
    try:
        return dict(db.session.execute(select(LetterType.code, LetterType.title)).all())
    except NoTenantContext:
        return {}


def _per_type(indicator: Indicator) -> Markup:
    titles = _type_titles()
    return charts.labelled(lambda code: titles.get(code, code))(indicator)


charts.register_series("smart_government.letter_requests", _per_type)
charts.register_series("smart_government.letter_requests_by_state", charts.labelled(FLOW.state_label))
charts.register_series("smart_government.population", _pyramid)
charts.register_series("smart_government.population_by_hamlet", charts.labelled(_hamlet))
