"""Social-aid pages (``/desa/<slug>/smart_society/aid…``): the blueprint, and the programme pages
— the list with a chart of recipients per programme, a programme's form, its page (candidates and
recipients, periods, decisions) and its export. A candidate's way (proposal, the Musdes decision,
the candidate's page) is in :mod:`.views_decisions`, handovers and the import in
:mod:`.views_handover`; what they share in :mod:`.page_support` and :mod:`.forms`. Every page goes
through the aid services (the same rules as the API) and works without JavaScript; a hamlet head
sees their hamlet's candidates only."""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required
from wtforms.fields.choices import SelectChoice

from desacerdas.auth.permissions import can
from desacerdas.extensions import db
from desacerdas.kit import tabular, terms
from desacerdas.kit.access import require
from desacerdas.models import Tenant, User
from desacerdas.services import ServiceError

from ..complaints.service import today_in
from ..permissions import AID_DECIDE, AID_MANAGE, AID_PROPOSE, AID_VIEW
from . import deliberation, distribution, figures, importing, service
from .forms import (
    ProgrammeForm,
)
from .labels import (
    BENEFIT_LABELS,
    SCHEDULE_LABELS,
    SOURCE_LABELS,
    UNIT_LABELS,
    source_label,
)
from .models import (
    AidProgramme,
    Benefit,
    RecipientStatus,
    Schedule,
    Source,
    Unit,
)
from .page_support import (
    T,
    capital,
    counts,
    hamlets,
    names_of,
    programme_of,
    shown_nik,
    template_helpers,
)
from .views_decisions import candidate, decide, end_aid, propose
from .views_handover import import_list, period, period_pdf, record_receipt
from .workflow import FLOW


def blueprint() -> Blueprint:
    bp = Blueprint("aid", __name__, template_folder="templates")
    bp.add_url_rule("/aid", view_func=programmes)
    bp.add_url_rule("/aid/programmes/new", view_func=new_programme, methods=["GET", "POST"])
    bp.add_url_rule("/aid/programmes/<uuid:programme_id>", view_func=programme)
    bp.add_url_rule(
        "/aid/programmes/<uuid:programme_id>/edit", view_func=edit_programme, methods=["GET", "POST"]
    )
    bp.add_url_rule("/aid/programmes/<uuid:programme_id>/propose", view_func=propose, methods=["GET", "POST"])
    bp.add_url_rule("/aid/programmes/<uuid:programme_id>/decide", view_func=decide, methods=["GET", "POST"])
    bp.add_url_rule(
        "/aid/programmes/<uuid:programme_id>/import", view_func=import_list, methods=["GET", "POST"]
    )
    bp.add_url_rule("/aid/programmes/<uuid:programme_id>/export.<any(csv, xlsx):fmt>", view_func=export)
    bp.add_url_rule("/aid/programmes/<uuid:programme_id>/periods/<period>.pdf", view_func=period_pdf)
    bp.add_url_rule("/aid/programmes/<uuid:programme_id>/periods/<period>", view_func=period)
    bp.add_url_rule("/aid/candidates/<uuid:candidate_id>", view_func=candidate)
    bp.add_url_rule("/aid/candidates/<uuid:candidate_id>/end", view_func=end_aid, methods=["POST"])
    bp.add_url_rule(
        "/aid/candidates/<uuid:candidate_id>/receipts", view_func=record_receipt, methods=["POST"]
    )
    bp.context_processor(template_helpers)
    return bp


# -- programmes ------------------------------------------------------------------------------------


@login_required
def programmes() -> ResponseReturnValue:
    tenant, scope, user = require(AID_VIEW)
    args = request.args.to_dict()
    try:
        pagination = service.PROGRAMMES.apply(service.programmes(db.session, tenant, user), args)
    except ServiceError as exc:
        abort(exc.status, exc.message)
    today = today_in(tenant)
    return render_template(
        T + "programmes.html",
        pagination=pagination,
        page_url=pagination.page_url("smart_society.aid.programmes"),
        args=args,
        sources=[(s.value, str(SOURCE_LABELS[s])) for s in Source],
        counts=counts(scope, [p.id for p in pagination.items]),
        hamlet_only=scope.hamlet_id is not None,
        terms=terms.terms_for(tenant),
        chart=figures.recipients_by_programme(db.session, today),
        states=[s.value for s in RecipientStatus],
        may_manage=can(user, AID_MANAGE, tenant),
    )


def _source_choices() -> list[SelectChoice]:
    return [SelectChoice(s.value, str(SOURCE_LABELS[s])) for s in Source]


def _fill_programme_choices(form: ProgrammeForm) -> None:
    form.source.choices = [SelectChoice("", "—"), *_source_choices()]
    form.benefit.choices = [SelectChoice(b.value, str(BENEFIT_LABELS[b])) for b in Benefit]
    form.schedule.choices = [SelectChoice(s.value, capital(SCHEDULE_LABELS[s])) for s in Schedule]
    form.unit.choices = [SelectChoice(u.value, capital(UNIT_LABELS[u])) for u in Unit]
    form.excludes.choices = _source_choices()


