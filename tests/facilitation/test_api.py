"""The API of the work surface (``/api/v1/facilitation``) and of the visit log
(``/api/v1/desa/<slug>/visits``): the same rules as the pages, errors in the API's shape."""

from __future__ import annotations

import json
from datetime import date, timedelta

from .conftest import overdue

VISIT = {"visited_on": date.today().isoformat(), "kind": "call", "note": "Telepon soal operator."}


def test_the_surface_lists_the_callers_villages_by_attention(app, client, bearer, sg_village, facilitator_of):
    calm, busy, other = sg_village(), sg_village(), sg_village()
    overdue(app, busy, 1)
    headers = bearer(facilitator_of(calm, busy))
    resp = client.get("/api/v1/facilitation", headers=headers)
    assert resp.status_code == 200
    body = resp.get_json()
    assert [c["village"]["slug"] for c in body] == [busy.slug, calm.slug]
    first = body[0]
    assert first["score"] >= 3 and first["waiting"][0]["key"] == "smart_government.letters_overdue"
    assert first["waiting"][0]["count"] == 1
    assert first["waiting"][0]["link"].startswith(f"/desa/{busy.slug}/smart_government/")
    assert {"trends", "blocking", "last_activity", "open_follow_ups", "score_parts"} <= set(first)
    assert json.loads(resp.headers["X-Pagination"])["total"] == 2
    assert other.slug not in resp.text
    by_name = client.get("/api/v1/facilitation?sort=name&page_size=1", headers=headers)
    assert len(by_name.get_json()) == 1
    assert json.loads(by_name.headers["X-Pagination"])["total_pages"] == 2


def test_the_surface_refuses_outsiders_and_gives_a_platform_admin_every_village(
    client, bearer, make_user, menanga, make_village, monkeypatch
):
    from desacerdas.facilitation import surface

    bangli = make_village("51.06.01.2001")
    assert client.get("/api/v1/facilitation").status_code == 401
    head = bearer(make_user("village_head", menanga))
    resp = client.get("/api/v1/facilitation", headers=head)
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "forbidden"
    admin = bearer(make_user("platform_admin"))
    resp = client.get("/api/v1/facilitation", headers=admin)
    assert resp.status_code == 200
    assert {c["village"]["slug"] for c in resp.get_json()} == {menanga.slug, bangli.slug}
    resp = client.get("/api/v1/facilitation?regency=51.07", headers=admin)
    assert resp.status_code == 200 and [c["village"]["slug"] for c in resp.get_json()] == [menanga.slug]
    assert client.get("/api/v1/facilitation?sort=nope", headers=admin).status_code == 422
    # more villages than can be scored: by name only, page by page
    monkeypatch.setattr(surface, "MAX_VILLAGES", 1)
    resp = client.get("/api/v1/facilitation", headers={**admin, "Accept-Language": "id"})
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "too_many_villages"
    assert "Lebih dari 1 desa" in resp.get_json()["error"]["message"]
    resp = client.get("/api/v1/facilitation?sort=name&page_size=1&page=2", headers=admin)
    assert resp.status_code == 200 and len(resp.get_json()) == 1
    assert json.loads(resp.headers["X-Pagination"])["total"] == 2


def test_record_read_and_tick_a_visit(client, bearer, sg_village, facilitator_of, make_user):
    village = sg_village()
    fac = bearer(facilitator_of(village))
    resp = client.post(
        f"/api/v1/desa/{village.slug}/visits", json={**VISIT, "follow_ups": ["Kirim contoh kop"]}, headers=fac
    )
    assert resp.status_code == 201
    visit = resp.get_json()
    assert visit["kind"] == "call" and visit["follow_ups"] == [{"text": "Kirim contoh kop", "done": False}]
    url = f"/api/v1/desa/{village.slug}/visits/{visit['id']}"
    resp = client.patch(url + "/follow-ups/0", json={"done": True}, headers=fac)
    assert resp.status_code == 200 and resp.get_json()["follow_ups"][0]["done"] is True
    assert client.patch(url + "/follow-ups/5", json={"done": True}, headers=fac).status_code == 404
    head = bearer(make_user("village_head", village))
    listed = client.get(f"/api/v1/desa/{village.slug}/visits", headers=head)
    assert listed.status_code == 200 and [v["id"] for v in listed.get_json()] == [visit["id"]]
    assert client.get(url, headers=head).status_code == 200
    resp = client.post(f"/api/v1/desa/{village.slug}/visits", json=VISIT, headers=head)
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "forbidden"
    regency = bearer(make_user("regency_admin", village))
    assert client.get(f"/api/v1/desa/{village.slug}/visits", headers=regency).status_code == 200
    assert client.post(f"/api/v1/desa/{village.slug}/visits", json=VISIT, headers=regency).status_code == 403


def test_bad_visits_are_refused_with_a_code(client, bearer, sg_village, facilitator_of):
    village = sg_village()
    fac = bearer(facilitator_of(village))
    url = f"/api/v1/desa/{village.slug}/visits"
    future = {**VISIT, "visited_on": (date.today() + timedelta(days=3)).isoformat()}
    resp = client.post(url, json=future, headers=fac)
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "visit_in_future"
    assert client.post(url, json={**VISIT, "kind": "letter"}, headers=fac).status_code == 422
    assert client.post(url, json={**VISIT, "note": "   "}, headers=fac).status_code == 422
    assert client.post(url, json={"kind": "visit"}, headers=fac).status_code == 422
    too_many = {**VISIT, "follow_ups": [f"t{i}" for i in range(11)]}
    assert client.post(url, json=too_many, headers=fac).status_code == 422
    assert client.get(url, headers=fac).get_json() == []


def test_another_villages_log_does_not_exist(client, bearer, sg_village, facilitator_of, make_user):
    a, b = sg_village(), sg_village()
    fac_a = bearer(facilitator_of(a))
    visit = client.post(f"/api/v1/desa/{a.slug}/visits", json=VISIT, headers=fac_a).get_json()
    assert client.post(f"/api/v1/desa/{b.slug}/visits", json=VISIT, headers=fac_a).status_code == 404
    assert client.get(f"/api/v1/desa/{b.slug}/visits", headers=fac_a).status_code == 404
    head_b = bearer(make_user("village_head", b))
    assert client.get(f"/api/v1/desa/{a.slug}/visits", headers=head_b).status_code == 404
    # A's id under B's address (where B's head may read): not found, not A's visit
    resp = client.get(f"/api/v1/desa/{b.slug}/visits/{visit['id']}", headers=head_b)
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "visit_not_found"
    fac_b = bearer(facilitator_of(b))
    patch = client.patch(
        f"/api/v1/desa/{b.slug}/visits/{visit['id']}/follow-ups/0", json={"done": True}, headers=fac_b
    )
    assert patch.status_code == 404


def test_the_openapi_document_lists_the_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/api/v1/facilitation" in paths
    assert "/api/v1/desa/{slug}/visits" in paths
    assert "/api/v1/desa/{slug}/visits/{visit_id}/follow-ups/{index}" in paths
