from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from desacerdas.kit import terms as village_terms
from desacerdas.models import Hamlet, Tenant, User
from desacerdas.services import NotFound, ServiceError
from desacerdas.services import documents as docs
from desacerdas.services.i18n import _

from ..registry.models import Family, Resident, Sex
from .models import LetterType
from .pdf import indonesian_date
from .workflow import InvalidRequest

MAX_TEXT = 300
MAX_TEXTAREA = 2000
IDENTITY_KEYS = re.compile(r"(^|_)(ktp|kk)(_|$)")
ATTACHMENT_KINDS = ("identity", "general", "photo")


# -- the resident's data, for templates and the letter ---------------------------------------------


def village_values(tenant: Tenant, hamlet: str | None = None) -> dict[str, str]:
    """What the village's placeholders print (``defaults.VILLAGE_PLACEHOLDERS``), in its own words
    (``kit.terms``): ``${kepala_desa}`` "Perbekel Menanga" or "Kepala Desa Wanaherang",
    ``${wilayah}`` "Banjar Dinas Kaja, Desa Menanga". ``hamlet`` is the resident's hamlet's name
    as recorded (with or without its word), None when the resident has none."""
    words = village_terms.terms_for(tenant)
    hamlet = (hamlet or "").strip() or None
    hamlet_title = words.hamlet_title(hamlet) if hamlet else None
    district = village_terms.bare_name(tenant.district_name, "Kecamatan", "Kec.")
    return {
        "desa": tenant.name,
        "desa_lengkap": words.village_title,
        "sebutan_desa": words.village,
        "kepala_desa": words.head_title,
        "sebutan_kepala_desa": words.village_head,
        "dusun_lengkap": hamlet_title or "-",
        "sebutan_dusun": words.hamlet,
        "kepala_dusun": words.hamlet_head_title(hamlet) if hamlet else "-",
        "sebutan_kepala_dusun": words.hamlet_head,
        "wilayah": f"{hamlet_title}, {words.village_title}" if hamlet_title else words.village_title,
        "kecamatan": district,
        "kecamatan_lengkap": f"Kecamatan {district}",
        "kabupaten": village_terms.bare_name(tenant.regency_name, "Kabupaten", "Kab."),
        "kabupaten_lengkap": village_terms.regency_title(tenant.regency_name),
        "provinsi": tenant.province_name,
    }


def resident_values(session: Session, tenant: Tenant, resident: Resident) -> dict[str, str]:
    """What ``${nama}``, ``${nik}``… print for this resident (``-`` where nothing is recorded), with
    the village's own placeholders (:func:`village_values`)."""
    family = (
        session.scalar(select(Family).where(Family.id == resident.family_id)) if resident.family_id else None
    )
    hamlet = (
        session.scalar(select(Hamlet).where(Hamlet.id == resident.hamlet_id)) if resident.hamlet_id else None
    )
    address = resident.address or (family.address if family else None)
    return {
        "nama": resident.name,
        "nik": resident.nik,
        "no_kk": family.kk_number if family else "-",
        "tempat_lahir": resident.birth_place or "-",
        "tanggal_lahir": indonesian_date(resident.birth_date),
        "jenis_kelamin": "Laki-laki" if resident.sex == Sex.MALE else "Perempuan",
        "agama": resident.religion or "-",
        "status_perkawinan": resident.marital_status or "-",
        "pekerjaan": resident.occupation or "-",
        "kewarganegaraan": resident.citizenship or "WNI",
        "alamat": address or "-",
        "dusun": hamlet.name if hamlet else "-",
        **village_values(tenant, hamlet.name if hamlet else None),
    }


def field_values(letter_type: LetterType, data: Mapping[str, Any]) -> dict[str, str]:
    """The type's fields as printed: dates in Indonesian, an empty optional field as ``-``."""
    out = {}
    for f in letter_type.fields or []:
        value = data.get(f["name"])
        if value in (None, ""):
            out[f["name"]] = "-"
        elif f.get("kind") == "date":
            try:
                out[f["name"]] = indonesian_date(date.fromisoformat(str(value)))
            except ValueError:  # the field became a date after this request was made
                out[f["name"]] = str(value)
        else:
            out[f["name"]] = str(value)
    return out


