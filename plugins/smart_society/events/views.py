"""Event pages (``/desa/<slug>/smart_society/events…``): the calendar (anyone reads the public
events, members of the village every event), one event, and the forms of staff and hamlet heads."""

from __future__ import annotations

import uuid
from datetime import UTC

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from desacerdas.auth.permissions import can
from desacerdas.extensions import db
from desacerdas.kit.access import require
from desacerdas.models import Hamlet
from desacerdas.services import NotFound, ServiceError
from desacerdas.web.zoned_time import zone_of

from ..people import may_act
from ..permissions import EVENTS_MANAGE
from . import service
from .labels import AUDIENCE_LABELS, KIND_LABELS
from .models import Audience, Event, EventKind

T = "smart_society/events/"


def blueprint() -> Blueprint:
    bp = Blueprint("events", __name__, template_folder="templates")
    bp.add_url_rule("/events", view_func=events)
    bp.add_url_rule("/events/new", view_func=new_event, methods=["GET", "POST"])
    bp.add_url_rule("/events/<uuid:event_id>/edit", view_func=edit_event, methods=["GET", "POST"])
    bp.add_url_rule("/events/<uuid:event_id>", view_func=event)
    bp.add_url_rule("/events/<uuid:event_id>/attendance", view_func=event_attendance, methods=["POST"])
    bp.add_url_rule("/events/<uuid:event_id>/cancel", view_func=event_cancel, methods=["POST"])
    bp.context_processor(
        lambda: {
            "event_kind": lambda k: str(KIND_LABELS[EventKind(k)]),
            "event_audience": lambda a: str(AUDIENCE_LABELS[Audience(a)]),
        }
    )
    return bp


class EventForm(FlaskForm):
    title = StringField(
        _l("Title"),
        validators=[DataRequired(message=_l("Give the event a title.")), Length(max=service.TITLE_MAX)],
    )
    kind = SelectField(_l("Kind"), validators=[DataRequired(message=_l("Choose the kind of event."))])
    day = DateField(_l("Day"), validators=[DataRequired(message=_l("Give the day."))])
    starts = TimeField(_l("Starts at"), validators=[DataRequired(message=_l("Give the time it starts."))])
    ends = TimeField(_l("Ends at (optional)"), validators=[Optional()])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=service.PLACE_MAX)])
    hamlet = SelectField(_l("For"), validators=[Optional()])
    audience = SelectField(
        _l("Who may see it"), validators=[DataRequired(message=_l("Choose who may see it."))]
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=service.TEXT_MAX)])


class AttendanceForm(FlaskForm):
    attendance = IntegerField(
        _l("People who came"),
        invalid_value_message=_l("Give a whole number."),
        validators=[InputRequired(message=_l("Give a number.")), NumberRange(min=0, max=service.MOST_PEOPLE)],
    )


class CancelForm(FlaskForm):
    reason = StringField(
        _l("Why it is cancelled"),
        validators=[DataRequired(message=_l("Give the reason; residents read it.")), Length(max=300)],
    )


def _hamlets() -> dict[uuid.UUID, str]:
    return {h.id: h.name for h in db.session.scalars(select(Hamlet).order_by(Hamlet.name))}


def _user():  # noqa: ANN202 - the signed-in user or None
    return current_user._get_current_object() if current_user.is_authenticated else None


def events() -> ResponseReturnValue:
    """The calendar: coming events first (``?when=past`` for earlier ones)."""
    tenant, user = g.tenant, _user()
    args = {"when": "upcoming", **request.args.to_dict()}
    if args.get("when") == "past" and "sort" not in args:
        args["sort"] = "latest"
    try:
        pagination = service.CALENDAR.apply(service.visible(db.session, tenant, user), args)
    except ServiceError as exc:
        abort(exc.status, exc.message)
    return render_template(
        T + "calendar.html",
        pagination=pagination,
        page_url=pagination.page_url("smart_society.events.events"),
        past=args.get("when") == "past",
        hamlets=_hamlets(),
        may_manage=user is not None and can(user, EVENTS_MANAGE, tenant),
    )


@login_required
def new_event() -> ResponseReturnValue:
    return _event_form(None)


@login_required
def edit_event(event_id: uuid.UUID) -> ResponseReturnValue:
    item = _get(event_id)
    if not may_act(current_user._get_current_object(), g.tenant, EVENTS_MANAGE, item.hamlet_id):
        abort(403)
    return _event_form(item)


