"""Export a village's residents in the platform template (``importing.TEMPLATE_COLUMNS``), so an
export imports back unchanged. Rows are streamed: a CSV is written as it is read, an XLSX through
openpyxl's write-only mode."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from desacerdas.models import Hamlet

from .importing import TEMPLATE_COLUMNS
from .models import Family, Resident, Sex

FORMATS = ("csv", "xlsx")


def rows(session: Session) -> Iterator[list[Any]]:
    """One list per resident, in TEMPLATE_COLUMNS order, sorted by KK then NIK (no header)."""
    hamlets = {h.id: h.name for h in session.scalars(select(Hamlet))}
    stmt = (
        select(Resident, Family.kk_number)
        .outerjoin(Family, (Family.id == Resident.family_id) & (Family.tenant_id == Resident.tenant_id))
        .order_by(Family.kk_number, Resident.nik)
        .execution_options(yield_per=1000)
    )
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


def export_csv(session: Session, out: IO[str]) -> int:
    writer = csv.writer(out)
    writer.writerow(TEMPLATE_COLUMNS)
    count = 0
    for row in rows(session):
        writer.writerow(row)
        count += 1
    return count


def export_xlsx(session: Session, path: str | Path | IO[bytes]) -> int:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("residents")
    sheet.append(list(TEMPLATE_COLUMNS))
    count = 0
    for row in rows(session):
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
