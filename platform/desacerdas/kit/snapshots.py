"""Indicators across months: a snapshot per village, month and indicator, so a trend can be drawn.

Indicators (``desa_indicators``) are computed live for one period; nothing remembered last month's
figure. ``take(tenant, period)`` asks every plugin enabled in the village, inside a session bound to
that village, and stores each indicator in ``indicator_snapshots`` (one row per village, period and
key). Taking the same period again updates those rows: it never duplicates, so the command may run
daily. An indicator that is no longer reported (its plugin was disabled) keeps the rows it already
has: history is never rewritten, only the figures reported now are stored.

``history(session, keys, months)`` reads one village's rows (the session decides which village: the
table is tenant-owned, so the ORM criteria and, on PostgreSQL, Row-Level Security apply), and
``Trend`` turns one indicator's months plus its live value into a small inline SVG for a page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask import has_request_context
from flask_babel import format_date
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import Tenant
from ..models.base import utcnow
from ..models.kit import IndicatorSnapshot
from ..plugin_system import indicators as live
from ..plugin_system.state import enabled_for
from ..plugin_system.types import Indicator
from ..services import ServiceError
from ..services.i18n import _
from ..tenancy import tenant_session
from ..tenancy.context import current_tenant_id
from ..web import charts
from ..web.formatting import format_count, format_duration, format_figure

PERIOD = re.compile(r"(\d{4})-(\d{2})")
MONTHS = 12


# -- periods -------------------------------------------------------------------------------------------


def parse_period(value: str | None, *, today: date | None = None) -> str:
    """``YYYY-MM`` (the current month when empty); refused with a clear message when malformed or
    in the future: a month that has not begun has no figures."""
    today = today or date.today()
    if value is None or not str(value).strip():
        return today.strftime("%Y-%m")
    text = str(value).strip()
    match = PERIOD.fullmatch(text)
    if match is None or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
        raise ServiceError(
            _(
                "The period must be a month written YYYY-MM (for example 2025-03), not %(value)s.",
                value=text[:20],
            ),
            "invalid_period",
        )
    if text > today.strftime("%Y-%m"):
        raise ServiceError(_("The period %(period)s has not begun yet.", period=text), "future_period")
    return text


def shift(period: str, months: int) -> str:
    """``period`` moved by ``months`` (negative: back)."""
    year, month = int(period[:4]), int(period[5:7])
    index = year * 12 + (month - 1) + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def window(months: int = MONTHS, end: str | None = None) -> list[str]:
    """The ``months`` periods ending with ``end`` (default: this month), oldest first."""
    end = end or live.current_period()
    return [shift(end, -n) for n in range(months - 1, -1, -1)]


# -- taking a snapshot -------------------------------------------------------------------------------------


def _store(session: Session, tenant_id: int, period: str, found: list[Indicator]) -> int:
    """Insert or update one row per indicator of ``period`` in the village's session."""
    existing = {
        row.key: row
        for row in session.scalars(select(IndicatorSnapshot).where(IndicatorSnapshot.period == period))
    }
    now = utcnow()
    for indicator in found:
        key = indicator.key[:120]  # the column's width: look up what is stored
        row = existing.get(key)
        if row is None:
            row = IndicatorSnapshot(tenant_id=tenant_id, period=period, key=key)
            session.add(row)
        row.label = str(indicator.label)[:200]
        row.value = None if indicator.value is None else float(indicator.value)
        row.unit = str(indicator.unit or "")[:30]
        row.kind = str(indicator.kind or "count")[:20]
        row.taken_at = now
    return len(found)


def take(tenant: Tenant, period: str | None = None) -> int:
    """Snapshot every indicator of the plugins enabled in ``tenant`` for ``period`` (``YYYY-MM``,
    default this month); the number of indicators stored. Idempotent: a second run updates."""
    period = parse_period(period)
    for attempt in (1, 2):
        with tenant_session(tenant.id) as session:
            found = live.for_village(tenant, enabled_for(tenant.id, session), session, period)
            found = list({i.key: i for i in found}.values())  # one row per key, the last one wins
            stored = _store(session, tenant.id, period, found)
            try:
                session.commit()
            except IntegrityError:  # another run inserted the same period at the same moment
                session.rollback()
                if attempt == 2:
                    raise
                continue
            return stored
    return 0  # pragma: no cover - the loop returns or raises


