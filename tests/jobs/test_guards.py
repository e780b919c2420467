"""Who may cancel, conditional state changes (sweep, cancel), Ctrl+C in the CLI, and job pages in
Indonesian."""

from __future__ import annotations

from datetime import timedelta

import pytest

from desacerdas import jobs
from desacerdas.extensions import db
from desacerdas.jobs import errors, runner, service
from desacerdas.jobs.sweep import sweep
from desacerdas.models import Job, JobState, Tenant
from desacerdas.models.base import utcnow
from desacerdas.services import ServiceError
from desacerdas.testing.support import village_session

from .helpers import queued, read


def test_seeing_a_job_is_not_enough_to_cancel_it(app, client, login, menanga, make_user, operator):
    job_id = queued(app, menanga, operator)
    login(make_user("facilitator", menanga))  # sees every job of the village (read-only)
    page = client.get(f"/desa/menanga/jobs/{job_id}")
    assert page.status_code == 200 and "Cancel the job" not in page.get_data(as_text=True)
    assert client.post(f"/desa/menanga/jobs/{job_id}/cancel").status_code == 403
    assert read(app, menanga, job_id).state == JobState.QUEUED
    login(make_user("village_secretary", menanga))  # a village admin may
    assert client.post(f"/desa/menanga/jobs/{job_id}/cancel").status_code == 302
    assert read(app, menanga, job_id).state == JobState.CANCELLED


def test_the_api_refuses_a_facilitators_cancel(app, menanga, make_user, operator, bearer):
    job_id = queued(app, menanga, operator)
    headers = bearer(make_user("facilitator", menanga))
    resp = app.test_client().post(f"/api/v1/desa/menanga/jobs/{job_id}/cancel", headers=headers)
    assert resp.status_code == 403
    assert read(app, menanga, job_id).state == JobState.QUEUED


def test_cancel_never_overwrites_a_job_that_finished_meanwhile(app, menanga, operator):
    job_id = queued(app, menanga, operator)
    with village_session(app, menanga) as s:
        stale = s.get(Job, (menanga.id, job_id))  # read while still queued
        s.expunge(stale)
    with village_session(app, menanga) as s:  # it finishes meanwhile
        s.get(Job, (menanga.id, job_id)).state = JobState.DONE
        s.commit()
    with app.app_context(), village_session(app, menanga) as s:
        stale = s.merge(stale, load=False)
        with pytest.raises(ServiceError) as caught:
            service.cancel(s, stale)
    assert caught.value.status == 409
    assert read(app, menanga, job_id).state == JobState.DONE and not read(app, menanga, job_id).error


def _running(app, village, kind, *, minutes_ago, **values):  # noqa: ANN001, ANN202
    with village_session(app, village) as s:
        job = Job(
            tenant_id=village.id,
            kind=kind,
            params=values.pop("params", {}),
            state=JobState.RUNNING,
            progress_done=0,
            attempts=1,
            cancel_requested=values.pop("cancel_requested", False),
            heartbeat_at=utcnow() - timedelta(minutes=minutes_ago),
        )
        s.add(job)
        s.commit()
        return job.id


def test_the_sweep_cancels_a_silent_job_asked_to_stop_and_fails_inline_ones(app, menanga):
    asked = _running(app, menanga, "testing.hang_safe", minutes_ago=60, cancel_requested=True)
    inline = _running(app, menanga, "testing.hang_safe", minutes_ago=60, params={service.INLINE: True})
    with app.app_context():
        report = sweep(publish=False)
    assert report.requeued == 0 and report.failed == 2
    assert read(app, menanga, asked).state == JobState.CANCELLED
    assert read(app, menanga, inline).state == JobState.FAILED
    assert read(app, menanga, inline).error == errors.WORKER_STOPPED


def test_ctrl_c_in_the_cli_leaves_no_job_running(app, menanga, monkeypatch):
    from desacerdas.jobs import kinds

    def interrupted(ctx):  # noqa: ANN001, ANN202
        raise KeyboardInterrupt

    monkeypatch.setitem(
        kinds._KINDS, "testing.ctrl_c", kinds.JobKind("testing.ctrl_c", "x", interrupted, True)
    )
    with app.app_context():
        tenant = db.session.get(Tenant, menanga.id)
        job = jobs.record(tenant, "testing.ctrl_c", {})
        assert job.params[service.INLINE] is True
        with pytest.raises(KeyboardInterrupt):
            jobs.run_inline(tenant, job)
    ended = read(app, menanga, job.id)
    assert ended.state == JobState.CANCELLED and ended.error == errors.CANCELLED
    with app.app_context():
        assert sweep(stale_minutes=0, publish=False).requeued == 0  # never run again by a worker
    assert read(app, menanga, job.id).state == JobState.CANCELLED


def test_a_failed_job_reads_in_indonesian(app, client, login, menanga, admin):
    job_id = queued(app, menanga)
    with app.app_context():
        assert runner.fail(menanga.id, job_id, errors.WORKER_STOPPED)  # stored in English
    login(admin)
    page = client.get(f"/desa/menanga/jobs/{job_id}?lang=id", headers={"Accept-Language": "id"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Pemroses berhenti saat menjalankan pekerjaan ini." in text
    assert "The worker stopped" not in text


def test_a_done_job_shows_its_result_in_words(app, client, login, menanga, admin):
    with app.app_context():
        tenant = db.session.get(Tenant, menanga.id)
        job = jobs.submit(None, tenant, "testing.count", {"to": 1200}, None)
    login(admin)
    text = client.get(f"/desa/menanga/jobs/{job.id}").get_data(as_text=True)
    assert 'id="job-result"' in text and "Counted" in text and "1,200" in text
