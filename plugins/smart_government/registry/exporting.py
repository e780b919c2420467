"""Export a village's residents in the platform template (``importing.TEMPLATE_COLUMNS``), so an
export imports back unchanged. The rows are built here; writing them (CSV row by row, XLSX in
openpyxl's write-only mode, a download spooled to a temporary file) is the kit's
(``desacerdas.kit.tabular``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import IO, Any

from flask import Response
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from desacerdas.kit import tabular
from desacerdas.models import Hamlet, Tenant, User
from desacerdas.services import audit

from ..importing.codes import TEMPLATE_COLUMNS
from .models import Family, Resident, Sex

FORMATS = tabular.FORMATS
SHEET = "residents"


def rows(session: Session, residents: Select | None = None) -> Iterator[list[Any]]:
    """One list per resident, in TEMPLATE_COLUMNS order (no header): every resident sorted by KK
    then NIK, or those of ``residents`` (a ``listing.search`` statement: filters, hamlet scope and
    sort of a list page) in its order."""
    hamlets = {h.id: h.name for h in session.scalars(select(Hamlet))}
    on_family = (Family.id == Resident.family_id) & (Family.tenant_id == Resident.tenant_id)
    if residents is None:
        stmt = select(Resident, Family.kk_number).outerjoin(Family, on_family)
        stmt = stmt.order_by(Family.kk_number, Resident.nik)
    else:
        stmt = residents.outerjoin(Family, on_family).add_columns(Family.kk_number)
    stmt = stmt.execution_options(yield_per=1000)
    for resident, kk in session.execute(stmt):
        values = {
            column: getattr(resident, column, None)
            for column in TEMPLATE_COLUMNS
            if column not in ("kk_number", "hamlet", "sex", "birth_date")
        }
        values["kk_number"] = kk if kk and not kk.startswith("T") else None
        values["hamlet"] = hamlets.get(resident.hamlet_id)
        values["sex"] = "L" if resident.sex == Sex.MALE else "P"
        values["birth_date"] = resident.birth_date.isoformat()
        yield ["" if values[c] is None else str(values[c]) for c in TEMPLATE_COLUMNS]
        session.expunge(resident)


def count(session: Session, residents: Select) -> int:
    """How many residents ``residents`` (a list's statement) holds."""
    ids = residents.order_by(None).with_only_columns(Resident.id)
    return session.scalar(select(func.count()).select_from(ids.subquery())) or 0


def export(session: Session, path: str | Path | IO[bytes], fmt: str | None = None) -> int:
    """Write every resident to ``path`` as ``fmt`` (by default the format its name says: ``.csv``
    or ``.xlsx``); the number written. A format the name contradicts, or a name of another type,
    is a ``ServiceError``."""
    return tabular.write(path, TEMPLATE_COLUMNS, rows(session), fmt, sheet=SHEET)


def response(
    session: Session,
    tenant: Tenant,
    residents: Select,
    fmt: str,
    *,
    actor: User | None = None,
    filters: dict[str, Any] | None = None,
) -> Response:
    """A download of ``residents`` (pages and the API) as CSV or XLSX. The export is audited (who,
    which filters): personal data of many people goes out."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: use csv or xlsx")
    audit.record(
        "smart_government.residents.exported",
        actor=actor,
        tenant_id=tenant.id,
        target=f"tenant:{tenant.id}",
        session=session,
        format=fmt,
        filters={k: v for k, v in (filters or {}).items() if k != "page"},
    )
    session.commit()
    name = f"residents-{tenant.slug}-{date.today().isoformat()}.{fmt}"
    # Written while the request still holds its village session, then sent.
    return tabular.response(TEMPLATE_COLUMNS, rows(session, residents), fmt, name, sheet=SHEET)
