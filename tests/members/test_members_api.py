"""``/api/v1/desa/<slug>/members``: invite, list, change a role, suspend, end, send again — and
every refusal: wrong role, the village head role, the last head, accounts of other villages."""

from __future__ import annotations

from sqlalchemy import select

from desacerdas.extensions import db
from desacerdas.models import AuditEvent, Invitation, Membership, User


def _url(village, tail: str = "") -> str:  # noqa: ANN001
    return f"/api/v1/desa/{village.slug}/members{tail}"


def _actions(app, village) -> list[str]:  # noqa: ANN001
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent.action).where(AuditEvent.tenant_id == village.id).order_by(AuditEvent.id)
            )
        )


def test_head_invites_a_new_operator(app, client, auth, make_user, menanga):
    head = auth(make_user("village_head", menanga))
    resp = client.post(
        _url(menanga),
        json={"name": "Wayan Operator", "email": "wayan@example.test", "role": "operator"},
        headers=head,
    )
    assert resp.status_code == 201, resp.get_data(as_text=True)
    member = resp.get_json()
    assert member["role"] == "operator" and member["state"] == "invited" and member["invitation"] == "pending"
    assert member["user"]["email"] == "wayan@example.test"
    link = member["invitation_link"]
    assert "/invitation/" in link["url"] and isinstance(link["channels"], list)
    # The list shows the new member with the state, never the link again.
    listed = client.get(_url(menanga), headers=head).get_json()
    [row] = [m for m in listed if m["user"]["email"] == "wayan@example.test"]
    assert row["state"] == "invited" and "invitation_link" not in row
    assert client.get(_url(menanga, f"/{row['id']}"), headers=head).get_json()["state"] == "invited"
    actions = _actions(app, menanga)
    assert "membership.granted" in actions and "invitation.created" in actions
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "wayan@example.test"))
        assert not user.password_hash.startswith("$argon2")  # no usable password until the link


def test_the_invited_person_accepts_and_signs_in(app, client, auth, make_user, menanga):
    from desacerdas.services import invitations

    head = auth(make_user("village_head", menanga))
    resp = client.post(
        _url(menanga),
        json={"name": "Kadek", "phone": "081234567890", "role": "village_secretary"},
        headers=head,
    )
    token = resp.get_json()["invitation_link"]["url"].rsplit("/", 1)[1]
    with app.test_request_context():
        invitations.accept(token, "a long new password 42")
    row = client.get(_url(menanga, f"/{resp.get_json()['id']}"), headers=head).get_json()
    assert row["state"] == "active" and row["invitation"] == "accepted"
    signed = client.post(
        "/auth/login", data={"login": "+6281234567890", "password": "a long new password 42"}
    )
    assert signed.status_code == 302


def test_roles_the_members_page_may_give(client, auth, make_user, menanga, add_hamlets, api_error):
    [kaja] = add_hamlets(menanga, "Kaja")
    secretary = auth(make_user("village_secretary", menanga))
    new = {"name": "Nyoman", "email": "nyoman@example.test"}
    # The secretary invites operators and hamlet heads…
    ok = client.post(_url(menanga), json={**new, "role": "hamlet_head", "hamlet_id": kaja}, headers=secretary)
    assert ok.status_code == 201 and ok.get_json()["hamlet_id"] == kaja
    # …but only a village head gives the village head role.
    api_error(
        client.post(
            _url(menanga), json={**new, "email": "x@example.test", "role": "village_head"}, headers=secretary
        ),
        403,
        "head_only",
    )
    # Never a platform, regency or facilitator role (422: not even a village role), nor a resident invite.
    for role in ("facilitator", "regency_admin", "platform_admin"):
        api_error(client.post(_url(menanga), json={**new, "role": role}, headers=secretary), 422)
    api_error(
        client.post(
            _url(menanga), json={**new, "email": "r@example.test", "role": "resident"}, headers=secretary
        ),
        400,
        "role_not_allowed",
    )
    # A hamlet head needs a hamlet of this village.
    api_error(
        client.post(
            _url(menanga), json={**new, "email": "h@example.test", "role": "hamlet_head"}, headers=secretary
        ),
        400,
        "hamlet_required",
    )
    # A new person needs a login, and one way of naming the person only.
    api_error(
        client.post(_url(menanga), json={"name": "No Login", "role": "operator"}, headers=secretary), 422
    )
    api_error(
        client.post(
            _url(menanga), json={**new, "login": "a@example.test", "role": "operator"}, headers=secretary
        ),
        422,
    )
    api_error(
        client.post(
            _url(menanga),
            json={"name": "Bad", "email": "not-an-email", "role": "operator"},
            headers=secretary,
        ),
        400,
        "invalid_email",
    )