# -- submitting ------------------------------------------------------------------------------------


def clean_data(letter_type: LetterType, data: Mapping[str, Any] | None) -> dict[str, Any]:
    """The type's fields from ``data``: required ones present, each of its kind; others dropped."""
    data = data or {}
    out: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for f in letter_type.fields or []:
        name, kind = f["name"], f.get("kind", "text")
        raw = data.get(name)
        value = "" if raw is None else str(raw).strip()
        if not value:
            if f.get("required"):
                problems[name] = _("%(label)s is required.", label=f["label"])
            continue
        if kind == "date":
            try:
                value = date.fromisoformat(value).isoformat()
            except ValueError:
                problems[name] = _("%(label)s must be a date (YYYY-MM-DD).", label=f["label"])
                continue
        elif kind == "number":
            try:
                number = Decimal(value.replace(" ", ""))
                if not number.is_finite():
                    raise InvalidOperation
            except InvalidOperation:
                problems[name] = _("%(label)s must be a number.", label=f["label"])
                continue
            value = str(number)
        limit = MAX_TEXTAREA if kind == "textarea" else MAX_TEXT
        if len(value) > limit:
            problems[name] = _("%(label)s is longer than %(max)d characters.", label=f["label"], max=limit)
            continue
        out[name] = value
    if problems:
        raise InvalidRequest(problems)
    return out


def _clean_purpose(purpose: str | None) -> str:
    purpose = (purpose or "").strip()
    if not purpose:
        raise InvalidRequest({"purpose": _("Say what the letter is for.")})
    if len(purpose) > MAX_TEXT:
        raise InvalidRequest({"purpose": _("The purpose is longer than %(max)d characters.", max=MAX_TEXT)})
    return purpose


def attachment_kind(key: str) -> str:
    """KTP and KK scans are identity documents; anything else is a general document."""
    return "identity" if IDENTITY_KEYS.search(key) else "general"


def _check_uploads(
    tenant: Tenant, letter_type: LetterType, uploads: Mapping[str, docs.NewFile]
) -> dict[str, docs.NewFile]:
    """Refuse unknown keys and wrong file types before anything is written (all or nothing)."""
    declared = {a["key"]: a for a in letter_type.attachments or []}
    kinds = docs.kinds_for(tenant)
    checked: dict[str, docs.NewFile] = {}
    problems: dict[str, str] = {}
    for key, upload in uploads.items():
        if key not in declared:
            problems[key] = _("This letter type has no attachment %(key)s.", key=key)
            continue
        try:
            spooled = docs.spool(upload.stream, docs.max_bytes())
            docs.check_type(spooled, kinds[attachment_kind(key)])
        except ServiceError as exc:
            problems[key] = exc.message
            continue
        checked[key] = docs.NewFile(spooled.file, upload.filename)
    if problems:
        for upload in checked.values():
            upload.stream.close()
        raise InvalidRequest(problems)
    return checked


def _check_attached(
    session: Session, tenant: Tenant, user: User, letter_type: LetterType, attached: Mapping[str, Any]
) -> dict[str, str]:
    """Documents uploaded before (e.g. through the documents API), referenced by id."""
    declared = {a["key"] for a in letter_type.attachments or []}
    out, problems = {}, {}
    for key, document_id in attached.items():
        if key not in declared:
            problems[key] = _("This letter type has no attachment %(key)s.", key=key)
            continue
        try:
            document = docs.get(uuid.UUID(str(document_id)), session)
        except (ValueError, NotFound):
            document = None
        if (
            document is None
            or not docs.readable_by(user, tenant, document)
            or document.kind not in ATTACHMENT_KINDS
        ):
            problems[key] = _("No such document to attach.")
            continue
        out[key] = str(document.id)
    if problems:
        raise InvalidRequest(problems)
    return out
