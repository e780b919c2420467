"""Social-aid pages of a candidate's way: proposing a resident, the village deliberation's (Musdes)
decision with its minutes and decree, and the candidate's page (conflicts, timeline, receipts,
ending the aid)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from desacerdas.auth.permissions import can
from desacerdas.extensions import db
from desacerdas.kit import terms
from desacerdas.kit.access import require
from desacerdas.models import Tenant, User
from desacerdas.services import ServiceError

from ..complaints.service import today_in
from ..permissions import AID_DECIDE, AID_PROPOSE, AID_VIEW
from . import deliberation, service
from .forms import (
    DecisionForm,
    EndForm,
    ProposeForm,
)
from .labels import (
    END_LABELS,
)
from .models import (
    AidProgramme,
    AidReceipt,
    AidRecipient,
    EndReason,
    RecipientStatus,
)
from .page_support import (
    HELD_LABELS,
    SEARCH_LIMIT,
    T,
    candidate_of,
    capital,
    conflict_words,
    hamlets,
    names_of,
    programme_of,
    shown_nik,
    signed_in_user,
    uploaded,
)
from .workflow import FLOW

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
        hamlets=hamlets(),
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
    item = programme_of(tenant, programme_id)
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
        item = programme_of(tenant, programme_id)
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
        hamlets=hamlets(),
        nik=shown_nik(tenant),
        form_error=error,
    ), status


@login_required
def decide(programme_id: uuid.UUID) -> ResponseReturnValue:
    tenant, _scope, user = require(AID_DECIDE)
    item = programme_of(tenant, programme_id)
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
        result = deliberation.decide(
            db.session,
            tenant,
            user,
            item,
            held_on=form.held_on.data,
            approve=approve,
            refuse=refuse,
            decree_number=form.decree_number.data,
            note=form.note.data,
            minutes=uploaded(form.minutes),
            decree=uploaded(form.decree),
        )
    except ServiceError as exc:
        db.session.rollback()
        return _render_decide(tenant, user, programme_of(tenant, programme_id), form, exc.message, exc.status)
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

    user = signed_in_user()
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
        SelectChoice(r.value, capital(END_LABELS[r])) for r in EndReason
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
        hamlet=hamlets().get(item.hamlet_id) if item.hamlet_id else None,
        proposer=names_of({item.proposed_by}).get(item.proposed_by) if item.proposed_by else None,
        resident_left=left,
        nik=shown_nik(tenant),
        terms=terms.terms_for(tenant),
        end_form=end_form,
        may_end=may_end,
        may_decide=item.status == RecipientStatus.PROPOSED and can(user, AID_DECIDE, tenant),
        form_error=error,
    ), status


@login_required
def candidate(candidate_id: uuid.UUID) -> ResponseReturnValue:
    tenant, _scope, _user_ = require(AID_VIEW)
    return _render_candidate(tenant, candidate_of(tenant, candidate_id))


@login_required
def end_aid(candidate_id: uuid.UUID) -> ResponseReturnValue:
    tenant, _scope, user = require(AID_DECIDE)
    item = candidate_of(tenant, candidate_id)
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
            tenant, candidate_of(tenant, candidate_id), error=exc.message, status=exc.status, end_form=form
        )
    db.session.commit()
    flash(_("The aid of %(name)s ended.", name=item.name), "success")
    return redirect(url_for(".candidate", candidate_id=item.id), 303)
