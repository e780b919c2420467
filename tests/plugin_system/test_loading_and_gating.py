"""Installed versus enabled, gating, hook dispatch per village."""

from __future__ import annotations

import pytest

from desacerdas.extensions import db
from desacerdas.models import Tenant
from desacerdas.plugin_system.hookspecs import ALL_HOOKS
from desacerdas.plugin_system.state import enabled_for
from desacerdas.services import rollout


def _enable(papp, village_of, village, name, **kw):  # noqa: ANN001, ANN202
    with papp.app_context():
        return rollout.enable(village_of(village), name, **kw)


def test_broken_plugin_is_reported_and_platform_starts(papp):
    loaded = papp.extensions["desa_plugins"].loaded
    assert loaded["wrong_name"].broken
    assert "must return PluginInfo(name='wrong_name')" in loaded["wrong_name"].error
    assert not loaded["alpha"].broken


def test_disabled_plugin_is_invisible_404_pages_api_nav(
    papp, pclient, menanga, bebandem, make_user, login, village_of, fakes
):
    _enable(papp, village_of, menanga, "alpha")
    login(make_user("operator", menanga), pclient)
    page = pclient.get(f"/desa/{menanga.slug}/alpha/")
    assert page.status_code == 200 and "alpha of Menanga" in page.get_data(as_text=True)
    assert "Menu alpha" in pclient.get(f"/desa/{menanga.slug}/").get_data(as_text=True)
    # Bebandem has not enabled alpha: its pages do not exist there.
    assert pclient.get(f"/desa/{bebandem.slug}/alpha/").status_code == 404
    assert "Menu alpha" not in pclient.get(f"/desa/{bebandem.slug}/").get_data(as_text=True)
    assert "Menu beta" not in pclient.get(f"/desa/{menanga.slug}/").get_data(as_text=True)


def test_plugin_api_is_gated_and_listed_in_openapi(papp, pclient, menanga, bebandem, make_user, village_of):
    from desacerdas.models import User
    from desacerdas.services.auth import create_api_token

    _enable(papp, village_of, menanga, "alpha")
    person = make_user("platform_admin")
    with papp.app_context():
        _, token = create_api_token(db.session.get(User, person.id), "t")
    headers = {"Authorization": f"Bearer {token}"}
    ok = pclient.get(f"/api/v1/desa/{menanga.slug}/alpha/ping", headers=headers)
    assert ok.status_code == 200 and ok.get_json() == {"plugin": "alpha", "village": menanga.slug}
    gone = pclient.get(f"/api/v1/desa/{bebandem.slug}/alpha/ping", headers=headers)
    assert gone.status_code == 404 and gone.get_json()["error"]["code"] == "not_found"
    spec = pclient.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/desa/{slug}/alpha/ping" in spec["paths"]  # listed even where it is disabled
    assert pclient.get(f"/api/v1/desa/{menanga.slug}/alpha/ping").status_code == 401


def test_hooks_are_called_only_for_enabled_plugins(papp, pclient, menanga, bebandem, village_of, fakes):
    _enable(papp, village_of, menanga, "alpha")
    fakes["alpha"].calls.clear()
    pclient.get(f"/desa/{bebandem.slug}/")
    assert ("desa_navigation", bebandem.slug) not in fakes["alpha"].calls
    pclient.get(f"/desa/{menanga.slug}/")
    assert ("desa_navigation", menanga.slug) in fakes["alpha"].calls


def test_enabling_requires_dependencies_all_or_none(papp, menanga, village_of, fakes):
    with papp.app_context():
        plan = rollout.plan_enable(village_of(menanga), "beta")
        assert [s.plugin for s in plan.steps] == ["alpha", "beta"]
        rollout.enable(village_of(menanga), "beta")
        assert enabled_for(menanga.id) == {"alpha", "beta"}
    assert ("desa_on_enable", menanga.slug) in fakes["alpha"].calls
    assert ("desa_on_enable", menanga.slug) in fakes["beta"].calls


