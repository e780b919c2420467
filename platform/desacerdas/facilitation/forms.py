"""Forms of the visit log (CSRF on, no JavaScript needed: follow-ups are one per line)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from ..admin.forms import NOT_A_DATE, REQUIRED, TOO_LONG
from .visits import FOLLOW_UP_MAX, FOLLOW_UPS_MAX, NOTE_MAX


class VisitForm(FlaskForm):
    visited_on = DateField(
        _l("Date"),
        validators=[InputRequired(message=REQUIRED)],  # a date that does not parse says so
        invalid_value_message=NOT_A_DATE,
    )
    kind = RadioField(
        _l("Kind"),
        choices=[
            SelectChoice("visit", _l("Visit to the village")),
            SelectChoice("call", _l("Telephone or video call")),
        ],
        default="visit",
        validators=[InputRequired(message=REQUIRED)],
        validate_choice=False,  # another value: the service's "Choose a visit or a call.", in words
    )
    note = TextAreaField(
        _l("Note"),
        validators=[DataRequired(message=REQUIRED), Length(max=NOTE_MAX, message=TOO_LONG)],
        description=_l("What you discussed, what you saw."),
    )
    follow_ups = TextAreaField(
        _l("Follow-ups"),
        validators=[Length(max=FOLLOW_UPS_MAX * (FOLLOW_UP_MAX + 2), message=TOO_LONG)],
        description=_l("One per line, at most %(num)d; tick them off at the next visit.", num=FOLLOW_UPS_MAX),
    )

    def follow_up_lines(self) -> list[str]:
        return [line.strip() for line in (self.follow_ups.data or "").splitlines() if line.strip()]


class FollowUpForm(FlaskForm):
    """Tick one follow-up done or open it again (the button says which)."""

    done = HiddenField(validators=[DataRequired()])
