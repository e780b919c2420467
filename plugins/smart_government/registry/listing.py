"""Finding residents: the filtered, sorted list behind the registry's page, API and exports."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from desacerdas.services import ServiceError
from desacerdas.services.i18n import _

from .models import Resident, ResidentStatus, Sex
from .service import _tenant_id, _uuid, normalise_name
from .statistics import AGE_BANDS, born_between

SORTS = {
    "name": (Resident.name_search, Resident.name, Resident.id),
    "birth_date": (Resident.birth_date, Resident.name_search, Resident.id),
    "nik": (Resident.nik, Resident.id),
}


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
    """A SELECT of residents for lists, exports and the API (paginate it with the core helper).

    ``q`` finds part of a name, ignoring case and accents, or a NIK (digits: the start of a NIK, or
    exactly a 16-digit one, which uses the (tenant_id, nik) index); ``nik`` is exact.
    ``session`` only makes sure the caller holds a village session: the statement runs in it.
    """
    _tenant_id(session)
    stmt = select(Resident)
    if hamlet_scope is not None:
        stmt = stmt.where(Resident.hamlet_id == hamlet_scope)
    if q and q.strip():
        term = q.strip().replace(" ", "")
        if term.isdigit():  # a NIK (names hold no digits): exact when complete, else its start
            stmt = stmt.where(Resident.nik == term if len(term) == 16 else Resident.nik.startswith(term))
        else:
            stmt = stmt.where(Resident.name_search.contains(normalise_name(q), autoescape=True))
    if nik and nik.strip():
        stmt = stmt.where(Resident.nik == nik.strip().replace(" ", ""))
    if hamlet_id:
        stmt = stmt.where(Resident.hamlet_id == _uuid(hamlet_id))
    if family_id:
        stmt = stmt.where(Resident.family_id == _uuid(family_id))
    if sex:
        try:
            stmt = stmt.where(Resident.sex == Sex(sex))
        except ValueError:
            raise ServiceError(_("Sex must be male or female."), "invalid_sex") from None
    if status:
        try:
            stmt = stmt.where(Resident.status == ResidentStatus(status))
        except ValueError:
            raise ServiceError(_("Unknown status: %(status)s.", status=status), "invalid_status") from None
    if age_band:
        if age_band not in AGE_BANDS:
            raise ServiceError(
                _("Age band must be one of %(bands)s.", bands=", ".join(AGE_BANDS)), "invalid_age_band"
            )
        low, high = AGE_BANDS[age_band]
        stmt = stmt.where(born_between(low, high, on or date.today()))
    if sort not in SORTS:
        raise ServiceError(_("Sort by name, birth_date or nik."), "invalid_sort")
    return stmt.order_by(*SORTS[sort])
