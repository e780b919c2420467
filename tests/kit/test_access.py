"""The kit's access helper: every role, on a page and on the API, gets the right scope or the right
refusal (404 outside the village, 403 without the permission), and it fails closed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from conftest import make_app
from flask import Blueprint, jsonify, request
from sqlalchemy import select

from desacerdas.api.security import attach_village_auth
from desacerdas.extensions import db
from desacerdas.kit import access
from desacerdas.kit.access import Forbidden, Scope, scope_for
from desacerdas.models import Hamlet, Membership, Role, Tenant, User
from desacerdas.services import NotFound, ServiceError
from desacerdas.services import tenants as tenant_svc
from desacerdas.testing import support
from desacerdas.web.tenant import make_tenant_blueprint

VIEW = "village.dashboard.view"  # staff, hamlet heads, facilitators; read-only (regency admins)
MANAGE = "village.hamlets.manage"  # village head, secretary and the village's facilitator
UPLOAD = "documents.upload"  # staff, hamlet heads and residents
PERMISSIONS = (VIEW, MANAGE, UPLOAD)


def _answer(acc: access.Access):  # noqa: ANN202
    scope = acc.scope
    return jsonify(
        village=acc.tenant.slug,
        kind=scope.kind,
        hamlet=str(scope.hamlet_id) if scope.hamlet_id else None,
        own=scope.own_user_id,
        user=acc.user.id,
    )


@pytest.fixture(scope="module")
def kit_app(app, db_urls, tmp_path_factory):  # noqa: ANN001, ANN201
    """An app of its own with a tiny page and API endpoint that answer the caller's access."""
    kit = make_app(db_urls, tmp_path_factory)
    pages = make_tenant_blueprint("kit_access_page", __name__, url_prefix="/desa/<slug>/kit-access")
    pages.add_url_rule("/", "show", lambda: _answer(access.require(*request.args.getlist("p"))))
    pages.add_url_rule("/member", "member", lambda: jsonify(village=access.visible_village().slug))
    api = attach_village_auth(
        Blueprint("kit_access_api", __name__, url_prefix="/api/v1/desa/<slug>/kit-access")
    )
    api.add_url_rule("/", "show", lambda: _answer(access.require_api(*request.args.getlist("p"))))
    kit.register_blueprint(pages)
    kit.register_blueprint(api)
    return kit


@dataclass(frozen=True)
class World:
    menanga: support.Village
    bebandem: support.Village
    kaja: uuid.UUID
    kelod: uuid.UUID


@pytest.fixture
def world(app, menanga, bebandem) -> World:  # noqa: ANN001
    with app.app_context():
        tenant = db.session.get(Tenant, menanga.id)
        kaja = tenant_svc.add_hamlet(tenant, "Kaja").id
        kelod = tenant_svc.add_hamlet(tenant, "Kelod").id
        tenant_svc.add_hamlet(db.session.get(Tenant, bebandem.id), "Kangin")
    return World(menanga, bebandem, kaja, kelod)


def add_membership(app, person: support.Person, role: Role, village, hamlet_id=None) -> None:  # noqa: ANN001
    """A membership as stored, bypassing the service's checks (to test data the services refuse)."""
    with app.app_context():
        db.session.add(Membership(user_id=person.id, role=role, tenant_id=village.id, hamlet_id=hamlet_id))
        db.session.commit()


def person_for(key: str, app, world: World) -> support.Person:  # noqa: ANN001
    m, b = world.menanga, world.bebandem
    simple = {
        "platform_admin": ("platform_admin", None, {}),
        "regency_admin_in_area": ("regency_admin", None, {"area": "51.07"}),
        "regency_admin_out_of_area": ("regency_admin", None, {"area": "51.01"}),
        "facilitator_assigned": ("facilitator", m, {}),
        "facilitator_elsewhere": ("facilitator", b, {}),
        "village_head": ("village_head", m, {}),
        "village_secretary": ("village_secretary", m, {}),
        "operator": ("operator", m, {}),
        "hamlet_head": ("hamlet_head", m, {"hamlet_id": world.kelod}),
        "resident": ("resident", m, {}),
        "stranger": ("operator", b, {}),
        "no_role": (None, None, {}),
    }
    if key in simple:
        role, village, kwargs = simple[key]
        return support.make_user(app, role, village, **kwargs)
    user = support.make_user(app)
    if key == "hamlet_head_without_hamlet":
        add_membership(app, user, Role.HAMLET_HEAD, m)
    elif key == "hamlet_head_of_two_hamlets":
        add_membership(app, user, Role.HAMLET_HEAD, m, world.kaja)
        add_membership(app, user, Role.HAMLET_HEAD, m, world.kelod)
    else:  # pragma: no cover
        raise KeyError(key)
    return user


