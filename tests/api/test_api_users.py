"""``/api/v1/users`` and memberships (platform admins only)."""

from __future__ import annotations

import json

from desacerdas.extensions import db
from desacerdas.models import AuditEvent, Membership


def test_only_platform_admins_manage_users(client, auth, make_user, menanga, api_error):
    head = make_user("village_head", menanga)
    headers = auth(head)
    api_error(client.get("/api/v1/users", headers=headers), 403, "forbidden")
    api_error(client.get(f"/api/v1/users/{head.id}", headers=headers), 403)
    api_error(
        client.post(
            "/api/v1/users", json={"name": "X", "email": "x@example.test", "password": "p"}, headers=headers
        ),
        403,
    )
    api_error(client.get(f"/api/v1/users/{head.id}/memberships", headers=headers), 403)
    api_error(
        client.post(f"/api/v1/users/{head.id}/memberships", json={"role": "platform_admin"}, headers=headers),
        403,
    )


def test_list_search_and_paginate_users(client, auth, admin, make_user):
    for n in range(3):
        make_user(email=f"warga{n}@menanga.test")
    headers = auth(admin)
    resp = client.get("/api/v1/users?q=MENANGA&page_size=2", headers=headers)
    assert resp.status_code == 200
    assert [u["email"] for u in resp.get_json()] == ["warga0@menanga.test", "warga1@menanga.test"]
    assert json.loads(resp.headers["X-Pagination"])["total"] == 3
    everyone = client.get("/api/v1/users", headers=headers).get_json()
    assert len(everyone) == 4 and all("password" not in u and "password_hash" not in u for u in everyone)


def test_create_and_get_user(app, client, auth, admin):
    headers = auth(admin)
    resp = client.post(
        "/api/v1/users",
        json={"name": "Ni Luh Ayu", "phone": "0812 3456 7890", "password": "a long passphrase"},
        headers=headers,
    )
    assert resp.status_code == 201, resp.get_data(as_text=True)
    created = resp.get_json()
    assert created["phone"] == "+6281234567890" and created["memberships"] == []
    assert "password" not in created
    fetched = client.get(f"/api/v1/users/{created['id']}", headers=headers).get_json()
    assert fetched["name"] == "Ni Luh Ayu"
    with app.app_context():
        assert db.session.query(AuditEvent).filter_by(action="user.created", actor_id=admin.id).count() == 1


def test_create_user_unhappy_paths(client, auth, admin, make_user, api_error):
    taken = make_user()
    headers = auth(admin)
    api_error(
        client.post(
            "/api/v1/users",
            json={"name": "Dup", "email": taken.email.upper(), "password": "a long passphrase"},
            headers=headers,
        ),
        409,
        "duplicate_user",
    )
    body = api_error(
        client.post(
            "/api/v1/users", json={"name": "A", "email": "not-an-email", "password": "pw"}, headers=headers
        ),
        422,
    )
    assert "email" in body["details"]["json"]
    body = api_error(
        client.post("/api/v1/users", json={"name": "A", "password": "a long passphrase"}, headers=headers),
        422,
    )
    assert body["details"]["json"]
    api_error(
        client.post(
            "/api/v1/users",
            json={"name": "A", "email": "a@example.test", "password": "short"},
            headers=headers,
        ),
        400,
        "weak_password",
    )


def test_unknown_user_is_404(client, auth, admin, api_error):
    headers = auth(admin)
    api_error(client.get("/api/v1/users/999999", headers=headers), 404)
    api_error(client.get("/api/v1/users/999999/memberships", headers=headers), 404)
    api_error(
        client.post("/api/v1/users/999999/memberships", json={"role": "platform_admin"}, headers=headers), 404
    )


