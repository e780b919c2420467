"""The core's pytest plugin (entry point ``pytest11``): its fixtures, the ``enable_plugins`` marker
and the contract checks, run here against the fake plugins of ``fakes.py``."""

from __future__ import annotations

import importlib.metadata as md

import pytest
from sqlalchemy import func, select

from desacerdas.models import Hamlet, Tenant
from desacerdas.plugin_system.state import enabled_for
from desacerdas.testing.contract import ContractViolation

pytestmark = pytest.mark.enable_plugins("good")


def test_the_plugin_is_registered_and_adds_no_autouse_fixture(request):
    assert "desacerdas" in {ep.name for ep in md.entry_points(group="pytest11")}
    assert request.config.pluginmanager.has_plugin("desacerdas")
    assert [n for n in request.fixturenames if n.startswith("desa_")] == []


def test_marker_enables_plugins_in_desa_village_only(desa_app, desa_village, desa_other_village):
    with desa_app.app_context():
        assert enabled_for(desa_village.id) == {"good"}
        assert enabled_for(desa_other_village.id) == frozenset()
    assert (desa_village.slug, desa_other_village.slug) == ("menanga", "bebandem")


@pytest.mark.enable_plugins("leaky", "sneaky")
def test_markers_of_test_and_module_add_up(desa_app, desa_village):
    with desa_app.app_context():
        assert enabled_for(desa_village.id) == {"good", "leaky", "sneaky"}


def test_pages_are_gated_per_village(desa_client, desa_village, desa_other_village):
    assert desa_client.get(f"/desa/{desa_village.slug}/good/").status_code == 200
    assert desa_client.get(f"/desa/{desa_other_village.slug}/good/").status_code == 404


def test_sign_in_as_a_role_and_api_headers(desa_client, desa_login, desa_api_headers, desa_village):
    assert desa_client.get("/auth/").status_code == 302  # not signed in yet
    person = desa_login("operator", desa_village)
    assert desa_client.get("/auth/").status_code == 200 and person.email.endswith("@example.test")
    headers = desa_api_headers("village_head", desa_village)
    me = desa_client.get(f"/api/v1/desa/{desa_village.slug}/", headers=headers)
    assert me.status_code == 200 and me.get_json()["roles"] == ["village_head"]
    desa_login("hamlet_head", desa_village)  # gets a hamlet of its own
    desa_login("regency_admin", desa_village)  # covers the village's regency


def test_factories_hamlets_enable_disable_and_sessions(
    desa_app, desa_make_village, desa_enable, desa_disable, desa_session
):
    village = desa_make_village(hamlets=["Banjar Kaja", "Banjar Kelod"], enable=["leaky"])
    assert village.code == "51.07.01.2003"  # the first free test village
    desa_enable(village, "good")
    desa_disable(village, "leaky")
    with desa_session(village) as session:
        assert session.scalar(select(func.count(Hamlet.id))) == 2
        assert enabled_for(village.id, session) == {"good"}


def test_every_test_starts_from_an_empty_database(desa_app, desa_make_village):
    with desa_app.app_context():
        from desacerdas.extensions import db

        assert db.session.scalar(select(func.count(Tenant.id))) == 0
    assert desa_make_village().code == "51.07.01.2003"


def test_contract_passes_for_a_plugin_that_follows_the_rules(desa_contract):
    gated = desa_contract.routes_404_when_disabled("good")
    assert any(r.startswith("POST /desa/") and r.endswith("-> 404") for r in gated.requests)
    assert any(r.startswith("GET /desa/") and r.endswith("-> 200") for r in gated.requests)
    isolated = desa_contract.no_cross_village_read("good")
    assert isolated.rows and any("/hamlets/" in r and r.endswith("-> 404") for r in isolated.requests)
    desa_contract.migrations_match_models("good")


def test_contract_catches_a_route_outside_the_gate(desa_contract):
    with pytest.raises(ContractViolation, match=r"GET /desa/\S+/sneaky/open answers 200"):
        desa_contract.routes_404_when_disabled("sneaky")


def test_contract_catches_a_cross_village_read(desa_contract):
    with pytest.raises(ContractViolation) as caught:
        desa_contract.no_cross_village_read("leaky")
    problems = caught.value.problems
    assert any("/leaky/hamlets/" in p and "answers 200 in village B" in p for p in problems)
    assert any("/leaky/ in village B shows Hamlet" in p for p in problems)


def test_contract_wants_row_level_security_from_a_migration(desa_app, desa_contract):
    if desa_app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        desa_contract.models_are_tenant_owned("good")  # hamlets has RLS, from the core's migration
        return
    with pytest.raises(ContractViolation, match=r"no migration calls enable_rls\(op, 'hamlets'\)"):
        desa_contract.models_are_tenant_owned("good")  # the fake plugin has no migrations of its own


def test_contract_reports_a_refused_or_unknown_plugin(desa_contract):
    with pytest.raises(ContractViolation, match="must subclass TenantScoped"):
        desa_contract.check("careless")
    with pytest.raises(ContractViolation, match="no plugin named nope"):
        desa_contract.check("nope")


def test_auto_factory_fills_required_columns(desa_contract):
    hamlet = desa_contract.auto_factory(Hamlet)(None)
    assert hamlet.name.startswith("contract ") and len(hamlet.name) <= 120 and hamlet.code is None
