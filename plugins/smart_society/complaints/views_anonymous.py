"""Anonymous complaints (``/desa/<slug>/smart_society/complaints/anonymous`` and ``…/track``):
filing without an account where the village allows it, and following one with its number and
code. Both forms are rate limited per address (``SOCIETY_ANONYMOUS_LIMIT``)."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, current_app, g, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from desacerdas.extensions import db, limiter
from desacerdas.kit import terms
from desacerdas.kit.forms import attach_error
from desacerdas.models import Hamlet
from desacerdas.services import NotFound, ServiceError

from ..settings import anonymous_allowed
from . import anonymous, service
from .labels import CATEGORY_LABELS
from .models import Category

T = "smart_society/complaints/"
DEFAULT_LIMIT = "10 per hour"


def _limit() -> str:
    return current_app.config.get("SOCIETY_ANONYMOUS_LIMIT", DEFAULT_LIMIT)


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/complaints/anonymous", view_func=file_anonymously, methods=["GET", "POST"])
    bp.add_url_rule("/complaints/track", view_func=track, methods=["GET", "POST"])


class AnonymousForm(FlaskForm):
    category = SelectField(_l("Category"), validators=[DataRequired(message=_l("Choose a category."))])
    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(message=_l("Give the complaint a short title.")),
            Length(max=service.TITLE_MAX, message=_l("At most %(max)d characters.")),
        ],
    )
    body = TextAreaField(
        _l("What happened?"),
        validators=[
            DataRequired(message=_l("Tell what happened.")),
            Length(
                min=service.BODY_MIN,
                max=service.BODY_MAX,
                message=_l("Between %(min)d and %(max)d characters."),
            ),
        ],
    )
    hamlet = SelectField(_l("Where"), validators=[Optional()])


class TrackForm(FlaskForm):
    number = StringField(
        _l("Complaint number"),
        validators=[DataRequired(message=_l("Give the complaint's number.")), Length(max=60)],
    )
    code = StringField(
        _l("Code"), validators=[DataRequired(message=_l("Give the code you were shown.")), Length(max=20)]
    )


@limiter.limit(_limit, methods=["POST"])
def file_anonymously() -> ResponseReturnValue:
    tenant = g.tenant
    if not anonymous_allowed(tenant):
        abort(404)
    form = AnonymousForm()
    form.category.choices = [SelectChoice("", "—")] + [
        SelectChoice(c.value, str(CATEGORY_LABELS[c])) for c in Category
    ]
    hamlets = db.session.scalars(select(Hamlet).order_by(Hamlet.name)).all()
    form.hamlet.choices = [SelectChoice("", _("The whole village, or I do not know"))] + [
        SelectChoice(str(h.id), h.name) for h in hamlets
    ]
    error, status = None, 200
    if form.validate_on_submit():
        try:
            made, code = anonymous.file_anonymous(
                db.session,
                tenant,
                category=form.category.data,
                title=form.title.data,
                body=form.body.data,
                hamlet_id=uuid.UUID(form.hamlet.data) if form.hamlet.data else None,
            )
        except ServiceError as exc:
            db.session.rollback()
            error, status = attach_error(form, exc, None), exc.status
        else:
            db.session.commit()
            return render_template(T + "anonymous_received.html", item=made, code=code)
    elif form.is_submitted():
        status = 400
    return render_template(
        T + "anonymous.html", form=form, form_error=error, terms=terms.terms_for(tenant)
    ), status


@limiter.limit(_limit, methods=["POST"])
def track() -> ResponseReturnValue:
    tenant = g.tenant
    if not anonymous_allowed(tenant):
        abort(404)
    form = TrackForm()
    item, error, status = None, None, 200
    if form.validate_on_submit():
        try:
            item = anonymous.track(db.session, form.number.data, form.code.data)
        except NotFound as exc:
            error, status = exc.message, 404
    elif form.is_submitted():
        status = 400
    return render_template(
        T + "track.html",
        form=form,
        item=item,
        answers=anonymous.answers(db.session, item) if item is not None else [],
        missed=service.missed(item, service.today_in(tenant)) if item is not None else [],
        form_error=error,
    ), status
