"""What replaced the log-only senders: the password reset link by e-mail (a real SMTP server on
loopback), the PIN reset code by SMS (the local gateway; the hourly limit kept), a registration's
decision, and the daily reminder about letter requests past the service standard."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sg_resident_accounts.conftest import KK_KAJA, WAYAN
from sg_resident_accounts.conftest import prepare as prepare_accounts
from sg_resident_accounts.test_registration import ask, reference_of
from smart_government.accounts import registration, review
from smart_government.accounts import service as accounts
from smart_government.letters import reminders
from smart_government.letters.models import LetterRequest
from smart_government.registry import get_resident
from sqlalchemy import update

from desacerdas.extensions import db
from desacerdas.models import Tenant, User
from desacerdas.tenancy import tenant_session

from .conftest import online_request, outbox, village


def test_password_reset_link_goes_by_email_to_the_village_outbox(
    app, client, menanga, make_user, smtp, caplog
):
    head = make_user("village_head", menanga)
    assert client.post("/auth/reset", data={"login": head.email}).status_code == 302
    [mail] = smtp.messages
    link = re.search(r"(http://\S+/auth/reset/\S+)", mail.get_content()).group(1)
    assert mail["To"] == head.email and "/auth/reset/" not in caplog.text
    [row] = outbox(app, menanga.id, kind="auth.password_reset")  # secret: no inbox copy
    assert (row["channel"], row["status"], row["secret"], row["address"]) == (
        "email",
        "sent",
        True,
        head.email,
    )
    path = link.split("localhost", 1)[1]
    resp = client.post(path, data={"new": "a brand new secret", "confirm": "a brand new secret"})
    assert resp.status_code == 302


def test_password_reset_of_a_platform_admin_is_a_platform_message(app, client, make_user, smtp):
    admin = make_user("platform_admin")
    client.post("/auth/reset", data={"login": admin.email})
    assert len(smtp.messages) == 1
    [row] = outbox(app, None, kind="auth.password_reset")
    assert row["recipient_user_id"] == admin.id and row["status"] == "sent"


def test_without_a_mail_server_the_link_still_reaches_the_log(app, client, make_user, caplog):
    person = make_user()
    client.post("/auth/reset", data={"login": person.email})
    assert re.search(r"http://\S+/auth/reset/\S+", caplog.text)
    assert not outbox(app, None, kind="auth.password_reset")


@pytest.fixture
def open_account_wayan(app, menanga):  # noqa: ANN001, ANN201
    va = prepare_accounts(app, menanga)
    with app.app_context():
        tenant = db.session.get(Tenant, va.id)
        with tenant_session(va.id) as s:
            accounts.create_account(tenant, s, get_resident(s, va.residents["wayan"]), None)
            s.commit()
    return va


def _pin_code(app, va) -> str:  # noqa: ANN001
    with app.app_context():
        tenant = db.session.get(Tenant, va.id)
        with tenant_session(va.id) as s:
            return accounts.request_pin_code(tenant, s, WAYAN, KK_KAJA, date(1990, 5, 17))


def test_pin_reset_code_by_sms_secret_and_still_three_an_hour(app, open_account_wayan, providers):
    va = open_account_wayan
    ticket = _pin_code(app, va)
    [sms] = providers.sms_requests()
    assert sms.form["to"] == "6281234567890"
    code = re.search(r"\b(\d{6})\b", sms.form["message"]).group(1)
    rows = outbox(app, va.id, kind="smart_government.pin_code")
    assert [(r["channel"], r["secret"], r["status"]) for r in rows] == [("sms", True, "sent")]
    with app.app_context():
        tenant = db.session.get(Tenant, va.id)
        with tenant_session(va.id) as s:
            accounts.reset_pin_with_code(tenant, s, ticket, code, "582947")
    for _ in range(3):
        _pin_code(app, va)
    assert len(providers.sms_requests()) == 3  # the fourth code within the hour is not sent


def test_pin_code_goes_by_whatsapp_when_sms_is_off(app, open_account_wayan, providers, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_URL", None)
    _pin_code(app, open_account_wayan)
    assert not providers.sms_requests()
    [wa] = providers.whatsapp_requests()
    assert wa.json["template"]["name"] == "desa_pin_code"


def test_pin_code_without_any_gateway_goes_to_the_log(app, open_account_wayan, caplog):
    _pin_code(app, open_account_wayan)
    assert "PIN reset code for a resident" in caplog.text
    assert not outbox(app, open_account_wayan.id, kind="smart_government.pin_code")


def test_registration_decisions_reach_the_applicant(app, client, menanga, make_user):
    va = prepare_accounts(app, menanga)
    reviewer = make_user("village_secretary", menanga)
    reference = reference_of(ask(client, va))
    with app.app_context():
        tenant = db.session.get(Tenant, va.id)
        with tenant_session(va.id) as s:
            review.approve(tenant, s, registration.get(s, reference), s.get(User, reviewer.id))
            account = accounts.account_for_resident(s, va.residents["wayan"])
            user_id = account.user_id
    [row] = outbox(app, va.id, kind="smart_government.registration_approved")
    assert row["recipient_user_id"] == user_id and row["channel"] == "inbox"
    assert "pendaftaran Anda di" in row["body"] and "NIK dan PIN" in row["body"]
    # A closed account asking again and being refused hears the reason.
    with app.app_context():
        tenant = db.session.get(Tenant, va.id)
        with tenant_session(va.id) as s:
            accounts.deactivate(tenant, s, accounts.account_for_resident(s, va.residents["wayan"]), None)
            s.commit()
    again = reference_of(ask(client, va))
    with app.app_context():
        tenant = db.session.get(Tenant, va.id)
        with tenant_session(va.id) as s:
            review.reject(tenant, s, registration.get(s, again), s.get(User, reviewer.id), "Foto KTP buram.")
    [refused] = outbox(app, va.id, kind="smart_government.registration_rejected")
    assert refused["recipient_user_id"] == user_id and "Foto KTP buram." in refused["body"]


def test_daily_reminder_of_requests_past_the_service_standard(app, lv):
    with village(app, lv.id) as (s, tenant):
        req = online_request(s, tenant, lv)
        s.execute(
            update(LetterRequest)
            .where(LetterRequest.id == req.id)
            .values(submitted_at=datetime.now(UTC) - timedelta(days=5))
        )
        s.commit()
        fresh = online_request(s, tenant, lv, "made")  # Kelod, today: not overdue
        assert fresh.hamlet_id == lv.kelod
    with app.app_context():
        done = reminders.remind_all()
        assert done["told"] == 4 and done["villages"] == 1
        assert reminders.remind_all()["told"] == 4  # the same day again: nothing new is written
    told = outbox(app, lv.id, kind="smart_government.letter_overdue", channel="inbox")
    expected = {lv.people[k].id for k in ("head", "secretary", "operator", "kelian_kaja")}
    assert {r["recipient_user_id"] for r in told} == expected and len(told) == 4
    assert "1 permohonan surat" in told[0]["subject"]


def test_the_reminder_is_a_periodic_task(app):
    from desacerdas.jobs.schedule import beat_schedule

    assert "smart_government.letters.remind_overdue" in beat_schedule()
