"""notify() writes in the caller's transaction; delivery happens after commit, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from desacerdas.models.notification import Notification, NotificationChannel, NotificationStatus
from desacerdas.notifications import deliver, deliver_due, notify
from desacerdas.notifications import delivery as delivery_mod
from desacerdas.testing.support import village_session

from .conftest import user

KIND = "auth.password_reset"


def _rows(app, village):  # noqa: ANN001, ANN202
    with village_session(app, village) as s:
        return list(s.scalars(select(Notification).order_by(Notification.channel)))


def _notify(app, village, person, key="k1", kind="test.letter_ready", **kw):  # noqa: ANN001, ANN202
    with village_session(app, village) as s:
        rows = notify(s, _tenant(s, village), user(s, person), kind, {"number": "470/12"}, key=key, **kw)
        ids = [r.id for r in rows]
        s.commit()
    return ids


def _tenant(s, village):  # noqa: ANN001, ANN202
    from desacerdas.models import Tenant

    return s.get(Tenant, village.id)


def test_rollback_sends_nothing_and_commit_delivers_after(app, menanga, resident, doubles):
    with village_session(app, menanga) as s:
        rows = notify(
            s, _tenant(s, menanga), user(s, resident), "test.letter_ready", {"number": "1"}, key="a"
        )
        assert [r.channel for r in rows] == [NotificationChannel.INBOX, NotificationChannel.WHATSAPP]
        assert doubles["whatsapp"].sent == []  # nothing leaves before the commit
        s.rollback()
    assert _rows(app, menanga) == []
    assert doubles["whatsapp"].sent == []

    _notify(app, menanga, resident, key="b")
    inbox, whatsapp = _rows(app, menanga)
    assert inbox.status == NotificationStatus.DELIVERED and inbox.channel == NotificationChannel.INBOX
    assert whatsapp.status == NotificationStatus.SENT
    assert whatsapp.provider_message_id == "whatsapp-1" and whatsapp.cost == 350
    assert whatsapp.address == "6281200000001" and whatsapp.attempts == 1
    (message,) = doubles["whatsapp"].sent
    assert message.callback == f"{menanga.id}:{whatsapp.id}"
    assert message.whatsapp_template == "desa_letter_ready" and message.whatsapp_params == ("470/12",)
    assert message.address == "6281200000001" and message.locale == "id"
    assert "470/12" in message.body and not message.in_session_window


def test_same_key_twice_writes_once(app, menanga, resident, doubles):
    first = _notify(app, menanga, resident, key="letter:1:issued")
    again = _notify(app, menanga, resident, key="letter:1:issued")
    assert first == again
    assert len(_rows(app, menanga)) == 2
    assert len(doubles["whatsapp"].sent) == 1


def test_duplicate_delivery_attempt_does_nothing(app, menanga, resident, doubles):
    _notify(app, menanga, resident)
    row = _rows(app, menanga)[1]
    with app.app_context():
        assert deliver(menanga.id, str(row.id)) == "skipped"
        assert deliver(menanga.id, "not-a-uuid") == "skipped"
    assert len(doubles["whatsapp"].sent) == 1
    assert _rows(app, menanga)[1].attempts == 1


def test_provider_failure_after_commit_does_not_break_the_caller(app, menanga, resident, doubles):
    doubles["whatsapp"].outcomes = [RuntimeError("provider bug")]
    _notify(app, menanga, resident)  # would raise if eager delivery leaked the error
    row = _rows(app, menanga)[1]
    assert row.status == NotificationStatus.QUEUED
    assert row.error == "Unexpected error while sending."


def test_broker_down_keeps_the_row_for_the_sweep(app, menanga, resident, doubles, monkeypatch):
    def down(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(delivery_mod.deliver_task, "delay", down)
    _notify(app, menanga, resident)
    assert _rows(app, menanga)[1].status == NotificationStatus.QUEUED
    assert doubles["whatsapp"].sent == []
    monkeypatch.undo()
    with app.app_context():
        assert deliver_due()["queued"] == 1
    assert _rows(app, menanga)[1].status == NotificationStatus.SENT
    assert len(doubles["whatsapp"].sent) == 1


def test_retry_with_backoff_then_failed_in_words(app, menanga, resident, doubles):
    from desacerdas.notifications import RetryableError

    doubles["whatsapp"].always = RetryableError("Rate limited by the provider.")
    start = datetime.now(UTC)
    _notify(app, menanga, resident)
    waits = []
    now = start
    with app.app_context():
        for _ in range(10):
            row = _rows(app, menanga)[1]
            if row.status != NotificationStatus.QUEUED:
                break
            due = row.next_attempt_at.replace(tzinfo=UTC)
            waits.append(round((due - now).total_seconds() / 60))
            assert deliver(menanga.id, row.id, now=due - timedelta(seconds=1)) == "skipped"  # not due yet
            now = due
            deliver(menanga.id, row.id, now=now)
    assert waits == [1, 2, 4, 8]
    row = _rows(app, menanga)[1]
    assert row.status == NotificationStatus.FAILED and row.attempts == 5
    assert row.error == "Rate limited by the provider."  # the last reason; attempts say how often
    assert len(doubles["whatsapp"].sent) == 5


def test_permanent_error_fails_at_once(app, menanga, resident, doubles):
    from desacerdas.notifications import PermanentError

    doubles["whatsapp"].outcomes = [PermanentError("The number is not on WhatsApp.")]
    _notify(app, menanga, resident)
    row = _rows(app, menanga)[1]
    assert row.status == NotificationStatus.FAILED and row.attempts == 1
    assert row.error == "The number is not on WhatsApp."
    with app.app_context():
        assert deliver_due(now=datetime.now(UTC) + timedelta(days=1))["queued"] == 0
    assert len(doubles["whatsapp"].sent) == 1


class Killed(BaseException):
    """The worker dying right after the provider accepted the message."""


def test_worker_killed_between_send_and_mark_is_never_resent(app, menanga, resident, doubles):
    doubles["whatsapp"].outcomes = [Killed()]
    with pytest.raises(Killed):
        _notify(app, menanga, resident)
    row = _rows(app, menanga)[1]
    assert row.status == NotificationStatus.SENDING
    with app.app_context():
        assert deliver(menanga.id, row.id) == "skipped"
        assert deliver_due(now=datetime.now(UTC) + timedelta(minutes=5)) == {"queued": 0, "stale": 0}
        assert deliver_due(now=datetime.now(UTC) + timedelta(minutes=11)) == {"queued": 0, "stale": 1}
    row = _rows(app, menanga)[1]
    assert row.status == NotificationStatus.FAILED
    assert "not resent to avoid sending twice" in row.error
    assert len(doubles["whatsapp"].sent) == 1


def test_notify_refuses_a_session_of_another_village(app, menanga, bebandem, resident):
    with village_session(app, bebandem) as s, pytest.raises(ValueError):
        notify(s, _tenant(s, menanga), user(s, resident), "test.letter_ready", {}, key="x")


def test_a_kind_no_longer_known_fails_in_words(app, menanga, resident, doubles, monkeypatch):
    from desacerdas.notifications import kinds

    def broken(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(delivery_mod.deliver_task, "delay", broken)  # keep the row queued
    _notify(app, menanga, resident)
    monkeypatch.undo()
    monkeypatch.delitem(kinds._core, "test.letter_ready")  # the plugin that declared it is gone
    with app.app_context():
        deliver_due()
    row = _rows(app, menanga)[1]
    assert row.status == NotificationStatus.FAILED and row.error == "This kind of message is no longer known."
    assert doubles["whatsapp"].sent == []
