"""Social-aid pages (``/desa/<slug>/smart_society/aid…``): the programmes with a chart of their
recipients, a programme's form and page (candidates and recipients, periods, decisions), proposing
a resident, the village deliberation's (Musdes) decision with its minutes and decree, a candidate's
page (conflicts, timeline, receipts, ending the aid), a period's handovers with its printable list,
and the recipient list's import (a dry run first) and export. Every page goes through the aid
services (the same rules as the API) and works without JavaScript; a hamlet head sees their
hamlet's candidates only."""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_date, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import func, select
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from desacerdas.auth.permissions import can
from desacerdas.extensions import db
from desacerdas.kit import tabular, terms
from desacerdas.kit.access import require
from desacerdas.models import Hamlet, Tenant, User
from desacerdas.services import NotFound, ServiceError
from desacerdas.services import documents as docs
from desacerdas.services.personal_data import mask_nik, needs_masking
from desacerdas.web.pagination import Page, page_number

from ..complaints.service import today_in
from ..permissions import AID_DECIDE, AID_DISTRIBUTE, AID_MANAGE, AID_PROPOSE, AID_VIEW
from . import distribution, figures, importing, service
from .labels import (
    BENEFIT_LABELS,
    CONFLICT_LABELS,
    END_LABELS,
    PROOF_LABELS,
    SCHEDULE_LABELS,
    SOURCE_LABELS,
    UNIT_LABELS,
    source_label,
)
from .models import (
    AidProgramme,
    AidReceipt,
    AidRecipient,
    Benefit,
    ConflictKind,
    EndReason,
    Proof,
    RecipientStatus,
    Schedule,
    Source,
    Unit,
)
from .workflow import FLOW

T = "smart_society/aid/"
FORMATS = ("csv", "xlsx")
SEARCH_LIMIT = 20  # residents shown for one search on the proposal page
BAD_DATE = _l("Give a date.")
WHOLE_NUMBER = _l("Give a whole number.")

OUTCOME_LABELS = {
    importing.Outcome.IMPORTED: _l("Can be imported"),
    importing.Outcome.UNMATCHED: _l("Not in the registry"),
    importing.Outcome.ALREADY: _l("Already in the programme"),
    importing.Outcome.CONFLICT: _l("In conflict with other aid"),
    importing.Outcome.INVALID: _l("Not a valid row"),
}
HELD_LABELS = {
    "conflict": _l("receives aid that conflicts with this programme"),
    "quota_reached": _l("the programme's quota is reached"),
}


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
    bp.context_processor(_helpers)
    return bp


# -- words and numbers -----------------------------------------------------------------------------


def rupiah(value: int | None) -> str:
    """``Rp 300.000`` (the rupiah is written with dots in both languages); ``—`` when missing."""
    if value is None:
        return "—"
    return "Rp " + f"{int(value):,}".replace(",", ".")


def _locale() -> str:
    return "id" if str(get_locale() or "id").startswith("id") else "en"


def period_words(key: str) -> str:
    return distribution.period_label(key, _locale())


def _span(start: date, end: date) -> str:
    return f"{format_date(start, 'medium')} – {format_date(end, 'medium')}"


def _capital(text: object) -> str:
    text = str(text)
    return text[:1].upper() + text[1:]


def conflict_words(conflict: Any) -> str:
    """A conflict (a stored one or one just found) in words. Another village's conflict says the
    source and the period only: nothing else of that village is ever shown."""
    kind = ConflictKind(conflict.kind)
    what = _capital(CONFLICT_LABELS[kind])
    source = source_label(conflict.source)
    span = _span(conflict.period_start, conflict.period_end)
    if kind != ConflictKind.OTHER_VILLAGE and conflict.other_programme:
        return _(
            "%(what)s: %(programme)s · %(source)s, %(period)s",
            what=what,
            programme=conflict.other_programme,
            source=source,
            period=span,
        )
    return _("%(what)s: %(source)s, %(period)s", what=what, source=source, period=span)