def _filled(item: Event, tenant) -> dict:  # noqa: ANN001
    zone = zone_of(tenant)
    starts = item.starts_at.replace(tzinfo=item.starts_at.tzinfo or UTC).astimezone(zone)
    ends = item.ends_at.replace(tzinfo=item.ends_at.tzinfo or UTC).astimezone(zone) if item.ends_at else None
    return {
        "title": item.title,
        "kind": item.kind.value,
        "audience": item.audience.value,
        "day": starts.date(),
        "starts": starts.time(),
        "ends": ends.time() if ends else None,
        "place": item.place,
        "hamlet": str(item.hamlet_id) if item.hamlet_id else "",
        "description": item.description,
    }


def _event_form(item: Event | None) -> ResponseReturnValue:
    """The same form adds an event and changes one."""
    tenant, scope, user = require(EVENTS_MANAGE)
    form = EventForm(data=_filled(item, tenant) if item is not None and request.method == "GET" else None)
    form.kind.choices = [SelectChoice("", "—")] + [
        SelectChoice(k.value, str(KIND_LABELS[k])) for k in EventKind
    ]
    form.audience.choices = [SelectChoice(a.value, str(AUDIENCE_LABELS[a])) for a in Audience]
    hamlets = _hamlets()
    if scope.hamlet_id is not None:
        hamlets = {k: v for k, v in hamlets.items() if k == scope.hamlet_id}
        form.hamlet.choices = [SelectChoice(str(k), v) for k, v in hamlets.items()]
    else:
        form.hamlet.choices = [SelectChoice("", _("The whole village"))] + [
            SelectChoice(str(k), v) for k, v in hamlets.items()
        ]
    error, status = None, 200
    if form.validate_on_submit():
        try:
            made = service.save(
                db.session,
                tenant,
                user,
                item,
                title=form.title.data,
                kind=form.kind.data,
                audience=form.audience.data,
                starts_at=service.at_local(tenant, form.day.data, form.starts.data),
                ends_at=service.at_local(tenant, form.day.data, form.ends.data) if form.ends.data else None,
                place=form.place.data,
                hamlet_id=uuid.UUID(form.hamlet.data) if form.hamlet.data else None,
                description=form.description.data,
            )
        except ServiceError as exc:
            db.session.rollback()
            error, status = exc.message, exc.status
        else:
            db.session.commit()
            if item is None:
                flash(_("%(title)s is on the calendar.", title=made.title), "success")
            else:
                flash(_("%(title)s is changed.", title=made.title), "success")
            return redirect(url_for(".event", event_id=made.id), 303)
    elif form.is_submitted():
        status = 400
    return render_template(T + "new.html", form=form, form_error=error, item=item), status


def _render(item: Event, error: str | None = None, status: int = 200, forms: dict | None = None):  # noqa: ANN202
    user = _user()
    forms = forms or {}
    return render_template(
        T + "event.html",
        item=item,
        hamlet=_hamlets().get(item.hamlet_id) if item.hamlet_id else None,
        may_manage=user is not None and may_act(user, g.tenant, EVENTS_MANAGE, item.hamlet_id),
        attendance_form=forms.get("attendance") or AttendanceForm(formdata=None, attendance=item.attendance),
        cancel_form=forms.get("cancel") or CancelForm(formdata=None),
        form_error=error,
    ), status


def _get(event_id: uuid.UUID) -> Event:
    try:
        return service.get(db.session, g.tenant, _user(), event_id)
    except NotFound:
        abort(404)


def event(event_id: uuid.UUID) -> ResponseReturnValue:
    return _render(_get(event_id))


@login_required
def event_attendance(event_id: uuid.UUID) -> ResponseReturnValue:
    tenant, _scope, user = require(EVENTS_MANAGE)
    item = _get(event_id)
    form = AttendanceForm()
    if not form.validate_on_submit():
        return _render(item, status=400, forms={"attendance": form})
    try:
        service.record_attendance(db.session, tenant, user, item, form.attendance.data)
    except ServiceError as exc:
        db.session.rollback()
        return _render(_get(event_id), exc.message, exc.status, {"attendance": form})
    db.session.commit()
    flash(_("Attendance saved."), "success")
    return redirect(url_for(".event", event_id=item.id), 303)


@login_required
def event_cancel(event_id: uuid.UUID) -> ResponseReturnValue:
    tenant, _scope, user = require(EVENTS_MANAGE)
    item = _get(event_id)
    form = CancelForm()
    if not form.validate_on_submit():
        return _render(item, status=400, forms={"cancel": form})
    try:
        service.cancel(db.session, tenant, user, item, form.reason.data)
    except ServiceError as exc:
        db.session.rollback()
        return _render(_get(event_id), exc.message, exc.status, {"cancel": form})
    db.session.commit()
    flash(_("The event is cancelled."), "success")
    return redirect(url_for(".event", event_id=item.id), 303)
