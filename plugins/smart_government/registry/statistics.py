"""Population statistics: ONE query layer for every screen, report and indicator.

The incumbent's users complain that figures disagree between screens. Here every figure comes from
:func:`population` and :func:`events_between`; pages, exports and :func:`indicators` only format them.
Ages are computed in SQL from cut-off dates calculated here, so the same query runs on SQLite and
PostgreSQL and the bands of the search filter and of the pyramid are the same bands.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from desacerdas.models import Hamlet, Tenant
from desacerdas.plugin_system.types import Indicator
from desacerdas.services import ServiceError
from desacerdas.services.i18n import _

from .models import CivilEvent, EventKind, Resident, ResidentStatus, Sex

# Age bands of the registry's search filter: (lowest age, highest age or None).
AGE_BANDS: dict[str, tuple[int, int | None]] = {
    "0-4": (0, 4),
    "5-14": (5, 14),
    "15-24": (15, 24),
    "25-59": (25, 59),
    "60+": (60, None),
}
PYRAMID_STEP = 5
PYRAMID_TOP = 75  # the last band is "75+"
NOT_RECORDED = ""  # the key for residents whose religion, education… is not recorded


def years_before(on: date, years: int) -> date:
    """``on`` moved back ``years`` years (29 February becomes 28 February)."""
    try:
        return on.replace(year=on.year - years)
    except ValueError:
        return on.replace(year=on.year - years, day=28)


def born_between(low: int, high: int | None, on: date) -> ColumnElement[bool]:
    """Residents aged ``low`` to ``high`` (inclusive; None = no limit) on ``on``."""
    condition = Resident.birth_date <= years_before(on, low)
    if high is not None:
        condition = and_(condition, Resident.birth_date > years_before(on, high + 1))
    return condition


def pyramid_bands() -> list[str]:
    return [f"{a}-{a + PYRAMID_STEP - 1}" for a in range(0, PYRAMID_TOP, PYRAMID_STEP)] + [f"{PYRAMID_TOP}+"]


def _pyramid_band(on: date) -> ColumnElement[str]:
    """A SQL CASE giving each resident's 5-year band on ``on`` (the born-later-than-``on`` go to 0-4)."""
    bands = pyramid_bands()
    whens = [
        (Resident.birth_date > years_before(on, low + PYRAMID_STEP), bands[i])
        for i, low in enumerate(range(0, PYRAMID_TOP, PYRAMID_STEP))
    ]
    return case(*whens, else_=bands[-1])


@dataclass(frozen=True)
class Population:
    """The village's population on ``on``. Breakdowns other than ``by_status`` count living residents."""

    on: date
    total: int  # every record, whatever its status
    by_status: dict[str, int]
    by_sex: dict[str, int]  # living
    by_sex_status: dict[tuple[str, str], int]
    pyramid: list[tuple[str, int, int]]  # (band, male, female), living
    by_hamlet: dict[str, int]  # hamlet name (NOT_RECORDED: none) → living residents; every hamlet listed
    by_religion: dict[str, int] = field(default_factory=dict)
    by_education: dict[str, int] = field(default_factory=dict)
    by_occupation: dict[str, int] = field(default_factory=dict)
    by_marital_status: dict[str, int] = field(default_factory=dict)
    households: int = 0  # families with at least one living member

    @property
    def living(self) -> int:
        return self.by_status.get(ResidentStatus.LIVING.value, 0)


def _living() -> ColumnElement[bool]:
    return Resident.status == ResidentStatus.LIVING


def _count_by(session: Session, column, scope: uuid.UUID | None, ordered: bool = True) -> dict:  # noqa: ANN001
    """Living residents per value of ``column``, most frequent first (None → NOT_RECORDED)."""
    stmt = select(column, func.count()).select_from(Resident).where(_living()).group_by(column)
    if scope is not None:
        stmt = stmt.where(Resident.hamlet_id == scope)
    rows = session.execute(stmt).all()
    counts: dict[str, int] = {}
    for key, n in rows:
        key = NOT_RECORDED if key is None else getattr(key, "value", key)
        counts[key] = counts.get(key, 0) + n
    if not ordered:
        return counts
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def population(
    session: Session, on: date | None = None, *, hamlet_scope: uuid.UUID | None = None
) -> Population:
    """Every population figure of the village (or of one hamlet, for a hamlet head).

    Statuses are the registry's current ones; ``on`` (default today) is the date ages are taken on.
    """
    on = on or date.today()
    scoped = select(Resident.sex, Resident.status, func.count()).group_by(Resident.sex, Resident.status)
    if hamlet_scope is not None:
        scoped = scoped.where(Resident.hamlet_id == hamlet_scope)
    by_sex_status = {(sex.value, status.value): n for sex, status, n in session.execute(scoped).all()}
    by_status = {s.value: 0 for s in ResidentStatus}
    by_sex = {s.value: 0 for s in Sex}
    for (sex, status), n in by_sex_status.items():
        by_status[status] += n
        if status == ResidentStatus.LIVING.value:
            by_sex[sex] += n

    # Grouped through a subquery: PostgreSQL would not match a CASE with bound dates in GROUP BY.
    banded = select(_pyramid_band(on).label("band"), Resident.sex.label("sex")).where(_living())
    if hamlet_scope is not None:
        banded = banded.where(Resident.hamlet_id == hamlet_scope)
    banded = banded.subquery()
    stmt = select(banded.c.band, banded.c.sex, func.count()).group_by(banded.c.band, banded.c.sex)
    cells = {(b, Sex(sex).value): n for b, sex, n in session.execute(stmt).all()}
    pyramid = [(b, cells.get((b, "male"), 0), cells.get((b, "female"), 0)) for b in pyramid_bands()]

    per_hamlet_id = _count_by(session, Resident.hamlet_id, hamlet_scope, ordered=False)
    hamlets = session.execute(select(Hamlet.id, Hamlet.name).order_by(Hamlet.name)).all()
    by_hamlet = {name: per_hamlet_id.get(hid, 0) for hid, name in hamlets if hamlet_scope in (None, hid)}
    if per_hamlet_id.get(NOT_RECORDED):
        by_hamlet[NOT_RECORDED] = per_hamlet_id[NOT_RECORDED]

    households = select(func.count(func.distinct(Resident.family_id))).where(
        _living(), Resident.family_id.is_not(None)
    )
    if hamlet_scope is not None:
        households = households.where(Resident.hamlet_id == hamlet_scope)

    return Population(
        on=on,
        total=sum(by_status.values()),
        by_status=by_status,
        by_sex=by_sex,
        by_sex_status=by_sex_status,
        pyramid=pyramid,
        by_hamlet=by_hamlet,
        by_religion=_count_by(session, Resident.religion, hamlet_scope),
        by_education=_count_by(session, Resident.education, hamlet_scope),
        by_occupation=_count_by(session, Resident.occupation, hamlet_scope),
        by_marital_status=_count_by(session, Resident.marital_status, hamlet_scope),
        households=session.scalar(households) or 0,
    )


