"""The registry's API: filters, pagination, round trip, permissions, scope and other villages."""

from __future__ import annotations

import json

from .conftest import MENANGA_NIK_MAN, prepare


def test_api_is_404_where_the_plugin_is_not_enabled(app, client, bebandem, make_user, bearer):
    village = prepare(app, bebandem, enable=False)
    headers = bearer(make_user("operator", bebandem))
    assert client.get(village.api("residents"), headers=headers).status_code == 404


def test_api_round_trip(pop_menanga, client, menanga, make_user, bearer):
    v = pop_menanga
    headers = bearer(make_user("operator", menanga))
    body = {"name": "I Ketut Baru", "birth_date": "1990-05-17", "sex": "male", "hamlet_id": str(v.kelod)}
    bad = client.post(v.api("residents"), json={**body, "nik": "1234"}, headers=headers)
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid_nik"
    created = client.post(v.api("residents"), json={**body, "nik": MENANGA_NIK_MAN}, headers=headers)
    assert created.status_code == 201, created.get_json()
    person = created.get_json()
    assert person["nik"] == MENANGA_NIK_MAN and person["status"] == "living" and person["sex"] == "male"
    dup = client.post(v.api("residents"), json={**body, "nik": MENANGA_NIK_MAN}, headers=headers)
    assert dup.status_code == 409
    assert client.get(v.api(f"residents/{person['id']}"), headers=headers).get_json() == person
    event = client.post(
        v.api(f"residents/{person['id']}/events"),
        json={"kind": "move_out", "event_date": "2024-01-10"},
        headers=headers,
    )
    assert event.status_code == 201 and event.get_json()["kind"] == "move_out"
    again = client.get(v.api(f"residents/{person['id']}"), headers=headers).get_json()
    assert again["status"] == "moved_out"
    events = client.get(v.api(f"residents/{person['id']}/events"), headers=headers).get_json()
    assert [e["kind"] for e in events] == ["move_out"]


def test_api_list_filters_and_pagination(pop_menanga, client, menanga, make_user, bearer):
    v = pop_menanga
    headers = bearer(make_user("operator", menanga))
    resp = client.get(v.api("residents?page_size=2"), headers=headers)
    assert resp.status_code == 200 and len(resp.get_json()) == 2
    assert json.loads(resp.headers["X-Pagination"])["total"] == 3
    found = client.get(v.api("residents?q=kadek"), headers=headers).get_json()
    assert [r["name"] for r in found] == ["Ni Kadék Ayu"]
    assert len(client.get(v.api(f"residents?hamlet_id={v.kelod}"), headers=headers).get_json()) == 1
    assert client.get(v.api("residents?sex=other"), headers=headers).status_code == 422


def test_api_family_and_statistics(pop_menanga, client, menanga, make_user, bearer):
    v = pop_menanga
    headers = bearer(make_user("operator", menanga))
    family = client.get(v.api(f"families/{v.family}"), headers=headers).get_json()
    assert sorted(m["name"] for m in family["members"]) == ["I Wayan Sudarsana", "Ni Kadék Ayu"]
    stats = client.get(v.api("statistics"), headers=headers).get_json()
    listed = json.loads(client.get(v.api("residents"), headers=headers).headers["X-Pagination"])["total"]
    assert stats["total"] == listed == 3
    assert stats["by_sex"] == {"male": 2, "female": 1}
    assert sum(m + f for m, f in ((p["male"], p["female"]) for p in stats["pyramid"])) == stats["living"]


def test_api_permissions_scope_and_other_villages(
    pop_menanga, pop_bebandem, client, menanga, make_user, bearer
):
    v, other = pop_menanga, pop_bebandem
    operator = bearer(make_user("operator", menanga))
    assert client.get(v.api(f"residents/{other.residents['wayan']}"), headers=operator).status_code == 404
    assert client.get(v.api(f"families/{other.family}"), headers=operator).status_code == 404
    assert client.get(other.api("residents"), headers=operator).status_code == 404
    head = bearer(make_user("hamlet_head", menanga))
    names = [r["name"] for r in client.get(v.api("residents"), headers=head).get_json()]
    assert sorted(names) == ["I Wayan Sudarsana", "Ni Kadék Ayu"]
    assert client.get(v.api(f"residents/{v.residents['made']}"), headers=head).status_code == 404
    assert client.get(v.api("statistics"), headers=head).get_json()["total"] == 2
    body = {"name": "X", "birth_date": "2000-01-01", "sex": "male", "hamlet_id": str(v.kelod)}
    assert client.post(v.api("residents"), json=body, headers=head).status_code == 403
    facilitator = bearer(make_user("facilitator", menanga))
    assert client.get(v.api("residents"), headers=facilitator).status_code == 200
    assert client.post(v.api("residents"), json=body, headers=facilitator).status_code == 403
