"""Staff sign-in throttle (issue 11): the same answers for real and invented logins, a progressive
delay then a lock per (account, client), the account closed to unknown clients after many failures,
and the clerk's known device that keeps working through someone else's attack."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from desacerdas.extensions import db
from desacerdas.models import AuditEvent, User
from desacerdas.models.login_throttle import LoginThrottle
from desacerdas.services import login_throttle

ATTACKER = {"REMOTE_ADDR": "203.0.113.66"}
OTHER_ATTACKER = {"REMOTE_ADDR": "198.51.100.7"}
WRONG = "definitely not it"


def post(client, login: str, password: str, env: dict | None = None):  # noqa: ANN001
    return client.post("/auth/login", data={"login": login, "password": password}, environ_base=env or {})


def flashed(resp) -> str:  # noqa: ANN001
    """The flashed message, without the CSRF token and the echoed login (which differ by design)."""
    html = resp.get_data(as_text=True)
    found = re.findall(r'class="[^"]*flash[^"]*"[^>]*>(.*?)<', html, re.S)
    return " ".join(f.strip() for f in found)


def body_without_login(resp, login: str) -> str:  # noqa: ANN001
    html = resp.get_data(as_text=True).replace(login, "LOGIN")
    return re.sub(r'name="csrf_token"[^>]*value="[^"]*"|value="[^"]*"[^>]*name="csrf_token"', "CSRF", html)


def actions(app, name: str) -> list[AuditEvent]:
    with app.app_context():
        rows = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == name)))
        db.session.expunge_all()
        return rows


def test_unknown_and_existing_logins_answer_identically_through_the_lock(app, make_user, clock):
    person = make_user()
    unknown = "nobody-here@example.test"
    real, fake = app.test_client(), app.test_client()
    threshold = app.config["LOCKOUT_THRESHOLD"]
    seen = []
    for _ in range(threshold + 2):
        a = post(real, person.email, WRONG, ATTACKER)
        b = post(fake, unknown, WRONG, ATTACKER)
        assert a.status_code == b.status_code
        assert body_without_login(a, person.email) == body_without_login(b, unknown)
        seen.append(a.status_code)
        clock.advance(1)  # not long enough for the delay after the first few
    assert 401 in seen and 429 in seen
    # Wait out every delay and reach the lock for both.
    for _ in range(threshold):
        clock.advance(60)
        a, b = post(real, person.email, WRONG, ATTACKER), post(fake, unknown, WRONG, ATTACKER)
        assert a.status_code == b.status_code
    locked_real = post(real, person.email, person.password, ATTACKER)  # even the right password
    locked_fake = post(fake, unknown, person.password, ATTACKER)
    assert locked_real.status_code == locked_fake.status_code == 429
    assert "Too many failed sign-in attempts. Try again in" in locked_real.get_data(as_text=True)
    assert body_without_login(locked_real, person.email) == body_without_login(locked_fake, unknown)
    scopes = sorted(e.detail.get("scope") for e in actions(app, "auth.locked"))
    assert scopes == ["client", "client"]  # one lock of the real login, one of the invented one


def test_progressive_delay_then_lock(app, client, make_user, clock):
    app.config.update(LOGIN_DELAY_AFTER=2, LOCKOUT_THRESHOLD=6)
    try:
        person = make_user()
        assert post(client, person.email, WRONG).status_code == 401
        assert post(client, person.email, WRONG).status_code == 401  # 2 failures: now the delay
        early = post(client, person.email, person.password)
        assert early.status_code == 429 and "Wait 2 seconds" in early.get_data(as_text=True)
        clock.advance(2)
        assert post(client, person.email, WRONG).status_code == 401  # 3 failures: wait 4 s
        clock.advance(3)
        assert "Wait 1 second " in post(client, person.email, WRONG).get_data(as_text=True)
        clock.advance(1)
        assert post(client, person.email, WRONG).status_code == 401  # 4: wait 8 s
        clock.advance(7.5)
        assert post(client, person.email, WRONG).status_code == 429
        clock.advance(0.5)
        assert post(client, person.email, WRONG).status_code == 401  # 5: wait 16 s
        clock.advance(16)
        assert post(client, person.email, WRONG).status_code == 401  # 6: locked
        clock.advance(120.5)
        locked = post(client, person.email, person.password)
        assert locked.status_code == 429 and "Try again in 13 minutes" in locked.get_data(as_text=True)
        clock.advance(13 * 60)  # the lock is over: the right password works, counters start again
        assert post(client, person.email, person.password).status_code == 302
        with app.app_context():
            assert (
                db.session.scalar(select(func.count(LoginThrottle.id)).where(LoginThrottle.client_key != ""))
                == 0
            )
    finally:
        app.config.update(LOGIN_DELAY_AFTER=3, LOCKOUT_THRESHOLD=5)


def test_a_refused_early_try_does_not_check_the_password_nor_count(app, client, make_user, clock):
    person = make_user()
    for _ in range(app.config["LOGIN_DELAY_AFTER"]):
        post(client, person.email, WRONG)
    for _ in range(20):  # hammering during the delay neither counts nor locks
        assert post(client, person.email, WRONG).status_code == 429
    clock.advance(2)
    assert post(client, person.email, person.password).status_code == 302


def test_success_resets_the_limits(app, client, make_user, clock):
    person = make_user()
    for _ in range(app.config["LOGIN_DELAY_AFTER"] - 1):
        assert post(client, person.email, WRONG).status_code == 401
    assert post(client, person.email, person.password).status_code == 302
    client.post("/auth/logout")
    for _ in range(app.config["LOGIN_DELAY_AFTER"]):  # a full allowance again, no delay yet
        assert post(client, person.email, WRONG).status_code == 401
    clock.advance(2)
    assert post(client, person.email, person.password).status_code == 302


def test_attacker_locked_while_the_clerks_known_device_signs_in(app, make_user, clock):
    person = make_user()
    clerk, attacker = app.test_client(), app.test_client()
    first = post(clerk, person.email, person.password)  # the clerk's browser becomes a known device
    assert first.status_code == 302
    cookie = first.headers.getlist("Set-Cookie")
    device = next(c for c in cookie if c.startswith(login_throttle.COOKIE_NAME + "="))
    assert "HttpOnly" in device and "SameSite=Lax" in device and "Max-Age=" in device
    clerk.post("/auth/logout")
    for _ in range(app.config["LOCKOUT_THRESHOLD"]):
        post(attacker, person.email, WRONG, ATTACKER)
        clock.advance(60)
    assert post(attacker, person.email, person.password, ATTACKER).status_code == 429
    # The clerk, from the same address as the attacker even, is not blocked on their known device.
    assert post(clerk, person.email, person.password, ATTACKER).status_code == 302
    assert clerk.get("/auth/").status_code == 200
    # A forged or foreign cookie is just an unknown client.
    attacker.set_cookie(login_throttle.COOKIE_NAME, "forged.value.here")
    assert post(attacker, person.email, person.password, ATTACKER).status_code == 429


def test_a_device_cookie_of_another_account_does_not_help(app, make_user, clock):
    mine, victim = make_user(), make_user()
    attacker = app.test_client()
    assert post(attacker, mine.email, mine.password, ATTACKER).status_code == 302  # known for "mine" only
    attacker.post("/auth/logout")
    for _ in range(app.config["LOCKOUT_THRESHOLD"]):
        post(attacker, victim.email, WRONG, ATTACKER)
        clock.advance(60)
    assert post(attacker, victim.email, victim.password, ATTACKER).status_code == 429


def test_account_wide_limit_admits_only_known_devices(app, make_user, clock):
    app.config.update(LOGIN_ACCOUNT_LIMIT=6)
    try:
        person = make_user()
        clerk = app.test_client()
        assert post(clerk, person.email, person.password).status_code == 302
        clerk.post("/auth/logout")
        unknown_login = "invented@example.test"
        for n in range(6):  # from many addresses: each address stays under its own limits
            env = {"REMOTE_ADDR": f"192.0.2.{n + 1}"}
            post(app.test_client(), person.email, WRONG, env)
            post(app.test_client(), unknown_login, WRONG, env)
        fresh = {"REMOTE_ADDR": "192.0.2.200"}
        refused = post(app.test_client(), person.email, person.password, fresh)
        refused_unknown = post(app.test_client(), unknown_login, person.password, fresh)
        assert refused.status_code == refused_unknown.status_code == 429
        assert "Too many failed" in flashed(refused) and flashed(refused) == flashed(refused_unknown)
        assert post(clerk, person.email, person.password, fresh).status_code == 302  # known device
        scopes = [e.detail.get("scope") for e in actions(app, "auth.locked")]
        assert scopes.count("account") == 2
        clock.advance(app.config["LOCKOUT_MINUTES"] * 60 + 1)
        assert post(app.test_client(), person.email, person.password, fresh).status_code == 302
    finally:
        app.config.update(LOGIN_ACCOUNT_LIMIT=50)


def test_old_account_columns_are_not_used_for_sign_in(app, client, make_user, clock):
    person = make_user()
    for _ in range(app.config["LOCKOUT_THRESHOLD"]):
        post(client, person.email, WRONG)
        clock.advance(60)
    with app.app_context():
        user = db.session.get(User, person.id)
        assert (user.failed_logins or 0) == 0 and user.locked_until is None


def test_rows_hold_no_login_nor_address(app, client, make_user):
    person = make_user()
    post(client, person.email, WRONG, ATTACKER)
    with app.app_context():
        rows = list(db.session.scalars(select(LoginThrottle)))
        text = " ".join(f"{r.account_key} {r.client_key}" for r in rows)
    assert rows and person.email not in text and ATTACKER["REMOTE_ADDR"] not in text
    assert {len(r.account_key) for r in rows} == {64}


@pytest.mark.parametrize("env", ["production"])
def test_device_cookie_is_secure_in_production(app, make_user, env):
    person = make_user()
    app.config["SESSION_COOKIE_SECURE"] = True
    try:
        resp = post(app.test_client(), person.email, person.password)
    finally:
        app.config["SESSION_COOKIE_SECURE"] = False
    device = next(c for c in resp.headers.getlist("Set-Cookie") if c.startswith("desa_device="))
    assert "Secure" in device


def test_purge_keeps_live_rows(app, client, make_user, clock):
    person = make_user()
    post(client, person.email, WRONG)
    with app.app_context():
        assert login_throttle.purge(db.session) == 0
        clock.advance(2 * 86400)
        assert login_throttle.purge(db.session) == 2  # the pair and the account-wide row
        db.session.commit()
