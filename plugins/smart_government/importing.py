"""Import residents and families from CSV or XLSX: always a dry run first, then all-or-nothing.

Two layouts, recognised from the header row (the first non-empty row of the file or first sheet):

**The platform template** (what ``exporting`` writes; header names are case-insensitive)::

    kk_number, nik, name, birth_place, birth_date, sex, religion, marital_status,
    relationship_to_head, education, occupation, citizenship, blood_type, hamlet, address, phone,
    father_name, father_nik, mother_name, mother_nik

``nik``, ``name``, ``birth_date`` and ``sex`` are required columns; the others may be left out.
``birth_date`` is ``YYYY-MM-DD`` (``DD-MM-YYYY`` and spreadsheet dates work too); ``sex`` is ``L``/``P``
(or male/female); ``hamlet`` is the name (or code) of one of the village's hamlets; ``kk_number``
groups residents into families (the family's hamlet and address come from its first row).

**The SIAK export** (the national civil registry): ``NO_KK, NIK, NAMA_LGKP, TMPT_LHR, TGL_LHR,
JENIS_KLMIN, AGAMA, STATUS_KAWIN, STAT_HBKEL, PENDIDIKAN (or PDDK_AKH), PEKERJAAN (or JENIS_PKRJN),
NAMA_LGKP_AYAH, NIK_AYAH, NAMA_LGKP_IBU, NIK_IBU, GOL_DARAH, ALAMAT, NO_RT, NO_RW, DUSUN``;
``NIK, NAMA_LGKP, TGL_LHR, JENIS_KLMIN`` are required. Upper-case values become the registry's
wording (``BELUM KAWIN`` → ``Belum kawin``); RT/RW are appended to the address.

Residents are matched on NIK and families on the KK number: a row equal to what is registered is a
skip, so importing the same file twice changes nothing. Empty cells never erase registered data. A
resident without a NIK cannot be matched and is refused (register them by hand: they get a
temporary number).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from desacerdas.models import Hamlet, Tenant, User
from desacerdas.services import ServiceError, audit

from . import registry
from .models import Family, Resident, Sex
from .validation import NumberProblem, check_kk, check_nik

PROGRESS_EVERY = 1000

TEMPLATE_COLUMNS = (
    "kk_number",
    "nik",
    "name",
    "birth_place",
    "birth_date",
    "sex",
    "religion",
    "marital_status",
    "relationship_to_head",
    "education",
    "occupation",
    "citizenship",
    "blood_type",
    "hamlet",
    "address",
    "phone",
    "father_name",
    "father_nik",
    "mother_name",
    "mother_nik",
)
_TEMPLATE_REQUIRED = frozenset({"nik", "name", "birth_date", "sex"})

# SIAK header → template column (several SIAK spellings map to one column).
SIAK_COLUMNS = {
    "NO_KK": "kk_number",
    "NIK": "nik",
    "NAMA_LGKP": "name",
    "TMPT_LHR": "birth_place",
    "TGL_LHR": "birth_date",
    "JENIS_KLMIN": "sex",
    "AGAMA": "religion",
    "STATUS_KAWIN": "marital_status",
    "STAT_KWN": "marital_status",
    "STAT_HBKEL": "relationship_to_head",
    "PENDIDIKAN": "education",
    "PDDK_AKH": "education",
    "PEKERJAAN": "occupation",
    "JENIS_PKRJN": "occupation",
    "KEWARGANEGARAAN": "citizenship",
    "GOL_DARAH": "blood_type",
    "DUSUN": "hamlet",
    "NAMA_DUSUN": "hamlet",
    "ALAMAT": "address",
    "NO_RT": "rt",
    "NO_RW": "rw",
    "NAMA_LGKP_AYAH": "father_name",
    "NIK_AYAH": "father_nik",
    "NAMA_LGKP_IBU": "mother_name",
    "NIK_IBU": "mother_nik",
    "TELP": "phone",
}
_SIAK_REQUIRED = frozenset({"NIK", "NAMA_LGKP", "TGL_LHR", "JENIS_KLMIN"})

# Compared with what is registered to tell an update from a skip.
_COMPARED = tuple(sorted(registry.RESIDENT_FIELDS - {"nik", "family_id"}))
_SEX = {
    "l": Sex.MALE,
    "lk": Sex.MALE,
    "laki-laki": Sex.MALE,
    "laki laki": Sex.MALE,
    "m": Sex.MALE,
    "male": Sex.MALE,
    "1": Sex.MALE,
    "p": Sex.FEMALE,
    "pr": Sex.FEMALE,
    "perempuan": Sex.FEMALE,
    "wanita": Sex.FEMALE,
    "f": Sex.FEMALE,
    "female": Sex.FEMALE,
    "2": Sex.FEMALE,
}
_SIAK_WORDING = {
    "isteri": "Istri",
    "famili lain": "Lainnya",
    "tidak/blm sekolah": "Tidak/belum sekolah",
    "tidak/belum sekolah": "Tidak/belum sekolah",
    "belum tamat sd/sederajat": "Belum tamat SD",
    "tamat sd/sederajat": "Tamat SD",
    "sltp/sederajat": "SLTP",
    "slta/sederajat": "SLTA",
    "diploma i/ii": "Diploma I/II",
    "akademi/diploma iii/s. muda": "Diploma III",
    "diploma iv/strata i": "Diploma IV/S1",
    "strata ii": "S2",
    "strata iii": "S3",
}
_CANONICAL = {
    registry.normalise_name(v): v
    for v in (
        *registry.RELIGIONS,
        *registry.MARITAL_STATUSES,
        *registry.RELATIONSHIPS,
        *registry.EDUCATION_LEVELS,
    )
}
_LIMITS = {c.name: getattr(c.type, "length", None) for c in Resident.__table__.columns}


@dataclass(frozen=True)
class Problem:
    row: int  # the spreadsheet row number (the header is row 1 when it is the first row)
    column: str  # the column as named in the file ('' for the whole row)
    message: str


@dataclass
class Totals:
    create: int = 0
    update: int = 0
    skip: int = 0


@dataclass
class ImportReport:
    layout: str  # "template" or "siak"
    rows: int = 0
    residents: Totals = field(default_factory=Totals)
    families: Totals = field(default_factory=Totals)
    problems: list[Problem] = field(default_factory=list)
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        r, f = self.residents, self.families
        return (
            f"{self.rows} rows ({self.layout} layout): residents {r.create} to create, {r.update} to update, "
            f"{r.skip} unchanged; families {f.create} to create, {f.update} to update, {f.skip} unchanged; "
            f"{len(self.problems)} problem(s)"
        )


# -- reading ---------------------------------------------------------------------------------------

Source = str | Path | bytes | IO[bytes]


def _open_binary(file: Source) -> IO[bytes]:
    if isinstance(file, str | Path):
        return open(file, "rb")  # noqa: SIM115 - closed by the caller
    if isinstance(file, bytes):
        return io.BytesIO(file)
    file.seek(0)
    return file


def _rows_csv(stream: IO[bytes]) -> Iterator[tuple[int, list[Any]]]:
    text = codecs.getreader("utf-8-sig")(stream, errors="replace")
    first = text.readline()
    delimiter = max(",;\t", key=first.count) if first.strip() else ","
    reader = csv.reader(_chain(first, text), delimiter=delimiter)
    yield from enumerate(reader, start=1)


def _chain(first: str, rest: Any) -> Iterator[str]:
    yield first
    yield from rest


def _rows_xlsx(stream: IO[bytes]) -> Iterator[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - zip/xml errors of a broken or non-XLSX file
        raise ServiceError(f"The file is not a readable XLSX workbook ({exc}).", "unreadable_file") from None
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            return
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(row)
    finally:
        book.close()


def _rows(stream: IO[bytes], filename: str) -> Iterator[tuple[int, list[Any]]]:
    suffix = Path(filename or "").suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _rows_xlsx(stream)
    if suffix in (".csv", ".txt", ""):
        return _rows_csv(stream)
    raise ServiceError(f"Unsupported file type {suffix}: use .csv or .xlsx.", "unsupported_file")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    return str(value).strip().lstrip("'").strip()


def _header_key(value: Any) -> str:
    return re.sub(r"[\s\-]+", "_", _cell(value)).upper()


@dataclass(frozen=True)
class _Layout:
    name: str
    columns: dict[int, tuple[str, str]]  # index → (template column, header as in the file)


def _detect(header: list[Any]) -> _Layout:
    keys = [_header_key(h) for h in header]
    if set(keys) >= _SIAK_REQUIRED:
        cols = {i: (SIAK_COLUMNS[k], _cell(header[i])) for i, k in enumerate(keys) if k in SIAK_COLUMNS}
        return _Layout("siak", cols)
    lower = [k.lower() for k in keys]
    if set(lower) >= _TEMPLATE_REQUIRED:
        cols = {i: (k, _cell(header[i])) for i, k in enumerate(lower) if k in TEMPLATE_COLUMNS}
        return _Layout("template", cols)
    raise ServiceError(
        "The header row matches neither the platform template (needs "
        f"{', '.join(sorted(_TEMPLATE_REQUIRED))}) nor the SIAK export (needs "
        f"{', '.join(sorted(_SIAK_REQUIRED))}); found: {', '.join(k for k in keys if k) or 'nothing'}.",
        "unknown_layout",
    )


# -- parsing a row ---------------------------------------------------------------------------------


def _parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _cell(value)
    for fmt in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y/%m/%d"):
        try:
            return datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    raise ValueError(f"'{text}' is not a date (use YYYY-MM-DD or DD-MM-YYYY).")


def _siak_text(value: str) -> str:
    """SIAK writes everything in capitals: use the registry's wording, or sentence case."""
    key = registry.normalise_name(value)
    if key in _SIAK_WORDING:
        return _SIAK_WORDING[key]
    if key in _CANONICAL:
        return _CANONICAL[key]
    return value.capitalize() if value.isupper() else value


