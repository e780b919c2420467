"""The registry's forms (pages in ``views.py``): the list's search, a resident, a civil event, the
reason that opens full data, a replacement NIK."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

REQUIRED = _l("This field is required.")
TOO_LONG = _l("Field cannot be longer than %(max)d characters.")
BAD_DATE = _l("Give a date as YYYY-MM-DD.")


class FilterForm(FlaskForm):
    """The list's search: a GET form (bookmarkable), so without a CSRF token."""

    class Meta:
        csrf = False

    q = StringField(_l("Name or NIK"), validators=[Optional(), Length(max=100, message=TOO_LONG)])
    hamlet = SelectField(_l("Hamlet"), choices=[], validate_choice=False)
    sex = SelectField(_l("Sex"), choices=[], validate_choice=False)
    age = SelectField(_l("Age"), choices=[], validate_choice=False)
    status = SelectField(_l("Status"), choices=[], validate_choice=False)
    sort = SelectField(_l("Sort by"), choices=[], validate_choice=False)


class ResidentForm(FlaskForm):
    nik = StringField(
        _l("NIK"),
        validators=[Optional(), Length(max=16, message=TOO_LONG)],
        description=_l("16 digits. Leave empty to give a temporary number, replaced later."),
    )
    name = StringField(
        _l("Name"), validators=[DataRequired(message=REQUIRED), Length(max=120, message=TOO_LONG)]
    )
    birth_place = StringField(_l("Place of birth"), validators=[Optional(), Length(max=80, message=TOO_LONG)])
    birth_date = DateField(_l("Date of birth"), validators=[DataRequired(message=BAD_DATE)])
    sex = SelectField(_l("Sex"), choices=[], validate_choice=False)
    hamlet_id = SelectField(_l("Hamlet"), choices=[], validate_choice=False)
    kk_number = StringField(
        _l("KK number"),
        validators=[Optional(), Length(max=16, message=TOO_LONG)],
        description=_l("The family's Kartu Keluarga; a new family is registered when it is not known yet."),
    )
    relationship_to_head = SelectField(
        _l("Relationship to the family head"), choices=[], validate_choice=False
    )
    religion = SelectField(_l("Religion"), choices=[], validate_choice=False)
    marital_status = SelectField(_l("Marital status"), choices=[], validate_choice=False)
    education = SelectField(_l("Education"), choices=[], validate_choice=False)
    occupation = StringField(_l("Occupation"), validators=[Optional(), Length(max=80, message=TOO_LONG)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300, message=TOO_LONG)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=20, message=TOO_LONG)])


class EventForm(FlaskForm):
    kind = SelectField(_l("Event"), choices=[], validate_choice=False)
    event_date = DateField(_l("Date it happened"), validators=[DataRequired(message=BAD_DATE)])
    report_date = DateField(_l("Date it was reported"), validators=[Optional()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000, message=TOO_LONG)])


class ReasonForm(FlaskForm):
    reason = TextAreaField(
        _l("Why do you need the full data?"),
        validators=[DataRequired(message=REQUIRED), Length(min=5, max=300, message=TOO_LONG)],
        description=_l("The village can read who opened its residents' data, when and why."),
    )


class NikForm(FlaskForm):
    nik = StringField(
        _l("Real NIK"),
        validators=[DataRequired(message=REQUIRED), Length(max=16, message=TOO_LONG)],
        description=_l("The 16 digits on the KTP or the family card (KK)."),
    )
