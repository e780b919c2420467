"""The facilitator's work surface: per village of the caller's rollout scope, what needs them.

For each village: the next pillar (the first installed one, in rollout order, not enabled there)
and its failing readiness checks (with the page that fixes each, ``ReadinessCheck.link``); what
waits on people (``desa_waiting_items`` of the enabled plugins); the last activity (the latest
audit event of the village); the visit log's last visit and open follow-ups; and, for the villages
shown, the indicators' trend over the last months (``kit.snapshots``).

Every village is read through ``tenancy.cross_village.read_each`` — a session bound to that one
village, one audit event naming the villages read — never through another village's session.
Scoring needs every village of the scope, trends only those on the page: two reads, both audited.

The "needs attention" score (said on the page too)::

    3 points per thing waiting on people past its time (each overdue request, each registration)
    2 points per readiness check that blocks the next pillar
    1 point  per open follow-up of a visit
    5 points when nothing happened in the village for QUIET_DAYS days
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ..auth.permissions import can
from ..kit import snapshots
from ..models import AuditEvent, Tenant, User
from ..plugin_system import indicators as live
from ..plugin_system.state import enabled_by_village, plugin_title, plugins
from ..plugin_system.types import Indicator, ReadinessCheck, WaitingItem
from ..rollout import board
from ..services import regions
from ..services.i18n import _
from ..tenancy.cross_village import read_each
from . import visits

MAX_VILLAGES = 300  # villages scored on one page view (a regency has fewer than 100); above: by name
QUIET_DAYS = 30
TRENDS_PER_VILLAGE = 3
W_WAITING, W_BLOCKING, W_FOLLOW_UP, W_QUIET = 3, 2, 1, 5
SORTS = ("attention", "name", "activity")
OWN_EVENTS = "facilitation."  # the facilitator's own log is not the village's activity


@dataclass
class Activity:
    at: datetime
    action: str


@dataclass
class Card:
    """One village on the surface."""

    tenant: Tenant
    next_pillar: str | None = None  # plugin name; None when every installed pillar runs
    blocking: list[tuple[str, ReadinessCheck]] = field(default_factory=list)  # (plugin, check)
    waiting: list[WaitingItem] = field(default_factory=list)
    last_activity: Activity | None = None
    last_visit: date | None = None
    open_follow_ups: int = 0
    trends: list[snapshots.Trend] = field(default_factory=list)

    @property
    def next_title(self) -> str:
        return plugin_title(self.next_pillar) if self.next_pillar else ""

    @property
    def activity_day(self) -> date | None:
        """The day of the last activity in the village's own time zone (WITA in Bali), as every
        page of the village shows its times."""
        if self.last_activity is None:
            return None
        at = self.last_activity.at
        at = at if at.tzinfo else at.replace(tzinfo=UTC)
        zone = regions.time_zone(self.tenant.code, (self.tenant.profile or {}).get("timezone"))
        return at.astimezone(zone).date()

    @property
    def waiting_count(self) -> int:
        return sum(max(int(i.count), 0) for i in self.waiting)

    @property
    def quiet(self) -> bool:
        limit = datetime.now(UTC) - timedelta(days=QUIET_DAYS)
        at = self.last_activity.at if self.last_activity else None
        if at is not None and at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        return at is None or at < limit

    def score_parts(self) -> list[tuple[str, int]]:
        """Why the score is what it is, in words (shown beside it)."""
        parts = []
        if self.waiting_count:
            parts.append((_("waiting on people"), W_WAITING * self.waiting_count))
        if self.blocking:
            parts.append((_("blocking checks"), W_BLOCKING * len(self.blocking)))
        if self.open_follow_ups:
            parts.append((_("open follow-ups"), W_FOLLOW_UP * self.open_follow_ups))
        if self.quiet:
            parts.append((_("no activity for %(days)d days", days=QUIET_DAYS), W_QUIET))
        return parts

    @property
    def score(self) -> int:
        return sum(points for _label, points in self.score_parts())


def pillar_order() -> list[str]:
    """The board's columns: installed, working plugins in dependency and rollout order."""
    return [info.name for info in board.columns()]


def _blocking(tenant: Tenant, name: str, enabled: frozenset[str], session: Session) -> list:
    """The failing checks of ``name`` and of what it requires that is not enabled yet."""

    def failing_of(plugin: str) -> list[ReadinessCheck]:
        groups = plugins().hook_only(plugin).desa_readiness_checks(tenant=tenant, session=session)
        return [c for group in groups for c in group or [] if not c.passed]

    return board.failing_for(name, enabled, failing_of)


def _last_activity(session: Session, tenant_id: int) -> Activity | None:
    row = session.execute(
        select(AuditEvent.at, AuditEvent.action)
        .where(AuditEvent.tenant_id == tenant_id, ~AuditEvent.action.startswith(OWN_EVENTS))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(1)
    ).first()
    return Activity(row.at, row.action) if row is not None else None


def read_card(session: Session, tenant: Tenant, enabled: frozenset[str], order: list[str]) -> Card:
    """Everything the surface scores for one village, read in ``session`` (bound to it)."""
    card = Card(tenant)
    card.next_pillar = next((n for n in order if n not in enabled), None)
    if card.next_pillar is not None:
        card.blocking = _blocking(tenant, card.next_pillar, enabled, session)
    groups = plugins().hook_for(enabled).desa_waiting_items(tenant=tenant, session=session)
    card.waiting = [i for group in groups for i in group or [] if i.count > 0]
    card.last_activity = _last_activity(session, tenant.id)
    card.last_visit, card.open_follow_ups = visits.summary(session)
    return card


