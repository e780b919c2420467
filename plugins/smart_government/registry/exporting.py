"""Export a village's residents in the platform template (``importing.TEMPLATE_COLUMNS``), so an
export imports back unchanged. Rows are streamed: a CSV is written as it is read, an XLSX through
openpyxl's write-only mode."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import IO, Any

from flask import Response, send_file
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from desacerdas.models import Hamlet, Tenant, User
from desacerdas.services import audit

from ..importing.codes import TEMPLATE_COLUMNS
from .models import Family, Resident, Sex

FORMATS = ("csv", "xlsx")


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


def export_csv(session: Session, out: IO[str], residents: Select | None = None) -> int:
    writer = csv.writer(out)
    writer.writerow(TEMPLATE_COLUMNS)
    count = 0
    for row in rows(session, residents):
        writer.writerow(row)
        count += 1
    return count


def export_xlsx(session: Session, path: str | Path | IO[bytes], residents: Select | None = None) -> int:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("residents")
    sheet.append(list(TEMPLATE_COLUMNS))
    count = 0
    for row in rows(session, residents):
        sheet.append(row)  # strings only: NIK/KK keep all 16 digits
        count += 1
    book.save(path)
    return count


def export(session: Session, path: str | Path, fmt: str) -> int:
    """Write the residents to ``path`` as ``csv`` or ``xlsx``; the number of residents written."""
    if fmt == "csv":
        with open(path, "w", newline="", encoding="utf-8") as out:
            return export_csv(session, out)
    if fmt == "xlsx":
        return export_xlsx(session, path)
    raise ValueError(f"unknown format {fmt!r}: use csv or xlsx")


CONTENT_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


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
    # Written to a temporary file (memory up to 4 MiB, then disk) while the request still holds its
    # village session, then sent: memory stays flat for 100,000 residents.
    spooled = tempfile.SpooledTemporaryFile(max_size=4 << 20)  # noqa: SIM115 - closed by the response
    if fmt == "csv":
        text = io.TextIOWrapper(spooled, encoding="utf-8", newline="")
        export_csv(session, text, residents)
        text.flush()
        text.detach()  # the bytes stay in ``spooled`` for send_file
    else:
        export_xlsx(session, spooled, residents)
    spooled.seek(0)
    resp = send_file(spooled, mimetype=CONTENT_TYPES[fmt], as_attachment=True, download_name=name)
    resp.headers["Cache-Control"] = "no-store"
    return resp
