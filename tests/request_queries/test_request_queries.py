"""At most three statements identify the caller, the village and its plugins (issue 12); the
caches behind that never serve a stale answer: another worker's enable, disable, uninstall,
revocation or suspension takes effect on the next request."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from desacerdas.extensions import db
from desacerdas.models import ApiToken, PlatformPlugin, Tenant
from desacerdas.models.base import as_utc
from desacerdas.models.user_session import UserSession
from desacerdas.services import auth as auth_service
from desacerdas.services import tenants as tenant_svc
from desacerdas.testing import support

PLUGIN = "smart_government"
MAX_IDENTITY = 3  # the goal (issue 12)
MEASURED = 2  # what the tree does: caller in one statement, village (+ RLS setting) in one


def _residents_api(village) -> str:  # noqa: ANN001
    return f"/api/v1/desa/{village.slug}/{PLUGIN}/residents?per_page=20"


def _residents_page(village) -> str:  # noqa: ANN001
    return f"/desa/{village.slug}/{PLUGIN}/residents"


@pytest.fixture
def village(app):
    return support.make_village(app, support.MENANGA, enable=[PLUGIN])


def test_token_api_list_identifies_in_three_statements(app, client, village, make_user, bearer, recording):
    headers = bearer(make_user("operator", village))
    assert client.get(_residents_api(village), headers=headers).status_code == 200  # warms the cache
    with recording(app) as rec:
        resp = client.get(_residents_api(village), headers=headers)
    assert resp.status_code == 200
    identity = rec.identity()
    assert len(identity) <= MEASURED <= MAX_IDENTITY, identity
    assert sum("api_tokens" in s for s in identity) == 1  # token, user and roles: one statement
    assert not any("village_plugins" in s for s in identity)  # enabled plugins came from the cache


def test_browser_page_identifies_in_three_statements(app, client, village, make_user, login, recording):
    login(make_user("operator", village))
    assert client.get(_residents_page(village)).status_code == 200
    with recording(app) as rec:
        resp = client.get(_residents_page(village))
    assert resp.status_code == 200
    identity = rec.identity()
    assert len(identity) <= MEASURED <= MAX_IDENTITY, identity
    assert sum("user_sessions" in s for s in identity) == 1  # user, roles and session row: one
    assert not rec.writes("user_sessions")  # last seen was written less than a minute ago


def test_no_platform_flag_unless_audit_events_are_touched(app, client, village, make_user, bearer, recording):
    headers = bearer(make_user("operator", village))
    client.get(_residents_api(village), headers=headers)
    with recording(app) as rec:
        client.get(_residents_api(village), headers=headers)
    flags = [p for s, p in rec.statements if "set_config" in s and "desa.platform" in (str(p) + s)]
    assert flags == []


def test_token_last_used_written_once_a_minute(
    app, client, village, make_user, bearer, recording, monkeypatch
):
    headers = bearer(make_user("operator", village))
    plain = headers["Authorization"].split(" ", 1)[1]
    public = plain[len(auth_service.TOKEN_PREFIX) :].split("_", 1)[0]

    def last_used():  # noqa: ANN202
        with app.app_context():
            return as_utc(db.session.scalar(select(ApiToken.last_used_at).where(ApiToken.prefix == public)))

    assert last_used() is None
    with recording(app) as rec:
        assert client.get(_residents_api(village), headers=headers).status_code == 200
    first = last_used()
    assert first is not None and len(rec.writes("api_tokens")) == 1
    with recording(app) as rec:
        for _ in range(3):
            client.get(_residents_api(village), headers=headers)
    assert rec.writes("api_tokens") == [] and last_used() == first

    later = auth_service._now() + timedelta(seconds=61)
    monkeypatch.setattr(auth_service, "_now", lambda: later)
    with recording(app) as rec:
        client.get(_residents_api(village), headers=headers)
        client.get(_residents_api(village), headers=headers)
    assert len(rec.writes("api_tokens")) == 1
    assert last_used() == later


def test_session_last_seen_written_once_a_minute(
    app, client, village, make_user, login, recording, monkeypatch
):
    from desacerdas.auth import sessions

    person = make_user("operator", village)
    login(person)
    client.get(_residents_page(village))
    with recording(app) as rec:
        client.get(_residents_page(village))
    assert rec.writes("user_sessions") == []
    later = sessions.now() + timedelta(seconds=61)
    monkeypatch.setattr(sessions, "now", lambda: later)
    with recording(app) as rec:
        assert client.get(_residents_page(village)).status_code == 200
        assert client.get(_residents_page(village)).status_code == 200
    assert len(rec.writes("user_sessions")) == 1
    with app.app_context():
        seen = db.session.scalar(select(UserSession.last_seen_at).where(UserSession.user_id == person.id))
    assert as_utc(seen) == later


def test_enable_and_disable_on_another_worker_apply_at_once(app, other_app, client, make_user, bearer, login):
    village = support.make_village(app, support.MENANGA)
    operator = make_user("operator", village)
    headers = bearer(operator)
    login(operator)
    assert client.get(_residents_api(village), headers=headers).status_code == 404  # cached: not enabled
    assert client.get(_residents_page(village)).status_code == 404

    support.enable_plugins(other_app, village, PLUGIN)
    assert client.get(_residents_api(village), headers=headers).status_code == 200
    assert client.get(_residents_page(village)).status_code == 200

    support.disable_plugins(other_app, village, PLUGIN)
    assert client.get(_residents_api(village), headers=headers).status_code == 404
    assert client.get(_residents_page(village)).status_code == 404


def test_uninstall_on_another_worker_applies_at_once(app, other_app, client, village, make_user, bearer):
    headers = bearer(make_user("operator", village))
    assert client.get(_residents_api(village), headers=headers).status_code == 200
    with other_app.app_context():
        db.session.get(PlatformPlugin, PLUGIN).installed = False
        db.session.commit()
    try:
        assert client.get(_residents_api(village), headers=headers).status_code == 404
    finally:
        with other_app.app_context():
            db.session.get(PlatformPlugin, PLUGIN).installed = True
            db.session.commit()
    assert client.get(_residents_api(village), headers=headers).status_code == 200


def test_revoked_and_expired_tokens_refused_at_once(app, other_app, client, village, make_user, bearer):
    person = make_user("operator", village)
    revoked, expired = bearer(person), bearer(person)
    for headers in (revoked, expired):
        assert client.get(_residents_api(village), headers=headers).status_code == 200
    with other_app.app_context():
        tokens = db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == person.id).order_by(ApiToken.id)
        )
        first, second = list(tokens)
        auth_service.revoke_api_token(first.user, first.id)
        second.expires_at = auth_service._now() - timedelta(seconds=1)
        db.session.commit()
    assert client.get(_residents_api(village), headers=revoked).status_code == 401
    assert client.get(_residents_api(village), headers=expired).status_code == 401


def test_suspended_user_and_village_refused_at_once(
    app, other_app, client, village, make_user, bearer, login
):
    from desacerdas.models import User

    headers = bearer(make_user("operator", village))
    login(make_user("operator", village))
    assert client.get(_residents_api(village), headers=headers).status_code == 200
    assert client.get(_residents_page(village)).status_code == 200
    with other_app.app_context():
        tenant_svc.suspend(db.session.get(Tenant, village.id), "test")
    resp = client.get(_residents_api(village), headers=headers)
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "village_suspended"
    assert client.get(_residents_page(village)).status_code == 403
    with other_app.app_context():
        tenant_svc.resume(db.session.get(Tenant, village.id))
    assert client.get(_residents_api(village), headers=headers).status_code == 200
    with other_app.app_context():
        token = db.session.scalar(select(ApiToken).order_by(ApiToken.id.desc()).limit(1))
        db.session.get(User, token.user_id).active = False
        db.session.commit()
    assert client.get(_residents_api(village), headers=headers).status_code == 401


def test_a_token_of_one_village_cannot_use_the_others_cached_entry(app, client, make_user, bearer):
    menanga = support.make_village(app, support.MENANGA, enable=[PLUGIN])
    bebandem = support.make_village(app, support.BEBANDEM, enable=[PLUGIN])
    mine, theirs = bearer(make_user("operator", menanga)), bearer(make_user("operator", bebandem))
    assert client.get(_residents_api(bebandem), headers=theirs).status_code == 200  # bebandem now cached
    assert client.get(_residents_api(bebandem), headers=mine).status_code == 404
    assert client.get(_residents_api(menanga), headers=theirs).status_code == 404
    assert client.get(_residents_api(menanga), headers=mine).status_code == 200


def test_a_new_village_reusing_an_id_never_gets_a_stale_entry(app, client, make_user, bearer):
    first = support.make_village(app, support.MENANGA, enable=[PLUGIN])
    headers = bearer(make_user("platform_admin"))
    assert client.get(_residents_api(first), headers=headers).status_code == 200
    with app.app_context():
        stamp = db.session.get(Tenant, first.id).plugins_stamp
        other = support.make_village(app, support.BEBANDEM)
        assert db.session.get(Tenant, other.id).plugins_stamp != stamp