def choose_trends(found: list, stored: dict) -> list:
    """At most TRENDS_PER_VILLAGE indicators worth a line, in this order of preference: scalar
    ones (no series), with stored months, with a figure above zero now (a line of zeros says
    little), the pillars' before the core's own; then by key, so the choice is stable."""
    scalar = [i for i in found if not i.series]

    def rank(i: Indicator) -> tuple:
        history = any(v for _p, v in stored.get(i.key, ()))
        return (not history, not i.value, i.key.startswith("core."), i.key)

    return sorted(scalar, key=rank)[:TRENDS_PER_VILLAGE]


def may_open(viewer: User, item: WaitingItem, tenant: Tenant) -> bool:
    """Whether the surface links ``item`` for ``viewer``: a queue page they would be refused is
    shown as text (a facilitator reads letter requests but does not review registrations)."""
    if not item.link:
        return False
    if not item.permission:
        return True
    try:
        return can(viewer, item.permission, tenant)
    except KeyError:  # a permission nobody registered: no link rather than a broken page
        return False


def trend_text(trend: snapshots.Trend) -> str:
    """The months that have a figure, for screen readers (months without one are the gaps)."""
    known = [(p, v) for p, v in trend.points if v is not None]
    return " · ".join(
        f"{snapshots.period_label(p)}: {snapshots.format_value(v, trend.kind)}" for p, v in known
    )


def read_trends(session: Session, tenant: Tenant, enabled: frozenset[str]) -> list[snapshots.Trend]:
    found = live.for_village(tenant, enabled, session)
    stored = snapshots.history(session, [i.key for i in found])
    return [snapshots.Trend.of(i, stored.get(i.key)) for i in choose_trends(found, stored)]


def sort_cards(cards: list[Card], how: str) -> list[Card]:
    """``attention`` (highest score first), ``name``, or ``activity`` (longest quiet first)."""
    if how == "name":
        return sorted(cards, key=lambda c: (c.tenant.name, c.tenant.id))
    if how == "activity":
        far = datetime.min.replace(tzinfo=UTC)

        def when(c: Card) -> datetime:
            at = c.last_activity.at if c.last_activity else far
            return at if at.tzinfo else at.replace(tzinfo=UTC)

        return sorted(cards, key=lambda c: (when(c), c.tenant.name))
    return sorted(cards, key=lambda c: (-c.score, c.tenant.name, c.tenant.id))


def cards_for(tenants: Iterable[Tenant], viewer: User, session: Session) -> list[Card]:
    """The cards of ``tenants`` (unsorted, without trends); ``session`` reads which plugins run."""
    tenants = list(tenants)
    if not tenants:
        return []
    enabled = enabled_by_village([t.id for t in tenants], session)
    by_id = {t.id: t for t in tenants}
    order = pillar_order()

    def read(s: Session, tenant_id: int) -> Card:
        return read_card(s, by_id[tenant_id], frozenset(enabled[tenant_id]), order)

    found = read_each(list(by_id), read, actor_id=viewer.id, reason="facilitation.surface")
    return [found[t.id] for t in tenants]


def add_trends(cards: list[Card], viewer: User, session: Session) -> None:
    """Fill in the trends of ``cards`` (the page shown), one audited read."""
    if not cards:
        return
    enabled = enabled_by_village([c.tenant.id for c in cards], session)
    by_id = {c.tenant.id: c for c in cards}

    def read(s: Session, tenant_id: int) -> list[snapshots.Trend]:
        return read_trends(s, by_id[tenant_id].tenant, frozenset(enabled[tenant_id]))

    found = read_each(list(by_id), read, actor_id=viewer.id, reason="facilitation.trends")
    for tenant_id, trends in found.items():
        by_id[tenant_id].trends = trends


@dataclass
class SurfacePage:
    """The cards of one page of the surface and how they were chosen."""

    cards: list[Card]
    total: int  # villages in the caller's scope matching the filters
    sort: str  # the order used
    ranked: bool  # False: too many villages to score them all, listed by name (only this page scored)


def count_of(stmt: Select, session: Session) -> int:
    """How many villages ``stmt`` selects."""
    return session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def page_of(  # noqa: PLR0913 - what a page needs, passed as it is
    stmt: Select, viewer: User, sort: str, number: int, size: int, session: Session, total: int | None = None
) -> SurfacePage:
    """One page of the villages ``stmt`` selects (the caller's scope and filters), with trends.

    Up to MAX_VILLAGES villages every one is scored and the page is cut from the sorted whole (any
    sort). Above (a platform admin over every village of the platform), they are paged by name in
    the database and only the page's villages are read: "needs attention" needs a narrower area."""
    total = count_of(stmt, session) if total is None else total
    start = (max(number, 1) - 1) * size
    if total <= MAX_VILLAGES:
        cards = sort_cards(cards_for(session.scalars(stmt), viewer, session), sort)
        shown, ranked = cards[start : start + size], True
    else:
        by_name = stmt.order_by(None).order_by(Tenant.name, Tenant.id).offset(start).limit(size)
        shown, sort, ranked = cards_for(session.scalars(by_name), viewer, session), "name", False
    add_trends(shown, viewer, session)
    return SurfacePage(shown, total, sort, ranked)
