"""Social-aid pages of handing aid over and of lists: a period's handovers (paged, a receipt form
per line) and its printable list, recording a receipt, and importing a ministry's list (a dry run
first)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import flash, make_response, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import login_required
from wtforms.fields.choices import SelectChoice

from desacerdas.auth.permissions import can
from desacerdas.extensions import db
from desacerdas.kit import terms
from desacerdas.kit.access import require
from desacerdas.models import Tenant
from desacerdas.services import ServiceError
from desacerdas.web.pagination import Page, page_number

from ..complaints.service import today_in
from ..permissions import AID_DISTRIBUTE, AID_MANAGE, AID_VIEW
from . import distribution, importing
from .forms import (
    ImportForm,
    ReceiptForm,
)
from .labels import (
    PROOF_LABELS,
)
from .models import (
    AidProgramme,
    Benefit,
    Proof,
)
from .page_support import (
    T,
    candidate_of,
    capital,
    checked_period,
    programme_of,
    shown_nik,
    signed_in_user,
    uploaded,
)

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
    form.proof.choices = [SelectChoice(p.value, capital(PROOF_LABELS[p])) for p in Proof]
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
    user = signed_in_user()
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
        nik=shown_nik(tenant),
        terms=terms.terms_for(tenant),
        form_error=error,
    ), status


@login_required
def period(programme_id: uuid.UUID, period: str) -> ResponseReturnValue:
    tenant, _scope, _user_ = require(AID_VIEW)
    item = programme_of(tenant, programme_id)
    return _render_period(tenant, item, checked_period(item, period))


@login_required
def period_pdf(programme_id: uuid.UUID, period: str) -> ResponseReturnValue:
    tenant, _scope, user = require(AID_VIEW)
    item = programme_of(tenant, programme_id)
    key = checked_period(item, period)
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
    recipient = candidate_of(tenant, candidate_id)
    item = programme_of(tenant, recipient.programme_id)
    form = _receipt_form(recipient.id, submitted=True)
    key = checked_period(item, (form.period.data or "").strip())
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
            photo=uploaded(form.photo),
        )
    except ServiceError as exc:
        db.session.rollback()
        item = programme_of(tenant, recipient.programme_id)
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
    item = programme_of(tenant, programme_id)
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
            item = programme_of(tenant, programme_id)
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
