"""One row of an import file into the registry's values, or the problems that row has (each with
its row number and column), in the registry's own wording.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from desacerdas.services.i18n import _

from ..registry import service as registry
from ..registry import vocabulary
from ..registry.models import Resident
from ..registry.validation import NumberProblem, check_kk, check_nik, is_temporary
from .codes import _CANONICAL, _SEX, _SIAK_WORDING, SIAK_CODES
from .reader import _cell, _Layout

_LIMITS = {c.name: getattr(c.type, "length", None) for c in Resident.__table__.columns}


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


Column = Callable[[str], str]  # a field's column as the file names it


def _raw(values: list[Any], layout: _Layout) -> tuple[dict[str, Any], dict[str, str]]:
    """The row's non-empty cells by field, and each field's header as the file names it."""
    raw: dict[str, Any] = {}
    header_of: dict[str, str] = {}
    for index, (column, header) in layout.columns.items():
        value = values[index] if index < len(values) else None
        header_of[column] = header
        if isinstance(value, date | datetime) and column == "birth_date":
            raw[column] = value
        elif _cell(value):
            raw.setdefault(column, _cell(value))
    return raw, header_of


def _decode_codes(raw: dict[str, Any], col: Column, problems: list[tuple[str, str]]) -> None:
    """SIAK's numeric codes become the wording they stand for (in either layout)."""
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


def _person(
    raw: dict[str, Any], fields: dict[str, Any], col: Column, problems: list[tuple[str, str]], siak: bool
) -> None:
    """The required name, date of birth and sex."""
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


def _numbers(
    raw: dict[str, Any], fields: dict[str, Any], col: Column, problems: list[tuple[str, str]]
) -> tuple[str, str | None]:
    """The NIK (required: it is how rows are matched), the KK number and the parents' NIKs."""
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
    return nik, kk


def _where(
    raw: dict[str, Any],
    fields: dict[str, Any],
    col: Column,
    problems: list[tuple[str, str]],
    siak: bool,
    hamlets: dict[str, Any],
) -> None:
    """Blood type, hamlet, citizenship and address (SIAK's RT/RW appended to it)."""
    if "blood_type" in raw:
        blood = raw["blood_type"].upper().rstrip("+-").strip()
        if blood in vocabulary.BLOOD_TYPES:
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


_TEXTS = (
    "birth_place",
    "religion",
    "marital_status",
    "relationship_to_head",
    "education",
    "occupation",
    "phone",
    "father_name",
    "mother_name",
)


def _parse(
    values: list[Any], layout: _Layout, hamlets: dict[str, Any]
) -> tuple[_Parsed | None, list[tuple[str, str]]]:
    raw, header_of = _raw(values, layout)
    problems: list[tuple[str, str]] = []
    siak = layout.name == "siak"
    fields: dict[str, Any] = {}

    def col(name: str) -> str:
        return header_of.get(name, name)

    _decode_codes(raw, col, problems)
    _person(raw, fields, col, problems, siak)
    nik, kk = _numbers(raw, fields, col, problems)
    _where(raw, fields, col, problems, siak, hamlets)
    for name in _TEXTS:
        if name in raw:
            value = raw[name]
            if siak:
                value = _siak_name(value) if name.endswith("_name") else _siak_text(value)
            fields[name] = registry.clean_text(value, _LIMITS[name])
    if problems:
        return None, problems
    return _Parsed(kk or None, nik, fields), []
