"""The forms of the resident account pages (sign-in, PIN, requests, the review queue)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from . import registration

REQUIRED = _l("This field is required.")
TOO_LONG = _l("Field cannot be longer than %(max)d characters.")
BAD_DATE = _l("Give a date as YYYY-MM-DD.")
PINS_DIFFER = _l("The two PINs do not match.")
CHOOSE_PHOTO = _l("Choose a photo.")


def _required() -> DataRequired:
    return DataRequired(message=REQUIRED)


def _max(length: int) -> Length:
    return Length(max=length, message=TOO_LONG)


def _pin_field(label: Any) -> PasswordField:
    return PasswordField(
        label, validators=[_required(), Length(min=6, max=6, message=_l("The PIN must be exactly 6 digits."))]
    )


# -- forms -------------------------------------------------------------------------------------------


class SignInForm(FlaskForm):
    nik = StringField(
        _l("NIK"), validators=[_required(), _max(20)], description=_l("16 digits, as on your KTP.")
    )
    pin = PasswordField(_l("PIN"), validators=[_required(), _max(20)])


class ChangePinForm(FlaskForm):
    current = PasswordField(_l("Current PIN"), validators=[_required(), _max(20)])
    new = _pin_field(_l("New PIN"))
    confirm = PasswordField(
        _l("Repeat the new PIN"), validators=[_required(), EqualTo("new", message=PINS_DIFFER)]
    )


class ForgotPinForm(FlaskForm):
    nik = StringField(_l("NIK"), validators=[_required(), _max(20)])
    kk_number = StringField(_l("KK number"), validators=[_required(), _max(20)])
    birth_date = DateField(_l("Date of birth"), validators=[DataRequired(message=BAD_DATE)])


class CodeForm(FlaskForm):
    ticket = StringField(validators=[_required(), _max(1000)])
    code = StringField(_l("Code from the SMS"), validators=[_required(), _max(10)])
    new = _pin_field(_l("New PIN"))
    confirm = PasswordField(
        _l("Repeat the new PIN"), validators=[_required(), EqualTo("new", message=PINS_DIFFER)]
    )


def _photo(label: Any, required: bool = True) -> FileField:
    return FileField(label, validators=[FileRequired(message=CHOOSE_PHOTO)] if required else [Optional()])


class RegisterForm(FlaskForm):
    nik = StringField(
        _l("NIK"), validators=[_required(), _max(20)], description=_l("16 digits, as on your KTP.")
    )
    kk_number = StringField(
        _l("KK number"), validators=[_required(), _max(20)], description=_l("16 digits, on your family card.")
    )
    birth_date = DateField(_l("Date of birth"), validators=[DataRequired(message=BAD_DATE)])
    phone = StringField(
        _l("Phone"),
        validators=[_required(), _max(20)],
        description=_l("For a code if you ever forget your PIN."),
    )
    ktp = _photo(_l("Photo of your KTP"))
    kk = _photo(_l("Photo of your KK"))
    selfie = _photo(_l("A photo of yourself holding your KTP"))


class ArrivalForm(FlaskForm):
    name = StringField(_l("Name"), validators=[_required(), _max(120)])
    nik = StringField(_l("NIK"), validators=[_required(), _max(20)])
    kk_number = StringField(_l("KK number"), validators=[_required(), _max(20)])
    birth_place = StringField(_l("Place of birth"), validators=[Optional(), _max(80)])
    birth_date = DateField(_l("Date of birth"), validators=[DataRequired(message=BAD_DATE)])
    sex = SelectField(_l("Sex"), choices=[], validate_choice=False)
    hamlet_id = SelectField(_l("Hamlet"), choices=[], validate_choice=False)
    address = StringField(_l("Address in the village"), validators=[Optional(), _max(300)])
    previous_address = StringField(_l("Previous address"), validators=[Optional(), _max(300)])
    religion = SelectField(_l("Religion"), choices=[], validate_choice=False)
    marital_status = SelectField(_l("Marital status"), choices=[], validate_choice=False)
    relationship_to_head = SelectField(
        _l("Relationship to the family head"), choices=[], validate_choice=False
    )
    education = SelectField(_l("Education"), choices=[], validate_choice=False)
    occupation = StringField(_l("Occupation"), validators=[Optional(), _max(80)])
    phone = StringField(_l("Phone"), validators=[_required(), _max(20)])
    ktp = _photo(_l("Photo of your KTP"))
    kk = _photo(_l("Photo of your KK"))
    selfie = _photo(_l("A photo of yourself holding your KTP"), required=False)


class ReferenceForm(FlaskForm):
    class Meta:
        csrf = False

    reference = StringField(_l("Reference"), validators=[_required(), _max(40)])


class QueueFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Name, NIK or reference"), validators=[Optional(), _max(100)])
    status = SelectField(_l("Status"), choices=[], validate_choice=False)
    kind = SelectField(_l("Kind"), choices=[], validate_choice=False)


class ApproveForm(FlaskForm):
    # Unticked is False (an empty form does not fall back to a default); the page shows it ticked.
    open_account = BooleanField(_l("Also open an account (a PIN to hand over)"), default=False)


class RejectForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason"),
        validators=[_required(), _max(registration.REASON_MAX)],
        description=_l("The applicant sees it with their reference."),
    )


# -- helpers -----------------------------------------------------------------------------------------


def _choices(values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [("", "—"), *((v, v) for v in values)]
