"""The WhatsApp webhook: Meta's verification handshake, the signature, statuses updating the
outbox row of the right village only, and residents' replies."""

from __future__ import annotations

import json
import uuid

import pytest

from desacerdas.notifications import webhook
from desacerdas.testing import providers as fake
from desacerdas.testing import support
from desacerdas.testing.support import village_session

from .conftest import DIGITS, PHONE


@pytest.fixture
def wa_app(app, providers):
    """The shared test app with the WhatsApp settings of the local provider server."""
    saved = {key: app.config.get(key) for key in providers.config()}
    app.config.update(providers.config())
    yield app
    app.config.update(saved)


@pytest.fixture
def calls(monkeypatch):
    """What the webhook hands to the delivery and contact services (recorded, not applied)."""
    from desacerdas.notifications import contacts, delivery

    seen: dict[str, list] = {"status": [], "inbound": []}
    monkeypatch.setattr(delivery, "record_status", lambda *a, **kw: seen["status"].append((a, kw)))
    monkeypatch.setattr(contacts, "record_inbound", lambda *a: seen["inbound"].append(a))
    return seen


# -- GET: the subscription handshake --------------------------------------------------------------


def test_verification_echoes_the_challenge(wa_app):
    query = {"hub.mode": "subscribe", "hub.verify_token": fake.VERIFY_TOKEN, "hub.challenge": "1158201444"}
    response = wa_app.test_client().get("/webhooks/whatsapp", query_string=query)
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "1158201444"


@pytest.mark.parametrize(
    "query",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": fake.VERIFY_TOKEN, "hub.challenge": "1"},
        {"hub.challenge": "1"},
    ],
)
def test_verification_with_a_wrong_token_is_refused(wa_app, query):
    assert wa_app.test_client().get("/webhooks/whatsapp", query_string=query).status_code == 403


def test_verification_refused_when_no_token_is_configured(app):
    query = {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}
    assert app.test_client().get("/webhooks/whatsapp", query_string=query).status_code == 403


# -- POST: the signature --------------------------------------------------------------------------


def test_missing_wrong_or_foreign_signature_is_401(wa_app, calls):
    client = wa_app.test_client()
    payload = fake.status_payload("wamid.x", "delivered", callback="1:abc")
    body = json.dumps(payload).encode()
    assert fake.deliver_webhook(client, payload, secret=None)[0] == 401
    assert fake.deliver_webhook(client, payload, signature="sha256=" + "0" * 64)[0] == 401
    assert fake.deliver_webhook(client, payload, secret="another app's secret")[0] == 401
    assert fake.deliver_webhook(client, payload, signature=fake.sign(body)[7:])[0] == 401  # no "sha256="
    tampered = body.replace(b"delivered", b"read")
    assert fake.deliver_webhook(client, tampered, signature=fake.sign(body))[0] == 401
    assert calls["status"] == []


def test_unsigned_post_refused_when_no_app_secret_is_configured(app, calls):
    payload = fake.status_payload("wamid.x", "delivered", callback="1:abc")
    assert fake.deliver_webhook(app.test_client(), payload)[0] == 401


def test_needs_no_csrf_token(db_urls, tmp_path, providers, calls, _migrated):
    config = support.app_config(db_urls, tmp_path, WTF_CSRF_ENABLED=True, **providers.config())
    strict = support.create_test_app(config)
    payload = fake.status_payload("wamid.x", "sent", callback="1:abc")
    assert fake.deliver_webhook(strict.test_client(), payload)[0] == 200


def test_malformed_json_is_400(wa_app, calls):
    client = wa_app.test_client()
    assert fake.deliver_webhook(client, b"{not json")[0] == 400
    assert fake.deliver_webhook(client, b"[1, 2]")[0] == 400


# -- POST: what a payload turns into --------------------------------------------------------------


def test_statuses_are_handed_on_with_village_cost_and_reason(wa_app, calls):
    client = wa_app.test_client()
    sent = fake.status_payload("wamid.A", "sent", callback="12:3f1c", category="utility")
    free = fake.status_payload("wamid.B", "delivered", callback="p:77", category="service")
    failed = fake.status_payload("wamid.C", "failed", callback="12:3f1d", error_code=131026)
    for payload in (sent, free, failed):
        assert fake.deliver_webhook(client, payload) == (200, b"")

    assert calls["status"] == [
        ((12, "wamid.A", "sent"), {"cost": 350, "error": None, "notification_id": "3f1c"}),
        ((None, "wamid.B", "delivered"), {"cost": 0, "error": None, "notification_id": "77"}),
        (
            (12, "wamid.C", "failed"),
            {
                "cost": None,
                "error": "This number cannot receive WhatsApp messages.",
                "notification_id": "3f1d",
            },
        ),
    ]


@pytest.mark.parametrize("callback", [None, "", "12", "x:1", "-1:abc", "012:abc", "12:"])
def test_status_without_our_callback_data_is_ignored(wa_app, calls, callback):
    payload = fake.status_payload("wamid.A", "delivered", callback=callback)
    assert fake.deliver_webhook(wa_app.test_client(), payload)[0] == 200
    assert calls["status"] == []


