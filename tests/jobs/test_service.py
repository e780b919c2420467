"""The runner through the service (eager: the job runs in the process, right after the commit)."""

from __future__ import annotations

from sqlalchemy import select

from desacerdas import jobs
from desacerdas.extensions import db
from desacerdas.models import Job, JobState, Tenant
from desacerdas.testing.support import village_session

from .helpers import hamlets as _hamlets
from .helpers import read as _job
from .helpers import submit as _submit


def test_a_job_runs_and_keeps_its_work_and_result(app, menanga, admin):
    job_id = _submit(app, menanga, "testing.count", {"to": 4}, admin)
    job = _job(app, menanga, job_id)
    assert job.state == JobState.DONE
    assert job.result == {"counted": 4}
    assert (job.progress_done, job.progress_total, job.percent) == (4, 4, 100)
    assert job.attempts == 1 and job.started_by == admin.id
    assert job.started_at and job.finished_at and job.error is None
    assert "Banjar Hitung" in _hamlets(app, menanga)


def test_a_failing_job_keeps_nothing_and_says_why(app, menanga):
    job = _job(app, menanga, _submit(app, menanga, "testing.fail", {"row": 12}))
    assert job.state == JobState.FAILED
    assert job.error == "Row 12 has no NIK."
    assert "Banjar Gagal" not in _hamlets(app, menanga)


def test_a_crashing_job_is_failed_with_a_message_in_words(app, menanga):
    job = _job(app, menanga, _submit(app, menanga, "testing.crash"))
    assert job.state == JobState.FAILED
    assert "unexpected error" in job.error and "Traceback" not in job.error
    assert "Banjar Rusak" not in _hamlets(app, menanga)


def test_an_unknown_kind_is_refused_before_anything_is_written(app, menanga):
    import pytest

    with pytest.raises(KeyError):
        _submit(app, menanga, "testing.nothing")
    with village_session(app, menanga) as s:
        assert s.scalars(select(Job)).all() == []


def test_run_inline_reports_progress_to_the_caller(app, menanga):
    seen = []
    with app.app_context():
        tenant = db.session.get(Tenant, menanga.id)
        with village_session(app, menanga) as s:
            job = Job(
                tenant_id=menanga.id,
                kind="testing.count",
                params={"to": 3},
                state=JobState.QUEUED,
                progress_done=0,
                attempts=0,
                cancel_requested=False,
            )
            s.add(job)
            s.commit()
            s.refresh(job)
            s.expunge(job)
        done = jobs.run_inline(tenant, job, on_progress=lambda d, t, p: seen.append((d, t, p)))
    assert done.state == JobState.DONE
    assert seen == [(1, 3, "counting"), (2, 3, "counting"), (3, 3, "counting")]


def test_a_quiet_job_still_shows_its_worker_is_alive(app, menanga, monkeypatch):
    from desacerdas.jobs import runner

    monkeypatch.setattr(runner, "HEARTBEAT_SECONDS", 0.05)
    job = _job(app, menanga, _submit(app, menanga, "testing.quiet", {"seconds": 0.5}))
    assert job.state == JobState.DONE and job.result == {"heartbeat_moved": True}


def _running(app, village, kind, *, beat_minutes_ago: float) -> object:
    from datetime import timedelta

    from desacerdas.models.base import utcnow

    with village_session(app, village) as s:
        job = Job(
            tenant_id=village.id,
            kind=kind,
            params={"to": 2, "seconds": 0},
            state=JobState.RUNNING,
            progress_done=0,
            attempts=1,
            cancel_requested=False,
            heartbeat_at=utcnow() - timedelta(minutes=beat_minutes_ago),
        )
        s.add(job)
        s.commit()
        return job.id


def test_a_message_delivered_again_for_a_running_job(app, menanga):
    from desacerdas.jobs import errors, runner

    with app.app_context():
        fresh = _running(app, menanga, "testing.count", beat_minutes_ago=0)
        assert runner.execute(menanga.id, fresh) == "busy"  # another worker has it
        assert _job(app, menanga, fresh).state == JobState.RUNNING
        # Redelivered (RabbitMQ after a kill, or its consumer timeout on a live job): a fresh
        # heartbeat means a worker still runs it, so no second copy starts.
        alive = _running(app, menanga, "testing.hang_safe", beat_minutes_ago=0)
        assert runner.execute(menanga.id, alive, redelivered=True) == "busy"
        assert _job(app, menanga, alive).state == JobState.RUNNING
        dead = _running(app, menanga, "testing.count", beat_minutes_ago=2)  # 4 missed beats
        assert runner.execute(menanga.id, dead, redelivered=True) == "failed"
        assert _job(app, menanga, dead).error == errors.WORKER_STOPPED
        safe = _running(app, menanga, "testing.hang_safe", beat_minutes_ago=60)
        assert runner.execute(menanga.id, safe) == "done"
        assert _job(app, menanga, safe).attempts == 2
