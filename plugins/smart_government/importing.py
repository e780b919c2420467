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
wording (``BELUM KAWIN`` → ``Belum kawin``); RT/RW are appended to the address. SIAK's numeric codes
(``AGAMA`` 1 = Islam … 7 = Kepercayaan, ``STAT_KWN``, ``STAT_HBKEL``, ``PDDK_AKH``, ``JENIS_PKRJN``,
``GOL_DRH``, ``JENIS_KLMIN``) are read as the wording they stand for, in either layout.

Residents are matched on NIK and families on the KK number: a row equal to what is registered is a
skip, so importing the same file twice changes nothing. Empty cells never erase registered data. A
resident without a NIK cannot be matched and is refused (register them by hand: they get a
temporary number).

**How it runs.** Rows are streamed (CSV as text, XLSX through openpyxl's read-only mode) and handled
in chunks of ``CHUNK_ROWS``: the registered residents of a chunk's NIKs are read with one query, so
memory depends on the chunk, not on the file or the village. The dry run writes nothing. The commit
validates the whole file first (the dry run), then reads it again and writes each chunk with bulk
INSERT/UPDATE statements (families, residents, and one audit event per created or changed record,
as the registry services would add) in one transaction: any problem or failure rolls everything back.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from desacerdas.models import AuditEvent, Hamlet, Tenant, User
from desacerdas.models.base import utcnow
from desacerdas.services import ServiceError, audit
from desacerdas.services.i18n import _

from . import registry
from .models import FAMILY_FK, Family, Resident, ResidentStatus, Sex
from .validation import NumberProblem, check_kk, check_nik, is_temporary

PROGRESS_EVERY = 1000  # rows between two progress calls
CHUNK_ROWS = 1000  # rows resolved (and, on commit, written) together
MAX_PROBLEMS = 1000  # problems kept in a report; ``problem_count`` counts them all
PARAMETERS_PER_STATEMENT = 10_000  # bound values in one multi-row statement (SQLite allows 32,766)

Progress = Callable[[int], None]

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
    "GOL_DRH": "blood_type",
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
    "katholik": "Katolik",
    "kristen katolik": "Katolik",
    "kristen protestan": "Kristen",
    "budha": "Buddha",
    "konghucu": "Khonghucu",
    "kong hu cu": "Khonghucu",
    "kepercayaan terhadap tuhan yme": "Kepercayaan",
    "kepercayaan terhadap tuhan yang maha esa": "Kepercayaan",
    "tidak/blm sekolah": "Tidak/belum sekolah",
    "tidak/belum sekolah": "Tidak/belum sekolah",
    "tidak / belum sekolah": "Tidak/belum sekolah",
    "belum tamat sd/sederajat": "Belum tamat SD",
    "tamat sd/sederajat": "Tamat SD",
    "sltp/sederajat": "SLTP",
    "slta/sederajat": "SLTA",
    "diploma i/ii": "Diploma I/II",
    "akademi/diploma iii/s. muda": "Diploma III",
    "akademi/diploma iii/sarjana muda": "Diploma III",
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

# SIAK's numeric codes (Dukcapil reference tables), as SIAK words them: the wording then goes
# through the same mapping as a SIAK text cell, so code 3 and "KATHOLIK" both become "Katolik".
SIAK_CODES: dict[str, tuple[str, ...]] = {
    "religion": (
        "ISLAM",
        "KRISTEN",
        "KATHOLIK",
        "HINDU",
        "BUDHA",
        "KHONGHUCU",
        "KEPERCAYAAN TERHADAP TUHAN YME",
    ),
    "marital_status": ("BELUM KAWIN", "KAWIN", "CERAI HIDUP", "CERAI MATI"),
    "relationship_to_head": (
        "KEPALA KELUARGA",
        "SUAMI",
        "ISTRI",
        "ANAK",
        "MENANTU",
        "CUCU",
        "ORANG TUA",
        "MERTUA",
        "FAMILI LAIN",
        "PEMBANTU",
        "LAINNYA",
    ),
    "education": (
        "TIDAK/BELUM SEKOLAH",
        "BELUM TAMAT SD/SEDERAJAT",
        "TAMAT SD/SEDERAJAT",
        "SLTP/SEDERAJAT",
        "SLTA/SEDERAJAT",
        "DIPLOMA I/II",
        "AKADEMI/DIPLOMA III/S. MUDA",
        "DIPLOMA IV/STRATA I",
        "STRATA II",
        "STRATA III",
    ),
    "occupation": (
        "BELUM/TIDAK BEKERJA",
        "MENGURUS RUMAH TANGGA",
        "PELAJAR/MAHASISWA",
        "PENSIUNAN",
        "PEGAWAI NEGERI SIPIL",
        "TENTARA NASIONAL INDONESIA",
        "KEPOLISIAN RI",
        "PERDAGANGAN",
        "PETANI/PEKEBUN",
        "PETERNAK",
        "NELAYAN/PERIKANAN",
        "INDUSTRI",
        "KONSTRUKSI",
        "TRANSPORTASI",
        "KARYAWAN SWASTA",
        "KARYAWAN BUMN",
        "KARYAWAN BUMD",
        "KARYAWAN HONORER",
        "BURUH HARIAN LEPAS",
        "BURUH TANI/PERKEBUNAN",
        "BURUH NELAYAN/PERIKANAN",
        "BURUH PETERNAKAN",
        "PEMBANTU RUMAH TANGGA",
        "TUKANG CUKUR",
        "TUKANG LISTRIK",
        "TUKANG BATU",
        "TUKANG KAYU",
        "TUKANG SOL SEPATU",
        "TUKANG LAS/PANDAI BESI",
        "TUKANG JAHIT",
        "TUKANG GIGI",
        "PENATA RIAS",
        "PENATA BUSANA",
        "PENATA RAMBUT",
        "MEKANIK",
        "SENIMAN",
        "TABIB",
        "PARAJI",
        "PERANCANG BUSANA",
        "PENTERJEMAH",
        "IMAM MASJID",
        "PENDETA",
        "PASTOR",
        "WARTAWAN",
        "USTADZ/MUBALIGH",
        "JURU MASAK",
        "PROMOTOR ACARA",
        "ANGGOTA DPR-RI",
        "ANGGOTA DPD",
        "ANGGOTA BPK",
        "PRESIDEN",
        "WAKIL PRESIDEN",
        "ANGGOTA MAHKAMAH KONSTITUSI",
        "ANGGOTA KABINET/KEMENTERIAN",
        "DUTA BESAR",
        "GUBERNUR",
        "WAKIL GUBERNUR",
        "BUPATI",
        "WAKIL BUPATI",
        "WALIKOTA",
        "WAKIL WALIKOTA",
        "ANGGOTA DPRD PROVINSI",
        "ANGGOTA DPRD KABUPATEN/KOTA",
        "DOSEN",
        "GURU",
        "PILOT",
        "PENGACARA",
        "NOTARIS",
        "ARSITEK",
        "AKUNTAN",
        "KONSULTAN",
        "DOKTER",
        "BIDAN",
        "PERAWAT",
        "APOTEKER",
        "PSIKIATER/PSIKOLOG",
        "PENYIAR TELEVISI",
        "PENYIAR RADIO",
        "PELAUT",
        "PENELITI",
        "SOPIR",
        "PIALANG",
        "PARANORMAL",
        "PEDAGANG",
        "PERANGKAT DESA",
        "KEPALA DESA",
        "BIARAWATI",
        "WIRASWASTA",
        "LAINNYA",
    ),
    # GOL_DRH: A, B, AB, O, then with rhesus (kept without it), 13 = not known.
    "blood_type": ("A", "B", "AB", "O", "A", "A", "B", "B", "AB", "AB", "O", "O", ""),
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
    problems: list[Problem] = field(default_factory=list)  # the first MAX_PROBLEMS
    problem_count: int = 0  # all of them
    committed: bool = False

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def add_problem(self, problem: Problem) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)

    def summary(self) -> str:
        r, f = self.residents, self.families
        return (
            f"{self.rows} rows ({self.layout} layout): residents {r.create} to create, {r.update} to update, "
            f"{r.skip} unchanged; families {f.create} to create, {f.update} to update, {f.skip} unchanged; "
            f"{self.problem_count} problem(s)"
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


def _workbook(stream: IO[bytes]) -> Any:
    from openpyxl import load_workbook

    try:
        return load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - zip/xml errors of a broken or non-XLSX file
        raise ServiceError(
            _("The file is not a readable XLSX workbook (%(error)s).", error=exc), "unreadable_file"
        ) from None


def _rows_xlsx(stream: IO[bytes]) -> Iterator[tuple[int, list[Any]]]:
    book = _workbook(stream)
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            return
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(row)
    finally:
        book.close()


def _suffix(filename: str) -> str:
    suffix = Path(filename or "").suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return ".xlsx"
    if suffix in (".csv", ".txt", ""):
        return ".csv"
    raise ServiceError(
        _("Unsupported file type %(suffix)s: use .csv or .xlsx.", suffix=suffix), "unsupported_file"
    )


def _rows(stream: IO[bytes], filename: str) -> Iterator[tuple[int, list[Any]]]:
    return _rows_xlsx(stream) if _suffix(filename) == ".xlsx" else _rows_csv(stream)


def estimate_rows(file: Source, filename: str = "") -> int | None:
    """About how many data rows the file has, cheaply (for a progress bar): the lines of a CSV, the
    dimension an XLSX declares; None when the workbook does not say."""
    name = filename or getattr(file, "name", "") or (str(file) if isinstance(file, str | Path) else "")
    stream = _open_binary(file)
    try:
        if _suffix(name) == ".xlsx":
            book = _workbook(stream)
            try:
                rows = book.worksheets[0].max_row if book.worksheets else 0
            finally:
                book.close()
            return max(rows - 1, 0) if rows else None
        lines = 0
        while chunk := stream.read(1 << 20):
            lines += chunk.count(b"\n")
        return max(lines - 1, 0)
    finally:
        if isinstance(file, str | Path):
            stream.close()
        else:
            stream.seek(0)


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
        _(
            "The header row matches neither the platform template (needs %(template)s) nor the SIAK "
            "export (needs %(siak)s); found: %(found)s.",
            template=", ".join(sorted(_TEMPLATE_REQUIRED)),
            siak=", ".join(sorted(_SIAK_REQUIRED)),
            found=", ".join(k for k in keys if k) or "-",
        ),
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
    raise ValueError(_("'%(text)s' is not a date (use YYYY-MM-DD or DD-MM-YYYY).", text=text))


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


def _from_code(column: str, value: str) -> str | None:
    """The wording a SIAK numeric code stands for, or None for a code SIAK does not have."""
    codes = SIAK_CODES[column]
    number = int(value)
    return codes[number - 1] if 1 <= number <= len(codes) else None


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

    for name, value in list(raw.items()):
        if name in SIAK_CODES and isinstance(value, str) and value.isdigit():
            wording = _from_code(name, value)
            if wording is None:
                problems.append((col(name), _("%(code)s is not a SIAK code for this column.", code=value)))
                del raw[name]
            elif wording:
                raw[name] = wording if name == "blood_type" else _siak_text(wording)
            else:
                del raw[name]  # "not known"
    for name in ("name", "birth_date", "sex"):
        if name not in raw:
            problems.append((col(name), _("This column is required and the cell is empty.")))
    if "name" in raw:
        fields["name"] = registry.clean_text(_siak_name(raw["name"]) if siak else raw["name"], 120)
    if "birth_date" in raw:
        try:
            born = _parse_date(raw["birth_date"])
            if born > date.today():
                raise ValueError(_("The date of birth is in the future."))
            fields["birth_date"] = born
        except ValueError as exc:
            problems.append((col("birth_date"), str(exc)))
    if "sex" in raw:
        sex = _SEX.get(raw["sex"].casefold())
        if sex is None:
            problems.append((col("sex"), _("'%(value)s' is not a sex (use L or P).", value=raw["sex"])))
        else:
            fields["sex"] = sex
    nik = raw.get("nik", "")
    if not nik:
        problems.append(
            (col("nik"), _("A NIK is required to import a resident (it is how rows are matched)."))
        )
    elif not is_temporary(nik):  # a temporary number (as exported) can only match a record: see _row
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
            problems.append((col("blood_type"), _("Blood type must be A, B, AB or O.")))
    if "hamlet" in raw:
        hamlet = hamlets.get(registry.normalise_name(raw["hamlet"]))
        if hamlet is None:
            problems.append(
                (col("hamlet"), _("No hamlet named '%(name)s' in this village.", name=raw["hamlet"]))
            )
        else:
            fields["hamlet_id"] = hamlet
    if "citizenship" in raw:
        fields["citizenship"] = (registry.clean_text(raw["citizenship"], 3) or "WNI").upper()
    address = raw.get("address")
    if siak and ("rt" in raw or "rw" in raw):
        parts = [address] if address else []
        parts += [f"RT {raw['rt'].zfill(3)}"] if "rt" in raw else []
        parts += [f"RW {raw['rw'].zfill(3)}"] if "rw" in raw else []
        address = " ".join(parts)
    if address:
        fields["address"] = registry.clean_text(address, 300)
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
            fields[name] = registry.clean_text(value, _LIMITS[name])
    if problems:
        return None, problems
    return _Parsed(kk or None, nik, fields), []


# -- planning and applying -------------------------------------------------------------------------


@dataclass
class _Family:
    id: uuid.UUID | None  # None: created by this dry run
    hamlet_id: uuid.UUID | None
    address: str | None


def _hamlets(session: Session) -> dict[str, Any]:
    hamlets: dict[str, Any] = {}
    for hamlet_id, name, code in session.execute(select(Hamlet.id, Hamlet.name, Hamlet.code)):
        hamlets[registry.normalise_name(name)] = hamlet_id
        if code:
            hamlets.setdefault(registry.normalise_name(code), hamlet_id)
    return hamlets


def _family_changes(parsed: _Parsed, known: _Family) -> dict[str, Any]:
    """What a row adds to a registered family: only what the family lacks. The file has no family
    columns, so a member's own hamlet or address (members may differ, and the row order with them)
    must not move the family."""
    wanted = {"hamlet_id": parsed.fields.get("hamlet_id"), "address": parsed.fields.get("address")}
    return {k: v for k, v in wanted.items() if v is not None and getattr(known, k) is None}


class _Import:
    """One pass over a file: the dry run (``apply=False``) or the write (``apply=True``).

    Families (a quarter of the residents, a few columns) are loaded once; residents are looked up
    per chunk by NIK. Writes are buffered per chunk and sent as executemany INSERT/UPDATE statements
    whose rows all carry the village's ``tenant_id``.
    """

    def __init__(
        self, session: Session, tenant_id: int, *, apply: bool, actor: User | None, progress: Progress | None
    ) -> None:
        self.session, self.tenant_id, self.apply, self.actor = session, tenant_id, apply, actor
        self.progress = progress
        if apply and session.get_bind().dialect.name == "postgresql":
            # Checked once per row at commit, against the full families table: checked per row as
            # rows arrive, PostgreSQL plans the check on the first few families and scans them all
            # for every resident after (a 100,000-row import took 127 s instead of about 40 s).
            session.execute(sa.text(f"SET CONSTRAINTS {FAMILY_FK} DEFERRED"))
        self.hamlets = _hamlets(session)
        self.families: dict[str, _Family] = {}
        self.kk_of: dict[uuid.UUID, str] = {}
        for fid, kk, hamlet_id, address in session.execute(
            select(Family.id, Family.kk_number, Family.hamlet_id, Family.address)
        ):
            self.families[kk] = _Family(fid, hamlet_id, address)
            self.kk_of[fid] = kk
        # NIKs registered before this pass: only those are looked up (a chunk at a time). A NIK of the
        # file that is not here is new; not asking the database about it keeps the lookups off the
        # rows this import inserts (PostgreSQL plans them with the stale statistics of a table that
        # is growing inside the transaction).
        self.existing: set[str] = set(session.scalars(select(Resident.nik)))
        self.families_seen: set[str] = set()
        self.seen_nik: dict[str, int] = {}
        self.pending: list[_Parsed] = []
        self.report: ImportReport | None = None
        self.now = utcnow()
        self.actor_id = actor.id if actor is not None else None
        self.actor_label = (actor.email or actor.phone) if actor is not None else None
        self.ip = request.remote_addr if has_request_context() else None
        self._reset_writes()

    def _reset_writes(self) -> None:
        self.new_families: list[dict[str, Any]] = []
        self.changed_families: list[dict[str, Any]] = []
        self.new_residents: list[dict[str, Any]] = []
        self.changed_residents: list[dict[str, Any]] = []
        self.audit_rows: list[dict[str, Any]] = []

    # -- reading the file --

    def run(self, file: Source, filename: str) -> ImportReport:
        stream = _open_binary(file)
        try:
            layout: _Layout | None = None
            for number, values in _rows(stream, filename or getattr(file, "name", "") or str(file)):
                if not any(_cell(v) for v in values):
                    continue
                if layout is None:
                    layout = _detect(values)
                    self.report = ImportReport(layout.name)
                    continue
                self._row(number, values, layout)
            if self.pending:
                self._resolve()
        finally:
            if isinstance(file, str | Path):
                stream.close()
        if self.report is None:
            raise ServiceError(_("The file is empty: there is no header row and no data."), "empty_file")
        if self.report.rows == 0:
            raise ServiceError(_("The file has a header row but no data rows."), "empty_file")
        return self.report

    def _row(self, number: int, values: list[Any], layout: _Layout) -> None:
        report = self.report
        assert report is not None
        report.rows += 1
        if self.progress is not None and report.rows % PROGRESS_EVERY == 0:
            self.progress(report.rows)
        parsed, problems = _parse(values, layout, self.hamlets)
        if parsed is not None and parsed.nik in self.seen_nik:
            problems = [
                (
                    "",
                    _(
                        "NIK %(nik)s already appears in row %(row)s.",
                        nik=parsed.nik,
                        row=self.seen_nik[parsed.nik],
                    ),
                )
            ]
            parsed = None
        if parsed is not None and is_temporary(parsed.nik) and parsed.nik not in self.existing:
            message = _(
                "%(nik)s is a temporary number this village has not given: a new resident needs a NIK.",
                nik=parsed.nik,
            )
            header = next((h for c, h in layout.columns.values() if c == "nik"), "nik")
            problems, parsed = [*problems, (header, message)], None
        for column, message in problems:
            report.add_problem(Problem(number, column, message))
        if parsed is None:
            return
        self.seen_nik[parsed.nik] = number
        self.pending.append(parsed)
        if len(self.pending) >= CHUNK_ROWS:
            self._resolve()

    # -- deciding, per chunk --

    def _registered(self, niks: list[str]) -> dict[str, dict[str, Any]]:
        columns = [Resident.id, Resident.nik, Resident.family_id, *(getattr(Resident, c) for c in _COMPARED)]
        found: dict[str, dict[str, Any]] = {}
        # The NIKs go into the SQL as literals (they are checked digits): PostgreSQL then plans the
        # lookup with a constant list it can hash, where a bound list (a prepared, generic plan)
        # would be compared element by element for every row of the village.
        niks_param = sa.bindparam("niks", niks, expanding=True, literal_execute=True)
        matching = Resident.nik.in_(niks_param)
        for rid, nik, family_id, *values in self.session.execute(select(*columns).where(matching)):
            found[nik] = {"id": rid, "family_id": family_id, **dict(zip(_COMPARED, values, strict=True))}
        return found

    def _resolve(self) -> None:
        report = self.report
        assert report is not None
        chunk, self.pending = self.pending, []
        if self.apply and not report.ok:
            return  # the write is abandoned anyway: stop writing
        known = [p.nik for p in chunk if p.nik in self.existing]
        registered = self._registered(known) if known else {}
        for parsed in chunk:
            family_id = self._family(parsed) if parsed.kk else None
            current = registered.get(parsed.nik)
            if current is None:
                report.residents.create += 1
                if self.apply:
                    self._create_resident(parsed, family_id)
                continue
            changes = {k: v for k, v in parsed.fields.items() if current.get(k) != v}
            if parsed.kk and self.kk_of.get(current["family_id"]) != parsed.kk:
                changes["family_id"] = family_id
            if not changes:
                report.residents.skip += 1
                continue
            report.residents.update += 1
            if self.apply:
                self._update_resident(current, changes)
        if self.apply:
            self._write()

    def _family(self, parsed: _Parsed) -> uuid.UUID | None:
        kk = parsed.kk
        assert kk is not None and self.report is not None
        family = self.families.get(kk)
        if kk in self.families_seen:
            return family.id if family else None
        self.families_seen.add(kk)
        if family is None:
            self.report.families.create += 1
            hamlet_id, address = parsed.fields.get("hamlet_id"), parsed.fields.get("address")
            family = _Family(uuid.uuid4() if self.apply else None, hamlet_id, address)
            self.families[kk] = family
            if family.id is not None:
                self.kk_of[family.id] = kk
                self.new_families.append(
                    {
                        "tenant_id": self.tenant_id,
                        "id": family.id,
                        "kk_number": kk,
                        "kk_temporary": False,
                        "hamlet_id": hamlet_id,
                        "address": address,
                        "created_at": self.now,
                        "updated_at": self.now,
                    }
                )
                self._audit("smart_government.family.created", f"family:{family.id}", temporary=False)
        elif changes := _family_changes(parsed, family):
            self.report.families.update += 1
            for key, value in changes.items():
                setattr(family, key, value)
            if self.apply:
                assert family.id is not None
                self.changed_families.append(
                    {
                        "tenant_id": self.tenant_id,
                        "id": family.id,
                        "hamlet_id": family.hamlet_id,
                        "address": family.address,
                        "updated_at": self.now,
                    }
                )
                self._audit("smart_government.family.updated", f"family:{family.id}", fields=sorted(changes))
        else:
            self.report.families.skip += 1
        return family.id

    # -- buffering the writes --

    def _audit(self, action: str, target: str, **detail: Any) -> None:
        self.audit_rows.append(
            {
                "action": action,
                "actor_id": self.actor_id,
                "actor_label": self.actor_label,
                "tenant_id": self.tenant_id,
                "target": target,
                "ip": self.ip,
                "detail": {**detail, "source": "import"},
                "at": self.now,
            }
        )

    def _create_resident(self, parsed: _Parsed, family_id: uuid.UUID | None) -> None:
        fields = parsed.fields
        row: dict[str, Any] = {c: fields.get(c) for c in _COMPARED}
        row["citizenship"] = row["citizenship"] or "WNI"
        row.update(
            tenant_id=self.tenant_id,
            id=uuid.uuid4(),
            nik=parsed.nik,
            nik_temporary=False,
            family_id=family_id,
            name_search=registry.normalise_name(fields["name"]),
            status=ResidentStatus.LIVING,
            created_at=self.now,
            updated_at=self.now,
        )
        self.new_residents.append(row)
        self._audit("smart_government.resident.created", f"resident:{row['id']}", temporary_nik=False)

    def _update_resident(self, current: dict[str, Any], changes: dict[str, Any]) -> None:
        merged = {c: current[c] for c in _COMPARED}
        merged.update((k, v) for k, v in changes.items() if k != "family_id")
        merged.update(
            tenant_id=self.tenant_id,
            id=current["id"],
            family_id=changes.get("family_id", current["family_id"]),
            name_search=registry.normalise_name(merged["name"]),
            updated_at=self.now,
        )
        self.changed_residents.append(merged)
        self._audit("smart_government.resident.updated", f"resident:{current['id']}", fields=sorted(changes))

    def _write(self) -> None:
        """Send the chunk's buffered rows: parents before children, audit last."""
        if self.new_families:
            self._insert(Family, self.new_families)
        if self.changed_families:
            self._update(Family, self.changed_families)
        if self.new_residents:
            self._insert(Resident, self.new_residents)
        if self.changed_residents:
            self._update(Resident, self.changed_residents)
        if self.audit_rows:
            self._insert(AuditEvent, self.audit_rows)
        self._reset_writes()

    def _insert(self, model: Any, rows: list[dict[str, Any]]) -> None:
        """An executemany INSERT whose every row carries ``tenant_id`` (the isolation layer refuses
        a row of another village). RETURNING makes SQLAlchemy batch the rows into multi-row VALUES
        statements ("insertmanyvalues") from one cached compilation: PostgreSQL would otherwise get
        one statement per row."""
        self.session.execute(insert(model).returning(model.id), rows).close()

    def _update(self, model: Any, rows: list[dict[str, Any]]) -> None:
        """PostgreSQL: one UPDATE … FROM (VALUES …) per batch, keyed on (tenant_id, id) and limited
        to the session's village. SQLite (no column list for a VALUES alias): the ORM's bulk UPDATE
        by primary key, an executemany that is fast there."""
        if self.session.get_bind().dialect.name != "postgresql":
            self.session.execute(update(model), rows)
            return
        keys = list(rows[0])
        table = model.__table__
        per = max(1, PARAMETERS_PER_STATEMENT // len(keys))
        for start in range(0, len(rows), per):
            batch = rows[start : start + per]
            data = sa.values(*(sa.column(k, table.c[k].type) for k in keys), name="changed").data(
                [tuple(row[k] for k in keys) for row in batch]
            )
            stmt = (
                update(model)
                .where(model.tenant_id == self.tenant_id)
                .where(model.tenant_id == data.c.tenant_id, model.id == data.c.id)
                # The cast: a column that is NULL in every row of a batch would otherwise reach
                # PostgreSQL as text (an untyped NULL), and text cannot be assigned to a uuid column.
                .values(
                    {k: sa.cast(data.c[k], table.c[k].type) for k in keys if k not in ("tenant_id", "id")}
                )
                .execution_options(synchronize_session=False)
            )
            self.session.execute(stmt)


def _run(
    session: Session,
    file: Source,
    filename: str,
    *,
    apply: bool,
    actor: User | None,
    progress: Progress | None,
) -> ImportReport:
    tenant_id = _check_session(session)
    return _Import(session, tenant_id, apply=apply, actor=actor, progress=progress).run(file, filename)


def plan_import(
    session: Session,
    tenant: Tenant,
    file: Source,
    filename: str = "",
    *,
    progress: Progress | None = None,
) -> ImportReport:
    """The dry run: what the import would create, update and skip, and every problem per row.
    Writes nothing. ``file`` is a path, bytes or a seekable binary file; ``filename`` gives the type
    (``.csv``/``.xlsx``). An empty file or an unknown header raises ServiceError. ``progress`` is
    called with the number of rows read every PROGRESS_EVERY rows."""
    _check_tenant(session, tenant)
    return _run(session, file, filename, apply=False, actor=None, progress=progress)


def _has_problems(report: ImportReport) -> ServiceError:
    return ServiceError(
        _(
            "The file has %(count)s problem(s); nothing was imported. Fix them and try again.",
            count=report.problem_count,
        ),
        "import_problems",
    )


def commit_import(
    session: Session,
    tenant: Tenant,
    file: Source,
    filename: str = "",
    *,
    actor: User | None = None,
    progress: Progress | None = None,
    plan: ImportReport | None = None,
    source: str | None = None,
) -> ImportReport:
    """Validate the whole file (the dry run), then write it in chunks in one transaction and commit;
    any problem or failure rolls everything back (ServiceError for a file with problems or a registry
    changed meanwhile, the failure itself otherwise).

    A caller that has just run ``plan_import`` on the same file may pass its report as ``plan`` to
    skip the second validation pass: the write pass checks every row again and abandons the whole
    import on the first problem. ``progress`` reports the write pass only. ``source`` names the
    file in the audit event (e.g. ``document:<id>`` for an upload kept as a document).
    """
    _check_tenant(session, tenant)
    if plan is None:
        plan = plan_import(session, tenant, file, filename)
    if not plan.ok:
        raise _has_problems(plan)
    try:
        done = _run(session, file, filename, apply=True, actor=actor, progress=progress)
        if not done.ok:
            raise _has_problems(done)
        audit.record(
            "smart_government.import.committed",
            actor=actor,
            tenant_id=tenant.id,
            target=f"import:{source or filename}",
            session=session,
            layout=done.layout,
            rows=done.rows,
            created=done.residents.create,
            updated=done.residents.update,
            families_created=done.families.create,
            families_updated=done.families.update,
        )
        session.commit()
    except IntegrityError:
        session.rollback()
        raise ServiceError(
            _(
                "The registry changed while the file was being imported (a NIK or KK number was "
                "registered meanwhile); nothing was imported. Run the import again."
            ),
            "import_conflict",
            409,
        ) from None
    except BaseException:
        session.rollback()
        raise
    done.committed = True
    return done


def _check_session(session: Session) -> int:
    from desacerdas.tenancy import current_tenant_id

    tenant_id = current_tenant_id(session)
    if tenant_id is None:
        raise RuntimeError("the import needs a session bound to the village it imports into")
    return tenant_id


def _check_tenant(session: Session, tenant: Tenant) -> None:
    if _check_session(session) != tenant.id:
        raise RuntimeError("the import needs a session bound to the village it imports into")