def _siak_name(value: str) -> str:
    return value.title() if value.isupper() else value


class _RowError(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column, self.message = column, message


@dataclass
class _Parsed:
    kk: str | None
    nik: str
    fields: dict[str, Any]  # only what the row gives (empty cells are left out)


def _parse(
    values: list[Any], layout: _Layout, hamlets: dict[str, Any]
) -> tuple[_Parsed | None, list[tuple[str, str]]]:
    raw: dict[str, Any] = {}
    header_of: dict[str, str] = {}
    for index, (column, header) in layout.columns.items():
        value = values[index] if index < len(values) else None
        header_of[column] = header
        if isinstance(value, date | datetime) and column == "birth_date":
            raw[column] = value
        elif _cell(value):
            raw.setdefault(column, _cell(value))
    problems: list[tuple[str, str]] = []
    siak = layout.name == "siak"
    fields: dict[str, Any] = {}

    def col(name: str) -> str:
        return header_of.get(name, name)

    for name in ("name", "birth_date", "sex"):
        if name not in raw:
            problems.append((col(name), "This column is required and the cell is empty."))
    if "name" in raw:
        fields["name"] = (_siak_name(raw["name"]) if siak else raw["name"])[:120].strip()
    if "birth_date" in raw:
        try:
            born = _parse_date(raw["birth_date"])
            if born > date.today():
                raise ValueError("The date of birth is in the future.")
            fields["birth_date"] = born
        except ValueError as exc:
            problems.append((col("birth_date"), str(exc)))
    if "sex" in raw:
        sex = _SEX.get(raw["sex"].casefold())
        if sex is None:
            problems.append((col("sex"), f"'{raw['sex']}' is not a sex (use L or P)."))
        else:
            fields["sex"] = sex
    nik = raw.get("nik", "")
    if not nik:
        problems.append((col("nik"), "A NIK is required to import a resident (it is how rows are matched)."))
    else:
        try:
            nik = check_nik(nik, fields.get("birth_date"), fields.get("sex"))
        except NumberProblem as exc:
            problems.append((col("nik"), str(exc)))
    kk = raw.get("kk_number")
    if kk:
        try:
            kk = check_kk(kk)
        except NumberProblem as exc:
            problems.append((col("kk_number"), str(exc)))
    for parent in ("father_nik", "mother_nik"):
        if parent in raw:
            try:
                fields[parent] = check_nik(raw[parent])
            except NumberProblem as exc:
                problems.append((col(parent), str(exc)))
    if "blood_type" in raw:
        blood = raw["blood_type"].upper().rstrip("+-").strip()
        if blood in registry.BLOOD_TYPES:
            fields["blood_type"] = blood
        elif not siak or blood not in ("TIDAK TAHU", "TIDAK DIKETAHUI", "-"):
            problems.append((col("blood_type"), "Blood type must be A, B, AB or O."))
    if "hamlet" in raw:
        hamlet = hamlets.get(registry.normalise_name(raw["hamlet"]))
        if hamlet is None:
            problems.append((col("hamlet"), f"No hamlet named '{raw['hamlet']}' in this village."))
        else:
            fields["hamlet_id"] = hamlet
    if "citizenship" in raw:
        fields["citizenship"] = raw["citizenship"].upper()[:3]
    address = raw.get("address")
    if siak and ("rt" in raw or "rw" in raw):
        parts = [address] if address else []
        parts += [f"RT {raw['rt'].zfill(3)}"] if "rt" in raw else []
        parts += [f"RW {raw['rw'].zfill(3)}"] if "rw" in raw else []
        address = " ".join(parts)
    if address:
        fields["address"] = address[:300]
    for name in (
        "birth_place",
        "religion",
        "marital_status",
        "relationship_to_head",
        "education",
        "occupation",
        "phone",
        "father_name",
        "mother_name",
    ):
        if name in raw:
            value = raw[name]
            if siak:
                value = _siak_name(value) if name.endswith("_name") else _siak_text(value)
            fields[name] = value[: _LIMITS[name]]
    if problems:
        return None, problems
    return _Parsed(kk or None, nik, fields), []


# -- planning and applying -------------------------------------------------------------------------


@dataclass
class _Known:
    """What the village holds, loaded once (plain tuples, not ORM objects) and kept current."""

    residents: dict[str, dict[str, Any]]  # nik → compared fields + id + family kk
    families: dict[str, dict[str, Any]]  # kk → id, hamlet_id, address
    hamlets: dict[str, Any]


def _load(session: Session) -> _Known:
    hamlets: dict[str, Any] = {}
    for hamlet in session.scalars(select(Hamlet)):
        hamlets[registry.normalise_name(hamlet.name)] = hamlet.id
        if hamlet.code:
            hamlets.setdefault(registry.normalise_name(hamlet.code), hamlet.id)
    families: dict[str, dict[str, Any]] = {}
    kk_of: dict[Any, str] = {}
    for fid, kk, hamlet_id, address in session.execute(
        select(Family.id, Family.kk_number, Family.hamlet_id, Family.address)
    ):
        families[kk] = {"id": fid, "hamlet_id": hamlet_id, "address": address}
        kk_of[fid] = kk
    residents: dict[str, dict[str, Any]] = {}
    columns = [Resident.id, Resident.nik, Resident.family_id, *(getattr(Resident, c) for c in _COMPARED)]
    for row in session.execute(select(*columns)).yield_per(2000):
        rid, nik, family_id, *values = row
        residents[nik] = {"id": rid, "kk": kk_of.get(family_id), **dict(zip(_COMPARED, values, strict=True))}
    return _Known(residents, families, hamlets)


def _family_changes(parsed: _Parsed, known: dict[str, Any]) -> dict[str, Any]:
    wanted = {"hamlet_id": parsed.fields.get("hamlet_id"), "address": parsed.fields.get("address")}
    return {k: v for k, v in wanted.items() if v is not None and known.get(k) != v}


def _run(
    session: Session,
    file: Source,
    filename: str,
    *,
    apply: bool,
    actor: User | None,
    progress: Callable[[int], None] | None,
) -> ImportReport:
    known = _load(session)
    stream = _open_binary(file)
    try:
        rows = _rows(stream, filename or getattr(file, "name", "") or str(file))
        layout: _Layout | None = None
        report: ImportReport | None = None
        seen_nik: dict[str, int] = {}
        families_seen: set[str] = set()
        for number, values in rows:
            if not any(_cell(v) for v in values):
                continue
            if layout is None:
                layout = _detect(values)
                report = ImportReport(layout.name)
                continue
            assert report is not None
            report.rows += 1
            if progress is not None and report.rows % PROGRESS_EVERY == 0:
                progress(report.rows)
            parsed, problems = _parse(values, layout, known.hamlets)
            if parsed is not None and parsed.nik in seen_nik:
                problems = [("", f"NIK {parsed.nik} already appears in row {seen_nik[parsed.nik]}.")]
                parsed = None
            for column, message in problems:
                report.problems.append(Problem(number, column, message))
            if parsed is None:
                continue
            seen_nik[parsed.nik] = number
            family_id = None
            if parsed.kk:
                family = known.families.get(parsed.kk)
                if parsed.kk not in families_seen:
                    families_seen.add(parsed.kk)
                    if family is None:
                        report.families.create += 1
                        family = {"id": None, "hamlet_id": None, "address": None}
                        if apply:
                            created = registry.create_family(
                                session,
                                kk_number=parsed.kk,
                                hamlet_id=parsed.fields.get("hamlet_id"),
                                address=parsed.fields.get("address"),
                                actor=actor,
                            )
                            family = {"id": created.id, **_family_changes(parsed, {})}
                        known.families[parsed.kk] = family
                    elif changes := _family_changes(parsed, family):
                        report.families.update += 1
                        if apply:
                            _update_family(session, family, changes, actor)
                    else:
                        report.families.skip += 1
                family_id = family["id"]
            current = known.residents.get(parsed.nik)
            if current is None:
                report.residents.create += 1
                if apply:
                    registry.create_resident(
                        session, actor=actor, nik=parsed.nik, family_id=family_id, **parsed.fields
                    )
                continue
            changes = {k: v for k, v in parsed.fields.items() if current.get(k) != v}
            if parsed.kk and current["kk"] != parsed.kk:
                changes["family_id"] = family_id
            if not changes:
                report.residents.skip += 1
                continue
            report.residents.update += 1
            if apply:
                resident = session.get(Resident, current["id"])
                registry.update_resident(resident, actor=actor, **changes)
    finally:
        if isinstance(file, str | Path):
            stream.close()
    if report is None:
        raise ServiceError("The file is empty: there is no header row and no data.", "empty_file")
    if report.rows == 0:
        raise ServiceError("The file has a header row but no data rows.", "empty_file")
    return report


def _update_family(
    session: Session, family: dict[str, Any], changes: dict[str, Any], actor: User | None
) -> None:
    record = session.get(Family, family["id"])
    for key, value in changes.items():
        setattr(record, key, value)
    family.update(changes)
    session.flush()
    audit.record(
        "smart_government.family.updated",
        actor=actor,
        tenant_id=record.tenant_id,
        target=f"family:{record.id}",
        session=session,
        fields=sorted(changes),
        source="import",
    )


def plan_import(
    session: Session,
    tenant: Tenant,
    file: Source,
    filename: str = "",
    *,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """The dry run: what the import would create, update and skip, and every problem per row.
    Writes nothing. ``file`` is a path, bytes or a seekable binary file; ``filename`` gives the type
    (``.csv``/``.xlsx``). An empty file or an unknown header raises ServiceError."""
    _check_session(session, tenant)
    return _run(session, file, filename, apply=False, actor=None, progress=progress)


def commit_import(
    session: Session,
    tenant: Tenant,
    file: Source,
    filename: str = "",
    *,
    actor: User | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Plan, then apply the plan in one transaction and commit it; any problem or failure rolls
    everything back (ServiceError for a file with problems, the failure itself otherwise)."""
    plan = plan_import(session, tenant, file, filename, progress=progress)
    if not plan.ok:
        raise ServiceError(
            f"The file has {len(plan.problems)} problem(s); nothing was imported. Fix them and try again.",
            "import_problems",
        )
    try:
        done = _run(session, file, filename, apply=True, actor=actor, progress=None)
        audit.record(
            "smart_government.import.committed",
            actor=actor,
            tenant_id=tenant.id,
            target=f"import:{filename}",
            session=session,
            layout=done.layout,
            rows=done.rows,
            created=done.residents.create,
            updated=done.residents.update,
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    done.committed = True
    return done


def _check_session(session: Session, tenant: Tenant) -> None:
    from desacerdas.tenancy import current_tenant_id

    if current_tenant_id(session) != tenant.id:
        raise RuntimeError("the import needs a session bound to the village it imports into")
