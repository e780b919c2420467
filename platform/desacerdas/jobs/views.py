"""Pages under ``/desa/<slug>/jobs``: the village's jobs and one job's progress, result or error.

A village admin (``village.jobs.view``) sees every job of the village; any other member sees the jobs
they started; anyone else gets 404 (as for a village they have no role in). A job's page refreshes
itself every 3 seconds while the job is not finished (no JavaScript needed); a small script polls
the same page as JSON (``?format=json``) and moves the bar in between.
"""

from __future__ import annotations

import uuid

from flask import Flask, abort, flash, jsonify, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..kit import access
from ..kit.lists import Filter, ListSpec, Sort, choice
from ..models import Job, JobState, User
from ..web.errors import error_response
from ..web.tenant import make_tenant_blueprint
from . import kinds, labels, output, service
from .errors import BrokerDown
from .schemas import dump

bp = make_tenant_blueprint("jobs", __name__, url_prefix="/desa/<slug>/jobs")

JOBS = ListSpec(
    filters={
        "state": Filter.equals(Job.state, parse=choice(JobState)),
        "batch": Filter.equals(Job.batch),
    },
    sorts={"created": Sort(Job.created_at, Job.id)},
    default_sort="-created",
)


def _member():  # noqa: ANN202 - (tenant, user)
    tenant = access.visible_village()
    return tenant, current_user._get_current_object()  # noqa: SLF001


@bp.get("")
def index() -> ResponseReturnValue:
    tenant, user = _member()
    result = JOBS.page(service.visible(select(Job), user, tenant))
    starters = _starters(result.items)
    return render_template(
        "jobs/list.html",
        jobs=result,
        page_url=result.page_url("jobs.index"),
        starters=starters,
        states=[(s.value, labels.state_label(s)) for s in JobState],
        sees_all=access.may(user, tenant, service.SEE_ALL),
    )


def _starters(jobs: list[Job]) -> dict[int, str]:
    ids = {j.started_by for j in jobs if j.started_by}
    if not ids:
        return {}
    return {u.id: u.name for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


@bp.get("/<uuid:job_id>")
def show(job_id: uuid.UUID) -> ResponseReturnValue:
    tenant, user = _member()
    job = service.get_visible(db.session, tenant, user, job_id)
    if request.args.get("format") == "json":
        return jsonify(dump(job))
    page = render_template(
        "jobs/show.html",
        job=job,
        title=kinds.title_of(job.kind),
        starter=db.session.get(User, job.started_by) if job.started_by else None,
        error=labels.error_text(job),
        summary=labels.summary(job),
        may_cancel=service.may_cancel(user, tenant, job),
        may_download=output.may_read(user, tenant, job),
        refresh=not job.finished,
    )
    return (page, 200, {"Refresh": "3"}) if not job.finished else page


@bp.post("/<uuid:job_id>/cancel")
def cancel(job_id: uuid.UUID) -> ResponseReturnValue:
    tenant, user = _member()
    job = service.get_visible(db.session, tenant, user, job_id)
    if not service.may_cancel(user, tenant, job):
        abort(403)  # they can see it (so its existence is no secret), not stop it
    service.cancel(db.session, job)
    flash(_("The job was asked to stop."), "success")
    return redirect(service.job_url(job))


@bp.get("/<uuid:job_id>/file")
def file(job_id: uuid.UUID) -> ResponseReturnValue:
    """The job's output document (or, ``?input=1``, the file it read), checked here: the job must
    be visible to the reader and they must hold the permission of its kind (an export of residents
    is not for everyone who may see documents)."""
    tenant, user = _member()
    job = service.get_visible(db.session, tenant, user, job_id)
    return output.send(user, tenant, job, which="input" if request.args.get("input") else "output")


def whole(number: int | None) -> str:
    """A count in the reader's way of writing numbers (1.200 in Indonesian, 1,200 in English)."""
    return format_decimal(int(number or 0), format="#,##0")


def _helpers() -> dict:
    return {
        "job_count": whole,
        "job_state_label": labels.state_label,
        "job_title": kinds.title_of,
        "job_url": service.job_url,
        "job_file_url": output.file_url,
    }


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals.update(_helpers())  # globals: the imported progress macro sees them too

    @app.errorhandler(BrokerDown)
    def _broker_down(exc: BrokerDown):  # noqa: ANN202
        app.logger.error("work queue unavailable: %s", exc.__cause__ or exc)
        db.session.rollback()
        return error_response(503, exc.message, code=exc.code)

    from ..api import jobs as jobs_api

    jobs_api.init_app(app)
