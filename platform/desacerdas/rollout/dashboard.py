"""The regency dashboard: the indicators of every village in scope, side by side, with totals,
and a 12-month trend per indicator from the monthly snapshots (``kit.snapshots``) plus this month.

Village data is read through ``tenancy.replica.read_each``, the audited path across villages on
the read replica (the primary when there is none): each village through its own session bound to
it, so isolation and Row-Level Security still hold, and one audit event says who read which villages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import fmean

from flask import render_template
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from ..extensions import db
from ..kit import snapshots
from ..models import Tenant
from ..plugin_system import indicators as plugin_indicators
from ..plugin_system.state import enabled_by_village
from ..plugin_system.types import Indicator
from ..tenancy.replica import read_each, replica_session
from ..web.pagination import fetch_bounded, page_links, page_number, page_size
from . import scope
from .access import board_page, filter_form, user
from .views import bp

MAX_VILLAGES = 300  # above: totals of the page's villages only (a regency has fewer)
SUMMED = ("count", "amount")  # ratios and durations are averaged instead


@dataclass
class Column:
    """One indicator across villages."""

    key: str
    label: str
    unit: str
    kind: str
    values: dict[int, float | int | None] = field(default_factory=dict)

    @property
    def known(self) -> list[float | int]:
        return [v for v in self.values.values() if v is not None]

    @property
    def summed(self) -> bool:
        return self.kind in SUMMED

    def series(self, tenants: list[Tenant]) -> list[tuple[str, float | int]]:
        """(village, value) pairs for a bar chart, villages without a value left out."""
        return [(t.name, self.values[t.id]) for t in tenants if self.values.get(t.id) is not None]

    @property
    def total(self) -> float | int | None:
        known = self.known
        if not known:
            return None
        return sum(known) if self.summed else round(fmean(known), 2)


Stored = dict[str, list[tuple[str, float | None]]]


def combine(column: Column, stored: list[Stored]) -> snapshots.Trend:
    """The trend of one indicator across villages: per month the total (counts, amounts) or the
    average (ratios, durations) of the villages that have a value; this month from ``column``."""
    months: dict[str, list[float]] = {p: [] for p in snapshots.window()}
    for history in stored:
        for period, value in history.get(column.key, ()):
            if value is not None and period in months:
                months[period].append(value)
    points = [
        (p, (sum(vs) if column.summed else round(fmean(vs), 2)) if vs else None) for p, vs in months.items()
    ]
    now = Indicator(column.key, column.label, column.total, column.unit, column.kind)
    return snapshots.Trend.of(now, points)


def columns_of(results: dict[int, list[Indicator]]) -> list[Column]:
    """Indicators by key, in key order; a village without one has no value there (not zero)."""
    columns: dict[str, Column] = {}
    for tenant_id, found in results.items():
        for i in found:
            column = columns.setdefault(i.key, Column(i.key, i.label, i.unit, i.kind))
            column.values[tenant_id] = i.value
    return [columns[k] for k in sorted(columns)]


@bp.app_template_global("indicator_trends")
def indicator_trends(found: list[Indicator]) -> list[snapshots.Trend]:
    """For the village dashboard (its ``db.session`` is bound to the village): the 12-month trend
    of each indicator shown. Registered here because this blueprint is the one that owns trends."""
    return snapshots.trends(db.session, found)


@bp.get("/rollout/indicators")
@board_page
def indicators() -> ResponseReturnValue:
    """One page of villages in the table and the charts; the totals and trends of every village
    in scope while there are at most ``MAX_VILLAGES`` (a regency), else of the page's villages
    only: the page then costs the same with 20 villages on the platform as with 83,762."""
    form, filters = filter_form()
    viewer = user()
    # One read-only session on the replica for the page (the villages stay attached to it while the
    # plugins' indicators and the template read them), the villages' own data through read_each.
    with replica_session() as reports:
        stmt = scope.villages(viewer, filters)
        pagination = fetch_bounded(stmt, page_number(), page_size(), reports, cap=MAX_VILLAGES)
        whole = pagination.counted and pagination.pages > 1
        totalled = list(reports.scalars(stmt)) if whole else list(pagination.items)
        enabled = enabled_by_village([t.id for t in totalled], reports)
        by_id = {t.id: t for t in totalled}
        period = plugin_indicators.current_period()

        def read(session: Session, tenant_id: int) -> tuple[list[Indicator], Stored]:
            tenant = by_id[tenant_id]
            found = plugin_indicators.for_village(tenant, frozenset(enabled[tenant_id]), session, period)
            return found, snapshots.history(session, [i.key for i in found])

        results = (
            read_each(list(by_id), read, actor_id=viewer.id, reason="rollout.indicators") if by_id else {}
        )
        columns = columns_of({tid: found for tid, (found, _stored) in results.items()})
        stored = [history for _found, history in results.values()]
        return render_template(
            "rollout/indicators.html",
            form=form,
            pagination=pagination,
            page_url=page_links("rollout.indicators"),
            tenants=pagination.items,
            columns=columns,
            trends=[combine(c, stored) for c in columns],
            months=snapshots.MONTHS,
            period=period,
            max_villages=MAX_VILLAGES,
            filtered=bool(filters.as_args()),
        )
