"""The JSON shape of a job (API answers and :func:`accepted_response`)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import url_for
from marshmallow import fields

from ..api.schemas import UtcDateTime
from ..models import Job
from . import kinds
from .labels import error_text, result_of, state_label


class ProgressSchema(ma.Schema):
    done = fields.Int(metadata={"description": "Rows (or steps) done."})
    total = fields.Int(allow_none=True, metadata={"description": "Rows in all; null while unknown."})
    percent = fields.Int(allow_none=True, metadata={"description": "Whole percent, null while unknown."})
    phase = fields.Str(allow_none=True, metadata={"description": "What the job does now (e.g. checking)."})


class JobSchema(ma.Schema):
    id = fields.UUID()
    kind = fields.Str(metadata={"description": "What kind of work, e.g. smart_government.registry_import."})
    title = fields.Str(metadata={"description": "The kind in words."})
    state = fields.Str(metadata={"description": "queued, running, done, failed or cancelled."})
    state_label = fields.Str(metadata={"description": "The state in words."})
    finished = fields.Bool()
    progress = fields.Nested(ProgressSchema)
    result = fields.Dict(allow_none=True, metadata={"description": "What the job produced (when done)."})
    error = fields.Str(allow_none=True, metadata={"description": "Why it failed, in words."})
    document_id = fields.UUID(allow_none=True, metadata={"description": "The output document, if any."})
    batch = fields.Str(allow_none=True, metadata={"description": "Groups the jobs of one bulk action."})
    attempts = fields.Int()
    cancel_requested = fields.Bool()
    started_by = fields.Int(allow_none=True)
    created_at = UtcDateTime()
    started_at = UtcDateTime(allow_none=True)
    finished_at = UtcDateTime(allow_none=True)
    links = fields.Dict(keys=fields.Str(), values=fields.Str())


def dump(job: Job) -> dict[str, Any]:
    """The job as JSON-ready values."""
    return JobSchema().dump(raw(job))


def raw(job: Job) -> dict[str, Any]:
    """The job's fields for :class:`JobSchema` (API views return this and let the schema dump it)."""
    from .service import _slug

    slug = _slug(job)
    links = {
        "self": url_for("Jobs.JobItem", slug=slug, job_id=job.id),
        "page": url_for("jobs.show", slug=slug, job_id=job.id),
    }
    if job.document_id:
        links["document"] = url_for("Documents.DocumentItem", slug=slug, document_id=job.document_id)
        links["file"] = url_for("Jobs.JobFile", slug=slug, job_id=job.id)  # checks the kind's permission
    return {
        "id": job.id,
        "kind": job.kind,
        "title": kinds.title_of(job.kind),
        "state": str(job.state.value if hasattr(job.state, "value") else job.state),
        "state_label": state_label(job.state),
        "finished": job.finished,
        "progress": {
            "done": job.progress_done or 0,
            "total": job.progress_total,
            "percent": job.percent,
            "phase": job.phase,
        },
        "result": result_of(job),
        "error": error_text(job),
        "document_id": job.document_id,
        "batch": job.batch,
        "attempts": job.attempts or 0,
        "cancel_requested": bool(job.cancel_requested),
        "started_by": job.started_by,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "links": links,
    }
