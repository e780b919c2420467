"""A village's own settings for this pillar: its letter workflow and its number format
(``desa plugins settings smart_government --tenant S key=value`` or the letter settings page).

The local terms (perbekel / kepala desa, banjar dinas / dusun …) and the letterhead are not the
pillar's: they belong to the village, in the core (:mod:`desacerdas.kit.terms`, page
``/desa/<slug>/settings/terms``). Revision ``smart_government_0007`` moved the values villages had
stored here.
"""

from __future__ import annotations

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
    letter_service_days = fields.Integer(
        load_default=3,
        validate=validate.Range(min=1, max=60),
        metadata=_meta(
            _l("Days a letter may take (service standard)"),
            _l("Staff are reminded each morning of requests waiting longer"),
        ),
    )


def settings_for(tenant: Tenant) -> dict[str, Any]:
    """The effective settings of ``tenant`` (defaults filled in)."""
    return plugin_settings.resolve(NAME, tenant.id)
