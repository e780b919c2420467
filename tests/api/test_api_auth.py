"""Token authentication, ``/api/v1/me`` and personal API tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from desacerdas.extensions import db
from desacerdas.models import ApiToken, User


def test_no_token_is_401_json(client, api_error):
    resp = client.get("/api/v1/me")
    api_error(resp, 401, "unauthorized")
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")


def test_wrong_scheme_and_garbage_tokens_are_401(client, api_error, menanga):
    for header in ("Basic dXNlcjpwYXNz", "Bearer", "Bearer nonsense", "Bearer dc_abc_def", "dc_abc_def"):
        api_error(client.get("/api/v1/me", headers={"Authorization": header}), 401)


def test_me_with_token(client, auth, make_user, menanga):
    head = make_user("village_head", menanga)
    resp = client.get("/api/v1/me", headers=auth(head))
    assert resp.status_code == 200
    me = resp.get_json()
    assert me["id"] == head.id and me["email"] == head.email
    assert me["is_platform_admin"] is False
    assert "password" not in me and "password_hash" not in me
    [membership] = me["memberships"]
    assert membership["role"] == "village_head"
    assert membership["village"]["slug"] == menanga.slug


def test_revoked_token_is_401(app, client, token_for, make_user, api_error):
    person = make_user()
    plain = token_for(person)
    headers = {"Authorization": f"Bearer {plain}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    tokens = client.get("/api/v1/me/tokens", headers=headers).get_json()
    resp = client.delete(f"/api/v1/me/tokens/{tokens[0]['id']}", headers=headers)
    assert resp.status_code == 204
    api_error(client.get("/api/v1/me", headers=headers), 401, "invalid_token")


def test_expired_token_is_401(app, client, token_for, make_user, api_error):
    person = make_user()
    plain = token_for(person, days=1)
    headers = {"Authorization": f"Bearer {plain}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    with app.app_context():
        token = db.session.query(ApiToken).filter_by(user_id=person.id).one()
        token.expires_at = datetime.now(UTC) - timedelta(minutes=1)
        db.session.commit()
    api_error(client.get("/api/v1/me", headers=headers), 401, "invalid_token")


def test_token_of_deactivated_user_is_401(app, client, auth, make_user, api_error):
    person = make_user()
    headers = auth(person)
    with app.app_context():
        db.session.get(User, person.id).active = False
        db.session.commit()
    api_error(client.get("/api/v1/me", headers=headers), 401)


def test_tampered_token_is_401(client, token_for, make_user, api_error):
    plain = token_for(make_user())
    api_error(client.get("/api/v1/me", headers={"Authorization": f"Bearer {plain[:-2]}xx"}), 401)


def test_session_cookie_does_not_authenticate_the_api(client, login, make_user, api_error):
    person = make_user("platform_admin")
    login(person)
    assert client.get("/auth/tokens").status_code == 200  # the cookie works for pages
    api_error(client.get("/api/v1/me"), 401)
    api_error(client.get("/api/v1/villages"), 401)
    api_error(client.post("/api/v1/villages", json={"code": "51.07.01.2003"}), 401)


def test_token_wins_over_a_session_cookie_of_someone_else(client, login, auth, make_user):
    admin = make_user("platform_admin")
    nobody = make_user()
    login(admin)
    resp = client.get("/api/v1/me", headers=auth(nobody))
    assert resp.get_json()["id"] == nobody.id
    assert client.get("/api/v1/users", headers=auth(nobody)).status_code == 403


def test_api_needs_no_csrf_token(app, client, auth, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    person = make_user()
    # A page form without its CSRF token is refused ...
    assert (
        client.post("/auth/login", data={"login": person.email, "password": person.password}).status_code
        == 400
    )
    # ... while the API, authenticated by a header a browser never sends by itself, is not.
    resp = client.post("/api/v1/me/tokens", json={"name": "laptop"}, headers=auth(person))
    assert resp.status_code == 201


def test_create_list_and_revoke_tokens(client, auth, make_user):
    person = make_user()
    headers = auth(person)
    resp = client.post("/api/v1/me/tokens", json={"name": "script", "days": 30}, headers=headers)
    assert resp.status_code == 201
    created = resp.get_json()
    assert created["token"].startswith("dc_") and created["name"] == "script"
    assert created["expires_at"] is not None
    # The new token works.
    new_headers = {"Authorization": f"Bearer {created['token']}"}
    assert client.get("/api/v1/me", headers=new_headers).get_json()["id"] == person.id
    # Listed without its secret.
    listed = client.get("/api/v1/me/tokens", headers=headers).get_json()
    assert {t["name"] for t in listed} == {"test", "script"}
    assert all("token" not in t for t in listed)
    # Revoking is idempotent and marks it.
    assert client.delete(f"/api/v1/me/tokens/{created['id']}", headers=headers).status_code == 204
    assert client.delete(f"/api/v1/me/tokens/{created['id']}", headers=headers).status_code == 204
    listed = {t["id"]: t for t in client.get("/api/v1/me/tokens", headers=headers).get_json()}
    assert listed[created["id"]]["revoked_at"] is not None


def test_cannot_revoke_someone_elses_token(client, auth, make_user, api_error):
    alice, bob = make_user(), make_user()
    bob_headers = auth(bob)
    bob_token_id = client.get("/api/v1/me/tokens", headers=bob_headers).get_json()[0]["id"]
    api_error(client.delete(f"/api/v1/me/tokens/{bob_token_id}", headers=auth(alice)), 404)
    assert client.get("/api/v1/me", headers=bob_headers).status_code == 200


def test_token_validation_errors_are_422_with_details(client, auth, make_user, api_error):
    headers = auth(make_user())
    body = api_error(client.post("/api/v1/me/tokens", json={}, headers=headers), 422, "validation_error")
    assert "name" in body["details"]["json"]
    body = api_error(
        client.post("/api/v1/me/tokens", json={"name": "x", "days": 0, "scope": "all"}, headers=headers), 422
    )
    assert set(body["details"]["json"]) == {"days", "scope"}


def test_unknown_api_path_is_json_404(client, api_error):
    api_error(client.get("/api/v1/nothing-here"), 404, "not_found")
