"""The regencies and districts that have villages on the platform, for filter menus.

``SELECT DISTINCT regency_code`` reads every village (8 ms at 20,000 on SQLite, and growing); a
filter menu needs only the distinct codes. Both lists are read with a *loose index scan*: a
recursive query that jumps from one code to the next in the code's index (``min(code) > previous``),
so the cost follows the number of regencies or districts listed, not the number of villages.

A district code starts with its regency code (``51.07.01`` is in ``51.07``: Kemendagri's codes are
hierarchical, and ``tenants.create_tenant`` takes both from the village's code), so the districts of
one regency are one range of the district index.
"""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock
from typing import NamedTuple

from sqlalchemy import ColumnElement, Select, func, inspect, literal, select, true
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.util import ClauseAdapter

from ..extensions import db
from ..models import Tenant


class Area(NamedTuple):
    code: str
    name: str
    regency_name: str  # the regency itself for a regency; the district's regency for a district


# The two other readings of ``tenants`` in the query, made once: the conditions are copied onto
# them (``ClauseAdapter``) so the subqueries do not correlate with the outer reading.
_STEP = aliased(Tenant, name="tenants_next")
_NAME = aliased(Tenant, name="tenants_named")
_ON_STEP = ClauseAdapter(inspect(_STEP).selectable)
_ON_NAME = ClauseAdapter(inspect(_NAME).selectable)


_BUILT: OrderedDict[tuple, Select] = OrderedDict()  # statements by column, limit and conditions
_BUILT_SIZE = 256
_BUILT_LOCK = Lock()


def _distinct(
    column: str, where: list[ColumnElement[bool]], limit: int | None, session: Session
) -> list[Area]:
    """The distinct values of ``Tenant.<column>`` among villages matching ``where``, in order,
    with the name stored beside the code, read one index jump per value.

    Building the recursive statement costs 1.5 ms of Python, thirty times what the database
    spends on it: the statement is kept, keyed by the conditions written out in SQL with their
    values, so a viewer whose scope is the same reuses it (and SQLAlchemy its cache key)."""
    dialect = session.get_bind().dialect
    key = (
        column,
        limit,
        dialect.name,
        *(str(w.compile(dialect=dialect, compile_kwargs=_LITERAL)) for w in where),
    )
    with _BUILT_LOCK:
        stmt = _BUILT.get(key)
        if stmt is not None:
            _BUILT.move_to_end(key)
    if stmt is None:
        stmt = _statement(column, where, limit)
        with _BUILT_LOCK:
            _BUILT[key] = stmt
            while len(_BUILT) > _BUILT_SIZE:
                _BUILT.popitem(last=False)
    return [Area(c, n or c, r or "") for c, n, r in session.execute(stmt)]


_LITERAL = {"literal_binds": True}


def _statement(column: str, where: list[ColumnElement[bool]], limit: int | None) -> Select:
    step_table, name_table = _STEP, _NAME
    code = getattr(Tenant, column)
    first = select(func.min(code).label("code")).where(*where)
    codes = first.cte(f"{column}_codes", recursive=True)
    step_code = getattr(step_table, column)
    step_where = [_ON_STEP.traverse(w) for w in where]
    nxt = select(func.min(step_code)).where(step_code > codes.c.code, *step_where).scalar_subquery()
    codes = codes.union_all(select(nxt).where(codes.c.code.is_not(None)))
    name_code = getattr(name_table, column)
    name_where = [_ON_NAME.traverse(w) for w in where]
    name_column = name_table.regency_name if column == "regency_code" else name_table.district_name

    def named(col: ColumnElement) -> ColumnElement:
        return select(col).where(name_code == codes.c.code, *name_where).limit(1).scalar_subquery()

    stmt = select(codes.c.code, named(name_column), named(name_table.regency_name)).where(
        codes.c.code.is_not(None)
    )
    return stmt if limit is None else stmt.limit(limit)


def regencies(where: ColumnElement[bool] | None = None, session: Session | None = None) -> list[Area]:
    """The regencies with at least one village matching ``where``, by code."""
    return _distinct("regency_code", [where if where is not None else true()], None, session or db.session)


def districts(
    regency: str | None,
    where: ColumnElement[bool] | None = None,
    limit: int | None = None,
    session: Session | None = None,
) -> list[Area]:
    """The districts with a village matching ``where``, by code; within ``regency`` when given
    (one range of the index). ``limit``: at most that many (ask for one more to know there are more)."""
    conds = [where if where is not None else true()]
    if regency:
        conds += [Tenant.district_code > regency + ".", Tenant.district_code < regency + "/"]
    return _distinct("district_code", conds, limit, session or db.session)


MENU_DISTRICTS = 50  # without a regency chosen, above this many villages the menu asks for one first


def district_menu(
    regency: str | None, where: ColumnElement[bool] | None = None, session: Session | None = None
) -> list[Area]:
    """The districts a filter menu offers: those of ``regency``; with none chosen, every district
    only while there are at most :data:`MENU_DISTRICTS` villages in ``where`` (so at most as many
    districts; counted by reading at most one more), else none: pick a regency first."""
    if regency:
        return districts(regency, where, session=session)
    session = session or db.session
    few = select(literal(1)).select_from(Tenant).where(where if where is not None else true())
    inner = few.limit(MENU_DISTRICTS + 1).subquery()
    if (session.scalar(select(func.count()).select_from(inner)) or 0) > MENU_DISTRICTS:
        return []
    return districts(None, where, session=session)


def regency_of(regency: str | None, district: str | None, offered: list[Area]) -> str:
    """The regency a filter asks for, among ``offered`` ("" for none): the one chosen, else the
    one a chosen district lies in (a link with only ``?district=`` still narrows the menu)."""
    codes = {r.code for r in offered}
    if regency in codes:
        return str(regency)
    from_district = str(district or "")[:5]
    return from_district if not regency and from_district in codes else ""
