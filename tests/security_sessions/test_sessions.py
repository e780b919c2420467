"""Server-side sessions (issue 11): a copied cookie is dead once its session ends."""

from __future__ import annotations

import re
from datetime import timedelta

from sg_resident_accounts.conftest import WAYAN
from sg_resident_accounts.conftest import sign_in as resident_sign_in
from sqlalchemy import select

from desacerdas.auth import sessions
from desacerdas.extensions import db
from desacerdas.models import User
from desacerdas.models.user_session import UserSession
from desacerdas.testing import support


def copy_of(app, client):  # noqa: ANN001, ANN201
    """A second browser holding a copy of ``client``'s session cookie (what a thief would have)."""
    value = client.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", value)
    return thief


def rows(app, person) -> list[UserSession]:  # noqa: ANN001
    with app.app_context():
        found = db.session.scalars(select(UserSession).where(UserSession.user_id == person.id)).all()
        db.session.expunge_all()
        return list(found)


def test_sign_in_stores_only_a_hash_and_a_summary(app, client, make_user):
    person = make_user()
    support.sign_in(client, person)
    with client.session_transaction() as s:
        token = s[sessions.SESSION_KEY]
    [row] = rows(app, person)
    assert row.token_hash == sessions._hash(token) and token not in row.token_hash
    assert row.ended_at is None and len(row.user_agent) <= 120 and row.session_version == 1


def test_copied_cookie_is_dead_after_logout(app, client, make_user):
    person = make_user()
    support.sign_in(client, person)
    thief = copy_of(app, client)
    assert thief.get("/auth/").status_code == 200
    assert client.post("/auth/logout").status_code == 302
    assert thief.get("/auth/").status_code == 302
    assert thief.get("/auth/tokens").status_code == 302
    [row] = rows(app, person)
    assert row.end_reason == "signed_out"


def test_copied_cookie_is_dead_after_sign_out_everywhere(app, client, make_user):
    person = make_user()
    support.sign_in(client, person)
    other = app.test_client()
    support.sign_in(other, person)
    thief = copy_of(app, client)
    assert client.post("/auth/sign-out-everywhere").status_code == 302
    for browser in (client, other, thief):
        assert browser.get("/auth/").status_code == 302
    assert all(r.ended_at is not None for r in rows(app, person))


def test_password_change_keeps_this_browser_and_ends_the_others(app, client, make_user):
    person = make_user()
    support.sign_in(client, person)
    laptop = app.test_client()
    support.sign_in(laptop, person)
    thief = copy_of(app, client)
    new = "another-long-pass-123"
    resp = client.post("/auth/password", data={"current": person.password, "new": new, "confirm": new})
    assert resp.status_code == 302
    assert client.get("/auth/").status_code == 200
    assert laptop.get("/auth/").status_code == 302
    assert thief.get("/auth/").status_code == 302  # the cookie from before the change is dead too
    live = [r for r in rows(app, person) if r.ended_at is None]
    assert len(live) == 1


def test_password_reset_ends_every_session(app, client, make_user):
    from desacerdas.services import auth as auth_service

    person = make_user()
    support.sign_in(client, person)
    thief = copy_of(app, client)
    with app.app_context():
        auth_service.set_password(db.session.get(User, person.id), "a-reset-long-pass-9", reason="reset")
    assert client.get("/auth/").status_code == 302
    assert thief.get("/auth/").status_code == 302


def test_suspension_ends_sessions_at_once(app, client, make_user):
    person = make_user()
    support.sign_in(client, person)
    with app.app_context():
        db.session.get(User, person.id).active = False
        db.session.commit()
    assert client.get("/auth/").status_code == 302
    with app.app_context():  # opened again, the old session does not come back
        db.session.get(User, person.id).active = True
        db.session.commit()
    assert client.get("/auth/").status_code == 302


def test_idle_sessions_end(app, client, make_user, monkeypatch):
    person = make_user()
    support.sign_in(client, person)
    start = sessions.now()
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 30)
    monkeypatch.setattr(sessions, "now", lambda: start + timedelta(minutes=20))
    assert client.get("/auth/").status_code == 200  # used: last_seen_at moves on
    monkeypatch.setattr(sessions, "now", lambda: start + timedelta(minutes=45))
    assert client.get("/auth/").status_code == 200  # 25 minutes after the last use
    monkeypatch.setattr(sessions, "now", lambda: start + timedelta(minutes=76))
    assert client.get("/auth/").status_code == 302
    [row] = rows(app, person)
    assert row.end_reason == "idle"


def test_last_seen_is_written_at_most_once_a_minute(app, client, make_user, monkeypatch):
    person = make_user()
    support.sign_in(client, person)
    [before] = rows(app, person)
    start = sessions.now()
    monkeypatch.setattr(sessions, "now", lambda: start + timedelta(seconds=30))
    client.get("/auth/")
    assert rows(app, person)[0].last_seen_at == before.last_seen_at
    monkeypatch.setattr(sessions, "now", lambda: start + timedelta(seconds=90))
    client.get("/auth/")
    assert rows(app, person)[0].last_seen_at != before.last_seen_at


def test_absolute_lifetime_ends_a_busy_session(app, client, make_user, monkeypatch):
    person = make_user()
    support.sign_in(client, person)
    start = sessions.now()
    monkeypatch.setitem(app.config, "SESSION_ABSOLUTE_HOURS", 2)
    for minutes in (50, 100):
        monkeypatch.setattr(sessions, "now", lambda m=minutes: start + timedelta(minutes=m))
        assert client.get("/auth/").status_code == 200
    monkeypatch.setattr(sessions, "now", lambda: start + timedelta(minutes=121))
    assert client.get("/auth/").status_code == 302
    assert rows(app, person)[0].end_reason == "expired"