def test_failure_while_enabling_leaves_nothing_enabled(papp, menanga, village_of, fakes):
    fakes["beta"].fail_on_enable = True
    try:
        with papp.app_context():
            with pytest.raises(RuntimeError, match="seeding failed"):
                rollout.enable(village_of(menanga), "beta")
            assert enabled_for(menanga.id) == frozenset()  # alpha was written first, and rolled back
    finally:
        fakes["beta"].fail_on_enable = False


def test_readiness_refuses_then_override_with_reason_is_audited(papp, menanga, village_of, make_user):
    from sqlalchemy import select

    from desacerdas.models import AuditEvent, User, VillagePluginEvent
    from desacerdas.services import ServiceError

    head = make_user("village_head", menanga)
    regency = make_user("regency_admin", area="51.07")
    with papp.app_context():
        tenant = village_of(menanga)
        try:
            rollout.enable(tenant, "gamma", actor=db.session.get(User, head.id))
            raise AssertionError("should refuse")
        except ServiceError as exc:
            assert exc.code == "not_ready" and "Do the thing first." in exc.message
        try:
            rollout.enable(tenant, "gamma", actor=db.session.get(User, head.id), override_reason="agreed")
            raise AssertionError("a village head cannot override")
        except ServiceError as exc:
            assert exc.status == 403
        rollout.enable(
            tenant, "gamma", actor=db.session.get(User, regency.id), override_reason="pilot agreed"
        )
        event = db.session.scalar(select(VillagePluginEvent).where(VillagePluginEvent.plugin == "gamma"))
        assert event.override and event.reason == "pilot agreed" and event.actor_id == regency.id
        audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "plugin.enabled"))
        assert audit.detail["override"] is True and audit.detail["failing"] == ["gamma.ok"]


def test_disable_shows_dependents_and_keeps_data(papp, menanga, village_of, fakes):
    from desacerdas.services import ServiceError

    with papp.app_context():
        tenant = village_of(menanga)
        rollout.enable(tenant, "beta")
        assert rollout.dependents(tenant, "alpha") == ["beta"]
        try:
            rollout.disable(tenant, "alpha")
            raise AssertionError("dependents need confirming")
        except ServiceError as exc:
            assert exc.code == "has_dependents"
        assert rollout.disable(tenant, "alpha", with_dependents=True) == ["beta", "alpha"]
        assert enabled_for(menanga.id) == frozenset()
        rollout.enable(tenant, "beta")  # enabling again brings it back
        assert enabled_for(menanga.id) == {"alpha", "beta"}


def test_uninstall_refused_while_required_or_in_use(papp, menanga, village_of):
    from desacerdas.services import ServiceError

    with papp.app_context():
        for name, code in (("alpha", "required"),):
            try:
                rollout.uninstall(name)
                raise AssertionError("refuse")
            except ServiceError as exc:
                assert exc.code == code
        rollout.enable(village_of(menanga), "gamma", override_reason="test")
        try:
            rollout.uninstall("gamma")
            raise AssertionError("refuse")
        except ServiceError as exc:
            assert exc.code == "in_use"


def test_domain_events_reach_enabled_plugins_only(papp, menanga, bebandem, village_of, fakes, make_user):
    with papp.app_context():
        rollout.enable(village_of(menanga), "alpha")
    fakes["alpha"].events.clear()
    from desacerdas.services import users as user_svc

    with papp.app_context():
        for i, village in enumerate((menanga, bebandem)):
            user = user_svc.create_user(f"Op {i}", email=f"op{i}@example.test", password="long enough pw")
            user_svc.grant(user, "operator", tenant=village_of(village))
            db.session.commit()
    names = [(e.name, e.tenant_id) for e in fakes["alpha"].events]
    assert ("membership.changed", menanga.id) in names
    assert ("membership.changed", bebandem.id) not in names