# (VIEW, MANAGE, UPLOAD) for each caller in Menanga: a scope kind, or the refusal's status.
EXPECTED = {
    "platform_admin": ("village", "village", "village"),
    "regency_admin_in_area": ("village", 403, 403),
    "regency_admin_out_of_area": (404, 404, 404),
    "facilitator_assigned": ("village", "village", 403),
    "facilitator_elsewhere": (404, 404, 404),
    "village_head": ("village", "village", "village"),
    "village_secretary": ("village", "village", "village"),
    "operator": ("village", 403, "village"),
    "hamlet_head": ("hamlet", 403, "hamlet"),
    "hamlet_head_without_hamlet": (403, 403, 403),
    "hamlet_head_of_two_hamlets": (403, 403, 403),
    "resident": (403, 403, "own"),
    "stranger": (404, 404, 404),
    "no_role": (404, 404, 404),
}


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_every_role_on_a_page_and_the_api(key, app, kit_app, world):  # noqa: ANN001
    person = person_for(key, app, world)
    client = kit_app.test_client()
    support.sign_in(client, person)
    headers = support.api_headers(app, person)
    slug = world.menanga.slug
    for permission, expected in zip(PERMISSIONS, EXPECTED[key], strict=True):
        page = client.get(f"/desa/{slug}/kit-access/", query_string={"p": permission})
        api = client.get(f"/api/v1/desa/{slug}/kit-access/", query_string={"p": permission}, headers=headers)
        for flavour, resp in (("page", page), ("api", api)):
            if isinstance(expected, int):
                assert resp.status_code == expected, (key, permission, flavour)
                continue
            assert resp.status_code == 200, (key, permission, flavour, resp.get_data(as_text=True))
            body = resp.get_json()
            assert body["kind"] == expected and body["village"] == slug and body["user"] == person.id
            assert body["hamlet"] == (str(world.kelod) if expected == "hamlet" else None)
            assert body["own"] == (person.id if expected == "own" else None)
        if isinstance(expected, int):  # the API answers its one JSON error shape
            assert api.get_json()["error"]["status"] == expected
            assert api.get_json()["error"]["code"] == {403: "forbidden", 404: "not_found"}[expected]


def test_anonymous_callers_sign_in_on_pages_and_get_401_from_the_api(kit_app, world):  # noqa: ANN001
    client = kit_app.test_client()
    slug = world.menanga.slug
    page = client.get(f"/desa/{slug}/kit-access/", query_string={"p": VIEW})
    assert page.status_code == 302 and "/auth/login" in page.headers["Location"]
    assert client.get(f"/desa/{slug}/kit-access/member").status_code == 302
    api = client.get(f"/api/v1/desa/{slug}/kit-access/", query_string={"p": VIEW})
    assert api.status_code == 401 and api.get_json()["error"]["code"] == "unauthorized"


def test_wrong_village_is_404_and_own_village_answers(app, kit_app, world):  # noqa: ANN001
    operator = support.make_user(app, "operator", world.bebandem)
    client = kit_app.test_client()
    support.sign_in(client, operator)
    headers = support.api_headers(app, operator)
    own = client.get(f"/desa/{world.bebandem.slug}/kit-access/", query_string={"p": VIEW})
    assert own.status_code == 200 and own.get_json()["village"] == world.bebandem.slug
    assert client.get(f"/desa/{world.menanga.slug}/kit-access/", query_string={"p": VIEW}).status_code == 404
    assert client.get(f"/desa/{world.menanga.slug}/kit-access/member").status_code == 404
    assert client.get(f"/desa/{world.bebandem.slug}/kit-access/member").status_code == 200
    api = client.get(
        f"/api/v1/desa/{world.menanga.slug}/kit-access/", query_string={"p": VIEW}, headers=headers
    )
    assert api.status_code == 404
    assert client.get("/desa/no-such-village/kit-access/", query_string={"p": VIEW}).status_code == 404


def test_the_widest_granting_role_decides(app, kit_app, world):  # noqa: ANN001
    head = support.make_user(app, "hamlet_head", world.menanga, hamlet_id=world.kaja)
    add_membership(app, head, Role.RESIDENT, world.menanga)
    client = kit_app.test_client()
    support.sign_in(client, head)
    slug = world.menanga.slug
    # Residents and hamlet heads may upload: the hamlet is wider than own records.
    body = client.get(f"/desa/{slug}/kit-access/", query_string={"p": UPLOAD}).get_json()
    assert body["kind"] == "hamlet" and body["hamlet"] == str(world.kaja)
    resident = support.make_user(app, "resident", world.menanga)
    support.sign_in(client, resident)
    # Any of several permissions: the resident holds only the second.
    body = client.get(f"/desa/{slug}/kit-access/", query_string={"p": [VIEW, UPLOAD]}).get_json()
    assert body["kind"] == "own" and body["own"] == resident.id


def test_only_the_roles_that_grant_the_permission_give_scope(app, world):  # noqa: ANN001
    """An operator who is also a hamlet head is village-wide where the operator role grants, and
    a regency admin who is also a hamlet head does not widen a permission only the head holds."""
    person = support.make_user(app, "regency_admin", area="51.07")
    add_membership(app, person, Role.HAMLET_HEAD, world.menanga, world.kaja)
    with app.app_context():
        user, tenant = db.session.get(User, person.id), db.session.get(Tenant, world.menanga.id)
        assert scope_for(user, tenant, VIEW) == Scope.village()  # read-only: the regency admin grants
        assert scope_for(user, tenant, UPLOAD) == Scope.hamlet(world.kaja)  # only the hamlet head does
        with pytest.raises(Forbidden):
            scope_for(user, tenant, MANAGE)


