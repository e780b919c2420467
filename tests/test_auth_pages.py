"""Signing in and out, lockout, rate limits, password change and reset, sessions, tokens."""

from __future__ import annotations

import re

from sqlalchemy import select

from desacerdas.extensions import db, limiter
from desacerdas.models import AuditEvent, User
from desacerdas.services import auth as auth_service

NEW_PASSWORD = "a much better passphrase"


def _actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_login_logout_and_audit(app, client, make_user):
    person = make_user()
    resp = client.post("/auth/login", data={"login": person.email, "password": "wrong password!"})
    assert resp.status_code == 401
    assert "Wrong email/phone or password" in resp.get_data(as_text=True)
    resp = client.post("/auth/login", data={"login": person.email.upper(), "password": person.password})
    assert resp.status_code == 302
    assert client.get("/auth/").status_code == 200
    client.post("/auth/logout")
    assert client.get("/auth/").status_code == 302
    assert {"auth.login_failed", "auth.login"} <= set(_actions(app))


def test_unknown_account_fails_the_same_way(client):
    resp = client.post("/auth/login", data={"login": "nobody@example.test", "password": "whatever12345"})
    assert resp.status_code == 401
    assert "Wrong email/phone or password" in resp.get_data(as_text=True)


def test_open_redirect_is_refused(client, make_user):
    person = make_user()
    resp = client.post(
        "/auth/login?next=//evil.example/", data={"login": person.email, "password": person.password}
    )
    assert resp.headers["Location"].endswith("/auth/")


def test_lockout_after_repeated_failures(app, client, make_user):
    person = make_user()
    app.config["LOGIN_DELAY_AFTER"] = 100  # the delay has its own tests (tests/security_signin)
    try:
        for _ in range(app.config["LOCKOUT_THRESHOLD"]):
            client.post("/auth/login", data={"login": person.email, "password": "nope nope nope"})
        resp = client.post("/auth/login", data={"login": person.email, "password": person.password})
    finally:
        app.config["LOGIN_DELAY_AFTER"] = 3
    assert resp.status_code == 429
    assert "Too many failed sign-in attempts" in resp.get_data(as_text=True)
    assert "auth.locked" in _actions(app)


def test_login_rate_limit_answers_429(app, client, make_user):
    person = make_user()
    app.config["LOGIN_LIMIT"] = "3 per minute"
    try:
        codes = [
            client.post("/auth/login", data={"login": person.email, "password": "x" * 12}).status_code
            for _ in range(4)
        ]
    finally:
        app.config["LOGIN_LIMIT"] = "1000 per minute"
        with app.app_context():
            limiter.reset()
    assert codes[:3] == [401, 401, 401]
    assert codes[3] == 429


