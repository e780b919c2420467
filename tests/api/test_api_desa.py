"""``/api/v1/desa/<slug>/…``: tenant resolution, roles, and isolation through the village API."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from desacerdas.extensions import db
from desacerdas.models import AuditEvent, Hamlet
from desacerdas.tenancy import tenant_session


@pytest.fixture
def suspend(client, auth, admin):
    def _suspend(village) -> None:  # noqa: ANN001
        resp = client.post(
            f"/api/v1/villages/{village.slug}/suspend", json={"reason": "audit"}, headers=auth(admin)
        )
        assert resp.status_code == 200

    return _suspend


def test_village_with_my_roles_and_permissions(client, auth, make_user, menanga):
    secretary = make_user("village_secretary", menanga)
    resp = client.get(f"/api/v1/desa/{menanga.slug}/", headers=auth(secretary))
    assert resp.status_code == 200
    village = resp.get_json()
    assert village["code"] == menanga.code and village["slug"] == menanga.slug
    assert village["roles"] == ["village_secretary"]
    assert "village.hamlets.manage" in village["permissions"]
    assert "village.members.manage" in village["permissions"]  # head and secretary (issue 13)
    assert not any(p.startswith("platform.") for p in village["permissions"])


def test_no_token_is_401_before_anything_about_the_village(client, api_error, menanga, suspend):
    api_error(client.get(f"/api/v1/desa/{menanga.slug}/hamlets"), 401)
    api_error(client.get("/api/v1/desa/nowhere/hamlets"), 401)
    suspend(menanga)
    api_error(client.get(f"/api/v1/desa/{menanga.slug}/"), 401)


def test_unknown_village_is_404(client, auth, admin, api_error):
    api_error(client.get("/api/v1/desa/nowhere/", headers=auth(admin)), 404)


def test_list_and_get_hamlets(client, auth, make_user, menanga, add_hamlets):
    kaja, kelod = add_hamlets(menanga, "Kaja", "Kelod")
    headers = auth(make_user("resident", menanga))
    hamlets = client.get(f"/api/v1/desa/{menanga.slug}/hamlets", headers=headers).get_json()
    assert [(h["id"], h["name"]) for h in hamlets] == [(kaja, "Kaja"), (kelod, "Kelod")]
    one = client.get(f"/api/v1/desa/{menanga.slug}/hamlets/{kelod}", headers=headers).get_json()
    assert one["name"] == "Kelod"


def test_create_and_rename_hamlets(app, client, auth, make_user, menanga, api_error):
    headers = auth(make_user("village_head", menanga))
    url = f"/api/v1/desa/{menanga.slug}/hamlets"
    resp = client.post(url, json={"name": "Banjar Dinas Kaja", "code": "01"}, headers=headers)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    hamlet = resp.get_json()
    assert hamlet["name"] == "Banjar Dinas Kaja" and hamlet["code"] == "01"
    api_error(client.post(url, json={"name": "Banjar Dinas Kaja"}, headers=headers), 409, "duplicate")
    client.post(url, json={"name": "Kelod"}, headers=headers)
    resp = client.patch(f"{url}/{hamlet['id']}", json={"name": "Kaja", "code": None}, headers=headers)
    assert resp.status_code == 200 and resp.get_json()["name"] == "Kaja" and resp.get_json()["code"] is None
    api_error(
        client.patch(f"{url}/{hamlet['id']}", json={"name": "Kelod"}, headers=headers), 409, "duplicate"
    )
    with app.app_context(), tenant_session(menanga.id) as s:
        assert sorted(s.scalars(select(Hamlet.name))) == ["Kaja", "Kelod"]
        stored = s.get(Hamlet, (menanga.id, uuid.UUID(hamlet["id"])))
        assert stored.tenant_id == menanga.id
    with app.app_context():
        actions = {e.action for e in db.session.query(AuditEvent)}
    assert {"hamlet.created", "hamlet.updated"} <= actions


def test_hamlet_validation_errors(client, auth, make_user, menanga, add_hamlets, api_error):
    [kaja] = add_hamlets(menanga, "Kaja")
    headers = auth(make_user("village_head", menanga))
    url = f"/api/v1/desa/{menanga.slug}/hamlets"
    body = api_error(client.post(url, json={"name": ""}, headers=headers), 422, "validation_error")
    assert "name" in body["details"]["json"]
    body = api_error(client.post(url, json={"name": "x" * 121, "tenant_id": 2}, headers=headers), 422)
    assert set(body["details"]["json"]) == {"name", "tenant_id"}
    api_error(client.patch(f"{url}/{kaja}", json={"name": ""}, headers=headers), 422)


def test_wrong_role_is_403(client, auth, make_user, menanga, add_hamlets, api_error):
    [kaja] = add_hamlets(menanga, "Kaja")
    url = f"/api/v1/desa/{menanga.slug}"
    for role in ("operator", "resident", "hamlet_head"):  # a facilitator may add hamlets (issue 13)
        extra = {"hamlet_id": uuid.UUID(kaja)} if role == "hamlet_head" else {}
        headers = auth(make_user(role, menanga, **extra))
        api_error(
            client.post(f"{url}/hamlets", json={"name": f"New {role}"}, headers=headers), 403, "forbidden"
        )
        api_error(client.patch(f"{url}/hamlets/{kaja}", json={"name": "Renamed"}, headers=headers), 403)
        api_error(
            client.post(
                f"{url}/members", json={"login": "x@example.test", "role": "resident"}, headers=headers
            ),
            403,
        )
    resident = auth(make_user("resident", menanga))
    api_error(client.get(f"{url}/members", headers=resident), 403)


def test_regency_admin_is_read_only(client, auth, make_user, make_village, menanga, add_hamlets, api_error):
    add_hamlets(menanga, "Kaja")
    regency = auth(make_user("regency_admin", area="51.07"))
    url = f"/api/v1/desa/{menanga.slug}"
    assert client.get(f"{url}/", headers=regency).get_json()["roles"] == ["regency_admin"]
    assert len(client.get(f"{url}/hamlets", headers=regency).get_json()) == 1
    assert client.get(f"{url}/members", headers=regency).status_code == 200
    api_error(client.post(f"{url}/hamlets", json={"name": "Kelod"}, headers=regency), 403)
    api_error(
        client.post(f"{url}/members", json={"login": "x@example.test", "role": "resident"}, headers=regency),
        403,
    )
    # Outside the prefix, the village does not exist for them.
    outside = make_village("51.08.01.2001")
    api_error(client.get(f"/api/v1/desa/{outside.slug}/hamlets", headers=regency), 404)


def test_wrong_tenant_is_404(client, auth, make_user, menanga, bebandem, add_hamlets, api_error):
    [kaja] = add_hamlets(menanga, "Kaja")
    bebandem_operator = auth(make_user("operator", bebandem))
    url = f"/api/v1/desa/{menanga.slug}"
    for path in ("/", "/hamlets", f"/hamlets/{kaja}", "/members"):
        api_error(client.get(url + path, headers=bebandem_operator), 404, "not_found")
    api_error(client.post(f"{url}/hamlets", json={"name": "Kelod"}, headers=bebandem_operator), 404)
    api_error(client.patch(f"{url}/hamlets/{kaja}", json={"name": "Mine"}, headers=bebandem_operator), 404)
    # A village head is head of their own village only.
    bebandem_head = auth(make_user("village_head", bebandem))
    person = make_user()
    api_error(
        client.post(
            f"{url}/members", json={"login": person.email, "role": "operator"}, headers=bebandem_head
        ),
        404,
    )
    # A user with no role at all learns nothing either.
    api_error(client.get(f"{url}/hamlets", headers=auth(make_user())), 404)


def test_hamlet_id_of_another_village_is_404_through_my_village(
    app, client, auth, make_user, menanga, bebandem, add_hamlets, api_error
):
    [kaja] = add_hamlets(menanga, "Kaja")
    add_hamlets(bebandem, "Kangin")
    bebandem_head = auth(make_user("village_head", bebandem))
    url = f"/api/v1/desa/{bebandem.slug}/hamlets/{kaja}"
    api_error(client.get(url, headers=bebandem_head), 404)
    api_error(client.patch(url, json={"name": "Taken over"}, headers=bebandem_head), 404)
    names = [
        h["name"]
        for h in client.get(f"/api/v1/desa/{bebandem.slug}/hamlets", headers=bebandem_head).get_json()
    ]
    assert names == ["Kangin"]
    with app.app_context(), tenant_session(menanga.id) as s:
        assert s.get(Hamlet, (menanga.id, uuid.UUID(kaja))).name == "Kaja"


def test_malformed_hamlet_id_is_404(client, auth, make_user, menanga, api_error):
    headers = auth(make_user("village_head", menanga))
    api_error(client.get(f"/api/v1/desa/{menanga.slug}/hamlets/not-a-uuid", headers=headers), 404)
    api_error(client.get(f"/api/v1/desa/{menanga.slug}/hamlets/{uuid.uuid4()}", headers=headers), 404)


def test_suspended_village_is_403_json(client, auth, admin, make_user, menanga, suspend, api_error):
    head = auth(make_user("village_head", menanga))
    outsider = auth(make_user())
    suspend(menanga)
    for path in ("/", "/hamlets", "/members"):
        body = api_error(
            client.get(f"/api/v1/desa/{menanga.slug}{path}", headers=head), 403, "village_suspended"
        )
        assert "Menanga" in body["message"]
    api_error(
        client.post(f"/api/v1/desa/{menanga.slug}/hamlets", json={"name": "X"}, headers=head),
        403,
        "village_suspended",
    )
    # Someone with no role there is not even told that it is suspended.
    api_error(client.get(f"/api/v1/desa/{menanga.slug}/", headers=outsider), 404)
    # Platform admins still reach it (to fix whatever caused the suspension).
    assert client.get(f"/api/v1/desa/{menanga.slug}/hamlets", headers=auth(admin)).status_code == 200


def test_archived_village_is_404_except_for_platform_admins(
    client, auth, admin, make_user, menanga, api_error
):
    head = auth(make_user("village_head", menanga))
    assert (
        client.post(f"/api/v1/villages/{menanga.slug}/archive", json={}, headers=auth(admin)).status_code
        == 200
    )
    api_error(client.get(f"/api/v1/desa/{menanga.slug}/", headers=head), 404)
    api_error(client.get(f"/api/v1/desa/{menanga.slug}/hamlets", headers=head), 404)
    resp = client.get(f"/api/v1/desa/{menanga.slug}/", headers=auth(admin))
    assert resp.status_code == 200 and resp.get_json()["status"] == "archived"


# -- members ----------------------------------------------------------------------------------


def test_members_list(client, auth, make_user, menanga, bebandem):
    head = make_user("village_head", menanga)
    make_user("operator", menanga)
    make_user("operator", bebandem)
    resp = client.get(f"/api/v1/desa/{menanga.slug}/members", headers=auth(head))
    assert resp.status_code == 200
    members = resp.get_json()
    assert sorted(m["role"] for m in members) == ["operator", "village_head"]
    assert {m["user"]["id"] for m in members} >= {head.id}
    assert "X-Pagination" in resp.headers


def test_village_head_grants_and_revokes_village_roles(app, client, auth, make_user, menanga, add_hamlets):
    [kaja] = add_hamlets(menanga, "Kaja")
    head = auth(make_user("village_head", menanga))
    person = make_user()
    url = f"/api/v1/desa/{menanga.slug}/members"
    resp = client.post(url, json={"login": person.email, "role": "operator"}, headers=head)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    member = resp.get_json()
    assert member["user"]["id"] == person.id and member["role"] == "operator"
    again = client.post(url, json={"login": person.email, "role": "operator"}, headers=head)
    assert again.status_code == 200 and again.get_json()["id"] == member["id"]
    # Village staff cannot name accounts by (sequential) id: that would list every account.
    by_id = client.post(url, json={"user_id": person.id, "role": "operator"}, headers=head)
    assert by_id.status_code == 403 and by_id.get_json()["error"]["code"] == "login_required"
    resp = client.post(
        url, json={"login": person.email, "role": "hamlet_head", "hamlet_id": kaja}, headers=head
    )
    assert resp.status_code == 201 and resp.get_json()["hamlet_id"] == kaja
    # The new operator can now use the village API.
    assert client.get(f"/api/v1/desa/{menanga.slug}/hamlets", headers=auth(person)).status_code == 200
    assert client.delete(f"{url}/{member['id']}", headers=head).status_code == 204
    roles = [m["role"] for m in client.get(url, headers=head).get_json() if m["user"]["id"] == person.id]
    assert roles == ["hamlet_head"]
    with app.app_context():
        events = db.session.query(AuditEvent).filter(AuditEvent.action.like("membership.%")).all()
    assert {e.tenant_id for e in events} == {menanga.id}


def test_member_grant_unhappy_paths(client, auth, make_user, menanga, bebandem, add_hamlets, api_error):
    [kangin] = add_hamlets(bebandem, "Kangin")
    head = auth(make_user("village_head", menanga))
    person = make_user()
    url = f"/api/v1/desa/{menanga.slug}/members"
    # Only village roles: a village head cannot make anyone a facilitator or an admin.
    for role in ("facilitator", "regency_admin", "platform_admin"):
        body = api_error(client.post(url, json={"login": person.email, "role": role}, headers=head), 422)
        assert "role" in body["details"]["json"]
    api_error(client.post(url, json={"role": "operator"}, headers=head), 422)
    api_error(
        client.post(
            url, json={"login": person.email, "user_id": person.id, "role": "operator"}, headers=head
        ),
        422,
    )
    api_error(
        client.post(url, json={"login": "nobody@example.test", "role": "operator"}, headers=head),
        404,
        "unknown_user",
    )
    api_error(
        client.post(url, json={"login": person.email, "role": "hamlet_head"}, headers=head),
        400,
        "hamlet_required",
    )
    # A hamlet of another village does not exist here.
    api_error(
        client.post(
            url, json={"login": person.email, "role": "hamlet_head", "hamlet_id": kangin}, headers=head
        ),
        404,
    )


def test_member_revoke_unhappy_paths(app, client, auth, make_user, menanga, bebandem, api_error):
    head_person = make_user("village_head", menanga)
    head = auth(head_person)
    facilitator = make_user("facilitator", menanga)
    other = make_user("operator", bebandem)
    admin_headers = auth(make_user("platform_admin"))
    members = {
        m["user"]["id"]: m
        for m in client.get(f"/api/v1/desa/{menanga.slug}/members", headers=head).get_json()
    }
    other_mid = client.get(f"/api/v1/users/{other.id}/memberships", headers=admin_headers).get_json()[0]["id"]
    url = f"/api/v1/desa/{menanga.slug}/members"
    # A membership of another village is not found here.
    api_error(client.delete(f"{url}/{other_mid}", headers=head), 404)
    api_error(client.delete(f"{url}/999999", headers=head), 404)
    # Facilitators are assigned above the village.
    api_error(
        client.delete(f"{url}/{members[facilitator.id]['id']}", headers=head), 403, "not_a_village_role"
    )
    # A head does not lock the village out by removing themselves.
    api_error(
        client.delete(f"{url}/{members[head_person.id]['id']}", headers=head), 409, "cannot_revoke_self"
    )
    # An operator may not revoke anyone.
    operator = auth(make_user("operator", menanga))
    api_error(client.delete(f"{url}/{members[facilitator.id]['id']}", headers=operator), 403, "forbidden")
