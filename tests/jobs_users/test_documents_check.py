"""``documents.check`` as a job per village, and its weekly periodic."""

from __future__ import annotations

import io

from sqlalchemy import select

from desacerdas.documents import jobs as doc_jobs
from desacerdas.jobs import submit
from desacerdas.jobs.schedule import beat_schedule
from desacerdas.models import Job, JobState, Tenant
from desacerdas.services import documents as docs
from desacerdas.storage import storage
from desacerdas.tenancy import tenant_session

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _store_and_lose(app, village) -> str:  # noqa: ANN001
    with app.app_context(), tenant_session(village.id) as s:
        tenant = s.get(Tenant, village.id)
        doc = docs.store(tenant, docs.NewFile(io.BytesIO(PDF), "a.pdf"), title="A", session=s)
        key = doc.current.storage_key
    with app.app_context():
        storage().delete(key)
    return key


def test_check_job_reports_one_village_and_fix_hides_the_broken_document(app, menanga, bebandem):
    _empty_storage(app, menanga, bebandem)
    key = _store_and_lose(app, menanga)
    with app.app_context():
        tenant = app.extensions["sqlalchemy"].session.get(Tenant, menanga.id)
        job = submit(None, tenant, doc_jobs.CHECK, {"fix": False}, None)
        assert job.state == JobState.DONE, job.error
        assert job.result["status"] == "problems" and job.result["missing"] == [key]
        fixed = submit(None, tenant, doc_jobs.CHECK, {"fix": True}, None)
        assert fixed.result["status"] == "fixed"
        again = submit(None, tenant, doc_jobs.CHECK, {"fix": False}, None)
        assert again.result["status"] == "ok" and again.result["known_missing"] == 1
    with app.app_context(), tenant_session(bebandem.id) as s:  # another village: none of these jobs
        assert s.scalars(select(Job)).all() == []


def _empty_storage(app, *villages) -> None:  # noqa: ANN001
    """Objects that earlier tests left under these villages' codes (their rows are wiped)."""
    with app.app_context():
        for village in villages:
            for key in list(storage().keys(f"{village.code}/")):
                storage().delete(key)


def test_weekly_periodic_queues_a_check_per_village(app, menanga, bebandem, make_user, client, bearer):
    assert doc_jobs.WEEKLY in beat_schedule()
    _empty_storage(app, menanga, bebandem)
    with app.app_context():
        assert doc_jobs.check_every_village() == 2
    for village in (menanga, bebandem):
        with app.app_context(), tenant_session(village.id) as s:
            (job,) = s.scalars(select(Job).where(Job.kind == doc_jobs.CHECK)).all()
            assert job.state == JobState.DONE and job.result["status"] == "ok", job.result
    outsider = bearer(make_user("village_head", bebandem))
    with app.app_context(), tenant_session(menanga.id) as s:
        menanga_job = s.scalars(select(Job)).one().id
    assert client.get(f"/api/v1/desa/{bebandem.slug}/jobs/{menanga_job}", headers=outsider).status_code == 404
    assert client.get(f"/api/v1/desa/{menanga.slug}/jobs/{menanga_job}", headers=outsider).status_code == 404
