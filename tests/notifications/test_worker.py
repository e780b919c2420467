"""A REAL worker process delivers the outbox after commit (filesystem broker always, and the broker
of ``DESA_TEST_BROKER_URL`` when set); a worker killed between the provider's answer and the row's
mark is never resent: the sweep fails the row with the reason and the provider saw one request."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from jobs.worker_support import BROKERS, Worker, broker_url, forget_queue, wait_for

from desacerdas.models import Tenant
from desacerdas.models.notification import Notification, NotificationStatus
from desacerdas.notifications import deliver_due, notify
from desacerdas.testing.providers import ProviderServer
from desacerdas.testing.support import village_session

from .conftest import add_contact, user

PHONE = "6281200000042"
RESET = {"name": "Made", "link": "https://desa.test/reset/abc", "minutes": 60}


@pytest.fixture(scope="module")
def provider():
    with ProviderServer() as server:
        yield server


@pytest.fixture(scope="module", params=BROKERS)
def qapp(request, db_urls, tmp_path_factory, _migrated, provider):
    """An app that queues deliveries on a real broker (not eager), into a queue of its own."""
    from conftest import make_app

    tmp = tmp_path_factory.mktemp("broker")
    app = make_app(
        db_urls,
        tmp_path_factory,
        JOBS_EAGER=False,
        BROKER_URL=broker_url(request.param, tmp),
        **provider.config(),
    )
    queue = f"desa-notify-{uuid.uuid4().hex[:8]}"
    celery = app.extensions["celery"]
    celery.conf.task_default_queue = queue
    app.config["_test_queue"] = queue
    yield app
    if request.param != "filesystem":
        forget_queue(celery, queue)


@pytest.fixture
def worker(qapp, provider, tmp_path):
    started = Worker(qapp.config, qapp.config["BROKER_URL"], qapp.config["_test_queue"], tmp_path)
    started.env.update({f"DESA_{key}": str(value) for key, value in provider.config().items()})
    provider.reset()
    started.start()
    try:
        yield started
    finally:
        started.stop()
        provider.delay = 0.0


def _notify(app, village, person) -> uuid.UUID:
    with village_session(app, village) as s:
        (row,) = notify(
            s,
            s.get(Tenant, village.id),
            user(s, person),
            "auth.password_reset",
            RESET,
            key=f"reset:{uuid.uuid4()}",
            channels=("whatsapp",),
        )
        row_id = row.id
        s.commit()  # the delivery is published now, after the commit
    return row_id


def _row(app, village, row_id) -> Notification:
    with village_session(app, village) as s:
        row = s.get(Notification, (village.id, row_id))
        s.expunge(row)
        return row


def test_a_real_worker_delivers_after_commit(qapp, worker, provider, menanga, make_user):
    person = make_user("resident", menanga)
    add_contact(qapp, person, "whatsapp", PHONE)
    row_id = _notify(qapp, menanga, person)
    row = wait_for(lambda: (r := _row(qapp, menanga, row_id)).status == NotificationStatus.SENT and r, 60)
    assert row.provider_message_id and row.cost == qapp.config["NOTIFY_COST"]["whatsapp"], worker.output()
    (request,) = provider.whatsapp_requests()
    assert request.json["to"] == PHONE and request.json["template"]["name"] == "desa_password_reset"


def test_worker_killed_between_send_and_mark_is_not_resent(qapp, worker, provider, menanga, make_user):
    person = make_user("resident", menanga)
    add_contact(qapp, person, "whatsapp", PHONE)
    provider.delay = 3.0  # the provider holds its answer: the worker is inside the send
    row_id = _notify(qapp, menanga, person)
    wait_for(lambda: _row(qapp, menanga, row_id).status == NotificationStatus.SENDING, 60)
    time.sleep(0.5)
    worker.kill()
    wait_for(lambda: len(provider.whatsapp_requests()) == 1, 10)  # the provider got it (and answered)
    assert _row(qapp, menanga, row_id).status == NotificationStatus.SENDING
    with qapp.app_context():
        assert deliver_due(now=datetime.now(UTC) + timedelta(minutes=11))["stale"] == 1
        assert deliver_due(now=datetime.now(UTC) + timedelta(minutes=30))["queued"] == 0
    row = _row(qapp, menanga, row_id)
    assert row.status == NotificationStatus.FAILED and "not resent" in row.error
    time.sleep(0.5)
    assert len(provider.whatsapp_requests()) == 1