def test_hamlet_of_another_village_is_not_found(
    client, auth, make_user, menanga, bebandem, add_hamlets, api_error
):
    [kangin] = add_hamlets(bebandem, "Kangin")
    head = auth(make_user("village_head", menanga))
    body = {"name": "Komang", "email": "komang@example.test", "role": "hamlet_head", "hamlet_id": kangin}
    api_error(client.post(_url(menanga), json=body, headers=head), 404)
    with client.application.app_context():
        assert (
            db.session.scalar(select(User).where(User.email == "komang@example.test")) is None
        )  # rolled back


def test_an_existing_account_gets_the_role_but_never_a_link(app, client, auth, make_user, menanga, bebandem):
    head = auth(make_user("village_head", menanga))
    bebandem_head = auth(make_user("village_head", bebandem))
    person = make_user()  # has a password already
    resp = client.post(
        _url(menanga), json={"name": "X", "email": person.email, "role": "operator"}, headers=head
    )
    assert resp.status_code == 201 and resp.get_json().get("invitation_link") is None
    # Someone invited by Menanga, not there yet: Bebandem's head naming that email gets no link
    # (it would set the password of an account Bebandem does not own).
    invited = client.post(
        _url(menanga), json={"name": "Putu", "email": "putu@example.test", "role": "operator"}, headers=head
    ).get_json()
    resp = client.post(
        _url(bebandem),
        json={"name": "Putu", "email": "putu@example.test", "role": "operator"},
        headers=bebandem_head,
    )
    assert resp.status_code == 201 and resp.get_json().get("invitation_link") is None
    assert client.get(_url(menanga, f"/{invited['id']}"), headers=head).get_json()["invitation"] == "pending"
    # Menanga, where the account works only (before Bebandem's role), cannot send it again now either.
    resp = client.post(_url(menanga, f"/{invited['id']}/invitation"), headers=head)
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "not_invitable"


def test_send_again_replaces_the_link(app, client, auth, make_user, menanga, api_error):
    head_person = make_user("village_head", menanga)
    head = auth(head_person)
    first = client.post(
        _url(menanga), json={"name": "Gede", "email": "gede@example.test", "role": "operator"}, headers=head
    ).get_json()
    resp = client.post(_url(menanga, f"/{first['id']}/invitation"), headers=head)
    assert resp.status_code == 201
    assert resp.get_json()["url"] != first["invitation_link"]["url"]
    with app.app_context():
        rows = db.session.scalars(
            select(Invitation)
            .join(User, User.id == Invitation.user_id)
            .where(User.email == "gede@example.test")
        ).all()
        assert len(rows) == 2 and sum(r.ended_at is None for r in rows) == 1
    # An account whose owner set a password is not invited again.
    api_error(
        client.post(
            _url(menanga, f"/{_member_id(client, head, menanga, head_person.id)}/invitation"), headers=head
        ),
        409,
    )


def _member_id(client, headers, village, user_id: int, role: str | None = None) -> int:  # noqa: ANN001
    rows = client.get(_url(village), headers=headers).get_json()
    return next(m["id"] for m in rows if m["user"]["id"] == user_id and (role is None or m["role"] == role))