def benefit_words(programme: AidProgramme) -> str:
    """``Rp 300.000`` or the goods, and how often: ``Rp 300.000 · monthly``."""
    given = rupiah(programme.amount) if programme.benefit == Benefit.CASH else (programme.goods or "")
    return f"{given} · {SCHEDULE_LABELS[Schedule(programme.schedule)]}"


def _step_note(step: Any) -> str | None:
    """A step's note; the end of aid without a note of its own stored its reason's code."""
    note = step.note
    if note in {r.value for r in EndReason}:
        return str(END_LABELS[EndReason(note)])
    return note


def _helpers() -> dict[str, Any]:
    return {
        "aid_state": FLOW.state_label,
        "aid_action": FLOW.action_label,
        "rupiah": rupiah,
        "capital": _capital,
        "period_words": period_words,
        "conflict_words": conflict_words,
        "benefit_words": benefit_words,
        "step_note": _step_note,
        "aid_source": source_label,
        "aid_benefit": lambda b: str(BENEFIT_LABELS[Benefit(b)]),
        "aid_schedule": lambda s: str(SCHEDULE_LABELS[Schedule(s)]),
        "aid_unit": lambda u: str(UNIT_LABELS[Unit(u)]),
        "aid_end": lambda r: str(END_LABELS[EndReason(r)]),
        "aid_proof": lambda p: str(PROOF_LABELS[Proof(p)]),
        "outcome_label": lambda o: str(OUTCOME_LABELS[importing.Outcome(o)]),
    }


# -- forms -----------------------------------------------------------------------------------------


class ProgrammeForm(FlaskForm):
    name = StringField(
        _l("Name of the programme"),
        validators=[
            DataRequired(message=_l("Give the programme a name.")),
            Length(max=service.NAME_MAX, message=_l("At most %(max)d characters.")),
        ],
    )
    source = SelectField(_l("Where the aid comes from"), validate_choice=False)
    benefit = SelectField(_l("What is given"), validate_choice=False)
    amount = IntegerField(
        _l("Amount each time, in rupiah (cash)"),
        validators=[
            Optional(),
            NumberRange(min=1, max=service.MAX_AMOUNT, message=_l("Between %(min)s and %(max)s.")),
        ],
        invalid_value_message=WHOLE_NUMBER,
    )
    goods = StringField(_l("Goods given each time (goods)"), validators=[Optional(), Length(max=200)])
    schedule = SelectField(_l("How often"), validate_choice=False)
    unit = SelectField(_l("Given to"), validate_choice=False)
    period_start = DateField(_l("First day of the period"), validators=[DataRequired(message=BAD_DATE)])
    period_end = DateField(_l("Last day of the period"), validators=[DataRequired(message=BAD_DATE)])
    quota = IntegerField(
        _l("Quota of recipients (optional)"),
        validators=[Optional(), NumberRange(min=1, message=_l("At least %(min)s."))],
        invalid_value_message=WHOLE_NUMBER,
    )
    criteria = TextAreaField(_l("Criteria"), validators=[Optional(), Length(max=service.TEXT_MAX)])
    excludes = SelectMultipleField(_l("Not together with aid from"), validate_choice=False)
    active = BooleanField(_l("Open for new candidates"), default=True)


class ProposeForm(FlaskForm):
    resident = StringField(validators=[DataRequired(message=_l("Choose a resident."))])
    criteria_met = TextAreaField(
        _l("Criteria met"),
        validators=[
            DataRequired(message=_l("Write which criteria the candidate meets.")),
            Length(max=service.TEXT_MAX),
        ],
    )


class DecisionForm(FlaskForm):
    held_on = DateField(_l("Day of the deliberation"), validators=[DataRequired(message=BAD_DATE)])
    decree_number = StringField(
        _l("Number of the village head's decree (SK)"), validators=[Optional(), Length(max=80)]
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=service.TEXT_MAX)])
    minutes = FileField(_l("Minutes of the deliberation (PDF or photo)"))
    decree = FileField(_l("The village head's decree (PDF or photo)"))


class EndForm(FlaskForm):
    reason = SelectField(_l("Why the aid ends"), validate_choice=False)
    ended_on = DateField(_l("Last day of the aid"), validators=[DataRequired(message=BAD_DATE)])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=service.REASON_MAX)])


