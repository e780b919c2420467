"""Guards around the outbox: secret wording locked, code limits per person (not the
village's cap), delivery re-checking consent and settings, secrets forgotten once delivered, one-line
subjects, a bounded sandbox, the WhatsApp window per number, and "uncertain" rows resolved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from desacerdas.models import Tenant
from desacerdas.models.notification import Notification, NotificationStatus, UserContact
from desacerdas.notifications import (
    ContactError,
    add_contact,
    deliver,
    deliver_due,
    notify,
    opt_out,
    record_status,
    remove_contact,
    render,
    save_settings,
    save_template,
    send_code,
)
from desacerdas.notifications import contacts as contact_service
from desacerdas.notifications.delivery import UNCERTAIN
from desacerdas.notifications.kinds import SECRET_MASK
from desacerdas.notifications.templates import check
from desacerdas.services import ServiceError
from desacerdas.testing.support import village_session

from .conftest import LETTER_READY, user

RESET = {"name": "Made", "link": "https://desa.test/reset/SECRET", "minutes": 60}


def _queued(s, key: str) -> Notification:  # noqa: ANN001
    return s.scalar(
        select(Notification).where(Notification.idempotency_key == key, Notification.channel != "inbox")
    )


# -- 1: secret kinds' wording is not the village's to change -----------------------------------------


@pytest.mark.parametrize("kind", ["auth.password_reset", "contact.verify", "smart_government.pin_code"])
def test_secret_wording_cannot_be_saved(app, menanga, kind):
    with village_session(app, menanga) as s:
        with pytest.raises(ServiceError) as err:
            save_template(s, s.get(Tenant, menanga.id), kind, "email", "id", "{{ link }}", "{{ link }}")
        assert err.value.code == "not_editable"


# -- 2: codes limited per person; secret kinds outside the village's cap -------------------------------


def test_the_minute_wait_survives_a_new_address_and_remove_then_add(app, menanga, make_user, doubles):
    person = make_user("resident", menanga)
    with village_session(app, menanga) as s:
        me, village = user(s, person), s.get(Tenant, menanga.id)
        add_contact(s, me, "sms", "081211110001")
        send_code(s, me, "sms", village=village)
        add_contact(s, me, "sms", "081211110002")  # another number: no fresh minute
        with pytest.raises(ContactError, match="less than a minute"):
            send_code(s, me, "sms", village=village)
        remove_contact(s, me, "sms")
        add_contact(s, me, "sms", "081211110003")
        with pytest.raises(ContactError, match="less than a minute"):
            send_code(s, me, "sms", village=village)
        add_contact(s, me, "whatsapp", "081211110004")  # another channel either
        with pytest.raises(ContactError, match="less than a minute"):
            send_code(s, me, "whatsapp", village=village)
    assert len(doubles["sms"].sent) == 1


def test_codes_per_hour_per_person(app, menanga, make_user, doubles):
    person = make_user("resident", menanga)
    with village_session(app, menanga) as s:
        me, village = user(s, person), s.get(Tenant, menanga.id)
        add_contact(s, me, "sms", "081211110005")
        for n in range(contact_service.CODES_PER_HOUR):
            send_code(s, me, "sms", village=village)
            earlier = datetime.now(UTC) - timedelta(minutes=2 + n)  # older than the minute's wait
            s.execute(update(Notification).values(created_at=earlier))
            s.execute(update(UserContact).values(code_expires_at=None))
            s.commit()
        with pytest.raises(ContactError, match="Too many codes") as err:
            send_code(s, me, "sms", village=village)
        assert err.value.status == 429
    assert len(doubles["sms"].sent) == contact_service.CODES_PER_HOUR


def test_secret_kinds_neither_count_against_nor_stop_at_the_daily_cap(app, menanga, resident, doubles):
    with village_session(app, menanga) as s:
        village = s.get(Tenant, menanga.id)
        save_settings(s, village, {"daily_cap": 1})
        rows = notify(s, village, user(s, resident), LETTER_READY.key, {"number": "1"}, key="l1")
        assert rows[-1].status == NotificationStatus.QUEUED
        for n in range(3):
            (code,) = notify(
                s, village, user(s, resident), "contact.verify", {"code": "1"}, key=f"c{n}", address="6281"
            )
            assert code.status == NotificationStatus.QUEUED  # the cap does not stop a code
        s.commit()
        s.execute(update(Notification).values(status=NotificationStatus.SENT))
        s.commit()
        rows = notify(s, village, user(s, resident), LETTER_READY.key, {"number": "2"}, key="l2")
        assert rows[-1].status == NotificationStatus.SKIPPED  # one letter notice used the cap


# -- 4: delivery re-checks what changed since notify() ---------------------------------------------------


def _written(app, menanga, resident, key: str) -> None:  # noqa: ANN001
    with village_session(app, menanga) as s:
        notify(s, s.get(Tenant, menanga.id), user(s, resident), LETTER_READY.key, {"number": "7"}, key=key)
        s.info.pop("desa_notifications_pending", None)  # not delivered on commit: the test delivers it
        s.commit()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("opt_out", "stopped messages"),
        ("remove", "removed this contact"),
        ("address", "address changed"),
        ("village_off", "switched this channel off"),
    ],
)
def test_a_change_after_notify_skips_the_row_with_the_reason(app, menanga, resident, doubles, change, reason):
    _written(app, menanga, resident, "late")
    with village_session(app, menanga) as s:
        me = user(s, resident)
        if change == "opt_out":
            opt_out(s, me, "whatsapp")
        elif change == "remove":
            remove_contact(s, me, "whatsapp")
        elif change == "address":
            add_contact(s, me, "whatsapp", "081299998888", opt_in=True)
        else:
            save_settings(s, s.get(Tenant, menanga.id), {"channels": {"whatsapp": False}})
        row_id = _queued(s, "late").id
    with app.app_context():
        assert deliver(menanga.id, row_id) == "skipped"
    with village_session(app, menanga) as s:
        row = _queued(s, "late")
        assert row.status == NotificationStatus.SKIPPED and reason in row.error
    assert doubles["whatsapp"].sent == []


# -- 5: a secret row keeps no code or link once it is done --------------------------------------------


def test_secret_text_and_data_are_forgotten_once_sent_or_failed(app, menanga, resident, doubles):
    from desacerdas.notifications import PermanentError

    doubles["email"].outcomes = [None, PermanentError("no")]
    with village_session(app, menanga) as s:
        village = s.get(Tenant, menanga.id)
        for key in ("r1", "r2"):
            notify(s, village, user(s, resident), "auth.password_reset", RESET, key=key, address="m@x.test")
        s.commit()
        rows = [_queued(s, "r1"), _queued(s, "r2")]
        assert [r.status for r in rows] == [NotificationStatus.SENT, NotificationStatus.FAILED]
        for row in rows:
            s.refresh(row)
            assert row.body == SECRET_MASK and row.data == {} and "SECRET" not in row.subject
    assert "SECRET" in doubles["email"].sent[0].body  # the provider got the link all the same


# -- 6 and 7: one-line subjects, a bounded sandbox --------------------------------------------------------


def test_a_multi_line_value_makes_a_one_line_subject(app, menanga):
    with village_session(app, menanga) as s:
        village = s.get(Tenant, menanga.id)
        save_template(
            s, village, LETTER_READY.key, "email", "id", "Ditolak: {{ number }}", "Teks {{ number }}"
        )
        text = render(LETTER_READY.key, "email", "id", {"number": "kurang\r\nberkas\nKK"}, village, s)
    assert text.subject == "Ditolak: kurang berkas KK"
    assert render(LETTER_READY.key, "inbox", "id", {"number": "a\nb"}).subject == "Surat a b siap"


@pytest.mark.parametrize(
    "body",
    [
        "{{ 'a' * 10**9 }}",
        "{{ 7 ** (10 ** 7) }}",
        "{{ 'a'|center(10**9) }}",
        "{{ '%0999999999d' % 1 }}",
        "{{ '{:>999999999}'.format(1) }}",
        "{% for i in range(100000) %}x{% endfor %}",
        "{% for a in range(9) %}{% for b in range(9) %}{% for c in range(9) %}"
        "{% endfor %}{% endfor %}{% endfor %}",
        "{% for a in range(1000) %}{% for b in range(1000) %}xxxxxxxxxx{% endfor %}{% endfor %}",
    ],
)
def test_the_sandbox_refuses_huge_results(app, menanga, body):
    with village_session(app, menanga) as s, pytest.raises(ServiceError, match="cannot be used"):
        check(LETTER_READY, "s", body, s.get(Tenant, menanga.id))


def test_rendering_a_stored_wording_is_capped(app, menanga, resident, doubles):
    from desacerdas.models.notification import NotificationChannel, NotificationTemplate

    with village_session(app, menanga) as s:
        village = s.get(Tenant, menanga.id)
        long_loop = "{% for a in range(1000) %}{% for b in range(1000) %}xxxxxxxxxx{% endfor %}{% endfor %}"
        s.add(
            NotificationTemplate(
                tenant_id=village.id, kind=LETTER_READY.key, channel=NotificationChannel.INBOX, locale="id",
                subject="s", body=long_loop,
            )
        )  # fmt: skip
        s.commit()
        text = render(LETTER_READY.key, "inbox", "id", {"number": "1"}, village, s)
    assert len(text.body) == 5000


# -- 8: the 24-hour window belongs to the number that wrote -------------------------------------------


def test_the_window_counts_only_for_the_number_that_wrote(app, menanga, resident, doubles):
    with village_session(app, menanga) as s:
        s.execute(update(UserContact).values(last_inbound_at=datetime.now(UTC)))
        village = s.get(Tenant, menanga.id)
        notify(s, village, user(s, resident), LETTER_READY.key, {"number": "1"}, key="own")
        notify(s, village, user(s, resident), "contact.verify", {"code": "1"}, key="other", address="6281999")
        s.commit()
    windows = {m.address: m.in_session_window for m in doubles["whatsapp"].sent + doubles["sms"].sent}
    assert windows["6281200000001"] is True and windows["6281999"] is False


# -- 9: a row failed as "uncertain" learns from the provider ---------------------------------------------


def test_an_uncertain_row_is_resolved_by_its_callback_id(app, menanga, resident, doubles):
    _written(app, menanga, resident, "u1")
    with village_session(app, menanga) as s:
        row = _queued(s, "u1")
        row.status, row.updated_at = NotificationStatus.SENDING, datetime.now(UTC) - timedelta(hours=1)
        s.commit()
        row_id = str(row.id)
    with app.app_context():
        assert deliver_due()["stale"] == 1
        assert record_status(menanga.id, "wamid.late", "delivered") is False  # unknown provider id alone
        assert record_status(menanga.id, "wamid.late", "delivered", notification_id=row_id) is True
    with village_session(app, menanga) as s:
        row = _queued(s, "u1")
        assert row.status == NotificationStatus.DELIVERED and row.error is None
        assert row.provider_message_id == "wamid.late"
    with app.app_context():
        assert record_status(menanga.id, "wamid.late", "read") is True  # now known by the provider's id
    # a row that failed for a real reason stays failed
    _written(app, menanga, resident, "u2")
    with village_session(app, menanga) as s:
        row = _queued(s, "u2")
        row.status, row.error = NotificationStatus.FAILED, "The number is not on WhatsApp."
        s.commit()
        other = str(row.id)
    with app.app_context():
        assert record_status(menanga.id, "wamid.x", "delivered", notification_id=other) is False
    assert UNCERTAIN.startswith("Delivery uncertain")
