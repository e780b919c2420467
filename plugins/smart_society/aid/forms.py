"""The social-aid pages' forms (WTForms, CSRF): a programme, a proposal, the deliberation's
decision, the end of aid, a receipt, an import."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from . import service

BAD_DATE = _l("Give a date.")
WHOLE_NUMBER = _l("Give a whole number.")


# -- forms -----------------------------------------------------------------------------------------


class ProgrammeForm(FlaskForm):
    name = StringField(
        _l("Name of the programme"),
        validators=[
            DataRequired(message=_l("Give the programme a name.")),
            Length(max=service.NAME_MAX, message=_l("At most %(max)d characters.")),
        ],
    )
    source = SelectField(_l("Where the aid comes from"), validate_choice=False)
    benefit = SelectField(_l("What is given"), validate_choice=False)
    amount = IntegerField(
        _l("Amount each time, in rupiah (cash)"),
        validators=[
            Optional(),
            NumberRange(min=1, max=service.MAX_AMOUNT, message=_l("Between %(min)s and %(max)s.")),
        ],
        invalid_value_message=WHOLE_NUMBER,
    )
    goods = StringField(_l("Goods given each time (goods)"), validators=[Optional(), Length(max=200)])
    schedule = SelectField(_l("How often"), validate_choice=False)
    unit = SelectField(_l("Given to"), validate_choice=False)
    period_start = DateField(_l("First day of the period"), validators=[DataRequired(message=BAD_DATE)])
    period_end = DateField(_l("Last day of the period"), validators=[DataRequired(message=BAD_DATE)])
    quota = IntegerField(
        _l("Quota of recipients (optional)"),
        validators=[Optional(), NumberRange(min=1, message=_l("At least %(min)s."))],
        invalid_value_message=WHOLE_NUMBER,
    )
    criteria = TextAreaField(_l("Criteria"), validators=[Optional(), Length(max=service.TEXT_MAX)])
    excludes = SelectMultipleField(_l("Not together with aid from"), validate_choice=False)
    active = BooleanField(_l("Open for new candidates"), default=True)


class ProposeForm(FlaskForm):
    resident = StringField(validators=[DataRequired(message=_l("Choose a resident."))])
    criteria_met = TextAreaField(
        _l("Criteria met"),
        validators=[
            DataRequired(message=_l("Write which criteria the candidate meets.")),
            Length(max=service.TEXT_MAX),
        ],
    )


class DecisionForm(FlaskForm):
    held_on = DateField(_l("Day of the deliberation"), validators=[DataRequired(message=BAD_DATE)])
    decree_number = StringField(
        _l("Number of the village head's decree (SK)"), validators=[Optional(), Length(max=80)]
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=service.TEXT_MAX)])
    minutes = FileField(_l("Minutes of the deliberation (PDF or photo)"))
    decree = FileField(_l("The village head's decree (PDF or photo)"))


class EndForm(FlaskForm):
    reason = SelectField(_l("Why the aid ends"), validate_choice=False)
    ended_on = DateField(_l("Last day of the aid"), validators=[DataRequired(message=BAD_DATE)])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=service.REASON_MAX)])


class ReceiptForm(FlaskForm):
    period = HiddenField(validators=[DataRequired()])
    received_on = DateField(_l("Day received"), validators=[DataRequired(message=BAD_DATE)])
    handed_by = StringField(
        _l("Handed over by"),
        validators=[DataRequired(message=_l("Say who handed the aid over.")), Length(max=120)],
    )
    proof = SelectField(_l("Proof"), validate_choice=False)
    amount = IntegerField(
        _l("Amount received, in rupiah"),
        validators=[Optional(), NumberRange(min=0, message=_l("At least %(min)s."))],
        invalid_value_message=WHOLE_NUMBER,
    )
    goods = StringField(_l("Goods received"), validators=[Optional(), Length(max=200)])
    photo = FileField(_l("Photo of the handover"))


class ImportForm(FlaskForm):
    file = FileField(
        _l("File (CSV or XLSX)"),
        validators=[FileRequired(message=_l("Choose a file to upload."))],
        description=_l("The ministry's list with a NIK column; a NAMA column is compared with the registry."),
    )
    apply = BooleanField(_l("Import now (unchecked: only check the file)"))