class ReceiptForm(FlaskForm):
    period = HiddenField(validators=[DataRequired()])
    received_on = DateField(_l("Day received"), validators=[DataRequired(message=BAD_DATE)])
    handed_by = StringField(
        _l("Handed over by"),
        validators=[DataRequired(message=_l("Say who handed the aid over.")), Length(max=120)],
    )
    proof = SelectField(_l("Proof"), validate_choice=False)
    amount = IntegerField(
        _l("Amount received, in rupiah"),
        validators=[Optional(), NumberRange(min=0, message=_l("At least %(min)s."))],
        invalid_value_message=WHOLE_NUMBER,
    )
    goods = StringField(_l("Goods received"), validators=[Optional(), Length(max=200)])
    photo = FileField(_l("Photo of the handover"))


class ImportForm(FlaskForm):
    file = FileField(
        _l("File (CSV or XLSX)"),
        validators=[FileRequired(message=_l("Choose a file to upload."))],
        description=_l("The ministry's list with a NIK column; a NAMA column is compared with the registry."),
    )
    apply = BooleanField(_l("Import now (unchecked: only check the file)"))


# -- helpers ---------------------------------------------------------------------------------------


def _hamlets() -> dict[uuid.UUID, str]:
    return {h.id: h.name for h in db.session.scalars(select(Hamlet).order_by(Hamlet.name))}


def _names(ids: set[int | None]) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def _user() -> User:
    return current_user._get_current_object()


def _programme(tenant: Tenant, programme_id: uuid.UUID) -> AidProgramme:
    try:
        return service.get_programme(db.session, tenant, _user(), programme_id)
    except NotFound:
        abort(404)


def _candidate(tenant: Tenant, candidate_id: uuid.UUID) -> AidRecipient:
    try:
        return service.get_candidate(db.session, tenant, _user(), candidate_id)
    except NotFound:
        abort(404)


def _shown_nik(tenant: Tenant) -> Any:
    """How NIK and KK numbers print for this reader: whole, or masked for a facilitator."""
    if needs_masking(_user(), tenant):
        return lambda value: mask_nik(value) or "—"
    return lambda value: value or "—"


def _counts(scope: Any, ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, int]]:
    """Candidates by state per programme, as the reader sees them (a hamlet head: their hamlet's)."""
    if scope.hamlet_id is None:
        return service.counts_by_programme(db.session, ids)
    out: dict[uuid.UUID, dict[str, int]] = {i: {} for i in ids}
    if ids:
        rows = db.session.execute(
            select(AidRecipient.programme_id, AidRecipient.status, func.count())
            .where(AidRecipient.programme_id.in_(ids), AidRecipient.hamlet_id == scope.hamlet_id)
            .group_by(AidRecipient.programme_id, AidRecipient.status)
        )
        for pid, status, n in rows:
            out[pid][RecipientStatus(status).value] = n
    return out


def _checked_period(programme: AidProgramme, key: str) -> str:
    try:
        return distribution.check_period(programme, key)
    except ServiceError:
        abort(404)


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
        counts=_counts(scope, [p.id for p in pagination.items]),
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
    form.schedule.choices = [SelectChoice(s.value, _capital(SCHEDULE_LABELS[s])) for s in Schedule]
    form.unit.choices = [SelectChoice(u.value, _capital(UNIT_LABELS[u])) for u in Unit]
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
    return _programme_form(tenant, user, _programme(tenant, programme_id))


def _filter_choices() -> list[tuple[str, str]]:
    return [("all", _("All"))] + [(s.value, FLOW.state_label(s)) for s in RecipientStatus]


@login_required
def programme(programme_id: uuid.UUID) -> ResponseReturnValue:
    tenant, scope, user = require(AID_VIEW)
    item = _programme(tenant, programme_id)
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
        counts=_counts(scope, [item.id])[item.id],
        states=[s.value for s in RecipientStatus],
        periods=distribution.periods(item),
        current=distribution.current_period(item, today),
        decisions=service.decisions(db.session, item),
        names=_names({c.proposed_by for c in pagination.items}),
        hamlets=_hamlets(),
        nik=_shown_nik(tenant),
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
    item = _programme(tenant, programme_id)
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


