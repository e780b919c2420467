"""The rollout board: villages by pillars, a detail per blocked cell, CSV, and the bulk action."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _

from ..auth.permissions import can
from ..extensions import db
from ..services import ServiceError, rollout
from ..tenancy import replica
from ..web.pagination import fetch_bounded, page_links, page_number, page_size
from ..web.urls import query_args
from . import board as matrix
from . import bulk, scope
from .access import board_page, filter_form, parse_filters, user
from .forms import BulkForm, ConfirmForm

bp = Blueprint("rollout", __name__)
bp.after_request(replica.add_header)  # X-Desa-Read-Source: where the board's reports read

MAX_EXPORT = 2000  # villages in one CSV file
MAX_BULK = 200  # villages in one bulk action


def _locale() -> str:
    return str(get_locale())


def _plugin_choices() -> list[tuple[str, str]]:
    return [(i.name, i.title(_locale())) for i in matrix.columns()]


@bp.get("/rollout")
@board_page
def board() -> ResponseReturnValue:
    """The matrix, one page of villages at a time; filters and paging live in the URL."""
    form, filters = filter_form()
    infos = matrix.columns()
    # the villages, their plugins and the readiness checks: the read replica
    with replica.replica_session() as reports, replica.replica_connection() as checks:
        pagination = fetch_bounded(scope.villages(user(), filters), page_number(), page_size(), reports)
        rows = matrix.rows_for(pagination.items, [i.name for i in infos], reports, checks)
        return _board_page(form, filters, infos, rows, pagination)


def _board_page(form, filters, infos, rows, pagination) -> str:  # noqa: ANN001
    bulk_form = BulkForm(formdata=None, **filters.as_args())
    bulk_form.plugin.choices = _plugin_choices()
    return render_template(
        "rollout/board.html",
        form=form,
        filters=filters,
        infos=infos,
        rows=rows,
        pagination=pagination,
        page_url=page_links("rollout.board"),
        bulk_form=bulk_form,
        locale=_locale(),
        state_label=matrix.state_label,
        filtered=bool(filters.as_args()),
        batches=bulk.recent_batches(user()),
        plugin_titles=dict(_plugin_choices()),
        sees_aid_conflicts=scope.reads_across_villages(user()),
    )


@bp.get("/rollout.csv")
@board_page
def export() -> ResponseReturnValue:
    """The whole matrix under the same filters (every page), as a spreadsheet-friendly file."""
    _form, filters = filter_form()
    infos = matrix.columns()
    with replica.replica_session() as reports, replica.replica_connection() as checks:
        tenants = reports.scalars(scope.villages(user(), filters).limit(MAX_EXPORT))
        rows = matrix.rows_for(tenants, [i.name for i in infos], reports, checks)
        text = matrix.to_csv(rows, infos)
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="rollout.csv"'},
    )


@bp.get("/rollout/village/<slug>/<name>")
@board_page
def cell(slug: str, name: str) -> ResponseReturnValue:
    """One cell: the plan to enable ``name`` in this village, with every check and how to pass it."""
    tenant = scope.village(user(), slug)
    infos = {i.name: i for i in matrix.columns()}
    if tenant is None or name not in infos:
        abort(404)
    try:
        plan = rollout.plan_enable(tenant, name)
    except ServiceError as exc:
        plan, problem = None, exc.message
    else:
        problem = None
    return render_template(
        "rollout/cell.html",
        village=tenant,
        info=infos[name],
        plan=plan,
        problem=problem,
        titles={n: i.title(_locale()) for n, i in infos.items()},
        may_manage=can(user(), bulk.MANAGE, tenant),
        back=_board_referrer() or url_for("rollout.board", **query_args()),
    )


def _board_referrer() -> str | None:
    """The board page (with its filters) the user came from: a cell link does not carry them."""
    board = url_for("rollout.board")
    parts = urlsplit(request.referrer or "")
    if parts.netloc == request.host and parts.path == board:
        return board + (f"?{parts.query}" if parts.query else "")
    return None


def _back_to_board(form: BulkForm | ConfirmForm) -> ResponseReturnValue:
    filters = parse_filters(form.regency.data, form.district.data, form.facilitator.data)
    return redirect(url_for("rollout.board", **filters.as_args()))


@bp.post("/rollout/bulk")
@board_page
def bulk_preview() -> ResponseReturnValue:
    """Step one: what enabling the chosen pillar would do in each chosen village. Changes nothing."""
    form = BulkForm()
    form.plugin.choices = _plugin_choices()
    if not form.validate_on_submit():
        flash(_("Choose a pillar and at least one village."), "error")
        return _back_to_board(form)
    filters = parse_filters(form.regency.data, form.district.data, form.facilitator.data)
    all_ready = bool(form.all_ready.data)
    if all_ready:
        tenants = list(db.session.scalars(scope.villages(user(), filters).limit(MAX_BULK + 1)))
    else:
        tenants = scope.villages_by_id(user(), form.villages.data or [])
    if not tenants:
        flash(_("Choose a pillar and at least one village."), "error")
        return _back_to_board(form)
    if len(tenants) > MAX_BULK:
        flash(_("At most %(max)d villages at once: narrow the filters.", max=MAX_BULK), "error")
        return _back_to_board(form)
    name = form.plugin.data
    outcomes = bulk.preview(user(), tenants, name, _locale())
    chosen = [o for o in outcomes if (o.kind == bulk.ENABLE if all_ready else o.actionable)]
    confirm = ConfirmForm(
        formdata=None,
        plugin=name,
        villages=[o.tenant.id for o in chosen],
        all_ready="1" if all_ready else "",
        **filters.as_args(),
    )
    return render_template(
        "rollout/preview.html",
        outcomes=outcomes,
        chosen=chosen,
        confirm=confirm,
        all_ready=all_ready,
        title=dict(_plugin_choices())[name],
        show_override=any(o.kind == bulk.BLOCKED for o in chosen),
        kinds=bulk,
        confirm_filters=filters.as_args(),
    )


@bp.post("/rollout/bulk/confirm")
@board_page
def bulk_confirm() -> ResponseReturnValue:
    """Step two: one job per village (one batch); each succeeds or fails on its own, and the batch
    page reports them all as they finish."""
    form = ConfirmForm()
    if not form.validate_on_submit() or form.plugin.data not in dict(_plugin_choices()):
        flash(_("The bulk action could not be read; please start again."), "error")
        return _back_to_board(form)
    tenants = scope.villages_by_id(user(), (form.villages.data or [])[:MAX_BULK])
    reason = (form.override_reason.data or "").strip() or None
    if form.all_ready.data:
        reason = None  # "every village that is ready" never overrides a check
    batch = bulk.submit_batch(user(), tenants, form.plugin.data, reason, _locale())
    filters = parse_filters(form.regency.data, form.district.data, form.facilitator.data)
    return redirect(url_for("rollout.batch", batch=batch, **filters.as_args()))


@bp.get("/rollout/batches/<uuid:batch>")
@board_page
def batch(batch: uuid.UUID) -> ResponseReturnValue:
    """A bulk action's progress: villages finished of all, enabled, not changed, each one's outcome."""
    found = bulk.batch_outcomes(user(), str(batch))
    if found is None:
        abort(404)
    titles = dict(_plugin_choices())
    return render_template(
        "rollout/result.html",
        batch=found,
        outcomes=found.outcomes,
        title=titles.get(found.plugin, found.plugin),
        kinds=bulk,
        back=url_for("rollout.board", **query_args()),
    )
