"""The plugins and rollout API: listing, the board as JSON, and enabling or disabling in a village."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from desacerdas.extensions import db
from desacerdas.models import AuditEvent


def _error(resp, status: int, code: str) -> dict:  # noqa: ANN001
    assert resp.status_code == status, resp.get_data(as_text=True)[:400]
    body = resp.get_json()["error"]
    assert body["code"] == code, body
    return body


def test_plugins_lists_titles_versions_states_and_hooks(rclient, villages, make_user, bearer):
    resp = rclient.get("/api/v1/plugins", headers=bearer(make_user("facilitator", villages["menanga"])))
    assert resp.status_code == 200
    rows = {r["name"]: r for r in resp.get_json()}
    assert list(rows)[:3] == ["alpha", "beta", "gamma"]
    beta = rows["beta"]
    assert beta["titles"] == {"id": "Uji beta", "en": "Test beta"} and beta["title"] == "Test beta"
    assert beta["version"] == "1.0" and beta["state"] == "installed" and beta["requires"] == ["alpha"]
    assert "desa_readiness_checks" in beta["hooks"] and "desa_plugin_info" in beta["hooks"]
    assert rows["wrong_name"]["state"] == "broken" and rows["wrong_name"]["titles"] is None


def test_platform_endpoints_need_a_token_and_the_board_audience(rclient, villages, make_user, bearer):
    assert _error(rclient.get("/api/v1/plugins"), 401, "unauthorized")
    assert _error(rclient.get("/api/v1/rollout"), 401, "unauthorized")
    operator = bearer(make_user("operator", villages["menanga"]))
    _error(rclient.get("/api/v1/plugins", headers=operator), 403, "forbidden")
    _error(rclient.get("/api/v1/rollout", headers=operator), 403, "forbidden")


def test_rollout_board_as_json_with_scope_filters_and_pages(
    rclient, villages, enable, make_user, bearer, fakes
):
    enable(villages["menanga"], "alpha")
    fakes["alpha"].blocked_in.add("bunutan")
    headers = bearer(make_user("regency_admin", area="51.07"))
    resp = rclient.get("/api/v1/rollout", headers=headers)
    assert resp.status_code == 200
    body = resp.get_json()
    assert [p["name"] for p in body["plugins"]] == ["alpha", "beta", "gamma"]
    assert body["plugins"][0]["title"] == "Test alpha"
    rows = {r["village"]["slug"]: r for r in body["villages"]}
    assert set(rows) == {"menanga", "rendang", "bebandem", "bunutan"}  # not Apuan (Bangli)
    assert [c["state"] for c in rows["menanga"]["cells"]] == ["enabled", "ready", "blocked"]
    beta = rows["bunutan"]["cells"][1]
    assert beta["state"] == "blocked"
    assert beta["failing"] == [
        {
            "plugin": "alpha",
            "id": "alpha.ok",
            "label": "alpha prerequisites",
            "passed": False,
            "how_to_pass": "Do the thing first.",
            "link": "",
        }
    ]
    assert rows["menanga"]["village"]["district_name"] == "Rendang"
    assert json.loads(resp.headers["X-Pagination"])["total"] == 4

    page = rclient.get("/api/v1/rollout?page_size=3&page=2", headers=headers)
    meta = json.loads(page.headers["X-Pagination"])
    assert meta["total_pages"] == 2 and len(page.get_json()["villages"]) == 1
    district = rclient.get("/api/v1/rollout?district=51.07.01", headers=headers).get_json()
    assert {r["village"]["slug"] for r in district["villages"]} == {"menanga", "rendang"}


def test_rollout_board_of_a_facilitator_and_the_facilitator_filter(
    rclient, villages, make_user, grant, bearer
):
    facilitator = make_user("facilitator", villages["bebandem"])
    grant(facilitator, "facilitator", villages["apuan"])
    own = rclient.get("/api/v1/rollout", headers=bearer(facilitator)).get_json()
    assert {r["village"]["slug"] for r in own["villages"]} == {"bebandem", "apuan"}
    admin = bearer(make_user("platform_admin"))
    everyone = rclient.get("/api/v1/rollout", headers=admin).get_json()
    assert len(everyone["villages"]) == 5
    theirs = rclient.get(f"/api/v1/rollout?facilitator={facilitator.id}", headers=admin).get_json()
    assert {r["village"]["slug"] for r in theirs["villages"]} == {"bebandem", "apuan"}


def test_village_plugins_with_enabled_flag_and_checks(rclient, villages, enable, make_user, bearer):
    enable(villages["menanga"], "alpha")
    headers = bearer(make_user("operator", villages["menanga"]))
    resp = rclient.get("/api/v1/desa/menanga/plugins", headers=headers)
    assert resp.status_code == 200
    rows = {r["name"]: r for r in resp.get_json()}
    assert rows["alpha"]["enabled"] is True and rows["alpha"]["state"] == "enabled"
    assert rows["beta"]["enabled"] is False and rows["beta"]["state"] == "ready"
    assert rows["beta"]["checks"] == [
        {
            "id": "beta.ok",
            "label": "beta prerequisites",
            "passed": True,
            "how_to_pass": "Do the thing first.",
            "link": "",
        }
    ]
    assert rows["gamma"]["state"] == "blocked" and rows["gamma"]["failing"][0]["id"] == "gamma.ok"
    resident = bearer(make_user("resident", villages["menanga"]))
    _error(rclient.get("/api/v1/desa/menanga/plugins", headers=resident), 403, "forbidden")
    _error(rclient.get("/api/v1/desa/bebandem/plugins", headers=headers), 404, "not_found")
    _error(rclient.get("/api/v1/desa/menanga/plugins"), 401, "unauthorized")


def test_enable_dry_run_then_for_real(rapp, rclient, villages, enabled, make_user, bearer):
    headers = bearer(make_user("village_head", villages["menanga"]))
    url = "/api/v1/desa/menanga/plugins/beta/enable"
    with rapp.app_context():
        audits = db.session.scalar(select(func.count()).select_from(AuditEvent))
    dry = rclient.post(url, json={"dry_run": True}, headers=headers)
    assert dry.status_code == 200
    body = dry.get_json()
    assert body["applied"] is False and body["ready"] is True and body["village"] == "menanga"
    assert [s["plugin"] for s in body["steps"]] == ["alpha", "beta"]
    assert body["steps"][0]["checks"][0]["passed"] is True and body["steps"][1]["title"] == "Test beta"
    assert enabled(villages["menanga"]) == frozenset()
    with rapp.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == audits
    done = rclient.post(url, json={}, headers=headers)
    assert done.status_code == 200 and done.get_json()["applied"] is True
    assert enabled(villages["menanga"]) == {"alpha", "beta"}
    _error(rclient.post(url, json={}, headers=headers), 409, "no_change")
    _error(
        rclient.post("/api/v1/desa/menanga/plugins/nope/enable", json={}, headers=headers),
        404,
        "unknown_plugin",
    )
    _error(rclient.post(url, json={"dry_run": "maybe"}, headers=headers), 422, "validation_error")


def test_enable_not_ready_and_who_may_override(rclient, villages, enabled, make_user, bearer):
    url = "/api/v1/desa/menanga/plugins/gamma/enable"
    head = bearer(make_user("village_head", villages["menanga"]))
    body = _error(rclient.post(url, json={}, headers=head), 409, "not_ready")
    assert "Do the thing first." in body["message"]
    _error(rclient.post(url, json={"dry_run": True}, headers=head), 409, "not_ready")
    _error(rclient.post(url, json={"override_reason": "we want it"}, headers=head), 403, "forbidden")
    facilitator = bearer(make_user("facilitator", villages["menanga"]))
    _error(rclient.post(url, json={"override_reason": "pilot"}, headers=facilitator), 403, "forbidden")
    assert enabled(villages["menanga"]) == frozenset()
    regency = bearer(make_user("regency_admin", area="51.07"))
    ok = rclient.post(url, json={"override_reason": "pilot agreed"}, headers=regency)
    assert ok.status_code == 200 and ok.get_json()["override"] is True and ok.get_json()["applied"] is True
    assert enabled(villages["menanga"]) == {"gamma"}
    operator = bearer(make_user("operator", villages["menanga"]))
    _error(
        rclient.post("/api/v1/desa/menanga/plugins/alpha/enable", json={}, headers=operator), 403, "forbidden"
    )


def test_disable_needs_dependents_confirmed(rclient, villages, enable, enabled, make_user, bearer):
    enable(villages["menanga"], "beta")
    headers = bearer(make_user("facilitator", villages["menanga"]))
    url = "/api/v1/desa/menanga/plugins/alpha/disable"
    body = _error(rclient.post(url, json={}, headers=headers), 409, "has_dependents")
    assert "beta" in body["message"]
    assert enabled(villages["menanga"]) == {"alpha", "beta"}
    resp = rclient.post(url, json={"confirm_dependents": True, "reason": "pause"}, headers=headers)
    assert resp.status_code == 200
    assert resp.get_json() == {"village": "menanga", "plugin": "alpha", "disabled": ["beta", "alpha"]}
    assert enabled(villages["menanga"]) == frozenset()
    _error(rclient.post(url, json={}, headers=headers), 409, "no_change")


@pytest.mark.parametrize("action", ["enable", "disable"])
def test_a_user_of_bebandem_cannot_touch_menanga(
    rclient, villages, enable, enabled, make_user, bearer, action
):
    enable(villages["menanga"], "alpha")
    before = enabled(villages["menanga"])
    head = bearer(make_user("village_head", villages["bebandem"]))
    url = f"/api/v1/desa/menanga/plugins/alpha/{action}"
    _error(
        rclient.post(url, json={"confirm_dependents": True} if action == "disable" else {}, headers=head),
        404,
        "not_found",
    )
    assert enabled(villages["menanga"]) == before
    # Their own village works; a regency admin of another regency cannot reach Menanga either.
    ok = rclient.post("/api/v1/desa/bebandem/plugins/alpha/enable", json={}, headers=head)
    assert ok.status_code == 200
    bangli = bearer(make_user("regency_admin", area="51.06"))
    _error(rclient.post(url, json={}, headers=bangli), 404, "not_found")
    _error(rclient.get("/api/v1/desa/menanga/plugins", headers=bangli), 404, "not_found")


def test_operations_are_in_the_openapi_document(rclient):
    paths = rclient.get("/api/v1/openapi.json").get_json()["paths"]
    for path in (
        "/api/v1/plugins",
        "/api/v1/rollout",
        "/api/v1/desa/{slug}/plugins",
        "/api/v1/desa/{slug}/plugins/{name}/enable",
        "/api/v1/desa/{slug}/plugins/{name}/disable",
    ):
        assert path in paths, path
