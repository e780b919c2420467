"""Complaint pages (``/desa/<slug>/smart_society/complaints…``): a resident files and follows their
own; staff and hamlet heads work the queue, take a complaint at the counter or by phone, move it on
the workflow, write notes, extend its deadline; the public reads the list the village publishes.
Every page goes through the complaint services (the same rules as the API) and works without
JavaScript."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    BooleanField,
    DecimalField,
    IntegerField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from desacerdas.auth.permissions import can
from desacerdas.extensions import db
from desacerdas.kit import terms
from desacerdas.kit.access import require
from desacerdas.kit.forms import attach_error
from desacerdas.models import Hamlet, User
from desacerdas.services import NotFound, ServiceError, images
from desacerdas.services import documents as docs

from ..permissions import COMPLAINTS_FILE, COMPLAINTS_HANDLE, COMPLAINTS_VIEW
from ..settings import public_mode
from . import photos as complaint_photos
from . import service, views_anonymous
from .labels import CATEGORY_LABELS, CHANNEL_LABELS, DEADLINE_LABELS, ENTRY_LABELS
from .models import Category, Channel, Complaint, Status
from .workflow import FLOW

T = "smart_society/complaints/"
WHOLE_VILLAGE = "village"  # the hamlet menu's choice for "about the whole village"


def _hamlet_choice(value: str | None) -> uuid.UUID | None:
    return uuid.UUID(value) if value and value != WHOLE_VILLAGE else None


def blueprint() -> Blueprint:
    bp = Blueprint("complaints", __name__, template_folder="templates")
    bp.add_url_rule("/complaints", view_func=complaints)
    bp.add_url_rule("/complaints/mine", view_func=my_complaints)
    bp.add_url_rule("/complaints/new", view_func=new_complaint, methods=["GET", "POST"])
    bp.add_url_rule("/complaints/public", view_func=public_complaints)
    bp.add_url_rule("/complaints/<uuid:complaint_id>", view_func=complaint)
    bp.add_url_rule("/complaints/<uuid:complaint_id>/<action>", view_func=complaint_action, methods=["POST"])
    bp.add_url_rule("/complaints/<uuid:complaint_id>/thread", view_func=complaint_post, methods=["POST"])
    bp.add_url_rule("/complaints/<uuid:complaint_id>/extend", view_func=complaint_extend, methods=["POST"])
    bp.add_url_rule("/complaints/<uuid:complaint_id>/rate", view_func=complaint_rate, methods=["POST"])
    views_anonymous.register(bp)
    bp.context_processor(_helpers)
    return bp


def _helpers() -> dict[str, Any]:
    return {
        "complaint_state": FLOW.state_label,
        "complaint_action": FLOW.action_label,
        "category_label": lambda c: str(CATEGORY_LABELS[Category(c)]),
        "channel_label": lambda c: str(CHANNEL_LABELS[Channel(c)]),
        "entry_label": lambda k: str(ENTRY_LABELS[k]),
        "late_label": lambda missed: _(
            "Late: %(what)s", what=", ".join(str(DEADLINE_LABELS[k]) for k in missed)
        ),
    }


# -- forms ---------------------------------------------------------------------------------------


class ComplaintForm(FlaskForm):
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
    latitude = DecimalField(
        _l("Latitude (optional)"),
        places=None,
        validators=[Optional(), NumberRange(min=-90, max=90, message=_l("That point is not on the map."))],
        invalid_value_message=_l("Give a number, for example -8.45."),
    )
    longitude = DecimalField(
        _l("Longitude (optional)"),
        places=None,
        validators=[Optional(), NumberRange(min=-180, max=180, message=_l("That point is not on the map."))],
        invalid_value_message=_l("Give a number, for example 115.55."),
    )
    name_withheld = BooleanField(_l("Do not show my name to the hamlet head or the public"))
    photos = MultipleFileField(_l("Photos (optional, at most 3)"))
    # Only at the counter or by phone (staff):
    channel = RadioField(_l("How did it come in?"), default=Channel.COUNTER.value, validators=[Optional()])
    reporter_name = StringField(
        _l("Name of the person who complains"), validators=[Optional(), Length(max=120)]
    )
    reporter_phone = StringField(_l("Their phone number (optional)"), validators=[Optional(), Length(max=30)])


class ActionForm(FlaskForm):
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=500)])
    assignee = SelectField(_l("Who handles it"), validators=[Optional()])


class PostForm(FlaskForm):
    body = TextAreaField(
        _l("Your message"),
        validators=[DataRequired(message=_l("Write something first.")), Length(max=service.BODY_MAX)],
    )
    corrects = SelectField(_l("This corrects"), validators=[Optional()])


class ExtendForm(FlaskForm):
    days = IntegerField(
        _l("Resolved within (working days of filing)"),
        default=30,
        invalid_value_message=_l("Give a whole number."),
        validators=[
            DataRequired(message=_l("Give a number of days.")),
            NumberRange(min=15, max=60, message=_l("Between %(min)s and %(max)s.")),
        ],
    )
    reason = TextAreaField(
        _l("Why it needs more time"),
        validators=[DataRequired(message=_l("Give the reason; the complainant reads it.")), Length(max=500)],
    )


class RateForm(FlaskForm):
    rating = RadioField(
        _l("How good was the answer?"),
        choices=[SelectChoice(str(n), str(n)) for n in range(1, 6)],
        validators=[DataRequired(message=_l("Choose from 1 to 5."))],
    )


# -- helpers -------------------------------------------------------------------------------------


def _hamlets() -> dict[uuid.UUID, str]:
    return {h.id: h.name for h in db.session.scalars(select(Hamlet).order_by(Hamlet.name))}


def _names(ids: set[int | None]) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def _assignees(tenant, item: Complaint) -> list[SelectChoice]:  # noqa: ANN001
    return [SelectChoice(str(u.id), u.name) for u in service.handlers(db.session, tenant, item)]


def _get(tenant, complaint_id: uuid.UUID) -> Complaint:  # noqa: ANN001
    try:
        return service.get(db.session, tenant, current_user, complaint_id)
    except NotFound:
        abort(404)


def _filter_choices() -> dict[str, list[tuple[str, str]]]:
    return {
        "status": [("open", _("Open complaints")), ("all", _("All"))]
        + [(s.value, FLOW.state_label(s)) for s in Status],
        "category": [("", _("All categories"))] + [(c.value, str(CATEGORY_LABELS[c])) for c in Category],
    }  # drawn by the template itself (no form object)


# -- lists ---------------------------------------------------------------------------------------


@login_required
def complaints() -> ResponseReturnValue:
    """The queue: open complaints first by default, overdue ones marked."""
    tenant, _scope, user = require(COMPLAINTS_VIEW)
    args = {"status": "open", **request.args.to_dict()}
    try:
        pagination = service.QUEUE.apply(service.queue(db.session, tenant, user), args)
    except ServiceError as exc:
        abort(exc.status, exc.message)
    today = service.today_in(tenant)
    return render_template(
        T + "queue.html",
        pagination=pagination,
        page_url=pagination.page_url("smart_society.complaints.complaints"),
        args=args,
        choices=_filter_choices(),
        today=today,
        missed={c.id: service.missed(c, today) for c in pagination.items},
        hamlets=_hamlets(),
        terms=terms.terms_for(tenant),
        may_take=can(user, COMPLAINTS_HANDLE, tenant),
    )


@login_required
def my_complaints() -> ResponseReturnValue:
    tenant, _scope, user = require(COMPLAINTS_FILE)
    pagination = service.QUEUE.apply(
        service.mine(db.session, tenant, user), {"status": "all", **request.args.to_dict()}
    )
    return render_template(
        T + "mine.html",
        pagination=pagination,
        page_url=pagination.page_url("smart_society.complaints.my_complaints"),
    )


def public_complaints() -> ResponseReturnValue:
    """The list the village publishes (none, titles only, or the text without names)."""
    tenant = g.tenant
    mode = public_mode(tenant)
    if mode == "none":
        abort(404)
    pagination = service.QUEUE.apply(
        service.public(db.session, mode), {"status": "all", "page": request.args.get("page", "")}
    )
    answers = {}
    if mode == "full" and pagination.items:
        answers = service.answers_of(db.session, [c.id for c in pagination.items])
    return render_template(
        T + "public.html",
        pagination=pagination,
        page_url=pagination.page_url("smart_society.complaints.public_complaints"),
        full=mode == "full",
        answers=answers,
    )


# -- filing --------------------------------------------------------------------------------------


@login_required
def new_complaint() -> ResponseReturnValue:
    tenant, scope, user = require(COMPLAINTS_HANDLE, COMPLAINTS_FILE)
    staff = scope.own_user_id is None
    form = ComplaintForm()
    form.category.choices = [SelectChoice("", "—")] + [
        SelectChoice(c.value, str(CATEGORY_LABELS[c])) for c in Category
    ]
    hamlets = _hamlets()
    if scope.hamlet_id is not None:
        hamlets = {k: v for k, v in hamlets.items() if k == scope.hamlet_id}
    first = [SelectChoice("", _("My own hamlet"))] if not staff else []
    whole = [] if scope.hamlet_id is not None else [SelectChoice(WHOLE_VILLAGE, _("The whole village"))]
    form.hamlet.choices = [*first, *whole] + [SelectChoice(str(k), v) for k, v in hamlets.items()]
    form.channel.choices = [
        SelectChoice(c.value, str(CHANNEL_LABELS[c])) for c in (Channel.COUNTER, Channel.PHONE)
    ]
    error, status = None, 200
    if form.validate_on_submit():
        if staff and not (form.reporter_name.data or "").strip():
            form.reporter_name.errors = [_("Write down the name of the person who complains.")]
            status = 400
        else:
            try:
                made = service.file_complaint(
                    db.session,
                    tenant,
                    user,
                    category=form.category.data,
                    title=form.title.data,
                    body=form.body.data,
                    hamlet_id=_hamlet_choice(form.hamlet.data),
                    whole_village=form.hamlet.data == WHOLE_VILLAGE,
                    latitude=float(form.latitude.data) if form.latitude.data is not None else None,
                    longitude=float(form.longitude.data) if form.longitude.data is not None else None,
                    name_withheld=form.name_withheld.data,
                    channel=form.channel.data if staff else Channel.ONLINE,
                    reporter_name=form.reporter_name.data if staff else None,
                    reporter_phone=form.reporter_phone.data if staff else None,
                )
                photos = [
                    images.bounded_upload(docs.NewFile(f.stream, f.filename))
                    for f in form.photos.data or []
                    if f and f.filename
                ]
                if photos:
                    complaint_photos.attach_photos(db.session, tenant, user, made, photos)  # commits
                else:
                    db.session.commit()
            except ServiceError as exc:
                db.session.rollback()
                error, status = attach_error(form, exc, None), exc.status
            else:
                flash(_("Complaint %(number)s received.", number=made.number), "success")
                return redirect(url_for(".complaint", complaint_id=made.id), 303)
    elif form.is_submitted():
        status = 400
    return render_template(
        T + "new.html", form=form, staff=staff, form_error=error, terms=terms.terms_for(tenant)
    ), status


# -- one complaint -------------------------------------------------------------------------------


def _render(
    tenant, item: Complaint, *, error: str | None = None, status: int = 200, forms: dict | None = None
):  # noqa: ANN001, ANN202
    user = current_user._get_current_object()
    handler = service.is_handler(db.session, tenant, user, item)
    owner = item.author_id is not None and item.author_id == user.id
    entries = service.thread(db.session, item, with_notes=handler)
    forms = forms or {}
    action_form = forms.get("action") or ActionForm(formdata=None)
    actions = [a.name for a in FLOW.allowed_actions(db.session, tenant, user, item)]
    if "assign" in actions:
        action_form.assignee.choices = _assignees(tenant, item)
    post_form = forms.get("post") or PostForm(formdata=None)
    post_form.corrects.choices = [SelectChoice("", _("Nothing: a new message"))] + [
        SelectChoice(str(e.id), format_datetime(e.at, "short") + " · " + e.body[:40])
        for e in entries
        if e.author_id == user.id
    ]
    today = service.today_in(tenant)
    # The complainant's name: to village-wide staff, and to the hamlet head unless it is withheld.
    withheld = service.withheld_from(db.session, tenant, user, item)
    show_name = withheld is None
    people = _names({item.author_id, item.assignee_id})
    photos = [d for d in complaint_photos.photos_of(db.session, item) if docs.readable_by(user, tenant, d)]
    return render_template(
        T + "complaint.html",
        item=item,
        photos=photos,
        entries=entries,
        steps=FLOW.timeline(db.session, item),
        actions=actions,
        action_form=action_form,
        post_form=post_form,
        extend_form=forms.get("extend") or ExtendForm(formdata=None),
        rate_form=forms.get("rate") or RateForm(formdata=None),
        handler=handler,
        owner=owner,
        may_post=(handler or owner) and item.status not in (Status.CLOSED, Status.REJECTED),
        may_extend=handler and item.status in service.OPEN,
        may_rate=owner
        and item.first_answer_at is not None
        and item.rating is None
        and item.status != Status.REJECTED,
        missed=service.missed(item, today),
        complainant=_complainant(item, people, show_name),
        withheld_id=withheld,
        assignee=people.get(item.assignee_id) if item.assignee_id else None,
        hamlet=_hamlets().get(item.hamlet_id) if item.hamlet_id else None,
        terms=terms.terms_for(tenant),
        form_error=error,
    ), status


def _complainant(item: Complaint, people: dict[int, str], show: bool) -> str:
    if not show:
        return _("Name withheld")
    if item.author_id is not None:
        return people.get(item.author_id) or _("A resident")
    phone = f" · {item.reporter_phone}" if item.reporter_phone else ""
    return f"{item.reporter_name or _('A resident')}{phone}"


@login_required
def complaint(complaint_id: uuid.UUID) -> ResponseReturnValue:
    tenant, _scope, _user = require(COMPLAINTS_VIEW, COMPLAINTS_FILE, COMPLAINTS_HANDLE)
    return _render(tenant, _get(tenant, complaint_id))


def _back(item: Complaint, anchor: str = "") -> ResponseReturnValue:
    return redirect(url_for(".complaint", complaint_id=item.id) + anchor, 303)


@login_required
def complaint_action(complaint_id: uuid.UUID, action: str) -> ResponseReturnValue:
    tenant, _scope, user = require(COMPLAINTS_VIEW, COMPLAINTS_FILE, COMPLAINTS_HANDLE)
    item = _get(tenant, complaint_id)
    form = ActionForm()
    form.assignee.choices = _assignees(tenant, item) if action == "assign" else []
    if not form.validate_on_submit():
        return _render(
            tenant, item, error=_("The form was not accepted; try again."), status=400, forms={"action": form}
        )
    data: dict[str, Any] = {"today": service.today_in(tenant)}
    if action == "assign":
        data["assignee_id"] = int(form.assignee.data) if (form.assignee.data or "").isdigit() else None
    try:
        FLOW.move(db.session, tenant, user, item, action, note=(form.note.data or "").strip() or None, **data)
    except ServiceError as exc:
        db.session.rollback()
        if exc.status == 404:
            abort(404)
        return _render(
            tenant, _get(tenant, complaint_id), error=exc.message, status=exc.status, forms={"action": form}
        )
    db.session.commit()
    flash(_("Done: %(state)s.", state=FLOW.state_label(item.status)), "success")
    return _back(item)


@login_required
def complaint_post(complaint_id: uuid.UUID) -> ResponseReturnValue:
    tenant, _scope, user = require(COMPLAINTS_VIEW, COMPLAINTS_FILE, COMPLAINTS_HANDLE)
    item = _get(tenant, complaint_id)
    form = PostForm()
    form.corrects.choices = [SelectChoice("", "")] + [
        SelectChoice(str(e.id), "")
        for e in service.thread(db.session, item, with_notes=True)
        if e.author_id == user.id
    ]
    if not form.validate_on_submit():
        return _render(tenant, item, status=400, forms={"post": form})
    try:
        service.post(
            db.session,
            tenant,
            user,
            item,
            form.body.data,
            corrects=uuid.UUID(form.corrects.data) if form.corrects.data else None,
        )
    except ServiceError as exc:
        db.session.rollback()
        return _render(
            tenant, _get(tenant, complaint_id), error=exc.message, status=exc.status, forms={"post": form}
        )
    db.session.commit()
    flash(_("Message added."), "success")
    return _back(item, "#thread")


@login_required
def complaint_extend(complaint_id: uuid.UUID) -> ResponseReturnValue:
    tenant, _scope, user = require(COMPLAINTS_HANDLE)
    item = _get(tenant, complaint_id)
    form = ExtendForm()
    if not form.validate_on_submit():
        return _render(tenant, item, status=400, forms={"extend": form})
    try:
        service.extend(db.session, tenant, user, item, form.days.data, form.reason.data)
    except ServiceError as exc:
        db.session.rollback()
        return _render(
            tenant, _get(tenant, complaint_id), error=exc.message, status=exc.status, forms={"extend": form}
        )
    db.session.commit()
    flash(_("The deadline is now %(day)s.", day=format_date(item.resolve_due, "medium")), "success")
    return _back(item)


@login_required
def complaint_rate(complaint_id: uuid.UUID) -> ResponseReturnValue:
    tenant, _scope, user = require(COMPLAINTS_FILE)
    item = _get(tenant, complaint_id)
    form = RateForm()
    if not form.validate_on_submit():
        return _render(tenant, item, status=400, forms={"rate": form})
    try:
        service.rate(db.session, tenant, user, item, int(form.rating.data))
    except ServiceError as exc:
        db.session.rollback()
        return _render(
            tenant, _get(tenant, complaint_id), error=exc.message, status=exc.status, forms={"rate": form}
        )
    db.session.commit()
    flash(_("Thank you for rating the answer."), "success")
    return _back(item)
