"""Readiness checks link to the page that fixes them (API and pages), and the facilitator of a
village may add its hamlets and set its pillar settings (audited) — a facilitator elsewhere may not."""

from __future__ import annotations

from sqlalchemy import select

from desacerdas.extensions import db
from desacerdas.models import AuditEvent, Tenant, User
from desacerdas.services import rollout
from desacerdas.testing import support


def _links(village) -> dict[str, str]:  # noqa: ANN001
    return {
        "has_village_head": f"/desa/{village.slug}/members",
        "has_hamlets": f"/desa/{village.slug}/hamlets",
        "has_staff": f"/desa/{village.slug}/members",
        "letterhead_set": f"/desa/{village.slug}/settings/terms",
        "letter_type_active": f"/desa/{village.slug}/smart_government/letters/types",
    }


def test_every_fixable_check_links_to_its_page_in_the_api(client, auth, make_user, menanga):
    headers = auth(make_user("village_head", menanga))
    rows = {
        r["name"]: r for r in client.get(f"/api/v1/desa/{menanga.slug}/plugins", headers=headers).get_json()
    }
    checks = {c["id"]: c for c in rows["smart_government"]["checks"]}
    assert {k: checks[k]["link"] for k in _links(menanga)} == _links(menanga)
    assert all(f["link"] for f in rows["smart_government"]["failing"])
    assert "village_head role" not in checks["has_village_head"]["how_to_pass"]  # words, not a code


def test_the_links_are_the_same_outside_a_request(app, menanga):
    """The command line (``desa plugins readiness``) and jobs get the same paths."""
    with app.app_context():
        checks = rollout.readiness(db.session.get(Tenant, menanga.id), "smart_government")
    assert {c.id: c.link for c in checks if c.id in _links(menanga)} == _links(menanga)


def test_the_linked_pages_open_for_the_people_who_fix_them(app, client, login, make_user, menanga):
    login(make_user("village_head", menanga))
    links = _links(menanga)
    for key in ("has_village_head", "has_hamlets", "letterhead_set"):
        assert client.get(links[key]).status_code == 200, key
    # The letter types page belongs to the pillar: it opens once the pillar is enabled.
    support.enable_plugins(app, menanga, "smart_government")
    assert client.get(links["letter_type_active"]).status_code == 200


def test_the_rollout_cell_page_links_each_failing_check(client, login, make_user, menanga):
    login(make_user("regency_admin", menanga))
    html = client.get(f"/rollout/village/{menanga.slug}/smart_government").get_data(as_text=True)
    for key in ("has_hamlets", "has_staff", "letterhead_set"):
        assert f'href="{_links(menanga)[key]}"' in html, key


def test_a_suspended_head_does_not_make_the_village_ready(app, client, auth, make_user, menanga):
    head = make_user("village_head", menanga)

    def head_check() -> bool:
        with app.app_context():
            checks = rollout.readiness(db.session.get(Tenant, menanga.id), "smart_government")
        return {c.id: c.passed for c in checks}["has_village_head"]

    assert head_check() is True
    with app.app_context():
        db.session.get(User, head.id).active = False
        db.session.commit()
    assert head_check() is False


def _events(app, village, action: str) -> list[AuditEvent]:  # noqa: ANN001
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent).where(AuditEvent.tenant_id == village.id, AuditEvent.action == action)
            )
        )


def test_the_facilitator_adds_a_hamlet_on_the_page_and_in_the_api(
    app, client, login, auth, make_user, menanga
):
    facilitator = make_user("facilitator", menanga)
    login(facilitator)
    page = client.get(f"/desa/{menanga.slug}/hamlets").get_data(as_text=True)
    assert 'name="name"' in page  # the form is offered
    resp = client.post(f"/desa/{menanga.slug}/hamlets", data={"name": "Banjar Dinas Kaja", "code": ""})
    assert resp.status_code == 302
    resp = client.post(
        f"/api/v1/desa/{menanga.slug}/hamlets", json={"name": "Banjar Dinas Kelod"}, headers=auth(facilitator)
    )
    assert resp.status_code == 201
    events = _events(app, menanga, "hamlet.created")
    assert sorted(e.detail["name"] for e in events) == ["Banjar Dinas Kaja", "Banjar Dinas Kelod"]
    assert {e.actor_id for e in events} == {facilitator.id}


def test_a_facilitator_of_another_village_cannot(client, login, auth, make_user, menanga, bebandem):
    elsewhere = make_user("facilitator", bebandem)
    login(elsewhere)
    assert client.post(f"/desa/{menanga.slug}/hamlets", data={"name": "X"}).status_code == 404
    assert client.get(f"/desa/{menanga.slug}/pillars/smart_government/settings").status_code == 404
    assert (
        client.post(
            f"/desa/{menanga.slug}/pillars/smart_government/settings", data={"approval_step": "y"}
        ).status_code
        == 404
    )
    headers = auth(elsewhere)
    assert (
        client.post(f"/api/v1/desa/{menanga.slug}/hamlets", json={"name": "X"}, headers=headers).status_code
        == 404
    )
    resp = client.patch(
        f"/api/v1/desa/{menanga.slug}/plugins/smart_government/settings",
        json={"settings": {"approval_step": True}},
        headers=headers,
    )
    assert resp.status_code == 404
    # An operator of the village is no facilitator: 403.
    login(make_user("operator", menanga))
    assert client.post(f"/desa/{menanga.slug}/hamlets", data={"name": "X"}).status_code == 403
    assert client.get(f"/desa/{menanga.slug}/pillars/smart_government/settings").status_code == 403


def test_the_facilitator_sets_pillar_settings_audited(app, client, login, auth, make_user, menanga):
    from desacerdas.plugin_system import settings as plugin_settings

    facilitator = make_user("facilitator", menanga)
    login(facilitator)
    url = f"/desa/{menanga.slug}/pillars/smart_government/settings"
    assert client.get(url).status_code == 200
    resp = client.post(url, data={"approval_step": "y", "verification_step": "y"})
    assert resp.status_code == 302
    resp = client.patch(
        f"/api/v1/desa/{menanga.slug}/plugins/smart_government/settings",
        json={"settings": {"number_per_type": True}},
        headers=auth(facilitator),
    )
    assert resp.status_code == 200
    with app.app_context():
        values = plugin_settings.resolve("smart_government", menanga.id)
    assert values["approval_step"] is True and values["number_per_type"] is True
    events = _events(app, menanga, "plugin.settings_changed")
    assert len(events) == 2 and {e.actor_id for e in events} == {facilitator.id}


def test_the_cell_page_goes_back_to_the_filtered_board_it_came_from(client, login, make_user, menanga):
    login(make_user("regency_admin", menanga))
    url = f"/rollout/village/{menanga.slug}/smart_government"
    came_from = client.get(url, headers={"Referer": "http://localhost/rollout?state=blocked&page=2"})
    assert 'href="/rollout?state=blocked&amp;page=2"' in came_from.get_data(as_text=True)
    # Another site's address (or none) is never a link back: the plain board is.
    elsewhere = client.get(url, headers={"Referer": "http://evil.example/rollout?state=blocked"})
    assert 'href="/rollout"' in elsewhere.get_data(as_text=True)
