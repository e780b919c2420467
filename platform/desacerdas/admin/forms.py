"""Forms of the admin pages. Filters are GET forms without CSRF (they change nothing)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ..web.widgets import MenuField

# WTForms has no Indonesian catalogue, so its messages are given here to be translated with ours.
REQUIRED = _l("This field is required.")
TOO_LONG = _l("Field cannot be longer than %(max)d characters.")
NOT_A_DATE = _l("Not a valid date value.")


def _required() -> DataRequired:
    return DataRequired(message=REQUIRED)


def _max(length: int) -> Length:
    return Length(max=length, message=TOO_LONG)


class FilterForm(FlaskForm):
    """Base for read-only GET filters: bookmarkable URLs, so no CSRF token in them."""

    class Meta:
        csrf = False


class VillageFilterForm(FilterForm):
    q = StringField(_l("Search"), validators=[Optional(), _max(80)])
    regency = MenuField(_l("Regency"), choices=[], validate_choice=False)
    district = MenuField(_l("District"), choices=[], validate_choice=False)
    status = MenuField(_l("Status"), choices=[], validate_choice=False)


class AuditFilterForm(FilterForm):
    village = StringField(_l("Village (code or slug)"), validators=[Optional(), _max(80)])
    action = StringField(_l("Action starts with"), validators=[Optional(), _max(80)])
    since = DateField(_l("From"), validators=[Optional()], invalid_value_message=NOT_A_DATE)
    until = DateField(_l("Until"), validators=[Optional()], invalid_value_message=NOT_A_DATE)


class CreateVillageForm(FlaskForm):
    code = StringField(
        _l("Kemendagri village code"),
        validators=[_required(), _max(20)],
        description=_l("Four parts, for example 51.07.04.2007."),
    )
    slug = StringField(
        _l("Web address (optional)"),
        validators=[Optional(), _max(80)],
        description=_l("Leave empty to derive it from the village name."),
    )


class SuspendForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[_required(), _max(500)])


class ArchiveForm(FlaskForm):
    reason = StringField(_l("Reason (optional)"), validators=[Optional(), _max(500)])


class ConfirmForm(FlaskForm):
    """A form with no fields: only the CSRF token, for one-button actions."""


class InviteForm(FlaskForm):
    """Invite a village head or a staff member: a new account gets a one-time link (no password)."""

    name = StringField(_l("Name"), validators=[_required(), _max(120)])
    email = StringField(_l("Email"), validators=[Optional(), _max(254)])
    phone = StringField(
        _l("Phone"),
        validators=[Optional(), _max(20)],
        description=_l("An email or a phone number: the invitation link is also sent there."),
    )
    role = SelectField(_l("Role"), choices=[])
    hamlet = SelectField(_l("Hamlet (for a hamlet head)"), choices=[], validate_choice=False)
