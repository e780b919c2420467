"""Alert pages (``/desa/<slug>/smart_society/alerts…``): the resident's emergency button (one POST,
no JavaScript needed) and their alerts; the handlers' list, an alert's page with "I am on my way"
and "Close"; the staff warning form."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from desacerdas.auth.permissions import can
from desacerdas.extensions import db
from desacerdas.kit import terms
from desacerdas.kit.access import require
from desacerdas.models import Hamlet, User
from desacerdas.services import NotFound, ServiceError

from ..permissions import ALERTS_HANDLE, ALERTS_RAISE, ALERTS_VIEW, ALERTS_WARN
from . import service
from .labels import HAZARD_LABELS
from .models import Alert, Hazard
from .workflow import FLOW

T = "smart_society/alerts/"


def blueprint() -> Blueprint:
    bp = Blueprint("alerts", __name__, template_folder="templates")
    bp.add_url_rule("/alerts", view_func=alerts)
    bp.add_url_rule("/alerts/raise", view_func=raise_alert, methods=["POST"])
    bp.add_url_rule("/alerts/warn", view_func=warn, methods=["GET", "POST"])
    bp.add_url_rule("/alerts/duty", view_func=duty, methods=["POST"])
    bp.add_url_rule("/alerts/<uuid:alert_id>", view_func=alert)
    bp.add_url_rule("/alerts/<uuid:alert_id>/<action>", view_func=alert_action, methods=["POST"])
    bp.context_processor(lambda: {"alert_state": FLOW.state_label, "alert_action": FLOW.action_label})
    return bp


class RaiseForm(FlaskForm):
    note = StringField(
        _l("What is happening? (optional)"), validators=[Optional(), Length(max=service.NOTE_MAX)]
    )
    # Filled by the phone's location where a script may ask for it; the hamlet is used otherwise.
    latitude = HiddenField()
    longitude = HiddenField()


class DutyForm(FlaskForm):
    """Only the CSRF token: the button says whether duty starts (``on=1``) or ends."""


class AlertActionForm(FlaskForm):
    note = TextAreaField(_l("What happened"), validators=[Optional(), Length(max=500)])
    false_alarm = BooleanField(_l("It was a false alarm"))


class WarningForm(FlaskForm):
    hazard = SelectField(
        _l("About"), validators=[DataRequired(message=_l("Choose what the warning is about."))]
    )
    hamlet = SelectField(_l("To"), validators=[Optional()])
    message = TextAreaField(
        _l("Message"),
        validators=[
            DataRequired(message=_l("Write what residents must know or do.")),
            Length(max=service.MESSAGE_MAX, message=_l("At most %(max)d characters.")),
        ],
    )


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def _names(ids: set[int | None]) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def _hamlets() -> dict[uuid.UUID, str]:
    return {h.id: h.name for h in db.session.scalars(select(Hamlet).order_by(Hamlet.name))}


@login_required
def alerts() -> ResponseReturnValue:
    tenant, scope, user = require(ALERTS_VIEW, ALERTS_RAISE)
    pagination = service.ALERTS.apply(service.listing(db.session, tenant, user), request.args.to_dict())
    return render_template(
        T + "alerts.html",
        pagination=pagination,
        page_url=pagination.page_url("smart_society.alerts.alerts"),
        resident=scope.own_user_id is not None,
        raise_form=RaiseForm(formdata=None),
        names=_names({a.raised_by for a in pagination.items} | {a.acknowledged_by for a in pagination.items}),
        hamlets=_hamlets(),
        may_warn=can(user, ALERTS_WARN, tenant),
        warnings=service.recent_warnings(db.session) if scope.own_user_id is None else [],
        on_duty=_names({d.user_id for d in service.on_duty(db.session)}) if scope.own_user_id is None else {},
        may_take_duty=scope.village_wide and can(user, ALERTS_HANDLE, tenant),
        duty_form=DutyForm(formdata=None),
        hazard_label=lambda h: str(HAZARD_LABELS[Hazard(h)]),
    )


@login_required
def raise_alert() -> ResponseReturnValue:
    tenant, _scope, user = require(ALERTS_RAISE)
    form = RaiseForm()
    if not form.validate_on_submit():
        flash(_("The alert was not sent; press the button again."), "error")
        return redirect(url_for(".alerts"), 303)
    try:
        made = service.raise_alert(
            db.session,
            tenant,
            user,
            latitude=_number(form.latitude.data),
            longitude=_number(form.longitude.data),
            note=form.note.data,
        )
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for(".alerts"), 303)
    db.session.commit()
    flash(
        _("Help is called: %(num)d people of the village were told. Stay safe.", num=made.notified),
        "success",
    )
    return redirect(url_for(".alert", alert_id=made.id), 303)


def _render(tenant, item: Alert, error: str | None = None, status: int = 200, form=None):  # noqa: ANN001, ANN202
    user = current_user._get_current_object()
    return render_template(
        T + "alert.html",
        item=item,
        steps=FLOW.timeline(db.session, item),
        actions=[a.name for a in FLOW.allowed_actions(db.session, tenant, user, item)],
        form=form or AlertActionForm(formdata=None),
        names=_names({item.raised_by, item.acknowledged_by}),
        hamlet=_hamlets().get(item.hamlet_id) if item.hamlet_id else None,
        form_error=error,
    ), status


@login_required
def alert(alert_id: uuid.UUID) -> ResponseReturnValue:
    tenant, _scope, user = require(ALERTS_VIEW, ALERTS_RAISE)
    try:
        item = service.get(db.session, tenant, user, alert_id)
    except NotFound:
        abort(404)
    return _render(tenant, item)


@login_required
def alert_action(alert_id: uuid.UUID, action: str) -> ResponseReturnValue:
    tenant, _scope, user = require(ALERTS_HANDLE)
    try:
        item = service.get(db.session, tenant, user, alert_id)
    except NotFound:
        abort(404)
    form = AlertActionForm()
    if not form.validate_on_submit():
        return _render(tenant, item, _("The form was not accepted; try again."), 400, form)
    try:
        FLOW.move(
            db.session,
            tenant,
            user,
            item,
            action,
            note=(form.note.data or "").strip() or None,
            false_alarm=form.false_alarm.data,
        )
    except ServiceError as exc:
        db.session.rollback()
        if exc.status == 404:
            abort(404)
        return _render(tenant, service.get(db.session, tenant, user, alert_id), exc.message, exc.status, form)
    db.session.commit()
    flash(_("Done: %(state)s.", state=FLOW.state_label(item.status)), "success")
    return redirect(url_for(".alert", alert_id=item.id), 303)


@login_required
def duty() -> ResponseReturnValue:
    tenant, _scope, user = require(ALERTS_HANDLE)
    form = DutyForm()
    if not form.validate_on_submit():
        flash(_("The form was not accepted; try again."), "error")
        return redirect(url_for(".alerts"), 303)
    try:
        on = service.set_on_duty(db.session, tenant, user, request.form.get("on") == "1")
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for(".alerts"), 303)
    db.session.commit()
    flash(_("You are on duty: alerts reach you at once.") if on else _("You are off duty."), "success")
    return redirect(url_for(".alerts"), 303)


@login_required
def warn() -> ResponseReturnValue:
    tenant, _scope, user = require(ALERTS_WARN)
    form = WarningForm()
    form.hazard.choices = [SelectChoice("", "—")] + [
        SelectChoice(h.value, str(HAZARD_LABELS[h])) for h in Hazard
    ]
    form.hamlet.choices = [SelectChoice("", _("The whole village"))] + [
        SelectChoice(str(k), v) for k, v in _hamlets().items()
    ]
    error, status = None, 200
    if form.validate_on_submit():
        try:
            sent = service.send_warning(
                db.session,
                tenant,
                user,
                hazard=form.hazard.data,
                message=form.message.data,
                hamlet_id=uuid.UUID(form.hamlet.data) if form.hamlet.data else None,
            )
        except ServiceError as exc:
            db.session.rollback()
            error, status = exc.message, exc.status
        else:
            db.session.commit()
            flash(_("Warning sent to %(num)d residents.", num=sent.recipients), "success")
            return redirect(url_for(".alerts"), 303)
    elif form.is_submitted():
        status = 400
    return render_template(
        T + "warn.html", form=form, form_error=error, terms=terms.terms_for(tenant)
    ), status