# -- proposing -------------------------------------------------------------------------------------


def _found_residents(scope: Any, q: str) -> list[Any]:
    """Living residents matching a NIK or part of a name (a hamlet head: of their hamlet)."""
    from smart_government.registry import search

    q = " ".join((q or "").split())
    if not q:
        return []
    stmt = search(db.session, q=q, status="living", hamlet_scope=scope.hamlet_id)
    return list(db.session.scalars(stmt.limit(SEARCH_LIMIT)))


def _render_propose(
    tenant: Tenant, scope: Any, item: AidProgramme, form: ProposeForm, q: str, error: str | None, status: int
) -> ResponseReturnValue:
    found = _found_residents(scope, q)
    if error is None and form.resident.errors and not found:
        error = " ".join(str(e) for e in form.resident.errors)  # the list to choose from is not shown
    return render_template(
        T + "propose.html",
        item=item,
        form=form,
        q=q,
        found=found,
        kk={r.id: (r.family.kk_number if r.family is not None else None) for r in found},
        hamlets=_hamlets(),
        terms=terms.terms_for(tenant),
        form_error=error,
        hamlet_only=scope.hamlet_id is not None,
    ), status


def _warn_conflicts(name: str, conflicts: list[Any]) -> None:
    if conflicts:
        words = "; ".join(conflict_words(c) for c in conflicts)
        flash(
            _(
                "Conflict found for %(name)s: %(conflicts)s. The village deliberation sees it.",
                name=name,
                conflicts=words,
            ),
            "warning",
        )


@login_required
def propose(programme_id: uuid.UUID) -> ResponseReturnValue:
    tenant, scope, user = require(AID_PROPOSE)
    item = _programme(tenant, programme_id)
    form = ProposeForm()
    q = (request.values.get("q") or "").strip()[:100]
    if not form.is_submitted():
        return _render_propose(tenant, scope, item, form, q, None, 200)
    if not form.validate():
        return _render_propose(tenant, scope, item, form, q, None, 400)
    try:
        resident_id = uuid.UUID(form.resident.data)
    except ValueError:
        form.resident.errors = [_("Choose a resident.")]
        return _render_propose(tenant, scope, item, form, q, None, 400)
    try:
        made = service.propose(db.session, tenant, user, item, resident_id, form.criteria_met.data)
    except ServiceError as exc:
        db.session.rollback()
        item = _programme(tenant, programme_id)
        return _render_propose(tenant, scope, item, form, q, exc.message, exc.status)
    db.session.commit()
    flash(
        _("%(name)s is proposed for %(programme)s.", name=made.candidate.name, programme=item.name), "success"
    )
    _warn_conflicts(made.candidate.name, made.conflicts)
    return redirect(url_for(".candidate", candidate_id=made.candidate.id), 303)


# -- the deliberation's decision -------------------------------------------------------------------


def _proposed(tenant: Tenant, user: User, item: AidProgramme) -> list[AidRecipient]:
    stmt = service.candidates(db.session, tenant, user, item).where(
        AidRecipient.status == RecipientStatus.PROPOSED
    )
    return list(db.session.scalars(stmt.order_by(AidRecipient.name, AidRecipient.id)))


def _render_decide(
    tenant: Tenant, user: User, item: AidProgramme, form: DecisionForm, error: str | None, status: int
) -> ResponseReturnValue:
    waiting = _proposed(tenant, user, item)
    ids = [c.id for c in waiting]
    open_rows = {c.id: service.conflicts_of(db.session, c, open_only=True) for c in waiting}
    return render_template(
        T + "decide.html",
        item=item,
        form=form,
        waiting=waiting,
        open_conflicts={k: v for k, v in open_rows.items() if v},
        counts=service.counts_by_programme(db.session, [item.id])[item.id],
        chosen={i: request.form.get(f"choice-{i}", "") for i in ids},
        reasons={i: request.form.get(f"reason-{i}", "") for i in ids},
        hamlets=_hamlets(),
        nik=_shown_nik(tenant),
        form_error=error,
    ), status