def test_a_cookie_without_a_server_session_is_refused(app, client, make_user):
    person = make_user()
    support.sign_in(client, person)
    with client.session_transaction() as s:
        s.pop(sessions.SESSION_KEY)
    assert client.get("/auth/").status_code == 302
    support.sign_in(client, person)
    with client.session_transaction() as s:
        s[sessions.SESSION_KEY] = "made-up"
    assert client.get("/auth/").status_code == 302


def test_sessions_page_lists_and_ends_devices(app, client, make_user):
    person = make_user()
    support.sign_in(client, person)
    phone = app.test_client()
    phone.post(
        "/auth/login",
        data={"login": person.email, "password": person.password},
        headers={"User-Agent": "Phone browser " + "x" * 300},
    )
    home = client.get("/auth/").get_data(as_text=True)
    assert "/auth/sessions" in home
    page = client.get("/auth/sessions").get_data(as_text=True)
    assert "Phone browser" in page and "x" * 130 not in page and "this device" in page
    phone_row = next(r for r in rows(app, person) if r.user_agent.startswith("Phone"))
    assert client.post(f"/auth/sessions/{phone_row.id}/end").status_code == 302
    assert phone.get("/auth/").status_code == 302
    assert client.get("/auth/").status_code == 200
    assert client.post(f"/auth/sessions/{phone_row.id}/end").status_code == 404  # already ended


def test_end_every_other_device(app, client, make_user):
    person = make_user()
    support.sign_in(client, person)
    others = [app.test_client() for _ in range(2)]
    for other in others:
        support.sign_in(other, person)
    assert client.post("/auth/sessions/end-others").status_code == 302
    assert client.get("/auth/").status_code == 200
    assert all(o.get("/auth/").status_code == 302 for o in others)


def test_ending_this_device_signs_out(app, client, make_user):
    person = make_user()
    support.sign_in(client, person)
    [row] = rows(app, person)
    assert client.post(f"/auth/sessions/{row.id}/end").status_code == 302
    assert client.get("/auth/").status_code == 302


def test_another_users_session_cannot_be_ended_or_seen(app, client, make_user):
    me, other = make_user(), make_user()
    support.sign_in(client, me)
    theirs = app.test_client()
    support.sign_in(theirs, other)
    [their_row] = rows(app, other)
    assert client.post(f"/auth/sessions/{their_row.id}/end").status_code == 404
    assert client.post("/auth/sessions/999999/end").status_code == 404
    assert theirs.get("/auth/").status_code == 200
    page = client.get("/auth/sessions").get_data(as_text=True)
    assert f"/auth/sessions/{their_row.id}/end" not in page


def test_sessions_page_needs_sign_in(client):
    assert client.get("/auth/sessions").status_code == 302
    assert client.post("/auth/sessions/1/end").status_code == 302
    assert client.post("/auth/sessions/end-others").status_code == 302


def test_sessions_page_in_indonesian(app, client, make_user):
    person = make_user()
    support.sign_in(client, person)
    page = client.get("/auth/sessions", headers={"Accept-Language": "id"}).get_data(as_text=True)
    assert "<h1>" in page


def test_forms_need_csrf(db_urls, tmp_path_factory, make_user):
    from conftest import make_app

    strict = make_app(db_urls, tmp_path_factory, WTF_CSRF_ENABLED=True)
    person = make_user()
    c = strict.test_client()
    page = c.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    c.post("/auth/login", data={"login": person.email, "password": person.password, "csrf_token": token})
    with strict.app_context():
        [row] = db.session.scalars(select(UserSession).where(UserSession.user_id == person.id)).all()
        row_id = row.id
    assert c.post(f"/auth/sessions/{row_id}/end").status_code == 400
    assert c.post("/auth/sessions/end-others").status_code == 400
    assert c.get("/auth/").status_code == 200  # still signed in
    page = c.get("/auth/sessions").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert c.post("/auth/sessions/end-others", data={"csrf_token": token}).status_code == 302


def test_purge_removes_old_rows(app, client, make_user):
    person = make_user()
    support.sign_in(client, person)
    client.post("/auth/logout")
    with app.app_context():
        assert sessions.purge(db.session, sessions.now()) == 0
        assert sessions.purge(db.session, sessions.now() + timedelta(days=8)) == 1
        db.session.commit()
    assert rows(app, person) == []


def test_resident_pin_sessions_end_the_same_way(va, app, open_account):
    pin = open_account(va, "wayan")
    phone = app.test_client()
    assert resident_sign_in(phone, va, WAYAN, pin).status_code == 302
    phone.post(va.page("pin"), data={"current": pin, "new": "482915", "confirm": "482915"})
    laptop = app.test_client()
    assert resident_sign_in(laptop, va, WAYAN, "482915").status_code == 302
    thief = copy_of(app, laptop)
    assert thief.get(va.page("akun")).status_code == 200
    # a PIN change on the phone: the phone's new session lives, the laptop's and the copy end
    resp = phone.post(va.page("pin"), data={"current": "482915", "new": "739164", "confirm": "739164"})
    assert resp.status_code == 302
    assert phone.get(va.page("akun")).status_code == 200
    assert laptop.get(va.page("akun")).status_code == 302
    assert thief.get(va.page("akun")).status_code == 302
    # and sign-out ends the copied cookie of the phone
    copy = copy_of(app, phone)
    phone.post("/auth/logout")
    assert copy.get(va.page("akun")).status_code == 302