def test_password_change_ends_other_sessions(app, make_user, login):
    person = make_user()
    phone, laptop = app.test_client(), app.test_client()
    login(person, phone)
    login(person, laptop)
    resp = laptop.post(
        "/auth/password", data={"current": person.password, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert resp.status_code == 302
    assert laptop.get("/auth/").status_code == 200  # this session stays
    assert phone.get("/auth/").status_code == 302  # the other one is gone


def test_password_change_refuses_wrong_current_and_weak(app, client, make_user, login):
    person = make_user()
    login(person)
    resp = client.post(
        "/auth/password", data={"current": "not it at all", "new": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert resp.status_code == 400
    resp = client.post(
        "/auth/password", data={"current": person.password, "new": "1234567890", "confirm": "1234567890"}
    )
    assert resp.status_code == 400


def test_sign_out_everywhere(app, make_user, login):
    person = make_user()
    a, b = app.test_client(), app.test_client()
    login(person, a)
    login(person, b)
    a.post("/auth/sign-out-everywhere")
    assert a.get("/auth/").status_code == 302
    assert b.get("/auth/").status_code == 302


def test_password_reset_flow(app, client, make_user, caplog):
    person = make_user()
    client.post("/auth/reset", data={"login": person.email})
    link = re.search(r"(http://\S+/auth/reset/\S+)", caplog.text).group(1)
    path = link.split("localhost", 1)[1]
    assert client.get(path).status_code == 200
    resp = client.post(path, data={"new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert resp.status_code == 302
    assert (
        client.post("/auth/login", data={"login": person.email, "password": NEW_PASSWORD}).status_code == 302
    )
    # The link works once.
    resp = client.get(path, follow_redirects=True)
    assert "already been used" in resp.get_data(as_text=True)


def test_reset_for_unknown_account_says_the_same(client, caplog):
    resp = client.post("/auth/reset", data={"login": "ghost@example.test"}, follow_redirects=True)
    assert "If the account exists" in resp.get_data(as_text=True)
    assert "/auth/reset/" not in caplog.text


def test_expired_and_forged_reset_tokens(app, client, make_user):
    person = make_user()
    with app.app_context():
        token = auth_service.make_reset_token(db.session.get(User, person.id))
    app.config["RESET_TOKEN_MAX_AGE"] = -1
    try:
        resp = client.get(f"/auth/reset/{token}", follow_redirects=True)
    finally:
        app.config["RESET_TOKEN_MAX_AGE"] = 3600
    assert "expired" in resp.get_data(as_text=True)
    resp = client.get(f"/auth/reset/{token}x", follow_redirects=True)
    assert "not valid" in resp.get_data(as_text=True)


def test_api_token_page_shows_token_once(app, client, make_user, login):
    person = make_user()
    login(person)
    resp = client.post("/auth/tokens", data={"name": "laptop"})
    body = resp.get_data(as_text=True)
    token = re.search(r'id="new-token">(dc_[^<]+)<', body).group(1)
    assert token not in client.get("/auth/tokens").get_data(as_text=True)
    with app.app_context():
        assert auth_service.user_for_api_token(token).id == person.id
        stored = db.session.scalar(select(auth_service.ApiToken))
        assert stored.token_hash.startswith("$argon2id$") and token not in stored.token_hash
        token_id = stored.id
    client.post(f"/auth/tokens/{token_id}/revoke")
    with app.app_context():
        assert auth_service.user_for_api_token(token) is None


def test_passwords_are_argon2id_with_owasp_parameters(app, make_user):
    person = make_user()
    with app.app_context():
        stored = db.session.get(User, person.id).password_hash
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_csrf_is_enforced_on_forms(db_urls, tmp_path_factory, make_user):
    from conftest import make_app

    strict = make_app(db_urls, tmp_path_factory, WTF_CSRF_ENABLED=True)
    person = make_user()
    c = strict.test_client()
    resp = c.post("/auth/login", data={"login": person.email, "password": person.password})
    assert resp.status_code == 400
    page = c.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    resp = c.post(
        "/auth/login", data={"login": person.email, "password": person.password, "csrf_token": token}
    )
    assert resp.status_code == 302


def test_next_parameter_cannot_leave_the_site(client, make_user):
    person = make_user()
    for target in (
        "/%09/evil.example",
        "/\\evil.example",
        "//evil.example",
        "https://evil.example/",
        "/%0a/x",
    ):
        resp = client.post(
            f"/auth/login?next={target}", data={"login": person.email, "password": person.password}
        )
        assert resp.status_code == 302, target
        assert resp.headers["Location"].endswith("/auth/"), (target, resp.headers["Location"])
    resp = client.post(
        "/auth/login?next=/desa/menanga/", data={"login": person.email, "password": person.password}
    )
    assert resp.headers["Location"].endswith("/desa/menanga/")


def test_reset_and_sign_out_everywhere_revoke_api_tokens(app, client, make_user, caplog):
    person = make_user()
    with app.app_context():
        user = db.session.get(User, person.id)
        _t, first = auth_service.create_api_token(user, "laptop")
    client.post("/auth/reset", data={"login": person.email})
    path = re.search(r"(http://\S+/auth/reset/\S+)", caplog.text).group(1).split("localhost", 1)[1]
    client.post(path, data={"new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    with app.app_context():
        assert auth_service.user_for_api_token(first) is None
        _t, second = auth_service.create_api_token(db.session.get(User, person.id), "phone")
    client.post("/auth/login", data={"login": person.email, "password": NEW_PASSWORD})
    client.post("/auth/sign-out-everywhere")
    with app.app_context():
        assert auth_service.user_for_api_token(second) is None
