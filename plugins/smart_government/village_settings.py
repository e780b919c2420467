"""A village's own settings for this pillar: its local terms, its letterhead, its letter workflow
and its number format (``desa plugins settings smart_government --tenant S key=value`` or the
letter settings page).

Villages name the same offices differently (in Bali a *perbekel* heads the village, a *kelian*
the *banjar dinas*); pages and letters use :func:`terms_for`, never a hard-coded word.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from desacerdas.models import Tenant
from desacerdas.plugin_system import settings as plugin_settings

from .numbering import DEFAULT_FORMAT, NumberFormatError, validate_format

NAME = "smart_government"


def _number_format(value: str) -> None:
    try:
        validate_format(value)
    except NumberFormatError as exc:
        raise ValidationError(str(exc)) from None


class GovernmentSettings(Schema):
    """Typed settings with defaults (village value, then platform value, then these)."""

    # Local terms, used in pages and letters.
    term_village_head = fields.String(load_default="Kepala Desa", validate=validate.Length(min=1, max=60))
    term_hamlet = fields.String(load_default="Dusun", validate=validate.Length(min=1, max=60))
    term_hamlet_head = fields.String(load_default="Kepala Dusun", validate=validate.Length(min=1, max=60))
    # Letterhead (kop surat). An empty office line is derived from the village's name.
    office_name = fields.String(load_default="", validate=validate.Length(max=120))
    office_address = fields.String(load_default="", validate=validate.Length(max=300))
    logo_document_id = fields.String(load_default="", validate=validate.Length(max=36))
    letter_place = fields.String(load_default="", validate=validate.Length(max=80))
    # Letter workflow: submitted → [verified] → [approved] → signed → issued.
    verification_step = fields.Boolean(load_default=True)
    approval_step = fields.Boolean(load_default=False)
    # Letter numbers.
    number_format = fields.String(load_default=DEFAULT_FORMAT, validate=_number_format)
    number_per_type = fields.Boolean(load_default=True)


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
