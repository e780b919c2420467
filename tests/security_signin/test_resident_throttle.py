"""Resident NIK+PIN sign-in throttle (issue 11): the same answers for NIKs with and without an
account, a lock per (NIK, client) that the resident's known device does not share, the same keys
per village, the PIN change and the reset codes on the same throttle."""

from __future__ import annotations

import re

from sg_resident_accounts.conftest import KADEK, KK_KAJA, WAYAN, sign_in
from sqlalchemy import select

from desacerdas.extensions import db
from desacerdas.models import AuditEvent

ATTACKER = {"REMOTE_ADDR": "203.0.113.66"}
NO_ACCOUNT = "5107011705900099"  # a NIK nobody has


def text(resp) -> str:  # noqa: ANN001
    return resp.get_data(as_text=True)


def scrub(resp, nik: str) -> str:  # noqa: ANN001
    html = text(resp).replace(nik, "NIK")
    return re.sub(r'name="csrf_token"[^>]*value="[^"]*"|value="[^"]*"[^>]*name="csrf_token"', "CSRF", html)


def test_nik_with_and_without_account_answer_identically_through_the_lock(va, app, open_account, clock):
    open_account(va, "wayan")
    real, fake, nobody = app.test_client(), app.test_client(), app.test_client()
    for _ in range(app.config["LOCKOUT_THRESHOLD"] + 3):
        a = sign_in(real, va, WAYAN, "999990", environ_base=ATTACKER)
        b = sign_in(fake, va, NO_ACCOUNT, "999990", environ_base=ATTACKER)
        c = sign_in(nobody, va, KADEK, "999990", environ_base=ATTACKER)  # a resident without an account
        assert a.status_code == b.status_code == c.status_code
        assert scrub(a, WAYAN) == scrub(b, NO_ACCOUNT) == scrub(c, KADEK)
        clock.advance(30)
    assert a.status_code == 429 and "Too many failed sign-in attempts. Try again in" in text(a)


def test_attacker_locked_while_the_residents_known_device_signs_in(va, app, open_account, clock):
    pin = open_account(va, "wayan")
    resident, attacker = app.test_client(), app.test_client()
    assert sign_in(resident, va, WAYAN, pin).status_code == 302  # a known device from now on
    resident.post(va.page("keluar"))
    for _ in range(app.config["LOCKOUT_THRESHOLD"]):
        sign_in(attacker, va, WAYAN, "999990", environ_base=ATTACKER)
        clock.advance(60)
    assert sign_in(attacker, va, WAYAN, pin, environ_base=ATTACKER).status_code == 429
    assert sign_in(resident, va, WAYAN, pin, environ_base=ATTACKER).status_code == 302
    with app.app_context():
        locks = list(
            db.session.scalars(
                select(AuditEvent).where(AuditEvent.action == "smart_government.account.locked")
            )
        )
        assert [e.detail.get("scope") for e in locks] == ["client"] and locks[0].tenant_id == va.id


def test_progressive_delay_and_reset_on_success(va, app, client, open_account, clock):
    pin = open_account(va, "wayan")
    for _ in range(app.config["LOGIN_DELAY_AFTER"]):
        assert sign_in(client, va, WAYAN, "999990").status_code == 401
    early = sign_in(client, va, WAYAN, pin)
    assert early.status_code == 429 and "Wait 2 seconds" in text(early)
    clock.advance(2)
    assert sign_in(client, va, WAYAN, pin).status_code == 302
    client.post(va.page("keluar"))
    for _ in range(app.config["LOGIN_DELAY_AFTER"]):
        assert sign_in(client, va, WAYAN, "999990").status_code == 401  # counters started again


def test_a_lock_in_one_village_is_not_a_lock_in_another(va, vb, app, open_account, clock):
    open_account(va, "wayan")
    pin_b = open_account(vb, "wayan")  # the same NIK in village B (another registry)
    attacker = app.test_client()
    for _ in range(app.config["LOCKOUT_THRESHOLD"]):
        sign_in(attacker, va, WAYAN, "999990", environ_base=ATTACKER)
        clock.advance(60)
    assert sign_in(attacker, va, WAYAN, "999990", environ_base=ATTACKER).status_code == 429
    assert sign_in(attacker, vb, WAYAN, pin_b, environ_base=ATTACKER).status_code == 302


def test_api_sign_in_is_throttled_alike(va, app, open_account, clock):
    pin = open_account(va, "wayan")
    api = app.test_client()
    url = va.api("sign-in")
    for _ in range(app.config["LOGIN_DELAY_AFTER"]):
        assert api.post(url, json={"nik": WAYAN, "pin": "999990"}).status_code == 401
        assert api.post(url, json={"nik": NO_ACCOUNT, "pin": "999990"}).status_code == 401
    real = api.post(url, json={"nik": WAYAN, "pin": pin})
    fake = api.post(url, json={"nik": NO_ACCOUNT, "pin": pin})
    assert real.status_code == fake.status_code == 429
    assert real.get_json()["error"] == fake.get_json()["error"]


def test_wrong_current_pin_counts_on_the_same_throttle(va, app, client, open_account, clock):
    pin = open_account(va, "wayan")
    assert sign_in(client, va, WAYAN, pin).status_code == 302
    for _ in range(app.config["LOGIN_DELAY_AFTER"]):
        wrong = client.post(va.page("pin"), data={"current": "999990", "new": "482915", "confirm": "482915"})
        assert wrong.status_code == 400
    early = client.post(va.page("pin"), data={"current": pin, "new": "482915", "confirm": "482915"})
    assert early.status_code == 429 and "Wait 2 seconds" in text(early)
    clock.advance(2)
    ok = client.post(va.page("pin"), data={"current": pin, "new": "482915", "confirm": "482915"})
    assert ok.status_code == 302


def _forgot(client, village, nik=WAYAN):  # noqa: ANN001
    resp = client.post(
        village.page("lupa-pin"), data={"nik": nik, "kk_number": KK_KAJA, "birth_date": "1990-05-17"}
    )
    return re.search(r'name="ticket" value="([^"]+)"', text(resp)).group(1)


def _reset(client, village, ticket, code):  # noqa: ANN001
    data = {"ticket": ticket, "code": code, "new": "482915", "confirm": "482915"}
    return client.post(village.page("lupa-pin/kode"), data=data)


def test_reset_codes_throttled_the_same_for_real_and_invented_tickets(va, app, open_account, codes, clock):
    open_account(va, "wayan")
    real_client, fake_client = app.test_client(), app.test_client()
    real = _forgot(real_client, va)
    fake = _forgot(fake_client, va, NO_ACCOUNT)
    code = codes.sent[0][2]
    guess = "999990" if code != "999990" else "999991"
    for _ in range(app.config["LOCKOUT_THRESHOLD"]):
        a, b = _reset(real_client, va, real, guess), _reset(fake_client, va, fake, guess)
        assert a.status_code == b.status_code
        clock.advance(60)
    a, b = _reset(real_client, va, real, code), _reset(fake_client, va, fake, code)
    assert a.status_code == b.status_code == 429 and "Too many failed" in text(a)