def test_grant_list_and_revoke_memberships(app, client, auth, admin, make_user, menanga, add_hamlets):
    [kaja] = add_hamlets(menanga, "Kaja")
    person = make_user()
    headers = auth(admin)
    url = f"/api/v1/users/{person.id}/memberships"
    resp = client.post(url, json={"role": "operator", "village": menanga.slug}, headers=headers)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    operator = resp.get_json()
    assert operator["village"]["slug"] == menanga.slug and operator["role"] == "operator"
    # Granting again is a no-op that says so.
    again = client.post(url, json={"role": "operator", "village": menanga.slug}, headers=headers)
    assert again.status_code == 200 and again.get_json()["id"] == operator["id"]
    resp = client.post(
        url, json={"role": "hamlet_head", "village": menanga.slug, "hamlet_id": kaja}, headers=headers
    )
    assert resp.status_code == 201 and resp.get_json()["hamlet_id"] == kaja
    resp = client.post(url, json={"role": "regency_admin", "area_prefix": "51.07"}, headers=headers)
    assert resp.status_code == 201 and resp.get_json()["village"] is None
    roles = {m["role"] for m in client.get(url, headers=headers).get_json()}
    assert roles == {"operator", "hamlet_head", "regency_admin"}
    assert client.delete(f"{url}/{operator['id']}", headers=headers).status_code == 204
    roles = {m["role"] for m in client.get(url, headers=headers).get_json()}
    assert roles == {"hamlet_head", "regency_admin"}
    with app.app_context():
        actions = [e.action for e in db.session.query(AuditEvent).order_by(AuditEvent.id)]
    assert actions.count("membership.granted") == 3 and actions.count("membership.revoked") == 1


def test_grant_unhappy_paths(client, auth, admin, make_user, menanga, bebandem, add_hamlets, api_error):
    [kangin] = add_hamlets(bebandem, "Kangin")
    person = make_user()
    headers = auth(admin)
    url = f"/api/v1/users/{person.id}/memberships"
    body = api_error(client.post(url, json={"role": "kepala"}, headers=headers), 422)
    assert "role" in body["details"]["json"]
    api_error(
        client.post(
            url, json={"role": "hamlet_head", "hamlet_id": "nope", "village": menanga.slug}, headers=headers
        ),
        422,
    )
    api_error(client.post(url, json={"role": "operator"}, headers=headers), 400, "tenant_required")
    api_error(client.post(url, json={"role": "operator", "village": "nowhere"}, headers=headers), 404)
    api_error(
        client.post(url, json={"role": "regency_admin", "area_prefix": "99.99"}, headers=headers),
        400,
        "invalid_area",
    )
    # A hamlet of Bebandem cannot scope a hamlet head of Menanga.
    api_error(
        client.post(
            url, json={"role": "hamlet_head", "village": menanga.slug, "hamlet_id": kangin}, headers=headers
        ),
        404,
    )
    assert client.get(url, headers=headers).get_json() == []


def test_revoke_membership_of_another_user_is_404(client, auth, admin, make_user, menanga, api_error):
    alice = make_user("operator", menanga)
    bob = make_user()
    headers = auth(admin)
    [alice_membership] = client.get(f"/api/v1/users/{alice.id}/memberships", headers=headers).get_json()
    api_error(
        client.delete(f"/api/v1/users/{bob.id}/memberships/{alice_membership['id']}", headers=headers), 404
    )
    api_error(client.delete(f"/api/v1/users/{bob.id}/memberships/999999", headers=headers), 404)


def test_last_platform_admin_cannot_be_removed(app, client, auth, admin, make_user, api_error):
    headers = auth(admin)
    with app.app_context():
        mid = db.session.query(Membership).filter_by(user_id=admin.id).one().id
    api_error(
        client.delete(f"/api/v1/users/{admin.id}/memberships/{mid}", headers=headers),
        409,
        "last_platform_admin",
    )
    second = make_user("platform_admin")
    assert client.delete(f"/api/v1/users/{admin.id}/memberships/{mid}", headers=headers).status_code == 204
    # The token now carries no platform rights.
    api_error(client.get("/api/v1/users", headers=headers), 403)
    assert client.get("/api/v1/users", headers=auth(second)).status_code == 200