def _upload(field: Any) -> docs.NewFile | None:
    data = field.data
    if data is None or not getattr(data, "filename", ""):
        return None
    return docs.NewFile(data.stream, data.filename)


@login_required
def decide(programme_id: uuid.UUID) -> ResponseReturnValue:
    tenant, _scope, user = require(AID_DECIDE)
    item = _programme(tenant, programme_id)
    form = DecisionForm(data={"held_on": today_in(tenant)})
    if not form.is_submitted():
        return _render_decide(tenant, user, item, form, None, 200)
    if not form.validate():
        return _render_decide(tenant, user, item, form, None, 400)
    approve: list[uuid.UUID] = []
    refuse: dict[uuid.UUID, str] = {}
    for candidate_ in _proposed(tenant, user, item):
        choice = request.form.get(f"choice-{candidate_.id}", "")
        if choice == "approve":
            approve.append(candidate_.id)
        elif choice == "refuse":
            refuse[candidate_.id] = (request.form.get(f"reason-{candidate_.id}") or "").strip()
    try:
        result = service.decide(
            db.session,
            tenant,
            user,
            item,
            held_on=form.held_on.data,
            approve=approve,
            refuse=refuse,
            decree_number=form.decree_number.data,
            note=form.note.data,
            minutes=_upload(form.minutes),
            decree=_upload(form.decree),
        )
    except ServiceError as exc:
        db.session.rollback()
        return _render_decide(tenant, user, _programme(tenant, programme_id), form, exc.message, exc.status)
    approved, refused = len(result.approved), len(result.refused)
    flash(
        _(
            "The deliberation's decision is recorded: %(approved)s approved, %(refused)s refused.",
            approved=approved,
            refused=refused,
        ),
        "success",
    )
    if result.held:
        held = "; ".join(f"{c.name} ({HELD_LABELS.get(why, why)})" for c, why in result.held)
        flash(
            ngettext(
                "%(num)d candidate held back, still proposed: %(names)s.",
                "%(num)d candidates held back, still proposed: %(names)s.",
                len(result.held),
                names=held,
            ),
            "warning",
        )
    return redirect(url_for(".programme", programme_id=item.id) + "#decisions", 303)


# -- one candidate ---------------------------------------------------------------------------------


def _render_candidate(
    tenant: Tenant,
    item: AidRecipient,
    *,
    error: str | None = None,
    status: int = 200,
    end_form: EndForm | None = None,
) -> ResponseReturnValue:
    from smart_government.registry.models import Resident, ResidentStatus
    from smart_government.registry.views import STATUS_LABELS

    user = _user()
    programme_ = db.session.get(AidProgramme, (tenant.id, item.programme_id))
    resident = db.session.get(Resident, (tenant.id, item.resident_id))
    left = None
    if resident is not None and resident.status != ResidentStatus.LIVING:
        left = str(STATUS_LABELS[resident.status.value])
    receipts = list(
        db.session.scalars(
            select(AidReceipt).where(AidReceipt.recipient_id == item.id).order_by(AidReceipt.period)
        )
    )
    if end_form is None:
        end_form = EndForm(formdata=None, data={"ended_on": today_in(tenant)})
    end_form.reason.choices = [SelectChoice("", "—")] + [
        SelectChoice(r.value, _capital(END_LABELS[r])) for r in EndReason
    ]
    may_end = item.status == RecipientStatus.RECIPIENT and any(
        a.name == "deactivate" for a in FLOW.allowed_actions(db.session, tenant, user, item)
    )
    return render_template(
        T + "candidate.html",
        item=item,
        programme=programme_,
        conflicts=service.conflicts_of(db.session, item),
        steps=FLOW.timeline(db.session, item),
        receipts=receipts,
        hamlet=_hamlets().get(item.hamlet_id) if item.hamlet_id else None,
        proposer=_names({item.proposed_by}).get(item.proposed_by) if item.proposed_by else None,
        resident_left=left,
        nik=_shown_nik(tenant),
        terms=terms.terms_for(tenant),
        end_form=end_form,
        may_end=may_end,
        may_decide=item.status == RecipientStatus.PROPOSED and can(user, AID_DECIDE, tenant),
        form_error=error,
    ), status


