"""The forms of the letter pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

REQUIRED = _l("This field is required.")
TOO_LONG = _l("Field cannot be longer than %(max)d characters.")


# -- forms -----------------------------------------------------------------------------------------


class QueueFilter(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField(_l("State"), choices=[], validate_choice=False)
    type = SelectField(_l("Letter"), choices=[], validate_choice=False)


class ActionForm(FlaskForm):
    """Every move of a request posts this form (only the fields its action needs are shown)."""

    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=500, message=TOO_LONG)])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500, message=TOO_LONG)])
    prefix = SelectField(_l("Signing for the village head as"), choices=[], validate_choice=False)
    title = StringField(_l("Your office"), validators=[Optional(), Length(max=100, message=TOO_LONG)])
    id_line = StringField(_l("ID line (e.g. NIP)"), validators=[Optional(), Length(max=80, message=TOO_LONG)])


class RequestForm(FlaskForm):
    """CSRF and the purpose; the type's own fields and attachments are read from the form by name."""

    purpose = StringField(
        _l("What is the letter for?"),
        validators=[Optional(), Length(max=300, message=TOO_LONG)],
        description=_l("For example: applying for a job, a scholarship, a bank loan."),
    )


class TypeForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(message=REQUIRED), Length(max=20, message=TOO_LONG)],
        description=_l("Printed in the letter number, e.g. SKD. Capital letters, digits, dots or dashes."),
    )
    title = StringField(
        _l("Title"), validators=[DataRequired(message=REQUIRED), Length(max=150, message=TOO_LONG)]
    )
    description = TextAreaField(
        _l("Description"), validators=[Optional(), Length(max=1000, message=TOO_LONG)]
    )
    validity_days = IntegerField(
        _l("Valid for (days)"),
        validators=[Optional(), NumberRange(min=1, max=3650)],
        description=_l("Empty: no end of validity."),
    )
    online = BooleanField(_l("Residents may request it online"))
    position = IntegerField(_l("Position in lists"), validators=[Optional()])
    fields_text = TextAreaField(
        _l("Fields to fill"),
        validators=[Optional(), Length(max=4000, message=TOO_LONG)],
        description=_l(
            "One per line: name | label | required or optional | kind (text, textarea, date, number). "
            "The name is used as ${name} in the template."
        ),
    )
    attachments_text = TextAreaField(
        _l("Attachments"),
        validators=[Optional(), Length(max=2000, message=TOO_LONG)],
        description=_l("One per line: key | label | required or optional."),
    )
    template = TextAreaField(
        _l("Letter text"),
        validators=[DataRequired(message=REQUIRED), Length(max=10000, message=TOO_LONG)],
        description=_l(
            "Indonesian text with ${placeholders}: the resident's data (${nama}, ${nik}, ${alamat}), this "
            "type's fields, and the village's own words: ${kepala_desa} for the head's title with the "
            "village (Perbekel Menanga), ${wilayah} for hamlet and village, ${desa_lengkap}, "
            "${kecamatan_lengkap}, ${kabupaten_lengkap}. Write these words as placeholders, never as text. "
            "The full list follows below."
        ),
    )


class SettingsForm(FlaskForm):
    number_format = StringField(
        _l("Number format"), validators=[DataRequired(message=REQUIRED), Length(max=120, message=TOO_LONG)]
    )
    number_per_type = BooleanField(_l("Each letter type counts its own numbers"))
    verification_step = BooleanField(_l("Requests are verified first (hamlet head or staff)"))
    approval_step = BooleanField(_l("Verified requests are approved before signing"))
    office_name = StringField(
        _l("Office name on the letterhead"),
        validators=[Optional(), Length(max=120, message=TOO_LONG)],
        description=_l("Empty: DESA and the village's name."),
    )
    office_address = StringField(
        _l("Office address on the letterhead"), validators=[Optional(), Length(max=300, message=TOO_LONG)]
    )
    letter_place = StringField(
        _l("Place written before the date"),
        validators=[Optional(), Length(max=80, message=TOO_LONG)],
        description=_l("Empty: the village's name."),
    )
    term_village_head = StringField(
        _l("Local word for the village head"), validators=[DataRequired(message=REQUIRED), Length(max=60)]
    )
    term_hamlet = StringField(
        _l("Local word for a hamlet"), validators=[DataRequired(message=REQUIRED), Length(max=60)]
    )
    term_hamlet_head = StringField(
        _l("Local word for a hamlet head"), validators=[DataRequired(message=REQUIRED), Length(max=60)]
    )
    logo = FileField(_l("Logo (PNG or JPEG)"))
    remove_logo = BooleanField(_l("Remove the logo"))
