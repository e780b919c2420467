"""Pages: the work surface (``/facilitation``) and a village's visit log (``/desa/<slug>/visits``)."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required

from ..extensions import db
from ..kit.access import may, require
from ..rollout import scope
from ..rollout.access import board_page, filter_form, user
from ..services import ServiceError
from ..web.pagination import Page, page_links, page_number, paginate
from ..web.tenant import make_tenant_blueprint
from . import VISITS_RECORD, VISITS_VIEW, surface, visits
from .forms import FollowUpForm, VisitForm

bp = Blueprint("facilitation", __name__)
village_bp = make_tenant_blueprint("facilitation_village", __name__)

PAGE_SIZE = 8  # villages per page: each card carries a few small trend lines (30 KB page budget)


def _sort() -> str:
    wanted = request.args.get("sort", "")
    return wanted if wanted in surface.SORTS else surface.SORTS[0]


@bp.get("/facilitation")
@board_page
def work_surface() -> ResponseReturnValue:
    """The villages of the caller's rollout scope (a platform admin: every village), those needing
    attention first by default; more than ``surface.MAX_VILLAGES`` are listed by name."""
    form, filters = filter_form()
    viewer = user()
    number = page_number()
    found = surface.page_of(scope.villages(viewer, filters), viewer, _sort(), number, PAGE_SIZE, db.session)
    return render_template(
        "facilitation/surface.html",
        form=form,
        filters=filters,
        filtered=bool(filters.as_args()),
        cards=found.cards,
        pagination=Page(found.cards, number, PAGE_SIZE, found.total),
        page_url=page_links("facilitation.work_surface"),
        sort=found.sort,
        sorts=surface.SORTS,
        ranked=found.ranked,
        max_villages=surface.MAX_VILLAGES,
        weights=(surface.W_WAITING, surface.W_BLOCKING, surface.W_FOLLOW_UP, surface.W_QUIET),
        quiet_days=surface.QUIET_DAYS,
        trend_text=surface.trend_text,
        may_open=lambda item, tenant: surface.may_open(viewer, item, tenant),
    )


# -- a village's visit log -------------------------------------------------------------------------


def _log_page(form: VisitForm, may_record: bool, status: int = 200) -> ResponseReturnValue:
    tenant, _scope, viewer = require(VISITS_VIEW)
    pagination = paginate(visits.listing(db.session, tenant, viewer))
    return render_template(
        "facilitation/visits.html",
        form=form,
        may_record=may_record,
        pagination=pagination,
        page_url=page_links("facilitation_village.visit_log"),
        follow_up_form=FollowUpForm(formdata=None),
    ), status


def _field_of(form: VisitForm, code: str):  # noqa: ANN202 - a WTForms field
    """The field a service refusal is about, so the message stands beside it."""
    if code in ("visit_in_future", "visit_date_invalid"):
        return form.visited_on
    if code == "visit_kind_invalid":
        return form.kind
    if "follow_up" in code:
        return form.follow_ups
    return form.note


@village_bp.route("/visits", methods=["GET", "POST"])
@login_required
def visit_log() -> ResponseReturnValue:
    """The village's visit log: read-only for the village head and the regency, with the form to
    record a visit for the village's facilitators."""
    tenant, _scope, viewer = require(VISITS_VIEW)
    may_record = may(viewer, tenant, VISITS_RECORD)
    form = VisitForm()
    if request.method != "POST":
        form.visited_on.data = visits.village_today(tenant)
        return _log_page(form, may_record)
    if not may_record:
        abort(403)
    if not form.validate_on_submit():
        return _log_page(form, may_record, 422)
    data = visits.VisitInput(form.visited_on.data, form.kind.data, form.note.data, form.follow_up_lines())
    try:
        visits.record(db.session, tenant, viewer, data)
    except ServiceError as exc:
        db.session.rollback()
        _field_of(form, exc.code).errors.append(exc.message)
        return _log_page(form, may_record, exc.status)
    db.session.commit()
    flash(_("The visit is recorded."), "success")
    return redirect(url_for("facilitation_village.visit_log"))


@village_bp.post("/visits/<uuid:visit_id>/follow-ups/<int:index>")
@login_required
def follow_up(visit_id: uuid.UUID, index: int) -> ResponseReturnValue:
    """Tick a follow-up done, or open it again."""
    tenant, _scope, viewer = require(VISITS_RECORD)
    form = FollowUpForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        visits.set_follow_up(db.session, tenant, viewer, visit_id, index, form.done.data == "1")
    except ServiceError as exc:
        abort(exc.status)
    db.session.commit()
    return redirect(url_for("facilitation_village.visit_log"))