@login_required
def candidate(candidate_id: uuid.UUID) -> ResponseReturnValue:
    tenant, _scope, _user_ = require(AID_VIEW)
    return _render_candidate(tenant, _candidate(tenant, candidate_id))


@login_required
def end_aid(candidate_id: uuid.UUID) -> ResponseReturnValue:
    tenant, _scope, user = require(AID_DECIDE)
    item = _candidate(tenant, candidate_id)
    form = EndForm()
    form.reason.choices = [SelectChoice(r.value, "") for r in EndReason]
    if not form.validate_on_submit():
        return _render_candidate(tenant, item, status=400, end_form=form)
    try:
        service.end_aid(
            db.session,
            tenant,
            user,
            item,
            reason=form.reason.data or "",
            on=form.ended_on.data,
            note=(form.note.data or "").strip() or None,
        )
    except ServiceError as exc:
        db.session.rollback()
        if exc.status == 404:
            abort(404)
        return _render_candidate(
            tenant, _candidate(tenant, candidate_id), error=exc.message, status=exc.status, end_form=form
        )
    db.session.commit()
    flash(_("The aid of %(name)s ended.", name=item.name), "success")
    return redirect(url_for(".candidate", candidate_id=item.id), 303)


# -- handing aid over ------------------------------------------------------------------------------


LINES_PER_PAGE = 50  # a period's lines, each with its receipt form: a page a slow phone opens


def _page_of(rep: distribution.Report, candidate_id: uuid.UUID) -> int:
    """The page of the period on which this recipient's line is."""
    index = next((i for i, line in enumerate(rep.lines) if line.recipient.id == candidate_id), 0)
    return index // LINES_PER_PAGE + 1


def receipt_prefix(candidate_id: uuid.UUID) -> str:
    """Each line's receipt form has its own field names (and ids): ``r<hex of the candidate>``."""
    return f"r{candidate_id.hex[:12]}"


def _receipt_form(candidate_id: uuid.UUID, *, submitted: bool = False, **data: Any) -> ReceiptForm:
    """The receipt form of one line: empty with ``data`` for the page, or the one just sent."""
    prefix = receipt_prefix(candidate_id)
    form = ReceiptForm(prefix=prefix) if submitted else ReceiptForm(formdata=None, prefix=prefix, data=data)
    form.proof.choices = [SelectChoice(p.value, _capital(PROOF_LABELS[p])) for p in Proof]
    return form


def _render_period(
    tenant: Tenant,
    item: AidProgramme,
    key: str,
    *,
    error: str | None = None,
    status: int = 200,
    failed: ReceiptForm | None = None,
    failed_id: uuid.UUID | None = None,
) -> ResponseReturnValue:
    user = _user()
    rep = distribution.report(db.session, tenant, user, item, key)
    today = today_in(tenant)
    keys = distribution.periods(item)
    at = keys.index(key)
    may_record = can(user, AID_DISTRIBUTE, tenant)
    number = page_number() if failed_id is None else _page_of(rep, failed_id)
    shown = Page(
        rep.lines[(number - 1) * LINES_PER_PAGE : number * LINES_PER_PAGE],
        number,
        LINES_PER_PAGE,
        rep.recipients,
    )
    forms = {}
    if may_record:
        initial = {
            "period": key,
            "received_on": today,
            "handed_by": user.name,
            "proof": Proof.SIGNATURE.value,
        }
        for line in shown.items:
            if line.receipt is None:
                rid = line.recipient.id
                forms[rid] = (
                    failed if rid == failed_id and failed is not None else _receipt_form(rid, **initial)
                )
    return render_template(
        T + "period.html",
        item=item,
        key=key,
        rep=rep,
        shown=shown,
        page_url=lambda n: url_for(".period", programme_id=item.id, period=key, page=n),
        forms=forms,
        failed_id=failed_id,
        previous=keys[at - 1] if at > 0 else None,
        following=keys[at + 1] if at + 1 < len(keys) else None,
        nik=_shown_nik(tenant),
        terms=terms.terms_for(tenant),
        form_error=error,
    ), status


