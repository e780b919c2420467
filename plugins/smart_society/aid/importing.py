"""A ministry's recipient list (CSV or XLSX, matched by NIK) into a programme, and the export.

The file needs a ``NIK`` column (``nik``); ``NAMA``/``name`` is compared with the registry when
given. :func:`import_list` with ``dry_run`` (the default) writes nothing and says, row by row,
what would happen: imported, not in the registry, already in the programme, in conflict (with
the source and period only, for another village), or invalid. Applied, it imports the rows that
would be imported, all in one transaction, as recipients (the list is the ministry's decision:
no village deliberation), each on the ledger and on the workflow's timeline (``imported``).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from desacerdas.kit import tabular
from desacerdas.kit.access import scope_for
from desacerdas.models import Hamlet, Tenant, User
from desacerdas.services import ServiceError, aid_ledger, audit
from desacerdas.services.i18n import _
from desacerdas.web.labels import register_events

from ..permissions import AID_MANAGE
from . import rules
from .labels import SOURCE_LABELS, UNIT_LABELS
from .models import AidProgramme, AidRecipient, ConflictKind, RecipientStatus, Unit
from .service import STATUS_CHOICES, lock_programme
from .workflow import FLOW, STATES

MAX_ROWS = 20_000
NIK = re.compile(r"^\d{16}$")
NIK_HEADERS = ("nik", "no_nik", "nomor_nik")
NAME_HEADERS = ("nama", "name", "nama_lengkap")


class Outcome(enum.StrEnum):
    IMPORTED = "imported"
    UNMATCHED = "unmatched"
    ALREADY = "already"
    CONFLICT = "conflict"
    INVALID = "invalid"


@dataclass
class Row:
    line: int
    nik: str
    name: str | None
    outcome: Outcome
    detail: str = ""


@dataclass
class ImportResult:
    dry_run: bool
    rows: list[Row] = field(default_factory=list)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    @property
    def summary(self) -> dict[str, int]:
        return {o.value: self.count(o) for o in Outcome}


def _key(header: str) -> str:
    return re.sub(r"[^a-z]+", "_", header.strip().lower()).strip("_")


def _records(source: IO[bytes], filename: str) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, record in enumerate(tabular.read_records(source, filename), start=2):
        yield number, {_key(k): v for k, v in record.items()}


def _first(record: dict[str, Any], names: Iterable[str]) -> str:
    for name in names:
        if record.get(name) not in (None, ""):
            value = record[name]
            if isinstance(value, float) and value.is_integer():
                value = int(value)  # a spreadsheet keeps a NIK as a number
            return str(value).strip()
    return ""


def import_list(
    session: Session,
    tenant: Tenant,
    user: User,
    programme: AidProgramme,
    source: IO[bytes],
    filename: str = "",
    *,
    dry_run: bool = True,
) -> ImportResult:
    """Check (and, without ``dry_run``, import) a recipient list; the caller commits, a dry run
    too: it writes nothing but the audit event of its cross-village checks."""
    from smart_government.registry.models import Resident, ResidentStatus

    scope_for(user, tenant, AID_MANAGE)
    result = ImportResult(dry_run)
    try:
        records = list(_records(source, filename))
    except (ValueError, KeyError, OSError) as exc:
        raise ServiceError(_("The file could not be read as CSV or XLSX."), "unreadable", 400) from exc
    if not records:
        raise ServiceError(_("The file has no rows."), "empty", 400)
    if len(records) > MAX_ROWS:
        raise ServiceError(_("At most %(max)d rows per file.", max=MAX_ROWS), "too_many_rows", 400)
    if not any(_first(r, NIK_HEADERS) for _n, r in records):
        raise ServiceError(_("The file needs a NIK column."), "no_nik_column", 400)
    lock_programme(session, programme)
    seen: set[str] = set()
    checked = hits = 0
    for line, record in records:
        nik, name = _first(record, NIK_HEADERS), _first(record, NAME_HEADERS) or None
        if not NIK.match(nik):
            result.rows.append(Row(line, nik, name, Outcome.INVALID, _("A NIK has 16 digits.")))
            continue
        if nik in seen:
            result.rows.append(Row(line, nik, name, Outcome.ALREADY, _("The NIK is twice in the file.")))
            continue
        seen.add(nik)
        resident = session.scalar(select(Resident).where(Resident.nik == nik))
        if resident is None or resident.status != ResidentStatus.LIVING:
            result.rows.append(Row(line, nik, name, Outcome.UNMATCHED, _("No living resident has this NIK.")))
            continue
        if programme.unit == Unit.FAMILY and resident.family_id is None:
            result.rows.append(
                Row(line, nik, name, Outcome.UNMATCHED, _("The resident is on no family card (KK)."))
            )
            continue
        found = rules.find(
            session,
            tenant,
            programme,
            resident_id=resident.id,
            family_id=resident.family_id,
            actor=user,
            audited=False,
        )
        checked += 1
        hits += sum(1 for f in found if f.kind == ConflictKind.OTHER_VILLAGE)
        if any(f.kind == ConflictKind.SAME_PROGRAMME for f in found):
            result.rows.append(
                Row(line, nik, resident.name, Outcome.ALREADY, _("Already in this programme."))
            )
            continue
        if found:
            words = "; ".join(
                f"{SOURCE_LABELS.get(f.source, f.source)} {f.period_start:%d-%m-%Y}–{f.period_end:%d-%m-%Y}"
                for f in found
            )
            result.rows.append(Row(line, nik, resident.name, Outcome.CONFLICT, words))
            continue
        detail = (
            ""
            if not name or name.casefold() == resident.name.casefold()
            else _("The registry's name is %(name)s.", name=resident.name)
        )
        result.rows.append(Row(line, nik, resident.name, Outcome.IMPORTED, detail))
        if not dry_run:
            _add(session, tenant, user, programme, resident)
    if checked:  # one audit event for the file's cross-village checks, dry run or not
        aid_ledger.record_checks(
            session,
            tenant,
            actor=user,
            about=f"aid_programme:{programme.id}",
            source=programme.source.value,
            conflicts=hits,
            checked=checked,
        )
    if not dry_run:
        audit.record(
            "smart_society.aid.list_imported",
            actor=user,
            tenant_id=tenant.id,
            target=f"aid_programme:{programme.id}",
            session=session,
            **result.summary,
        )
    return result


def _add(session: Session, tenant: Tenant, user: User, programme: AidProgramme, resident: Any) -> None:
    from smart_government.registry.models import Family

    family = session.get(Family, (tenant.id, resident.family_id)) if resident.family_id else None
    row = AidRecipient(
        programme_id=programme.id,
        status=RecipientStatus.RECIPIENT,
        resident_id=resident.id,
        family_id=resident.family_id,
        nik=resident.nik,
        name=resident.name,
        kk_number=family.kk_number if family is not None else None,
        hamlet_id=resident.hamlet_id,
        proposed_by=user.id,
    )
    session.add(row)
    session.flush()
    niks = rules.household_niks(session, resident.id, resident.family_id, programme.unit)
    aid_ledger.record(session, row.id, rules.claim_of(programme, niks))
    FLOW.begin(session, tenant, user, row, "imported")


def record_export(
    session: Session, tenant: Tenant, user: User | None, programme: AidProgramme, fmt: str, rows: int
) -> None:
    """Audit an export (NIKs of many people leave the platform); the caller commits. Without a
    user it was the command line."""
    audit.record(
        "smart_society.aid.list_exported",
        actor=user,
        actor_label=None if user is not None else "command line",
        tenant_id=tenant.id,
        target=f"aid_programme:{programme.id}",
        session=session,
        format=fmt,
        rows=rows,
    )


register_events({"smart_society.aid.list_exported": _l("Aid recipient list exported")})


EXPORT_HEADER = ("NIK", "Nama", "No KK", "Banjar/Dusun", "Status", "Program", "Sumber", "Sasaran")


def export_rows(session: Session, programme: AidProgramme, status: str = "all") -> Iterator[tuple]:
    """The programme's candidates and recipients, one row each (Indonesian words, as the
    ministry's lists are)."""
    from flask_babel import force_locale

    if status not in STATUS_CHOICES:
        raise ServiceError(_("Unknown state %(state)s.", state=status), "unknown_status", 400)
    hamlets = {h.id: h.name for h in session.scalars(select(Hamlet))}
    stmt = select(AidRecipient).where(AidRecipient.programme_id == programme.id)
    if status != "all":
        stmt = stmt.where(AidRecipient.status == RecipientStatus(status))
    with force_locale("id"):
        states = {k: str(v) for k, v in STATES.items()}
        source, unit = str(SOURCE_LABELS[programme.source]), str(UNIT_LABELS[programme.unit])
    for r in session.scalars(stmt.order_by(AidRecipient.name, AidRecipient.id)):
        yield (r.nik, r.name, r.kk_number or "", hamlets.get(r.hamlet_id, ""), states[r.status.value],
               programme.name, source, unit)  # fmt: skip
