"""Forms of the document pages. Choices (kinds, visibilities) depend on the village and the user,
so the views fill them in; the checks here give translated messages of our own."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

# WTForms has no Indonesian catalogue, so its messages are given here to be translated with ours.
REQUIRED = _l("This field is required.")
TOO_LONG = _l("Field cannot be longer than %(max)d characters.")
CHOOSE_FILE = _l("Choose a file to upload.")
NOT_A_CHOICE = _l("Choose one of the listed options.")


def _listed(form: FlaskForm, field: SelectField) -> None:
    if field.data not in {value for value, _label in field.choices}:
        raise ValidationError(str(NOT_A_CHOICE))


class FilterForm(FlaskForm):
    """The list's search: a GET form in the URL (bookmarkable), so without a CSRF token."""

    class Meta:
        csrf = False

    q = StringField(_l("Search by title"), validators=[Optional(), Length(max=100, message=TOO_LONG)])
    kind = SelectField(_l("Kind"), choices=[], validate_choice=False)


class UploadForm(FlaskForm):
    title = StringField(
        _l("Title"), validators=[DataRequired(message=REQUIRED), Length(max=200, message=TOO_LONG)]
    )
    kind = SelectField(_l("Kind"), choices=[], validate_choice=False, validators=[_listed])
    visibility = SelectField(_l("Who may see it"), choices=[], validate_choice=False, validators=[_listed])
    file = FileField(_l("File"), validators=[FileRequired(message=CHOOSE_FILE)])


class VersionForm(FlaskForm):
    file = FileField(_l("New file"), validators=[FileRequired(message=CHOOSE_FILE)])


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token."""
