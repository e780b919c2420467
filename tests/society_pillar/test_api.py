"""The complaints API: the same rules as the pages, JSON errors, other villages 404."""

from __future__ import annotations

from desacerdas.testing import support

from .conftest import file


def _h(app, person):  # noqa: ANN001, ANN202
    return {**support.api_headers(app, person), "Accept-Language": "id"}


def test_file_move_thread_and_read_through_the_api(app, client, sv):
    wayan, op = _h(app, sv.people["wayan"]), _h(app, sv.people["operator"])
    resp = client.post(
        sv.api("complaints"),
        json={"category": "health", "title": "Posyandu", "body": "Jadwal posyandu tidak diumumkan."},
        headers=wayan,
    )
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    cid = body["id"]
    assert body["status"] == "received" and body["allowed_actions"] == [] and body["missed"] == []
    listed = client.get(sv.api("complaints"), headers=op)
    assert listed.status_code == 200 and [c["id"] for c in listed.get_json()] == [cid]
    assert "X-Pagination" in listed.headers
    assert client.get(sv.api("complaints"), headers=wayan).status_code == 403
    assert [c["id"] for c in client.get(sv.api("complaints/mine"), headers=wayan).get_json()] == [cid]
    resp = client.post(sv.api(f"complaints/{cid}/verify"), json={}, headers=op)
    assert resp.status_code == 200 and resp.get_json()["status"] == "verified"
    resp = client.post(sv.api(f"complaints/{cid}/verify"), json={}, headers=op)
    assert resp.status_code == 409 and resp.get_json()["error"]["code"]
    note = client.post(sv.api(f"complaints/{cid}/thread"), json={"body": "Hubungi bidan desa."}, headers=op)
    assert note.status_code == 201 and note.get_json()["kind"] == "note"
    resp = client.post(
        sv.api(f"complaints/{cid}/answer"), json={"note": "Jadwal kini di papan balai."}, headers=op
    )
    assert resp.status_code == 200
    seen = client.get(sv.api(f"complaints/{cid}"), headers=wayan).get_json()
    assert [e["kind"] for e in seen["thread"]] == ["answer"]  # the staff note is not theirs to read
    assert set(seen["allowed_actions"]) == {"reopen", "close"}
    assert client.post(sv.api(f"complaints/{cid}/rate"), json={"rating": 5}, headers=wayan).status_code == 200
    assert client.post(sv.api(f"complaints/{cid}/rate"), json={"rating": 5}, headers=wayan).status_code == 409


def test_bad_input_and_wrong_roles(app, client, sv):
    wayan, op = _h(app, sv.people["wayan"]), _h(app, sv.people["operator"])
    resp = client.post(
        sv.api("complaints"), json={"category": "gossip", "title": "x", "body": "y"}, headers=wayan
    )
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "validation_error"
    resp = client.post(
        sv.api("complaints"),
        json={"category": "other", "title": "Tanpa nama", "body": "Dicatat di loket desa."},
        headers=op,
    )
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "reporter_required"
    cid = file(app, sv, "wayan")
    resp = client.post(sv.api(f"complaints/{cid}/extend"), json={"days": 30, "reason": "x"}, headers=wayan)
    assert resp.status_code == 403
    resp = client.post(sv.api(f"complaints/{cid}/verify"), json={}, headers=wayan)
    assert resp.status_code == 403
    resp = client.post(sv.api(f"complaints/{cid}/explode"), json={}, headers=op)
    assert resp.status_code == 404
    assert client.get(sv.api("complaints?status=nonsense"), headers=op).status_code == 422
    assert client.get(sv.api("complaints")).status_code == 401


def test_another_village_cannot_read_or_move_it(app, client, sv, sv_b):
    cid = file(app, sv, "wayan")
    other = _h(app, sv_b.people["head"])
    assert client.get(sv.api(f"complaints/{cid}"), headers=other).status_code == 404
    assert client.get(sv.api("complaints"), headers=other).status_code == 404
    assert client.post(sv.api(f"complaints/{cid}/verify"), json={}, headers=other).status_code == 404
    # through its own village's address the id does not exist
    assert client.get(sv_b.api(f"complaints/{cid}"), headers=other).status_code == 404
    assert client.get(sv_b.api("complaints?status=all"), headers=other).get_json() == []
    made = _h(app, sv.people["made"])  # another resident of the same village
    assert client.get(sv.api(f"complaints/{cid}"), headers=made).status_code == 404


def test_the_api_hides_a_withheld_name_from_the_hamlet_head(app, client, sv):
    cid = file(app, sv, "wayan", name_withheld=True)
    wayan = _h(app, sv.people["wayan"])
    client.post(sv.api(f"complaints/{cid}/thread"), json={"body": "Tambahan dari saya."}, headers=wayan)
    kaja = client.get(sv.api(f"complaints/{cid}"), headers=_h(app, sv.people["kelian_kaja"])).get_json()
    names = [s["actor_name"] for s in kaja["steps"]] + [e["author_name"] for e in kaja["thread"]]
    assert names and "I Wayan Sudarsana" not in names and set(names) == {"Nama dirahasiakan"}
    staff = client.get(sv.api(f"complaints/{cid}"), headers=_h(app, sv.people["operator"])).get_json()
    assert "I Wayan Sudarsana" in [s["actor_name"] for s in staff["steps"]]