@login_required
def period(programme_id: uuid.UUID, period: str) -> ResponseReturnValue:
    tenant, _scope, _user_ = require(AID_VIEW)
    item = _programme(tenant, programme_id)
    return _render_period(tenant, item, _checked_period(item, period))


@login_required
def period_pdf(programme_id: uuid.UUID, period: str) -> ResponseReturnValue:
    tenant, _scope, user = require(AID_VIEW)
    item = _programme(tenant, programme_id)
    key = _checked_period(item, period)
    rep = distribution.report(db.session, tenant, user, item, key)
    pdf = distribution.distribution_pdf(db.session, tenant, rep)
    resp = make_response(pdf)
    resp.headers["Content-Type"] = "application/pdf"
    resp.headers["Content-Disposition"] = f'inline; filename="penyaluran-{tenant.slug}-{key}.pdf"'
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


@login_required
def record_receipt(candidate_id: uuid.UUID) -> ResponseReturnValue:
    tenant, _scope, user = require(AID_DISTRIBUTE)
    recipient = _candidate(tenant, candidate_id)
    item = _programme(tenant, recipient.programme_id)
    form = _receipt_form(recipient.id, submitted=True)
    key = _checked_period(item, (form.period.data or "").strip())
    if not form.validate_on_submit():
        return _render_period(tenant, item, key, status=400, failed=form, failed_id=recipient.id)
    try:
        distribution.record_receipt(
            db.session,
            tenant,
            user,
            recipient,
            period=key,
            handed_by=form.handed_by.data,
            proof=form.proof.data or "",
            received_on=form.received_on.data,
            amount=form.amount.data if item.benefit == Benefit.CASH else None,
            goods=form.goods.data if item.benefit == Benefit.GOODS else None,
            photo=_upload(form.photo),
        )
    except ServiceError as exc:
        db.session.rollback()
        item = _programme(tenant, recipient.programme_id)
        return _render_period(
            tenant, item, key, error=exc.message, status=exc.status, failed=form, failed_id=recipient.id
        )
    flash(_("Receipt of %(name)s recorded.", name=recipient.name), "success")
    page = _page_of(distribution.report(db.session, tenant, user, item, key), recipient.id)
    return redirect(
        url_for(".period", programme_id=item.id, period=key, page=page) + f"#line-{recipient.id}", 303
    )


# -- import ----------------------------------------------------------------------------------------


@login_required
def import_list(programme_id: uuid.UUID) -> ResponseReturnValue:
    tenant, _scope, user = require(AID_MANAGE)
    item = _programme(tenant, programme_id)
    form = ImportForm()
    result, error, status = None, None, 200
    if form.validate_on_submit():
        upload = form.file.data
        apply = bool(form.apply.data)
        try:
            result = importing.import_list(
                db.session, tenant, user, item, upload.stream, upload.filename or "", dry_run=not apply
            )
        except ServiceError as exc:
            db.session.rollback()
            item = _programme(tenant, programme_id)
            error, status = exc.message, exc.status
        else:
            if apply:
                db.session.commit()
                done = result.count(importing.Outcome.IMPORTED)
                flash(
                    ngettext("%(num)d recipient imported.", "%(num)d recipients imported.", done), "success"
                )
                skipped = len(result.rows) - done
                if skipped:
                    flash(
                        ngettext(
                            "%(num)d row was not imported (see the check of the file).",
                            "%(num)d rows were not imported (see the check of the file).",
                            skipped,
                        ),
                        "warning",
                    )
                return redirect(url_for(".programme", programme_id=item.id), 303)
            # A dry run writes nothing but the audit event of its cross-village checks: kept.
            db.session.commit()
    elif form.is_submitted():
        status = 400
    return render_template(
        T + "import.html",
        item=item,
        form=form,
        result=result,
        outcomes=list(importing.Outcome),
        form_error=error,
    ), status
