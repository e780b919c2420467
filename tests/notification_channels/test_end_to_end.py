"""notify() -> delivery (eager, after commit) -> the local provider -> the status webhook -> the row,
with the real channels: what a village's resident actually receives, and what staff then see."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from desacerdas.extensions import db
from desacerdas.models import Tenant, User
from desacerdas.models.notification import (
    ConsentHow,
    Notification,
    NotificationChannel,
    UserContact,
)
from desacerdas.notifications import deliver_due, notify
from desacerdas.testing import providers as fake
from desacerdas.testing.support import village_session

from .conftest import DIGITS

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
RESET = {"name": "Made", "link": "https://desa.test/reset/abc", "minutes": 60}


@pytest.fixture
def live_app(app, providers, smtp):
    """The shared test app pointed at the local WhatsApp/SMS server and the SMTP server."""
    settings = {**providers.config(), **smtp.config()}
    saved = {key: app.config.get(key) for key in settings}
    app.config.update(settings)
    yield app
    app.config.update(saved)


@pytest.fixture
def resident(live_app, menanga, make_user):
    person = make_user(village=menanga)
    with live_app.app_context():
        now = datetime.now(UTC) - timedelta(minutes=1)  # opted in a minute before the test
        db.session.add(
            UserContact(
                user_id=person.id,
                channel=NotificationChannel.WHATSAPP,
                address=DIGITS,
                verified_at=now,
                opted_in_at=now,
                opt_in_how=ConsentHow.WEB,
            )
        )
        db.session.commit()
    return person


def send(app, village, person, key: str, channels=("whatsapp",)) -> list[dict]:  # noqa: ANN001
    """notify() in a village transaction and commit (eager delivery runs after the commit)."""
    with village_session(app, village) as session:
        tenant = session.get(Tenant, village.id)
        user = session.get(User, person.id)
        notify(session, tenant, user, "auth.password_reset", RESET, key=key, channels=channels)
        session.commit()
    return rows(app, village, key)


def rows(app, village, key: str) -> list[dict]:  # noqa: ANN001
    with village_session(app, village) as session:
        found = session.scalars(select(Notification).where(Notification.idempotency_key == key))
        return [
            {
                "id": r.id,
                "channel": r.channel.value,
                "status": r.status.value,
                "provider_message_id": r.provider_message_id,
                "cost": r.cost,
                "error": r.error,
                "attempts": r.attempts,
            }
            for r in found
        ]


def test_template_sent_then_delivered_and_read(live_app, providers, menanga, resident):
    [row] = send(live_app, menanga, resident, "reset:1")

    [request] = providers.whatsapp_requests()
    assert request.json["type"] == "template"
    assert request.json["template"]["name"] == "desa_password_reset"
    assert request.json["biz_opaque_callback_data"] == f"{menanga.id}:{row['id']}"
    assert (row["status"], row["cost"]) == ("sent", 350)
    wamid = row["provider_message_id"]

    client = live_app.test_client()
    for status in ("delivered", "read"):
        assert providers.deliver_webhook(client, providers.status_payload(wamid, status))[0] == 200
        assert rows(live_app, menanga, "reset:1")[0]["status"] == status


def test_forged_village_in_the_callback_cannot_touch_the_row(
    live_app, providers, menanga, bebandem, resident
):
    [row] = send(live_app, menanga, resident, "reset:2")
    forged = providers.status_payload(
        row["provider_message_id"], "failed", callback=f"{bebandem.id}:{row['id']}"
    )

    assert providers.deliver_webhook(live_app.test_client(), forged)[0] == 200
    assert rows(live_app, menanga, "reset:2")[0]["status"] == "sent"


def test_reply_opens_the_window_and_stop_opts_out(live_app, providers, menanga, resident):
    client = live_app.test_client()
    assert providers.deliver_webhook(client, fake.inbound_payload(DIGITS, "Halo, terima kasih"))[0] == 200

    send(live_app, menanga, resident, "reset:3")
    assert providers.whatsapp_requests()[-1].json["type"] == "text"  # inside 24 hours: free text

    assert providers.deliver_webhook(client, fake.inbound_payload(DIGITS, "BERHENTI"))[0] == 200
    assert send(live_app, menanga, resident, "reset:4") == []  # opted out: no WhatsApp row
    assert len(providers.whatsapp_requests()) == 1


def test_rate_limited_then_retried_after_backoff(live_app, providers, menanga, resident):
    providers.fail(DIGITS, "rate_limited", times=1)
    [row] = send(live_app, menanga, resident, "reset:5")
    assert row["status"] == "queued"
    assert "limiting how fast" in row["error"]

    with live_app.app_context():
        deliver_due(now=datetime.now(UTC) + timedelta(minutes=5))

    [row] = rows(live_app, menanga, "reset:5")
    assert (row["status"], row["attempts"]) == ("sent", 2)
    assert [r.status for r in providers.whatsapp_requests()] == [429, 200]


def test_paused_template_fails_at_once_with_the_reason(live_app, providers, menanga, resident):
    providers.fail("desa_password_reset", "template_paused")
    [row] = send(live_app, menanga, resident, "reset:6")
    assert row["status"] == "failed"
    assert row["error"] == "The WhatsApp template is paused by Meta."
    assert len(providers.whatsapp_requests()) == 1


def test_password_reset_email_through_real_smtp(live_app, smtp, menanga, resident):
    [row] = send(live_app, menanga, resident, "reset:7", channels=("email",))

    assert row["status"] == "sent"
    [mail] = smtp.messages
    assert mail["Message-ID"] == row["provider_message_id"]
    assert "https://desa.test/reset/abc" in mail.get_content()
