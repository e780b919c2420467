"""Finding residents: the one list declaration (:data:`RESIDENTS`, a kit ``ListSpec``) behind the
registry's page, its API, its exports and the service function :func:`search`.

The page reads ``q``, ``hamlet``, ``sex``, ``age``, ``status`` and ``sort`` from its query string;
the API names two of them ``hamlet_id`` and ``age_band`` (its documented parameters), which
:func:`api_args` maps onto the same list. A value the list cannot use is a ``ListError`` (a
``ServiceError``, 400) with the registry's own message.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import g, has_request_context
from sqlalchemy import Select, false, select
from sqlalchemy.orm import Session

from desacerdas.kit.access import Scope
from desacerdas.kit.lists import Filter, ListSpec, Sort, uuid_value
from desacerdas.services.i18n import _

from .models import Resident, ResidentStatus, Sex
from .service import _tenant_id, _uuid, normalise_name
from .statistics import AGE_BANDS, born_between

# -- the filters' parsers and conditions -------------------------------------------------------------


def _sex(value: str) -> Sex:
    try:
        return Sex(value.strip())
    except ValueError:
        raise ValueError(_("Sex must be male or female.")) from None


def _status(value: str) -> ResidentStatus:
    try:
        return ResidentStatus(value.strip())
    except ValueError:
        raise ValueError(_("Unknown status: %(status)s.", status=value.strip()[:40])) from None


def _age_band(value: str) -> str:
    band = value.strip()
    if band not in AGE_BANDS:
        raise ValueError(_("Age band must be one of %(bands)s.", bands=", ".join(AGE_BANDS)))
    return band


MASKED_SORTS = frozenset({"birth_date", "nik"})  # orders that would reveal the hidden digits


def masked_search() -> None:
    """For a caller who sees NIKs masked (``services.personal_data``): a search by digits matches
    nothing, so neither prefixes nor guessed whole NIKs (the birth date is in them) can be tested."""
    g.registry_masked_search = True


def masked_args(args: Mapping[str, Any]) -> dict[str, Any]:
    """``args`` for a masked caller (and :func:`masked_search` for this request): a sort by birth
    date or NIK (which would rank the hidden values) becomes the default sort by name."""
    masked_search()
    out = dict(args)
    if str(out.get("sort") or "").strip().lstrip("-") in MASKED_SORTS:
        out["sort"] = "name"
    return out


def by_text(stmt: Select, q: str) -> Select:
    """Part of a name, ignoring case and accents, or a NIK: digits (names hold none) are the start
    of a NIK, or exactly a 16-digit one, which uses the (tenant_id, nik) index."""
    term = q.replace(" ", "")
    if term.isdigit():
        if has_request_context() and g.get("registry_masked_search"):
            return stmt.where(false())
        return stmt.where(Resident.nik == term if len(term) == 16 else Resident.nik.startswith(term))
    return stmt.where(Resident.name_search.contains(normalise_name(q), autoescape=True))


def by_age(stmt: Select, band: str, on: date | None = None) -> Select:
    low, high = AGE_BANDS[band]
    return stmt.where(born_between(low, high, on or date.today()))


RESIDENTS = ListSpec(
    filters={
        "q": Filter(by_text),
        "hamlet": Filter.equals(Resident.hamlet_id, parse=uuid_value),
        "sex": Filter.equals(Resident.sex, parse=_sex),
        "age": Filter(by_age, parse=_age_band),
        "status": Filter.equals(Resident.status, parse=_status),
    },
    sorts={
        "name": Sort(Resident.name_search, Resident.name, Resident.id),
        "birth_date": Sort(Resident.birth_date, Resident.name_search, Resident.id),
        "nik": Sort(Resident.nik, Resident.id),
    },
    default_sort="name",
)
SORTS = RESIDENTS.sorts  # the sort keys (the API's schema offers these)

# The API's parameter names for two of the list's filters.
_API_NAMES = {"hamlet_id": "hamlet", "age_band": "age"}


def api_args(args: Mapping[str, Any]) -> dict[str, Any]:
    """The API's query arguments (``hamlet_id``, ``age_band``…) as the list's (``hamlet``, ``age``)."""
    return {_API_NAMES.get(k, k): v for k, v in args.items()}


def visible(scope: Scope) -> Select:
    """Every resident a page or endpoint's caller sees (kit access): the village or one hamlet; an
    own-records scope sees none (the registry has no owner column)."""
    return scope.filter(select(Resident), hamlet_column=Resident.hamlet_id)


def residents_in_scope(session: Session, hamlet_scope: uuid.UUID | None = None) -> Select:
    """Every resident the caller sees: the village, or one hamlet. ``session`` only makes sure the
    caller holds a village session: the statement runs in it."""
    _tenant_id(session)
    stmt = select(Resident)
    if hamlet_scope is not None:
        stmt = stmt.where(Resident.hamlet_id == hamlet_scope)
    return stmt


# -- search ----------------------------------------------------------------------------------------


def search(
    session: Session,
    *,
    q: str | None = None,
    nik: str | None = None,
    hamlet_id: uuid.UUID | str | None = None,
    sex: Sex | str | None = None,
    age_band: str | None = None,
    status: ResidentStatus | str | None = None,
    family_id: uuid.UUID | str | None = None,
    sort: str = "name",
    hamlet_scope: uuid.UUID | None = None,
    on: date | None = None,
) -> Select:
    """A SELECT of residents for lists, exports and other features (the letters counter): the
    :data:`RESIDENTS` list's filters and sort, plus an exact ``nik`` and a ``family_id``.
    ``on`` is the day the age band is counted on (today by default)."""
    stmt = residents_in_scope(session, hamlet_scope)
    if nik and nik.strip():
        stmt = stmt.where(Resident.nik == nik.strip().replace(" ", ""))
    if family_id:
        stmt = stmt.where(Resident.family_id == _uuid(family_id))
    args = {"q": q, "hamlet": hamlet_id, "sex": sex, "status": status, "sort": sort}
    if on is None:
        args["age"] = age_band
    stmt = RESIDENTS.query(stmt, args)
    if on is not None and age_band:
        stmt = by_age(stmt, RESIDENTS.parse_filters({"age": age_band})["age"], on)
    return stmt