def test_every_hookspec_is_documented():
    from desacerdas.plugin_system import hookspecs

    assert len(ALL_HOOKS) >= 14
    for name in ALL_HOOKS:
        doc = getattr(hookspecs, name).__doc__ or ""
        assert len(doc.strip()) > 40, f"{name} needs a docstring"
        params = [
            p
            for p in getattr(hookspecs, name).__code__.co_varnames[
                : getattr(hookspecs, name).__code__.co_argcount
            ]
        ]
        for param in params:
            assert f":param {param}:" in doc, f"{name} does not document {param}"


def test_pillars_do_not_change_in_a_suspended_village(papp, menanga, village_of):
    from desacerdas.services import ServiceError
    from desacerdas.services import tenants as tenant_svc

    with papp.app_context():
        tenant_svc.suspend(village_of(menanga), "audit")
        with pytest.raises(ServiceError, match="resume it before changing its pillars"):
            rollout.enable(village_of(menanga), "alpha")
        assert enabled_for(menanga.id) == frozenset()


def test_a_failing_event_handler_does_not_undo_or_hide_the_change(papp, menanga, village_of, fakes):
    fakes["alpha"].fail_on_event = True
    try:
        with papp.app_context():
            rollout.enable(village_of(menanga), "beta")  # alpha's handler raises on plugin.enabled
            assert enabled_for(menanga.id) == {"alpha", "beta"}
        assert any(e.name == "plugin.enabled" for e in fakes["beta"].events)
    finally:
        fakes["alpha"].fail_on_event = False


def test_every_hookspec_is_exercised(db_urls, tmp_path_factory, monkeypatch, caplog, menanga, make_user):
    """One scenario through the public surfaces calls every hook; the hook trace proves it."""
    import logging

    from conftest import make_app

    from desacerdas import hookimpl
    from desacerdas.cli import cli
    from desacerdas.plugin_system.types import DomainEvent, WaitingItem
    from desacerdas.testing.support import sign_in

    from .fake_plugins import FakeWithCli

    class FakeWaiting(FakeWithCli):
        """Also says what waits on people in the village (the facilitator's surface)."""

        @hookimpl
        def desa_waiting_items(self, tenant, session) -> list[WaitingItem]:  # noqa: ANN001
            return [WaitingItem(f"{self.name}.queue", f"Antrean {self.name} menunggu", 2)]

    monkeypatch.setenv("DESA_TRACE_HOOKS", "1")
    caplog.set_level(logging.WARNING, logger="desacerdas.plugin_system.manager")
    app = make_app(db_urls, tmp_path_factory, EXTRA_PLUGINS={"omega": FakeWaiting("omega")})
    with app.app_context():
        rollout.install("omega")
        rollout.enable(db.session.get(Tenant, menanga.id), "omega")  # readiness, on_enable, event
        app.extensions["desa_plugins"].all.desa_document_kinds()
        from desacerdas.notifications import kinds

        kinds.all_kinds()  # desa_notification_kinds
    client = app.test_client()
    sign_in(client, make_user("village_head", menanga))
    client.get(f"/desa/{menanga.slug}/dashboard")  # navigation, widgets, indicators
    client.get(f"/desa/{menanga.slug}/me/data")  # desa_personal_data
    facilitator = app.test_client()
    sign_in(facilitator, make_user("facilitator", menanga))
    surface = facilitator.get("/facilitation")  # desa_waiting_items
    assert surface.status_code == 200 and "Antrean omega menunggu" in surface.get_data(as_text=True)
    runner = app.test_cli_runner()
    runner.invoke(cli, ["plugins", "demo", "omega", "--tenant", menanga.slug])
    runner.invoke(cli, ["plugins", "disable", "omega", "--tenant", menanga.slug])
    with app.app_context():
        from desacerdas.plugin_system import events

        events.emit(DomainEvent("platform.test", None))
    called = {name for name in ALL_HOOKS if f"{name}(" in caplog.text or f" {name} " in caplog.text}
    assert called == set(ALL_HOOKS), f"never called: {sorted(set(ALL_HOOKS) - called)}"
