"""A REAL worker process runs jobs from the broker (the filesystem broker always, and the broker of
``DESA_TEST_BROKER_URL`` when set); a worker killed mid-job leaves nothing half-written and the sweep
fails the job with the reason."""

from __future__ import annotations

import pytest

from desacerdas import jobs
from desacerdas.jobs import errors
from desacerdas.jobs.sweep import sweep
from desacerdas.models import Job, JobState
from desacerdas.testing.support import village_session

from .helpers import hamlets as _hamlets
from .helpers import read as _job
from .helpers import submit as _submit
from .worker_support import BROKERS, Worker, queue_app, wait_for


@pytest.fixture(scope="module", params=BROKERS)
def qapp(request, db_urls, tmp_path_factory, _migrated):
    """An app that queues jobs (not eager) on the broker, into a queue of this module's own."""
    yield from queue_app(request, db_urls, tmp_path_factory, "desa-test")


@pytest.fixture
def worker(qapp, tmp_path):
    started = Worker(qapp.config, qapp.config["BROKER_URL"], qapp.config["_test_queue"], tmp_path)
    started.start()
    try:
        yield started
    finally:
        started.stop()


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
