"""``/api/v1/desa/<slug>/jobs``: a village's background jobs (imports, exports, bulk work).

Work that takes longer than a request answers **202 Accepted** with the job and its URL in
``Location``; poll ``GET …/jobs/<id>`` until ``finished`` is true (``state`` ``done``, ``failed`` or
``cancelled``). A village admin sees every job of the village, other members the jobs they started;
another member's or another village's job answers 404, like one that does not exist.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Flask
from flask.views import MethodView
from flask_smorest.pagination import PaginationParameters
from marshmallow import fields, validate
from sqlalchemy import select

from ..extensions import api_of, db
from ..jobs import output, service
from ..jobs.schemas import JobSchema, raw
from ..jobs.views import JOBS
from ..models import Job, JobState
from ..services import ServiceError
from ..services.i18n import _
from ..web.tenant import current_tenant
from .pagination import PAGINATION
from .schemas import QuerySchema
from .security import ApiError, api_user, village_blueprint

blp = village_blueprint("Jobs", __name__, "Background jobs of a village: state, progress, result, cancel.")


class JobQuerySchema(QuerySchema):
    state = fields.Str(validate=validate.OneOf([s.value for s in JobState]))
    batch = fields.Str(metadata={"description": "Only the jobs of one bulk action."})


def _job(job_id: uuid.UUID) -> Job:
    try:
        return service.get_visible(db.session, current_tenant(), api_user(), job_id)
    except ServiceError as exc:
        raise ApiError(exc.status, exc.message, exc.code) from None


@blp.route("/jobs")
class Jobs(MethodView):
    @blp.arguments(JobQuerySchema, location="query")
    @blp.response(200, JobSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(self, args: dict, pagination_parameters: PaginationParameters) -> list[dict[str, Any]]:
        """The jobs the caller may see here, newest first. Paginated; filters ``state``, ``batch``."""
        stmt = service.visible(select(Job), api_user(), current_tenant())
        return [raw(j) for j in JOBS.api_page(stmt, args, pagination_parameters)]


@blp.route("/jobs/<uuid:job_id>")
class JobItem(MethodView):
    @blp.response(200, JobSchema)
    def get(self, job_id: uuid.UUID) -> dict[str, Any]:
        """One job: state, progress (done / total), result or error in words, output document."""
        return raw(_job(job_id))


@blp.route("/jobs/<uuid:job_id>/cancel")
class JobCancel(MethodView):
    @blp.response(200, JobSchema)
    @blp.alt_response(403, description="Seeing a job (read-only) does not let one cancel it.")
    @blp.alt_response(409, description="The job has already finished.")
    def post(self, job_id: uuid.UUID) -> dict[str, Any]:
        """Ask the job to stop (409 ``job_finished`` when it already ended). A queued job is cancelled
        at once; a running one stops when it next looks, and its transaction is rolled back. Only
        its starter, a village admin or someone who may start jobs of its kind may cancel (403)."""
        job = _job(job_id)
        if not service.may_cancel(api_user(), current_tenant(), job):
            raise ApiError(403, _("Only who started the job or a village admin may cancel it."), "forbidden")
        try:
            service.cancel(db.session, job)
        except ServiceError as exc:
            raise ApiError(exc.status, exc.message, exc.code) from None
        return raw(job)


@blp.route("/jobs/<uuid:job_id>/file")
class JobFile(MethodView):
    @blp.response(200, description="The job's output document (``?input=1``: the file it read).")
    @blp.alt_response(403, description="Without the permission of the job's kind.")
    @blp.alt_response(404, description="No such job here, or it has no file.")
    def get(self, job_id: uuid.UUID) -> Any:
        """The job's file, for whoever sees the job AND holds its kind's permission (a residents
        export: ``smart_government.residents.edit``)."""
        from flask import request

        from ..web.downloads import send_version

        job = _job(job_id)
        which = "input" if request.args.get("input") else "output"
        try:
            version, visibility = output.readable_file(api_user(), current_tenant(), job, which)
        except ServiceError as exc:
            raise ApiError(exc.status, exc.message, exc.code) from None
        return send_version(version, visibility)


def init_app(app: Flask) -> None:
    from .desa import SLUG_PARAMETER

    api_of(app).register_blueprint(blp, parameters=[SLUG_PARAMETER])