def events_between(session: Session, start: date, end: date) -> dict[str, int]:
    """Civil events per kind with ``start <= event_date < end``: by when it happened, not when reported."""
    stmt = (
        select(CivilEvent.kind, func.count())
        .where(CivilEvent.event_date >= start, CivilEvent.event_date < end)
        .group_by(CivilEvent.kind)
    )
    counts = {k.value: 0 for k in EventKind}
    for kind, n in session.execute(stmt).all():
        counts[kind.value] = n
    return counts


def month_range(year: int, month: int) -> tuple[date, date]:
    start = date(year, month, 1)
    return start, date(year + month // 12, month % 12 + 1, 1)


def monthly_events(session: Session, year: int, month: int) -> dict[str, int]:
    """The monthly population report's movements (births, deaths, moves…) by event date."""
    return events_between(session, *month_range(year, month))


def period_range(period: str) -> tuple[date, date]:
    """``YYYY-MM`` or ``YYYY`` → ``[start, end)``."""
    try:
        if len(period) == 7 and period[4] == "-":
            return month_range(int(period[:4]), int(period[5:]))
        if len(period) == 4:
            year = int(period)
            return date(year, 1, 1), date(year + 1, 1, 1)
    except ValueError:
        pass
    raise ServiceError(_("A period is YYYY or YYYY-MM, not %(period)s.", period=period), "invalid_period")


def pyramid_series(pop: Population) -> tuple[tuple[str, float], ...]:
    """The pyramid as chart pairs: ``("0-4 male", n), ("0-4 female", n), …``."""
    pairs: list[tuple[str, float]] = []
    for band, male, female in pop.pyramid:
        pairs += [(f"{band} male", male), (f"{band} female", female)]
    return tuple(pairs)


def _series(counts: dict[str, int]) -> tuple[tuple[str, float], ...]:
    return tuple((k or "-", v) for k, v in counts.items())


def indicators(tenant: Tenant, period: str, session: Session) -> list[Indicator]:
    """The registry's indicators for a period, computed from :func:`population` and
    :func:`events_between` like every screen. Ages are taken at the end of the period."""
    start, end = period_range(period)
    on = min(date.fromordinal(end.toordinal() - 1), date.today())
    pop = population(session, on)
    events = events_between(session, start, end)
    people = _("people")

    def event(kind: EventKind, key: str, label: str) -> Indicator:
        return Indicator(f"smart_government.{key}", label, events[kind.value], people)

    return [
        Indicator(
            "smart_government.population",
            _("Living population"),
            pop.living,
            people,
            series=pyramid_series(pop),
        ),
        Indicator("smart_government.population_male", _("Living men"), pop.by_sex["male"], people),
        Indicator("smart_government.population_female", _("Living women"), pop.by_sex["female"], people),
        Indicator(
            "smart_government.households",
            _("Households"),
            pop.households,
            _("families"),
        ),
        Indicator(
            "smart_government.population_by_hamlet",
            _("Living population per hamlet"),
            sum(pop.by_hamlet.values()),
            people,
            series=_series(pop.by_hamlet),
        ),
        event(EventKind.BIRTH, "births", _("Births")),
        event(EventKind.DEATH, "deaths", _("Deaths")),
        event(EventKind.MOVE_IN, "move_ins", _("Moved in")),
        event(EventKind.MOVE_OUT, "move_outs", _("Moved out")),
    ]


def as_rows(counts: dict[str, int]) -> Iterable[tuple[str, int]]:
    """Breakdown rows for tables and exports, the not-recorded bucket last."""
    yield from ((k, v) for k, v in counts.items() if k != NOT_RECORDED)
    if NOT_RECORDED in counts:
        yield NOT_RECORDED, counts[NOT_RECORDED]