def _programme_data(p: AidProgramme) -> dict[str, Any]:
    return {
        "name": p.name,
        "source": p.source.value,
        "benefit": p.benefit.value,
        "amount": p.amount,
        "goods": p.goods,
        "schedule": p.schedule.value,
        "unit": p.unit.value,
        "period_start": p.period_start,
        "period_end": p.period_end,
        "quota": p.quota,
        "criteria": p.criteria,
        "excludes": list(p.excludes or []),
        "active": p.active,
    }


def _programme_form(tenant: Tenant, user: User, item: AidProgramme | None) -> ResponseReturnValue:
    if item is None:
        year = today_in(tenant).year
        initial = {"period_start": date(year, 1, 1), "period_end": date(year, 12, 31), "active": True}
    else:
        initial = _programme_data(item)
    form = ProgrammeForm(data=initial)
    _fill_programme_choices(form)
    error, status = None, 200
    if form.validate_on_submit():
        try:
            saved = service.save_programme(
                db.session,
                tenant,
                user,
                item,
                name=form.name.data,
                source=form.source.data,
                benefit=form.benefit.data,
                schedule=form.schedule.data,
                unit=form.unit.data,
                period_start=form.period_start.data,
                period_end=form.period_end.data,
                amount=form.amount.data,
                goods=form.goods.data,
                quota=form.quota.data,
                criteria=form.criteria.data,
                excludes=form.excludes.data or [],
                active=form.active.data,
            )
        except ServiceError as exc:
            db.session.rollback()
            error, status = exc.message, exc.status
            if item is not None:
                item = service.get_programme(db.session, tenant, user, item.id)
        else:
            db.session.commit()
            flash(_("Programme %(name)s saved.", name=saved.name), "success")
            return redirect(url_for(".programme", programme_id=saved.id), 303)
    elif form.is_submitted():
        status = 400
    return render_template(T + "programme_form.html", form=form, item=item, form_error=error), status


@login_required
def new_programme() -> ResponseReturnValue:
    tenant, _scope, user = require(AID_MANAGE)
    return _programme_form(tenant, user, None)


@login_required
def edit_programme(programme_id: uuid.UUID) -> ResponseReturnValue:
    tenant, _scope, user = require(AID_MANAGE)
    return _programme_form(tenant, user, programme_of(tenant, programme_id))


def _filter_choices() -> list[tuple[str, str]]:
    return [("all", _("All"))] + [(s.value, FLOW.state_label(s)) for s in RecipientStatus]


@login_required
def programme(programme_id: uuid.UUID) -> ResponseReturnValue:
    tenant, scope, user = require(AID_VIEW)
    item = programme_of(tenant, programme_id)
    args = request.args.to_dict()
    try:
        pagination = service.CANDIDATES.apply(service.candidates(db.session, tenant, user, item), args)
    except ServiceError as exc:
        abort(exc.status, exc.message)
    ids = [c.id for c in pagination.items]
    today = today_in(tenant)
    return render_template(
        T + "programme.html",
        item=item,
        pagination=pagination,
        page_url=pagination.page_url("smart_society.aid.programme"),
        args=args,
        choices=_filter_choices(),
        conflicts=service.open_conflicts(db.session, ids),
        counts=counts(scope, [item.id])[item.id],
        states=[s.value for s in RecipientStatus],
        periods=distribution.periods(item),
        current=distribution.current_period(item, today),
        decisions=deliberation.decisions(db.session, item),
        names=names_of({c.proposed_by for c in pagination.items}),
        hamlets=hamlets(),
        nik=shown_nik(tenant),
        terms=terms.terms_for(tenant),
        excluded=[source_label(s) for s in item.excludes or []],
        may_manage=can(user, AID_MANAGE, tenant),
        may_propose=item.active and can(user, AID_PROPOSE, tenant),
        may_decide=can(user, AID_DECIDE, tenant),
        hamlet_only=scope.hamlet_id is not None,
    )


@login_required
def export(programme_id: uuid.UUID, fmt: str) -> ResponseReturnValue:
    tenant, _scope, user = require(AID_MANAGE)
    item = programme_of(tenant, programme_id)
    status = request.args.get("status") or "all"
    try:
        rows = list(importing.export_rows(db.session, item, status))
    except ServiceError as exc:
        abort(exc.status, exc.message)
    importing.record_export(db.session, tenant, user, item, fmt, len(rows))  # NIKs leave the platform
    db.session.commit()
    slug = re.sub(r"[^a-z0-9]+", "-", item.name.lower()).strip("-") or "program"
    name = f"bansos-{tenant.slug}-{slug}-{today_in(tenant).isoformat()}.{fmt}"
    return tabular.response(importing.EXPORT_HEADER, rows, fmt, name, sheet="penerima")
