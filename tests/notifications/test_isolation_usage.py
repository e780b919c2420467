"""Cross-village: another village cannot see, deliver or mark a village's rows; usage per village."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from desacerdas.models import Tenant
from desacerdas.models.notification import Notification, NotificationStatus
from desacerdas.notifications import PermanentError, deliver, notify, record_status, usage
from desacerdas.testing.support import village_session

from .conftest import add_contact, user


def _send(app, village, person, key):  # noqa: ANN001, ANN202
    with village_session(app, village) as s:
        rows = notify(
            s, s.get(Tenant, village.id), user(s, person), "test.letter_ready", {"number": "3"}, key=key
        )
        s.commit()
        return [r.id for r in rows]


def test_rows_of_one_village_are_invisible_and_untouchable_from_another(
    app, menanga, bebandem, resident, doubles
):
    doubles["whatsapp"].outcomes = [PermanentError("x")]  # leave A's row failed, then requeue it by hand
    _inbox, external = _send(app, menanga, resident, "k")
    with village_session(app, menanga) as s:
        row = s.get(Notification, (menanga.id, external))
        row.status, row.error, row.provider_message_id = NotificationStatus.QUEUED, None, "wamid.A"
        s.commit()
    with village_session(app, bebandem) as s:
        assert s.scalars(select(Notification)).all() == []  # ORM filter (SQLite) / RLS (PostgreSQL)
        assert s.get(Notification, (menanga.id, external)) is None
    with app.app_context():
        assert deliver(bebandem.id, str(external)) == "skipped"  # another village's id: nothing
        assert deliver(9999, str(external)) == "skipped"
        assert record_status(bebandem.id, "wamid.A", "read") is False  # forged village in a webhook
        assert record_status(None, "wamid.A", "read") is False
    with village_session(app, menanga) as s:
        row = s.get(Notification, (menanga.id, external))
        assert row.status == NotificationStatus.QUEUED and row.read_at is None
    with app.app_context():
        assert deliver(menanga.id, str(external)) == "sent"
    assert len(doubles["whatsapp"].sent) == 2


def test_status_reports_move_forward_only_and_set_cost(app, menanga, resident, doubles):
    _inbox, external = _send(app, menanga, resident, "k")
    with app.app_context():
        assert record_status(menanga.id, "whatsapp-1", "delivered", cost=400) is True
        assert record_status(menanga.id, "whatsapp-1", "read") is True
        assert record_status(menanga.id, "whatsapp-1", "delivered") is False  # late, older news
        assert record_status(menanga.id, "whatsapp-1", "bogus") is False
        assert record_status(menanga.id, "unknown-id", "read") is False
    with village_session(app, menanga) as s:
        row = s.get(Notification, (menanga.id, external))
        assert row.status == NotificationStatus.READ and row.read_at is not None and row.cost == 400


def test_failed_status_keeps_the_providers_reason(app, menanga, resident, doubles):
    _inbox, external = _send(app, menanga, resident, "k")
    with app.app_context():
        assert record_status(menanga.id, "whatsapp-1", "failed", error="Message undeliverable.") is True
        assert record_status(menanga.id, "whatsapp-1", "delivered") is False
    with village_session(app, menanga) as s:
        row = s.get(Notification, (menanga.id, external))
        assert row.status == NotificationStatus.FAILED and row.error == "Message undeliverable."


def test_usage_counts_and_costs_per_village_and_channel(app, menanga, bebandem, resident, make_user, doubles):
    other = make_user("resident", bebandem)
    add_contact(app, other, "sms", "6281299990000")
    _send(app, menanga, resident, "1")
    _send(app, menanga, resident, "2")
    doubles["sms"].outcomes = [PermanentError("Invalid number.")]
    _send(app, bebandem, other, "1")
    since = datetime.now(UTC) - timedelta(hours=1)
    until = datetime.now(UTC) + timedelta(hours=1)
    with village_session(app, menanga) as s:
        rows = usage(s, [menanga.id, bebandem.id, None], since, until)
    got = [(r.tenant_id, r.channel, r.total, r.sent, r.failed, r.cost) for r in rows]
    assert got == [
        (menanga.id, "inbox", 2, 2, 0, 0),
        (menanga.id, "whatsapp", 2, 2, 0, 700),
        (bebandem.id, "inbox", 1, 1, 0, 0),
        (bebandem.id, "sms", 1, 0, 1, 0),
    ]
    with village_session(app, menanga) as s:
        assert usage(s, [menanga.id], until, until + timedelta(hours=1)) == []
