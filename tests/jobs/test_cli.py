"""``desa jobs list|show|wait|sweep``, ``desa worker`` and ``desa beat``, and the beat schedule."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import update

from desacerdas.cli import cli
from desacerdas.models import Job, JobState
from desacerdas.models.base import utcnow
from desacerdas.testing.support import village_session

from .helpers import queued, read, submit


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(cli, list(args), catch_exceptions=False)


def test_list_show_and_wait(app, run, menanga):
    done = submit(app, menanga, "testing.count", {"to": 3})
    failed = submit(app, menanga, "testing.fail", {"row": 4})
    out = run("jobs", "list", "--tenant", "menanga").output
    assert str(done) in out and str(failed) in out and "3/3" in out
    only = run("jobs", "list", "--tenant", "menanga", "--state", "failed").output
    assert str(failed) in only and str(done) not in only
    shown = json.loads(run("jobs", "show", "--tenant", "menanga", str(done)).output)
    assert shown["state"] == "done" and shown["result"] == {"counted": 3}
    ok = run("jobs", "wait", "--tenant", "menanga", str(done))
    assert ok.exit_code == 0 and "Done" in ok.output
    bad = run("jobs", "wait", "--tenant", "menanga", str(failed))
    assert bad.exit_code == 1 and "Row 4 has no NIK." in bad.output


def test_wait_gives_up_after_the_timeout_and_unknown_jobs_are_refused(app, run, menanga, bebandem):
    job_id = queued(app, menanga)
    slow = run("jobs", "wait", "--tenant", "menanga", "--timeout", "1", str(job_id))
    assert slow.exit_code == 1 and "still queued" in slow.output
    other = run("jobs", "show", "--tenant", "bebandem", str(job_id))
    assert other.exit_code == 1 and "No job" in other.output
    assert run("jobs", "show", "--tenant", "menanga", "nope").exit_code == 2


def test_sweep_fails_silent_jobs_and_hands_lost_ones_over_again(app, run, menanga):
    stuck = queued(app, menanga)
    lost = queued(app, menanga)
    with village_session(app, menanga) as s:
        long_ago = utcnow() - timedelta(hours=1)
        s.execute(
            update(Job)
            .where(Job.id == stuck)
            .values(state=JobState.RUNNING, heartbeat_at=long_ago, attempts=1)
        )
        s.execute(update(Job).where(Job.id == lost).values(updated_at=long_ago))
        s.commit()
    out = run("jobs", "sweep").output
    assert "1 failed" in out and "1 handed to the queue again" in out
    assert read(app, menanga, stuck).state == JobState.FAILED
    assert read(app, menanga, stuck).error == "The worker stopped while running this job."
    assert read(app, menanga, lost).state == JobState.DONE  # handed over again: eager, so it ran


def test_worker_and_beat_become_celery(app, run, monkeypatch):
    calls = []
    monkeypatch.setattr("os.execv", lambda path, argv: calls.append(argv))
    run("worker")
    run("beat")
    worker, beat = calls
    assert worker[1:5] == ["-m", "celery", "-A", "desacerdas.jobs.worker"]
    assert "worker" in worker and "solo" in worker
    assert "beat" in beat and beat[beat.index("--schedule") + 1].endswith("celerybeat-schedule")


def test_the_beat_schedule_has_the_periodic_work(app):
    schedule = app.extensions["celery"].conf.beat_schedule
    assert {"desa.jobs.sweep", "desa.kit.snapshots", "desa.documents.purge"} <= set(schedule)
    assert schedule["desa.jobs.sweep"]["schedule"] <= timedelta(minutes=5)


def test_the_periodic_tasks_run(app, menanga):
    from desacerdas.jobs import periodic

    with app.app_context():
        assert periodic.sweep_jobs().startswith("0 failed")
        assert periodic.take_snapshots() >= 0
        assert periodic.purge_documents() == 0
