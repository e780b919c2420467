"""A REAL worker runs the registry import from the broker (the filesystem broker always, and
``DESA_TEST_BROKER_URL`` when set); killed in the middle of writing, it leaves no resident behind,
the sweep puts the import (safe to repeat) back in the queue, and the next worker imports every
row exactly once."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import pytest
from jobs.worker_support import BROKERS, Worker, queue_app, wait_for
from smart_government.registry import jobs as registry_jobs
from smart_government.registry.models import Resident
from sqlalchemy import func, select

from desacerdas import jobs
from desacerdas.extensions import db
from desacerdas.jobs.sweep import sweep
from desacerdas.models import Job, JobState, Tenant, Visibility
from desacerdas.services import documents as docs
from desacerdas.services import rollout
from desacerdas.services import tenants as tenant_svc
from desacerdas.testing.support import village_session

ROWS = 12_000
BENCH = Path(__file__).resolve().parents[2] / "bench" / "registry_import.py"


def _bench():  # noqa: ANN202 - the benchmark's file generator (families of four, valid NIKs)
    spec = importlib.util.spec_from_file_location("registry_import_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module", params=BROKERS)
def qapp(request, db_urls, tmp_path_factory, _migrated):
    """An app that queues jobs on a real broker (not eager), into a queue of this module's own."""
    yield from queue_app(request, db_urls, tmp_path_factory, "desa-import")


def _worker(qapp, tmp_path: Path) -> Worker:  # noqa: ANN001
    """The jobs' test worker, reading the documents where the test app stores them."""
    worker = Worker(qapp.config, qapp.config["BROKER_URL"], qapp.config["_test_queue"], tmp_path)
    worker.env["DESA_STORAGE_URL"] = qapp.config["STORAGE_URL"]
    return worker


def _job(app, village, job_id) -> Job:  # noqa: ANN001
    with village_session(app, village) as s:
        job = s.get(Job, (village.id, job_id))
        s.expunge(job)
        return job


def _residents(app, village) -> int:  # noqa: ANN001
    with village_session(app, village) as s:
        return s.scalar(select(func.count()).select_from(Resident))


def test_a_worker_killed_mid_import_writes_nothing_and_the_retry_imports_once(qapp, menanga, tmp_path):
    bench = _bench()
    path = tmp_path / "residents.csv"
    bench.generate(path, ROWS)
    with qapp.app_context():
        tenant = db.session.get(Tenant, menanga.id)
        for name in bench.HAMLETS:
            tenant_svc.add_hamlet(tenant, name)
        rollout.enable(tenant, "smart_government", override_reason="test")
    with village_session(qapp, menanga) as s, path.open("rb") as stream:
        tenant = s.get(Tenant, menanga.id)
        document = docs.store(
            tenant,
            docs.NewFile(stream, path.name),
            title="Residents",
            kind="spreadsheet",
            plugin="smart_government",
            object_id=registry_jobs.IMPORT_OBJECT,
            visibility=Visibility.STAFF,
            session=s,
        )
        job = jobs.submit(
            s, tenant, registry_jobs.IMPORT, {"document_id": str(document.id), "dry_run": False}, None
        )
        job_id = job.id

    worker = _worker(qapp, tmp_path).start()
    try:
        try:
            wait_for(
                lambda: _job(qapp, menanga, job_id).phase == registry_jobs.WRITING, timeout=120, every=0.05
            )
        except AssertionError:
            raise AssertionError(
                f"{_job(qapp, menanga, job_id).__dict__}\n{worker.output()[-3000:]}"
            ) from None
        time.sleep(0.5)  # well into the chunks of the write
        assert _job(qapp, menanga, job_id).state == JobState.RUNNING, worker.output()
        worker.kill()
    finally:
        worker.stop()
    assert _residents(qapp, menanga) == 0  # one transaction: nothing of the killed write is kept
    with qapp.app_context():
        assert sweep(stale_minutes=0).requeued == 1  # retry_safe: back in the queue
    assert _job(qapp, menanga, job_id).state == JobState.QUEUED

    second = _worker(qapp, tmp_path).start()
    try:
        ended = wait_for(lambda: (j := _job(qapp, menanga, job_id)).finished and j, timeout=180)
    finally:
        second.stop()
    assert ended.state == JobState.DONE, ended.error
    assert ended.attempts == 2 and ended.result["residents"]["create"] == ROWS
    assert _residents(qapp, menanga) == ROWS