def test_other_objects_numbers_and_unknown_statuses_are_ignored(wa_app, calls):
    client = wa_app.test_client()
    other_number = fake.status_payload("wamid.A", "read", callback="1:a")
    other_number["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "999"
    page = {**fake.status_payload("wamid.A", "read", callback="1:a"), "object": "page"}
    odd = fake.status_payload("wamid.A", "deleted", callback="1:a")
    junk = {"object": "whatsapp_business_account", "entry": [{"changes": [None, {"value": "x"}]}, 5]}
    for payload in (other_number, page, odd, junk):
        assert fake.deliver_webhook(client, payload)[0] == 200
    assert calls["status"] == []


def test_one_bad_status_does_not_stop_the_others(wa_app, monkeypatch):
    from desacerdas.notifications import delivery

    seen = []

    def record(tenant_id, message_id, status, cost=None, error=None, notification_id=None):  # noqa: ANN001, ANN202
        if message_id == "wamid.bad":
            raise ValueError("boom")
        seen.append(message_id)

    monkeypatch.setattr(delivery, "record_status", record)
    payload = fake.status_payload("wamid.bad", "sent", callback="1:a")
    second = fake.status_payload("wamid.good", "sent", callback="1:b")
    payload["entry"][0]["changes"][0]["value"]["statuses"] += second["entry"][0]["changes"][0]["value"][
        "statuses"
    ]
    assert fake.deliver_webhook(wa_app.test_client(), payload)[0] == 200
    assert seen == ["wamid.good"]


def test_inbound_text_is_handed_on(wa_app, calls):
    payload = fake.inbound_payload(DIGITS, "BERHENTI", timestamp=1_767_225_600)
    assert fake.deliver_webhook(wa_app.test_client(), payload)[0] == 200
    [(phone, at, text)] = calls["inbound"]
    assert (phone, text) == (PHONE, "BERHENTI")
    assert at.isoformat() == "2026-01-01T00:00:00+00:00"


def test_callback_parsing():
    assert webhook.parse_callback("12:9b1e") == (True, 12)
    assert webhook.parse_callback("p:9b1e") == (True, None)
    assert webhook.parse_callback("12") == (False, None)
    assert webhook.parse_callback(12) == (False, None)


# -- against real outbox rows ---------------------------------------------------------------------


def outbox_row(app, village, user, message_id: str) -> uuid.UUID:
    from desacerdas.models.notification import Notification, NotificationChannel, NotificationStatus

    with village_session(app, village) as session:
        row = Notification(
            tenant_id=village.id,
            recipient_user_id=user.id,
            kind="test.message",
            channel=NotificationChannel.WHATSAPP,
            address=PHONE,
            idempotency_key=f"test:{uuid.uuid4()}",
            status=NotificationStatus.SENT,
            provider_message_id=message_id,
            cost=350,
        )
        session.add(row)
        session.commit()
        return row.id


def row_of(app, village, row_id):
    from desacerdas.models.notification import Notification

    with village_session(app, village) as session:
        row = session.get(Notification, (village.id, row_id))
        return row.status.value, row.cost, row.error


def test_status_updates_the_row(wa_app, menanga, make_user):
    user = make_user(village=menanga)
    row_id = outbox_row(wa_app, menanga, user, "wamid.row1")
    client = wa_app.test_client()

    payload = fake.status_payload(
        "wamid.row1", "delivered", callback=f"{menanga.id}:{row_id}", billable=False
    )
    assert fake.deliver_webhook(client, payload)[0] == 200
    assert row_of(wa_app, menanga, row_id)[:2] == ("delivered", 0)

    payload = fake.status_payload(
        "wamid.row1", "failed", callback=f"{menanga.id}:{row_id}", error_code=131026
    )
    assert fake.deliver_webhook(client, payload)[0] == 200
    status, _cost, error = row_of(wa_app, menanga, row_id)
    assert status == "failed"
    assert error == "This number cannot receive WhatsApp messages."


def test_forged_callback_village_cannot_touch_another_villages_row(wa_app, menanga, bebandem, make_user):
    user = make_user(village=menanga)
    row_id = outbox_row(wa_app, menanga, user, "wamid.menanga")

    forged = fake.status_payload("wamid.menanga", "failed", callback=f"{bebandem.id}:{row_id}")
    platform = fake.status_payload("wamid.menanga", "read", callback=f"p:{row_id}")
    for payload in (forged, platform):
        assert fake.deliver_webhook(wa_app.test_client(), payload)[0] == 200

    assert row_of(wa_app, menanga, row_id) == ("sent", 350, None)


def test_database_down_asks_meta_to_resend(wa_app, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from desacerdas.notifications import delivery

    def down(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise OperationalError("UPDATE notifications", {}, Exception("database is locked"))

    monkeypatch.setattr(delivery, "record_status", down)
    payload = fake.status_payload("wamid.A", "delivered", callback="1:a")
    assert fake.deliver_webhook(wa_app.test_client(), payload)[0] == 503


def test_button_and_interactive_replies_count_as_text(wa_app, calls):
    button = fake.inbound_payload(DIGITS, "")
    message = button["entry"][0]["changes"][0]["value"]["messages"][0]
    message.update(type="button", button={"text": "STOP", "payload": "stop"})
    message.pop("text")
    interactive = fake.inbound_payload(DIGITS, "")
    message = interactive["entry"][0]["changes"][0]["value"]["messages"][0]
    message.update(
        type="interactive", interactive={"type": "button_reply", "button_reply": {"id": "b", "title": "Ya"}}
    )
    image = fake.inbound_payload(DIGITS, "")
    image["entry"][0]["changes"][0]["value"]["messages"][0].update(type="image", image={"id": "1"})
    for payload in (button, interactive, image):
        assert fake.deliver_webhook(wa_app.test_client(), payload)[0] == 200
    assert [text for _phone, _at, text in calls["inbound"]] == ["STOP", "Ya", ""]
