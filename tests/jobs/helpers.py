"""Small helpers of the jobs tests: submit through the service, read a job back, add a job row."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from desacerdas import jobs
from desacerdas.extensions import db
from desacerdas.models import Hamlet, Job, JobState, Tenant, User
from desacerdas.testing.support import village_session


def submit(app, village, kind, params=None, person=None) -> uuid.UUID:  # noqa: ANN001
    with app.app_context():
        tenant = db.session.get(Tenant, village.id)
        user = db.session.get(User, person.id) if person else None
        return jobs.submit(None, tenant, kind, params or {}, user).id


def queued(app, village, person=None, kind: str = "testing.count") -> uuid.UUID:  # noqa: ANN001
    """A job row that no worker has picked up yet (nothing is published)."""
    with village_session(app, village) as s:
        job = Job(
            tenant_id=village.id,
            kind=kind,
            params={},
            state=JobState.QUEUED,
            started_by=person.id if person else None,
            progress_done=0,
            attempts=0,
            cancel_requested=False,
        )
        s.add(job)
        s.commit()
        return job.id


def read(app, village, job_id) -> Job:  # noqa: ANN001
    with village_session(app, village) as s:
        job = s.get(Job, (village.id, job_id))
        s.expunge(job)
        return job


def hamlets(app, village) -> list[str]:  # noqa: ANN001
    with village_session(app, village) as s:
        return list(s.scalars(select(Hamlet.name)))
