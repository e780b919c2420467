"""``/api/v1/villages``: scope, filters, pagination, provisioning and status changes."""

from __future__ import annotations

import json

import pytest

from desacerdas.extensions import db
from desacerdas.models import AuditEvent, Tenant

# Karangasem (51.07): Menanga (Rendang), Bebandem (Bebandem) and Bunutan (Abang), from the article.
MENANGA, BEBANDEM, BUNUTAN = "51.07.01.2003", "51.07.06.2003", "51.07.05.2003"


def _slugs(resp) -> list[str]:  # noqa: ANN001
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    return [v["slug"] for v in resp.get_json()]


def _pagination(resp) -> dict:  # noqa: ANN001
    return json.loads(resp.headers["X-Pagination"])


def test_platform_admin_lists_every_village(client, auth, admin, menanga, bebandem):
    resp = client.get("/api/v1/villages", headers=auth(admin))
    assert sorted(_slugs(resp)) == sorted([menanga.slug, bebandem.slug])
    village = resp.get_json()[0]
    assert {"code", "slug", "name", "district_name", "regency_name", "province_name", "status"} <= set(
        village
    )
    assert _pagination(resp)["total"] == 2


def test_village_staff_see_only_their_village(client, auth, make_user, menanga, bebandem):
    operator = make_user("operator", bebandem)
    assert _slugs(client.get("/api/v1/villages", headers=auth(operator))) == [bebandem.slug]


def test_regency_admin_sees_villages_under_their_prefix(client, auth, make_user, make_village, menanga):
    outside = make_village("51.08.01.2001")
    regency = make_user("regency_admin", area="51.07")
    slugs = _slugs(client.get("/api/v1/villages", headers=auth(regency)))
    assert menanga.slug in slugs and outside.slug not in slugs


def test_user_without_roles_sees_nothing(client, auth, make_user, menanga):
    assert _slugs(client.get("/api/v1/villages", headers=auth(make_user()))) == []


def test_filters(client, auth, admin, make_village, menanga, bebandem):
    make_village(BUNUTAN)
    headers = auth(admin)
    assert _slugs(client.get("/api/v1/villages?q=menan", headers=headers)) == [menanga.slug]
    assert _slugs(client.get(f"/api/v1/villages?q={BEBANDEM}", headers=headers)) == [bebandem.slug]
    assert _slugs(client.get("/api/v1/villages?district=51.07.06", headers=headers)) == [bebandem.slug]
    assert len(_slugs(client.get("/api/v1/villages?regency=51.07", headers=headers))) == 3
    assert _slugs(client.get("/api/v1/villages?regency=51.08", headers=headers)) == []


def test_filter_values_are_validated(client, auth, admin, api_error):
    headers = auth(admin)
    body = api_error(client.get("/api/v1/villages?status=gone", headers=headers), 422)
    assert "status" in body["details"]["query"]
    body = api_error(client.get("/api/v1/villages?regency=karangasem", headers=headers), 422)
    assert "regency" in body["details"]["query"]


def test_pagination_pages_and_header(client, auth, admin, make_village, menanga, bebandem):
    make_village(BUNUTAN)
    headers = auth(admin)
    first = client.get("/api/v1/villages?page_size=2", headers=headers)
    second = client.get("/api/v1/villages?page_size=2&page=2", headers=headers)
    assert len(_slugs(first)) == 2 and len(_slugs(second)) == 1
    assert set(_slugs(first)).isdisjoint(_slugs(second))
    meta = _pagination(first)
    assert meta == {"total": 3, "total_pages": 2, "first_page": 1, "last_page": 2, "page": 1, "next_page": 2}
    assert _slugs(client.get("/api/v1/villages?page=9", headers=headers)) == []


def test_page_size_above_100_is_refused(client, auth, admin, api_error):
    headers = auth(admin)
    assert client.get("/api/v1/villages?page_size=100", headers=headers).status_code == 200
    body = api_error(client.get("/api/v1/villages?page_size=101", headers=headers), 422, "validation_error")
    assert "page_size" in body["details"]["query"]
    api_error(client.get("/api/v1/villages?page_size=0", headers=headers), 422)
    api_error(client.get("/api/v1/villages?page=0", headers=headers), 422)
    api_error(client.get("/api/v1/villages?page=abc", headers=headers), 422)


def test_default_page_size_comes_from_config(
    app, client, auth, admin, make_village, menanga, bebandem, monkeypatch
):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 1)
    resp = client.get("/api/v1/villages", headers=auth(admin))
    assert len(_slugs(resp)) == 1 and _pagination(resp)["total_pages"] == 2


def test_create_village_by_code(app, client, auth, admin):
    resp = client.post("/api/v1/villages", json={"code": "51.07.04.2007"}, headers=auth(admin))
    assert resp.status_code == 201, resp.get_data(as_text=True)
    village = resp.get_json()
    assert village["code"] == "51.07.04.2007"
    assert village["regency_code"] == "51.07" and village["status"] == "active"
    assert village["slug"] and village["name"]
    with app.app_context():
        assert db.session.query(Tenant).filter_by(code="51.07.04.2007").count() == 1
        event = db.session.query(AuditEvent).filter_by(action="tenant.provisioned").one()
        assert event.actor_id == admin.id


def test_create_village_accepts_ten_digit_code_and_slug(client, auth, admin):
    resp = client.post(
        "/api/v1/villages", json={"code": "5107042007", "slug": "desa-uji"}, headers=auth(admin)
    )
    assert resp.status_code == 201
    assert resp.get_json()["code"] == "51.07.04.2007" and resp.get_json()["slug"] == "desa-uji"


