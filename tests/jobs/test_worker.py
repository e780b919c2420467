"""A REAL worker process runs jobs from the broker (the filesystem broker always, and the broker of
``DESA_TEST_BROKER_URL`` when set); a worker killed mid-job leaves nothing half-written and the sweep
fails the job with the reason."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from desacerdas import jobs
from desacerdas.extensions import db
from desacerdas.jobs import errors
from desacerdas.jobs.sweep import sweep
from desacerdas.models import Hamlet, Job, JobState, Tenant, User
from desacerdas.testing.support import village_session

from .worker_support import BROKERS, Worker, broker_url, wait_for


@pytest.fixture(scope="module", params=BROKERS)
def qapp(request, db_urls, tmp_path_factory, _migrated):
    """An app that queues jobs (not eager) on the broker, into a queue of this module's own."""
    from conftest import make_app

    tmp = tmp_path_factory.mktemp("broker")
    url = broker_url(request.param, tmp)
    app = make_app(db_urls, tmp_path_factory, JOBS_EAGER=False, BROKER_URL=url)
    queue = f"desa-test-{uuid.uuid4().hex[:8]}"
    celery = app.extensions["celery"]
    celery.conf.task_default_queue = queue
    app.config["_test_tmp"], app.config["_test_queue"] = tmp, queue
    yield app
    if request.param != "filesystem":
        try:
            with celery.connection_for_write() as conn:
                conn.default_channel.queue_delete(queue)
        except Exception:  # noqa: BLE001, S110 - best effort: the queue may not exist
            pass


@pytest.fixture
def worker(qapp, tmp_path):
    started = Worker(qapp.config, qapp.config["BROKER_URL"], qapp.config["_test_queue"], tmp_path)
    started.start()
    try:
        yield started
    finally:
        started.stop()


def _submit(app, village, kind, params=None, person=None) -> uuid.UUID:
    with app.app_context():
        tenant = db.session.get(Tenant, village.id)
        user = db.session.get(User, person.id) if person else None
        return jobs.submit(None, tenant, kind, params or {}, user).id


def _job(app, village, job_id) -> Job:
    with village_session(app, village) as s:
        job = s.get(Job, (village.id, job_id))
        s.expunge(job)
        return job


def _hamlets(app, village) -> list[str]:
    with village_session(app, village) as s:
        return list(s.scalars(select(Hamlet.name)))


def test_a_real_worker_runs_a_queued_job(qapp, worker, menanga, make_user):
    head = make_user("village_head", menanga)
    job_id = _submit(qapp, menanga, "testing.count", {"to": 5, "hamlet": "Banjar Pekerja"}, head)
    assert _job(qapp, menanga, job_id).state in (JobState.QUEUED, JobState.RUNNING, JobState.DONE)
    done = wait_for(lambda: (j := _job(qapp, menanga, job_id)).finished and j, timeout=60)
    assert done.state == JobState.DONE, worker.output()
    assert done.result == {"counted": 5} and (done.progress_done, done.progress_total) == (5, 5)
    assert "Banjar Pekerja" in _hamlets(qapp, menanga)


def test_a_worker_killed_mid_job_leaves_nothing_half_written(qapp, worker, menanga, tmp_path):
    marker = tmp_path / "running"
    job_id = _submit(qapp, menanga, "testing.hang", {"marker": str(marker), "seconds": 120})
    wait_for(marker.exists, timeout=60)
    running = _job(qapp, menanga, job_id)
    assert running.state == JobState.RUNNING and running.progress_done == 1
    worker.kill()
    with qapp.app_context():
        assert sweep(stale_minutes=0).failed == 1
    failed = _job(qapp, menanga, job_id)
    assert failed.state == JobState.FAILED and failed.error == errors.WORKER_STOPPED
    assert "Banjar Setengah" not in _hamlets(qapp, menanga)


def test_a_running_job_is_cancelled_and_keeps_nothing(qapp, worker, menanga, tmp_path):
    marker = tmp_path / "running"
    # On SQLite a job that has written holds the database's one write lock: nothing else can write
    # (the cancel request included) until it ends. PostgreSQL locks rows: the job writes first there.
    sqlite = qapp.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    params = {"marker": str(marker), "seconds": 60, "write_first": not sqlite}
    job_id = _submit(qapp, menanga, "testing.hang", params)
    wait_for(marker.exists, timeout=60)
    with village_session(qapp, menanga) as s:
        jobs.cancel(s, s.get(Job, (menanga.id, job_id)))
    ended = wait_for(lambda: (j := _job(qapp, menanga, job_id)).finished and j, timeout=30)
    assert ended.state == JobState.CANCELLED
    assert "Banjar Setengah" not in _hamlets(qapp, menanga)


def test_a_job_safe_to_repeat_runs_again_after_its_worker_died(qapp, worker, menanga, tmp_path):
    marker = tmp_path / "running"
    job_id = _submit(qapp, menanga, "testing.hang_safe", {"marker": str(marker), "seconds": 1})
    wait_for(marker.exists, timeout=60)
    worker.kill()
    with qapp.app_context():
        report = sweep(stale_minutes=0)
    assert report.requeued == 1 and _job(qapp, menanga, job_id).state == JobState.QUEUED
    second = Worker(qapp.config, qapp.config["BROKER_URL"], qapp.config["_test_queue"], tmp_path).start()
    try:
        ended = wait_for(lambda: (j := _job(qapp, menanga, job_id)).finished and j, timeout=60)
    finally:
        second.stop()
    assert ended.state == JobState.DONE and ended.attempts == 2
    assert _hamlets(qapp, menanga).count("Banjar Setengah") == 1