# -- reading the months back -----------------------------------------------------------------------------


def history(
    session: Session, keys: Iterable[str] | None = None, months: int = MONTHS, end: str | None = None
) -> dict[str, list[tuple[str, float | None]]]:
    """The village's stored values per key for the ``months`` periods ending with ``end``, oldest
    first, every period present (None where no snapshot was taken). ``keys`` None: every key."""
    periods = window(months, end)
    stmt = select(IndicatorSnapshot.key, IndicatorSnapshot.period, IndicatorSnapshot.value).where(
        IndicatorSnapshot.period >= periods[0], IndicatorSnapshot.period <= periods[-1]
    )
    wanted = None if keys is None else list(keys)
    if wanted is not None:
        if not wanted:
            return {}
        stmt = stmt.where(IndicatorSnapshot.key.in_(wanted))
    values: dict[str, dict[str, float | None]] = {k: {} for k in wanted or []}
    for key, period, value in session.execute(stmt):
        values.setdefault(key, {})[period] = value
    return {key: [(p, by_period.get(p)) for p in periods] for key, by_period in values.items()}


def trends(session: Session, found: Iterable[Indicator], months: int = MONTHS) -> list[Trend]:
    """One ``Trend`` per live indicator of the village ``session`` is bound to (its snapshots plus
    the live value); nothing when the session serves no village."""
    found = list(found)
    if current_tenant_id(session) is None:
        return []
    stored = history(session, [i.key for i in found], months)
    return [Trend.of(i, stored.get(i.key), months) for i in found]


# -- a trend on a page ------------------------------------------------------------------------------------


def format_value(value: float | int | None, kind: str = "count") -> str:
    """A figure as a page shows it (``web.formatting``): counts whole ("1.234"), durations in words
    ("2 jam"), other figures with at most two decimals, the locale's separators; "–" when missing."""
    if value is None:
        return "–"
    if kind == "duration":
        return format_duration(value)
    if kind == "count":
        return format_count(value)
    return format_figure(value, places=2)


def period_label(period: str) -> str:
    """``2025-03`` as ``Mar 2025`` in the page's language."""
    if not has_request_context():
        return period
    return format_date(date(int(period[:4]), int(period[5:7]), 1), "MMM yyyy")


@dataclass
class Trend:
    """One indicator over the last months, oldest first; the last point is the live figure."""

    key: str
    label: str
    unit: str
    kind: str
    points: list[tuple[str, float | None]]

    @classmethod
    def of(
        cls, indicator: Indicator, stored: list[tuple[str, float | None]] | None, months: int = MONTHS
    ) -> Trend:
        """``stored`` months (from ``history``) with this month replaced by the live value."""
        points = list(stored) if stored else [(p, None) for p in window(months)]
        current = live.current_period()
        points = [(p, v) for p, v in points if p != current] + [(current, indicator.value)]
        return cls(indicator.key, str(indicator.label), indicator.unit, indicator.kind, points[-months:])

    @property
    def known(self) -> list[tuple[int, float]]:
        return [(i, float(v)) for i, (_p, v) in enumerate(self.points) if v is not None]

    def text(self) -> str:
        """Every month with its figure, for screen readers and the tooltip."""
        return " · ".join(f"{period_label(p)}: {format_value(v, self.kind)}" for p, v in self.points)

    def svg(self) -> Markup:
        """An inline SVG line (``web.charts.trend``: no JavaScript, a few hundred bytes); gaps where
        a month is missing, a dot on the latest figure, every month in words in its title."""
        label = _("%(label)s over the last %(num)d months", label=self.label, num=len(self.points))
        return charts.trend(self.points, label, self.text())