def test_service_refusals_carry_their_status(app, world):  # noqa: ANN001
    resident = support.make_user(app, "resident", world.menanga)
    stranger = support.make_user(app, "resident", world.bebandem)
    with app.app_context():
        tenant = db.session.get(Tenant, world.menanga.id)
        with pytest.raises(ServiceError) as refused:
            scope_for(db.session.get(User, resident.id), tenant, VIEW)
        assert refused.value.status == 403 and refused.value.code == "forbidden"
        with pytest.raises(NotFound):
            scope_for(db.session.get(User, stranger.id), tenant, VIEW)
        with pytest.raises(NotFound):
            scope_for(None, tenant, VIEW)
        with pytest.raises(KeyError):
            scope_for(db.session.get(User, resident.id), tenant, "no.such.permission")
        with pytest.raises(ValueError):
            scope_for(db.session.get(User, resident.id), tenant)
        assert access.may(db.session.get(User, resident.id), tenant, UPLOAD)
        assert not access.may(db.session.get(User, resident.id), tenant, VIEW)
        assert access.roles_in(db.session.get(User, resident.id), tenant) == {Role.RESIDENT}


def test_a_scope_filters_queries_and_fails_closed(app, world):  # noqa: ANN001
    with support.village_session(app, world.menanga) as s:

        def names(scope: Scope, **columns) -> list[str]:  # noqa: ANN003
            stmt = scope.filter(select(Hamlet.name).order_by(Hamlet.name), **columns)
            return list(s.scalars(stmt))

        assert names(Scope.village()) == ["Kaja", "Kelod"]
        assert names(Scope.hamlet(world.kaja), hamlet_column=Hamlet.id) == ["Kaja"]
        assert names(Scope.hamlet(world.kaja)) == []  # no hamlet column: nothing, never everything
        assert names(Scope.own(7)) == []  # no owner column: nothing
        assert names(Scope.own(7), owner_column=Hamlet.name, owner_id="Kelod") == ["Kelod"]
    hamlet, own = Scope.hamlet(world.kaja), Scope.own(7)
    assert hamlet.allows_hamlet(world.kaja) and not hamlet.allows_hamlet(world.kelod)
    assert not own.allows_hamlet(world.kaja) and Scope.village().allows_hamlet(None)
    assert own.allows(owner_id=7) and not own.allows(owner_id=8) and not own.allows(hamlet_id=world.kaja)
    assert not hamlet.allows(hamlet_id=None)
    assert hamlet.staff_hamlet() == world.kaja and Scope.village().staff_hamlet() is None
    with pytest.raises(Forbidden):
        own.staff_hamlet()  # an own-records scope is never "no limit"
    assert own.widest(hamlet) == hamlet and Scope.village().widest(own) == Scope.village()
    for bad in ({}, {"village_wide": True, "own_user_id": 1}, {"hamlet_id": world.kaja, "own_user_id": 1}):
        with pytest.raises(ValueError):
            Scope(**bad)


# -- the village's own pages, now on the helper ------------------------------------------------------


def test_hamlet_pages_fail_closed_for_a_hamlet_head_without_a_hamlet(app, client, world, login):  # noqa: ANN001
    broken = support.make_user(app)
    add_membership(app, broken, Role.HAMLET_HEAD, world.menanga)
    login(broken)
    slug = world.menanga.slug
    assert client.get(f"/desa/{slug}/hamlets").status_code == 403  # it used to list every hamlet
    assert client.get(f"/desa/{slug}/hamlets/{world.kaja}").status_code == 403
    assert client.get(f"/desa/{slug}/dashboard").status_code == 403


def test_a_hamlet_head_who_is_also_a_resident_still_sees_one_hamlet(app, client, world, login):  # noqa: ANN001
    head = support.make_user(app, "hamlet_head", world.menanga, hamlet_id=world.kaja)
    add_membership(app, head, Role.RESIDENT, world.menanga)
    login(head)
    slug = world.menanga.slug
    listing = client.get(f"/desa/{slug}/hamlets").get_data(as_text=True)
    assert "Kaja" in listing and "Kelod" not in listing  # the first-role rule showed every hamlet
    assert client.get(f"/desa/{slug}/hamlets/{world.kelod}").status_code == 404
    assert client.get(f"/desa/{slug}/hamlets/{world.kaja}").status_code == 200


def test_a_resident_is_refused_the_hamlet_pages(app, client, world, login):  # noqa: ANN001
    login(support.make_user(app, "resident", world.menanga))
    assert client.get(f"/desa/{world.menanga.slug}/hamlets").status_code == 403
    assert client.get(f"/desa/{world.menanga.slug}/hamlets/{world.kaja}").status_code == 403