def test_change_a_role(app, client, auth, make_user, menanga, add_hamlets, api_error):
    [kaja, kelod] = add_hamlets(menanga, "Kaja", "Kelod")
    head_person = make_user("village_head", menanga)
    head = auth(head_person)
    operator = make_user("operator", menanga)
    mid = _member_id(client, head, menanga, operator.id)
    resp = client.patch(_url(menanga, f"/{mid}"), json={"role": "village_secretary"}, headers=head)
    assert resp.status_code == 200 and resp.get_json()["role"] == "village_secretary"
    new_id = resp.get_json()["id"]
    assert "membership.role_changed" in _actions(app, menanga)
    with app.app_context():
        roles = db.session.scalars(select(Membership.role).where(Membership.user_id == operator.id)).all()
        assert [r.value for r in roles] == ["village_secretary"]
    # To a hamlet head: needs a hamlet; then move to another hamlet.
    api_error(
        client.patch(_url(menanga, f"/{new_id}"), json={"role": "hamlet_head"}, headers=head),
        400,
        "hamlet_required",
    )
    resp = client.patch(
        _url(menanga, f"/{new_id}"), json={"role": "hamlet_head", "hamlet_id": kaja}, headers=head
    )
    hh = resp.get_json()
    assert hh["role"] == "hamlet_head" and hh["hamlet_id"] == kaja
    resp = client.patch(_url(menanga, f"/{hh['id']}"), json={"hamlet_id": kelod}, headers=head)
    assert resp.get_json()["hamlet_id"] == kelod
    # A role from outside the village: 422.
    api_error(client.patch(_url(menanga, f"/{hh['id']}"), json={"role": "facilitator"}, headers=head), 422)
    # The head cannot give away their own (last) head role.
    own = _member_id(client, head, menanga, head_person.id)
    api_error(
        client.patch(_url(menanga, f"/{own}"), json={"role": "operator"}, headers=head),
        409,
        "cannot_revoke_self",
    )


def test_the_secretary_cannot_touch_the_village_head(client, auth, make_user, menanga, api_error):
    head_person = make_user("village_head", menanga)
    secretary = auth(make_user("village_secretary", menanga))
    head_id = _member_id(client, secretary, menanga, head_person.id)
    api_error(
        client.patch(_url(menanga, f"/{head_id}"), json={"role": "operator"}, headers=secretary),
        403,
        "head_only",
    )
    api_error(
        client.patch(_url(menanga, f"/{head_id}"), json={"suspended": True}, headers=secretary),
        403,
        "head_only",
    )
    api_error(client.delete(_url(menanga, f"/{head_id}"), headers=secretary), 403, "head_only")


def test_suspend_and_resume(app, client, auth, make_user, menanga, bebandem, api_error):
    head_person = make_user("village_head", menanga)
    head = auth(head_person)
    operator = make_user("operator", menanga)
    operator_headers = auth(operator)
    mid = _member_id(client, head, menanga, operator.id)
    resp = client.patch(_url(menanga, f"/{mid}"), json={"suspended": True}, headers=head)
    assert resp.status_code == 200 and resp.get_json()["state"] == "suspended"
    # Their token stops working at once; the role stays.
    assert client.get(f"/api/v1/desa/{menanga.slug}/hamlets", headers=operator_headers).status_code == 401
    resp = client.patch(_url(menanga, f"/{mid}"), json={"suspended": False}, headers=head)
    assert resp.get_json()["state"] == "active" and resp.get_json()["role"] == "operator"
    assert client.get(f"/api/v1/desa/{menanga.slug}/hamlets", headers=operator_headers).status_code == 200
    actions = _actions(app, menanga)
    assert "membership.suspended" in actions and "membership.resumed" in actions
    # Someone who also works in another village is not switched off by this one.
    both = make_user("operator", menanga)
    with app.app_context():
        from desacerdas.models import Tenant
        from desacerdas.services import users as user_service

        user_service.grant(
            db.session.get(User, both.id), "operator", tenant=db.session.get(Tenant, bebandem.id)
        )
        db.session.commit()
    api_error(
        client.patch(
            _url(menanga, f"/{_member_id(client, head, menanga, both.id)}"),
            json={"suspended": True},
            headers=head,
        ),
        409,
        "member_elsewhere",
    )
    # Nobody suspends themselves.
    own = _member_id(client, head, menanga, head_person.id)
    api_error(
        client.patch(_url(menanga, f"/{own}"), json={"suspended": True}, headers=head),
        409,
        "cannot_suspend_self",
    )


