"""A village's own settings for this pillar: its local terms, its letterhead, its letter workflow
and its number format (``desa plugins settings smart_government --tenant S key=value`` or the
letter settings page).

Villages name the same offices differently (in Bali a *perbekel* heads the village, a *kelian*
the *banjar dinas*); pages and letters use :func:`terms_for`, never a hard-coded word.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate

from desacerdas.models import Tenant
from desacerdas.plugin_system import settings as plugin_settings

from .letters.numbering import DEFAULT_FORMAT, NumberFormatError, validate_format

NAME = "smart_government"


def _meta(label: object, description: object) -> dict[str, object]:
    return {"label": label, "description": description}


def _number_format(value: str) -> None:
    try:
        validate_format(value)
    except NumberFormatError as exc:
        raise ValidationError(str(exc)) from None


class GovernmentSettings(Schema):
    """Typed settings with defaults (village value, then platform value, then these)."""

    # Local terms, used in pages and letters.
    term_village_head = fields.String(
        load_default="Kepala Desa",
        validate=validate.Length(min=1, max=60),
        metadata=_meta(_l("Title of the village head"), _l("e.g. Kepala Desa, or Perbekel in Bali")),
    )
    term_hamlet = fields.String(
        load_default="Dusun",
        validate=validate.Length(min=1, max=60),
        metadata=_meta(_l("Word for a hamlet"), _l("e.g. Dusun, or Banjar Dinas in Bali")),
    )
    term_hamlet_head = fields.String(
        load_default="Kepala Dusun",
        validate=validate.Length(min=1, max=60),
        metadata=_meta(_l("Title of a hamlet head"), _l("e.g. Kepala Dusun, or Kelian Banjar Dinas")),
    )
    # Letterhead (kop surat). An empty office line is derived from the village's name.
    office_name = fields.String(
        load_default="",
        validate=validate.Length(max=120),
        metadata=_meta(
            _l("Office line of the letterhead"), _l("e.g. KANTOR PERBEKEL MENANGA; empty: DESA <name>")
        ),
    )
    office_address = fields.String(
        load_default="",
        validate=validate.Length(max=300),
        metadata=_meta(_l("Office address on the letterhead"), _l("Street, postal code, phone or e-mail")),
    )
    logo_document_id = fields.String(
        load_default="",
        validate=validate.Length(max=36),
        metadata=_meta(_l("Logo document"), _l("The id of a PNG or JPEG document with the regency's logo")),
    )
    letter_place = fields.String(
        load_default="",
        validate=validate.Length(max=80),
        metadata=_meta(_l("Place written before the date"), _l("Empty: the village's name")),
    )
    # Letter workflow: submitted → [verified] → [approved] → signed → issued.
    verification_step = fields.Boolean(
        load_default=True,
        metadata=_meta(_l("Requests are verified first"), _l("By the hamlet head or an operator")),
    )
    approval_step = fields.Boolean(
        load_default=False,
        metadata=_meta(_l("Requests are approved before signing"), _l("By the village secretary")),
    )
    # Letter numbers.
    number_format = fields.String(
        load_default=DEFAULT_FORMAT,
        validate=_number_format,
        metadata=_meta(
            _l("Letter number format"),
            _l("Placeholders: {type_code} {seq:03} {village_code} {month_roman} {month:02} {year}"),
        ),
    )
    number_per_type = fields.Boolean(
        load_default=True,
        metadata=_meta(_l("Each letter type counts on its own"), _l("Off: one counter for all types")),
    )


@dataclass(frozen=True)
class Terms:
    """What this village calls its head, its hamlets and their heads."""

    village_head: str
    hamlet: str
    hamlet_head: str


def settings_for(tenant: Tenant) -> dict[str, Any]:
    """The effective settings of ``tenant`` (defaults filled in)."""
    return plugin_settings.resolve(NAME, tenant.id)


def terms_for(tenant: Tenant, values: dict[str, Any] | None = None) -> Terms:
    values = values if values is not None else settings_for(tenant)
    return Terms(values["term_village_head"], values["term_hamlet"], values["term_hamlet_head"])


def office_name(tenant: Tenant, values: dict[str, Any] | None = None) -> str:
    """The letterhead's third line: as configured, else ``DESA <NAME>`` (``KELURAHAN`` for a kelurahan)."""
    values = values if values is not None else settings_for(tenant)
    if values.get("office_name"):
        return values["office_name"]
    kind = "KELURAHAN" if tenant.kind == "kelurahan" else "DESA"
    return f"{kind} {tenant.name.upper()}"


def letter_place(tenant: Tenant, values: dict[str, Any] | None = None) -> str:
    """The place printed before the date under a letter (the village's name by default)."""
    values = values if values is not None else settings_for(tenant)
    return values.get("letter_place") or tenant.name
