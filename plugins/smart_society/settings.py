"""A village's own settings for this pillar (``desa plugins settings smart_society --tenant S
key=value``, or the pillar's settings page): what the public sees of its complaints, and the
holidays its complaint deadlines skip."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate

from desacerdas.models import Tenant
from desacerdas.plugin_system import settings as plugin_settings

from .complaints.deadlines import parse_holidays

NAME = "smart_society"


def _meta(label: object, description: object) -> dict[str, object]:
    return {"label": label, "description": description}


def holiday_list(value: str) -> list[str]:
    """``"2026-12-25, 2027-01-01"`` as ISO dates; a date that is not one is refused by name."""
    days = []
    for part in (value or "").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            days.append(date.fromisoformat(part).isoformat())
        except ValueError:
            raise ValidationError(
                str(_l("%(value)s is not a date written YYYY-MM-DD.", value=part))
            ) from None
    return days


def _holidays(value: str) -> None:
    holiday_list(value)


class SocietySettings(Schema):
    """Typed settings with defaults (village value, then platform value, then these)."""

    complaints_public_titles = fields.Boolean(
        load_default=False,
        metadata=_meta(
            _l("Complaints are listed publicly"),
            _l("Title, category, state and dates; never the complainant's name"),
        ),
    )
    complaints_public_text = fields.Boolean(
        load_default=False,
        metadata=_meta(
            _l("The public list shows the text and the answers too"),
            _l("Only when complaints are listed publicly; names are never shown"),
        ),
    )
    complaints_anonymous = fields.Boolean(
        load_default=False,
        metadata=_meta(
            _l("Anyone may file a complaint without an account"),
            _l("No name is asked; they follow it with its number and a code shown once"),
        ),
    )
    complaint_holidays = fields.String(
        load_default="",
        validate=_holidays,
        metadata=_meta(
            _l("Holidays for complaint deadlines"),
            _l("Dates written YYYY-MM-DD, separated by commas; weekends are never counted"),
        ),
    )
    alerts_per_hour = fields.Integer(
        load_default=3,
        validate=validate.Range(min=1, max=20),
        metadata=_meta(
            _l("Emergency alerts a resident may raise in an hour"),
            _l("More are refused with a message; false alarms are recorded"),
        ),
    )


def alerts_per_hour(tenant: Tenant) -> int:
    return int(settings_for(tenant)["alerts_per_hour"])


def settings_for(tenant: Tenant) -> dict[str, Any]:
    """The effective settings of ``tenant`` (defaults filled in)."""
    return plugin_settings.resolve(NAME, tenant.id)


def holidays_for(tenant: Tenant) -> frozenset[date]:
    return parse_holidays(holiday_list(settings_for(tenant)["complaint_holidays"]))


def anonymous_allowed(tenant: Tenant) -> bool:
    return bool(settings_for(tenant)["complaints_anonymous"])


def public_mode(tenant: Tenant) -> str:
    """``"none"``, ``"titles"`` or ``"full"``: how much of the complaints the public sees."""
    values = settings_for(tenant)
    if not values["complaints_public_titles"]:
        return "none"
    return "full" if values["complaints_public_text"] else "titles"