def test_end_a_membership(app, client, auth, make_user, menanga, api_error):
    head_person = make_user("village_head", menanga)
    head = auth(head_person)
    invited = client.post(
        _url(menanga), json={"name": "Ketut", "email": "ketut@example.test", "role": "operator"}, headers=head
    ).get_json()
    assert client.delete(_url(menanga, f"/{invited['id']}"), headers=head).status_code == 204
    api_error(client.get(_url(menanga, f"/{invited['id']}"), headers=head), 404)
    with app.app_context():  # the unused link ends with the only role it was for
        rows = db.session.scalars(
            select(Invitation)
            .join(User, User.id == Invitation.user_id)
            .where(User.email == "ketut@example.test")
        ).all()
        assert rows and all(r.ended_at is not None for r in rows)
    own = _member_id(client, head, menanga, head_person.id)
    api_error(client.delete(_url(menanga, f"/{own}"), headers=head), 409, "cannot_revoke_self")
    # A platform admin may end the last head (to hand the village over).
    admin = auth(make_user("platform_admin"))
    assert client.delete(_url(menanga, f"/{own}"), headers=admin).status_code == 204


def test_who_may_read_and_manage(client, auth, make_user, menanga, bebandem, api_error):
    make_user("village_head", menanga)
    facilitator = auth(make_user("facilitator", menanga))
    operator = auth(make_user("operator", menanga))
    regency = auth(make_user("regency_admin", menanga))
    body = {"name": "A", "email": "a@example.test", "role": "operator"}
    for headers in (facilitator, regency, operator):
        assert client.get(_url(menanga), headers=headers).status_code == 200
        api_error(client.post(_url(menanga), json=body, headers=headers), 403, "forbidden")
    resident = auth(make_user("resident", menanga))
    api_error(client.get(_url(menanga), headers=resident), 403)
    # Another village's facilitator and head: the village does not exist for them.
    for role in ("facilitator", "village_head"):
        api_error(client.get(_url(menanga), headers=auth(make_user(role, bebandem))), 404)


def test_another_villages_member_is_not_found(client, auth, make_user, menanga, bebandem, api_error):
    head = auth(make_user("village_head", menanga))
    other = make_user("operator", bebandem)
    bebandem_head = auth(make_user("village_head", bebandem))
    other_id = _member_id(client, bebandem_head, bebandem, other.id)
    api_error(client.get(_url(menanga, f"/{other_id}"), headers=head), 404)
    api_error(client.patch(_url(menanga, f"/{other_id}"), json={"suspended": True}, headers=head), 404)
    api_error(
        client.patch(_url(menanga, f"/{other_id}"), json={"role": "village_secretary"}, headers=head), 404
    )
    api_error(client.delete(_url(menanga, f"/{other_id}"), headers=head), 404)
    api_error(client.post(_url(menanga, f"/{other_id}/invitation"), headers=head), 404)
    assert client.get(_url(bebandem, f"/{other_id}"), headers=bebandem_head).get_json()["state"] == "active"


def test_list_filter_order_and_pages(client, auth, make_user, menanga):
    head_person = make_user("village_head", menanga, name="Zed Head")
    head = auth(head_person)
    for i in range(3):
        make_user("operator", menanga, name=f"Operator {i}")
    make_user("resident", menanga)
    rows = client.get(_url(menanga), headers=head).get_json()
    assert rows[0]["role"] == "village_head"  # heads first, whatever the name
    assert {r["role"] for r in rows} == {"village_head", "operator", "resident"}
    only = client.get(_url(menanga, "?role=operator"), headers=head).get_json()
    assert [r["user"]["name"] for r in only] == ["Operator 0", "Operator 1", "Operator 2"]
    page = client.get(_url(menanga, "?role=operator&page=2&page_size=2"), headers=head)
    assert [r["user"]["name"] for r in page.get_json()] == ["Operator 2"]
    assert '"total": 3' in page.headers["X-Pagination"]
    assert client.get(_url(menanga, "?role=chief"), headers=head).status_code == 422


def test_the_endpoints_are_documented(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    base = "/api/v1/desa/{slug}/members"
    assert {"get", "post"} <= set(paths[base])
    assert {"get", "patch", "delete"} <= set(paths[base + "/{membership_id}"])
    assert "post" in paths[base + "/{membership_id}/invitation"]
    schemas = spec["components"]["schemas"]
    assert "state" in schemas["Member"]["properties"] and "link" in schemas["Check"]["properties"]
