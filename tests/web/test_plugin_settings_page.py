"""The village's settings page of a plugin, built from the plugin's settings schema."""

from __future__ import annotations

from smart_government.letters.numbering import DEFAULT_FORMAT

from desacerdas.extensions import db
from desacerdas.kit import terms
from desacerdas.models import Tenant, VillagePlugin
from desacerdas.plugin_system import settings as plugin_settings
from desacerdas.services import rollout
from desacerdas.services import tenants as tenant_svc


def page(village, name: str = "smart_government") -> str:  # noqa: ANN001
    return f"/desa/{village.slug}/pillars/{name}/settings"


def stored(app, village, key: str):  # noqa: ANN001, ANN201
    with app.app_context():
        return plugin_settings.resolve("smart_government", village.id)[key]


def test_the_village_head_sees_defaults_and_saves_them(app, menanga, make_user, login):
    client = login(make_user("village_head", menanga))
    html = client.get(page(menanga)).get_data(as_text=True)
    assert DEFAULT_FORMAT in html and 'name="number_format"' in html and 'type="checkbox"' in html
    assert 'name="office_address"' not in html  # the letterhead is the village's (its terms page)
    form = {
        "number_format": "{type_code}/{seq:04}/{year}",
        "verification_step": "y",
        "approval_step": "y",
    }
    resp = client.post(page(menanga), data=form, follow_redirects=True)
    assert resp.status_code == 200
    assert stored(app, menanga, "number_format") == "{type_code}/{seq:04}/{year}"
    assert stored(app, menanga, "verification_step") is True
    assert stored(app, menanga, "approval_step") is True
    assert stored(app, menanga, "number_per_type") is False  # an unticked box is saved as off


def test_a_bad_value_is_refused_with_its_message_and_nothing_is_saved(app, menanga, make_user, login):
    client = login(make_user("village_head", menanga))
    resp = client.post(page(menanga), data={"number_format": "{type_code}/{year}", "approval_step": "y"})
    assert resp.status_code == 400 and "{seq}" in resp.get_data(as_text=True)
    assert stored(app, menanga, "approval_step") is False
    assert stored(app, menanga, "number_format") == DEFAULT_FORMAT


def test_who_may_open_it(app, menanga, bebandem, make_user, login):
    assert login(make_user("operator", menanga)).get(page(menanga)).status_code == 403
    assert login(make_user("village_head", bebandem)).get(page(menanga)).status_code == 404
    head = login(make_user("village_head", menanga))
    assert head.get(page(menanga, "no_such_plugin")).status_code == 404
    assert head.get(page(menanga, "smart_economy")).status_code == 404  # no settings schema


def test_setting_the_address_is_what_makes_the_letterhead_check_pass(app, menanga, make_user, login):
    def letterhead_check():  # noqa: ANN202 - a ReadinessCheck
        with app.app_context():
            tenant = db.session.get(Tenant, menanga.id)
            return {c.id: c for c in rollout.readiness(tenant, "smart_government")}["letterhead_set"]

    with app.app_context():
        tenant_svc.add_hamlet(db.session.get(Tenant, menanga.id), "Banjar Dinas Kaja")
    failing = letterhead_check()
    assert failing.passed is False and f"/desa/{menanga.slug}/settings/terms" in failing.how_to_pass
    client = login(make_user("village_head", menanga))
    # The pillar's settings page no longer holds the address: the village's terms page does.
    client.post(page(menanga), data={"office_address": "Jalan Raya Menanga 1", "verification_step": "y"})
    assert letterhead_check().passed is False
    resp = client.post(
        f"/desa/{menanga.slug}/settings/terms", data={"office_address": "Jalan Raya Menanga 1"}
    )
    assert resp.status_code == 302
    assert letterhead_check().passed is True


def test_saving_keeps_following_platform_values_the_village_did_not_change(app, menanga, make_user, login):
    client = login(make_user("village_head", menanga))
    ticked = {"verification_step": "y"}  # as the form shows it (number_per_type: switched off)
    client.post(page(menanga), data={"approval_step": "y", **ticked})
    with app.app_context():
        plugin_settings.update("smart_government", {"number_format": "{type_code}/{seq:04}/{year}"})
        village_own = db.session.get(VillagePlugin, (menanga.id, "smart_government")).settings
    assert village_own == {"approval_step": True, "number_per_type": False}
    assert stored(app, menanga, "number_format") == "{type_code}/{seq:04}/{year}"


# -- the same settings through the API ---------------------------------------------------------------


def api(village, name: str = "smart_government") -> str:  # noqa: ANN001
    return f"/api/v1/desa/{village.slug}/plugins/{name}/settings"


def test_the_api_reads_and_changes_what_the_page_does(app, client, menanga, make_user, bearer):
    head = bearer(make_user("village_head", menanga))
    got = client.get(api(menanga), headers=head)
    assert got.status_code == 200 and got.get_json()["settings"]["number_format"] == DEFAULT_FORMAT
    assert "term_village_head" not in got.get_json()["settings"]  # the village's terms: the core's
    changed = client.patch(api(menanga), json={"settings": {"approval_step": True}}, headers=head)
    assert changed.status_code == 200 and changed.get_json()["settings"]["approval_step"] is True
    assert stored(app, menanga, "approval_step") is True
    moved = client.patch(api(menanga), json={"settings": {"term_village_head": "Perbekel"}}, headers=head)
    assert moved.status_code == 400  # no longer a setting of the pillar
    with app.app_context():
        assert terms.own_values(db.session.get(Tenant, menanga.id)) == {}
    bad = client.patch(api(menanga), json={"settings": {"number_format": "{year}"}}, headers=head)
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid_settings"
    unknown = client.patch(api(menanga), json={"settings": {"colour": "red"}}, headers=head)
    assert unknown.status_code == 400
    assert stored(app, menanga, "number_format") != "{year}"


def test_who_may_use_the_settings_api(app, client, menanga, bebandem, make_user, bearer):
    operator = bearer(make_user("operator", menanga))
    assert client.get(api(menanga), headers=operator).status_code == 200  # staff may read
    change = {"settings": {"approval_step": True}}
    assert client.patch(api(menanga), json=change, headers=operator).status_code == 403
    outsider = bearer(make_user("village_head", bebandem))
    assert client.get(api(menanga), headers=outsider).status_code == 404
    assert client.patch(api(menanga), json=change, headers=outsider).status_code == 404
    head = bearer(make_user("village_head", menanga))
    assert client.get(api(menanga, "no_such_plugin"), headers=head).status_code == 404
    assert client.get(api(menanga, "smart_economy"), headers=head).status_code == 404  # no settings
    assert client.get(api(menanga)).status_code == 401
    assert stored(app, menanga, "approval_step") is False
