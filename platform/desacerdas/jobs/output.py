"""A job's files (its output document, or the upload it read), served through the job.

Such files can hold a whole village's personal data (an export of every resident). The generic
documents pages let anyone with ``documents.view`` read staff documents, so a job's page links here
instead: the reader must see the job (its starter, or a village admin) AND hold the permission of
its kind (``smart_government.residents.edit`` for an export), else 403.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import abort, url_for
from flask.typing import ResponseReturnValue

from ..kit.access import may
from ..models import Job, Tenant, User
from ..services import NotFound, ServiceError
from ..services import documents as docs
from ..services.i18n import _
from . import kinds


def may_read(user: User | None, tenant: Tenant, job: Job) -> bool:
    """Whether ``user`` (who can see ``job``) may read its files: the kind's permission, when it has one."""
    if user is None:
        return False
    kind = kinds.find(job.kind)
    if kind is None or not kind.permission:
        return may(user, tenant, "documents.view")
    return may(user, tenant, kind.permission)


def document_id(job: Job, which: str = "output") -> uuid.UUID | None:
    value: Any = job.document_id if which == "output" else (job.params or {}).get("document_id")
    try:
        return value if value is None or isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        return None


def file_url(job: Job, which: str = "output") -> str:
    """The URL of the job's file (``which``: ``output`` or ``input``)."""
    from .service import _slug

    args = {"input": 1} if which == "input" else {}
    return url_for("jobs.file", slug=_slug(job), job_id=job.id, **args)


def readable_file(user: User, tenant: Tenant, job: Job, which: str = "output") -> Any:
    """The current version of the job's file; :class:`NotFound` (404) when there is none,
    :class:`ServiceError` 403 without the kind's permission."""
    key = document_id(job, which)
    if key is None:
        raise NotFound(_("This job has no file."))
    if not may_read(user, tenant, job):
        raise ServiceError(_("You may not read this file."), "forbidden", 403)
    document = docs.get(key)  # NotFound when it was deleted
    return docs.version(document), document.visibility


def send(user: User, tenant: Tenant, job: Job, *, which: str = "output") -> ResponseReturnValue:
    """The file as a download (404 when there is none, 403 without the kind's permission)."""
    from ..web.downloads import send_version

    try:
        version, visibility = readable_file(user, tenant, job, which)
    except ServiceError as exc:
        abort(exc.status)
    return send_version(version, visibility)


def output_id(job: Job) -> uuid.UUID:
    """The id the job's output document gets: the same on every attempt of the job, so that a
    retry after a worker died finds the document the first attempt stored instead of adding one."""
    return uuid.uuid5(job.id, "output")


def stored_output(ctx: Any) -> Any:
    """The output document an earlier attempt of this job already stored, or None."""
    try:
        return docs.get(output_id(ctx.job), ctx.session)
    except NotFound:
        return None


def store_output(
    ctx: Any,
    stream: Any,
    filename: str,
    *,
    title: str,
    kind: str,
    plugin: str,
    object_id: str,
    event: str,
    target: str,
    **audit_fields: Any,
) -> Any:
    """Record ``event`` in the audit log and store ``stream`` as the job's output document (staff
    visibility; read through :func:`send`), COMMITTING the job's session; the job then links it.

    Idempotent per job: a retry gets the document of the earlier attempt (no second copy, no
    second audit event). Once stored, the job no longer stops for a cancel request (its output is
    kept either way, so it ends ``done``)."""
    from ..models import Visibility
    from ..services import audit

    document = stored_output(ctx)
    if document is None:
        audit.record(
            event,
            actor=ctx.user,
            tenant_id=ctx.tenant.id,
            target=target,
            session=ctx.session,
            job=str(ctx.job.id),
            **audit_fields,
        )
        document = docs.store(  # commits the document and the audit event
            ctx.tenant,
            docs.NewFile(stream, filename),
            title=title,
            kind=kind,
            plugin=plugin,
            object_id=object_id,
            visibility=Visibility.STAFF,
            actor=ctx.user,
            session=ctx.session,
            document_id=output_id(ctx.job),
        )
    ctx.attach(document)
    ctx.output_kept = True
    return document