@pytest.mark.parametrize(
    ("code", "status", "error_code"),
    [
        ("51.07.04", 400, "malformed_code"),
        ("hello", 400, "malformed_code"),
        ("51.07.04.9999", 404, "unknown_code"),
    ],
)
def test_create_village_with_bad_code(app, client, auth, admin, api_error, code, status, error_code):
    body = api_error(
        client.post("/api/v1/villages", json={"code": code}, headers=auth(admin)), status, error_code
    )
    assert code.split(".")[-1] in body["message"] or "code" in body["message"]
    with app.app_context():
        assert db.session.query(Tenant).count() == 0


def test_create_duplicate_village_is_409(client, auth, admin, menanga, api_error):
    api_error(
        client.post("/api/v1/villages", json={"code": MENANGA}, headers=auth(admin)), 409, "duplicate_code"
    )


def test_create_with_taken_or_invalid_slug(client, auth, admin, menanga, api_error):
    headers = auth(admin)
    api_error(
        client.post("/api/v1/villages", json={"code": BEBANDEM, "slug": menanga.slug}, headers=headers),
        409,
        "slug_taken",
    )
    api_error(
        client.post("/api/v1/villages", json={"code": BEBANDEM, "slug": "Not A Slug"}, headers=headers),
        400,
        "invalid_slug",
    )


def test_create_validation_errors(client, auth, admin, api_error):
    headers = auth(admin)
    body = api_error(client.post("/api/v1/villages", json={}, headers=headers), 422, "validation_error")
    assert "code" in body["details"]["json"]
    body = api_error(
        client.post("/api/v1/villages", json={"code": BEBANDEM, "nama": "x"}, headers=headers), 422
    )
    assert "nama" in body["details"]["json"]
    api_error(client.post("/api/v1/villages", data="code=1", headers=headers), 422)


def test_only_platform_admins_create_villages(client, auth, make_user, menanga, api_error):
    for person in (make_user("village_head", menanga), make_user("regency_admin", area="51.07"), make_user()):
        api_error(
            client.post("/api/v1/villages", json={"code": BEBANDEM}, headers=auth(person)), 403, "forbidden"
        )


def test_get_village(client, auth, make_user, menanga, bebandem, api_error):
    operator = make_user("operator", menanga)
    headers = auth(operator)
    resp = client.get(f"/api/v1/villages/{menanga.slug}", headers=headers)
    assert resp.status_code == 200 and resp.get_json()["code"] == MENANGA
    api_error(client.get(f"/api/v1/villages/{bebandem.slug}", headers=headers), 404)  # out of scope
    api_error(client.get("/api/v1/villages/nowhere", headers=headers), 404)


def test_suspend_resume_archive(app, client, auth, admin, make_user, menanga, api_error):
    headers = auth(admin)
    resp = client.post(f"/api/v1/villages/{menanga.slug}/suspend", json={"reason": "unpaid"}, headers=headers)
    assert resp.status_code == 200
    assert resp.get_json()["status"] == "suspended" and resp.get_json()["status_reason"] == "unpaid"
    api_error(
        client.post(f"/api/v1/villages/{menanga.slug}/suspend", json={"reason": "again"}, headers=headers),
        409,
        "no_change",
    )
    resp = client.post(f"/api/v1/villages/{menanga.slug}/resume", headers=headers)
    assert resp.status_code == 200 and resp.get_json()["status"] == "active"
    resp = client.post(f"/api/v1/villages/{menanga.slug}/archive", json={"reason": "merged"}, headers=headers)
    assert resp.status_code == 200 and resp.get_json()["status"] == "archived"
    with app.app_context():
        actions = [e.action for e in db.session.query(AuditEvent).order_by(AuditEvent.id)]
    assert actions[-3:] == ["tenant.suspended", "tenant.resumed", "tenant.archived"]


def test_archive_without_body(client, auth, admin, menanga):
    resp = client.post(f"/api/v1/villages/{menanga.slug}/archive", headers=auth(admin))
    assert resp.status_code == 200 and resp.get_json()["status"] == "archived"


def test_suspend_needs_a_reason(client, auth, admin, menanga, api_error):
    headers = auth(admin)
    body = api_error(client.post(f"/api/v1/villages/{menanga.slug}/suspend", json={}, headers=headers), 422)
    assert "reason" in body["details"]["json"]
    api_error(
        client.post(f"/api/v1/villages/{menanga.slug}/suspend", json={"reason": "  "}, headers=headers),
        400,
        "reason_required",
    )


def test_status_changes_need_platform_admin(client, auth, make_user, menanga, api_error):
    head = make_user("village_head", menanga)
    for action, body in (("suspend", {"reason": "x"}), ("resume", None), ("archive", {})):
        api_error(
            client.post(f"/api/v1/villages/{menanga.slug}/{action}", json=body, headers=auth(head)), 403
        )


def test_archived_village_is_gone_for_everyone_but_platform_admins(
    client, auth, admin, make_user, menanga, api_error
):
    head = make_user("village_head", menanga)
    regency = make_user("regency_admin", area="51.07")
    client.post(f"/api/v1/villages/{menanga.slug}/archive", json={}, headers=auth(admin))
    for person in (head, regency):
        headers = auth(person)
        assert _slugs(client.get("/api/v1/villages", headers=headers)) == []
        assert _slugs(client.get("/api/v1/villages?status=archived", headers=headers)) == []
        api_error(client.get(f"/api/v1/villages/{menanga.slug}", headers=headers), 404)
    admin_headers = auth(admin)
    assert _slugs(client.get("/api/v1/villages?status=archived", headers=admin_headers)) == [menanga.slug]
    assert client.get(f"/api/v1/villages/{menanga.slug}", headers=admin_headers).status_code == 200
