"""Forms of the rollout board. Filters are GET forms without CSRF; the bulk action is a POST
with CSRF in two steps (preview, then confirm)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..admin.forms import REQUIRED, TOO_LONG, FilterForm
from ..web.widgets import MenuField


class BoardFilterForm(FilterForm):
    regency = MenuField(_l("Regency"), choices=[], validate_choice=False)
    district = MenuField(_l("District"), choices=[], validate_choice=False)
    facilitator = MenuField(_l("Facilitator"), choices=[], validate_choice=False)


class _Selection(FlaskForm):
    """The villages a bulk action is about, and the filters they were chosen under."""

    villages = SelectMultipleField(coerce=int, validate_choice=False)
    regency = HiddenField()
    district = HiddenField()
    facilitator = HiddenField()


class BulkForm(_Selection):
    plugin = SelectField(_l("Pillar"), choices=[], validators=[DataRequired(message=REQUIRED)])
    all_ready = BooleanField(_l("Instead: every village of this selection that is ready (all pages)"))


class ConfirmForm(_Selection):
    plugin = HiddenField(validators=[DataRequired(message=REQUIRED)])
    all_ready = HiddenField()
    override_reason = TextAreaField(
        _l("Reason to enable where a check fails (regency or platform admin only)"),
        validators=[Optional(), Length(max=1000, message=TOO_LONG)],
    )
