"""Plugin settings resolution and the ``desa plugins`` commands."""

from __future__ import annotations

import json

import pytest

from desacerdas.cli import cli
from desacerdas.extensions import db
from desacerdas.plugin_system import settings
from desacerdas.services import ServiceError


def test_settings_resolve_village_then_platform_then_default(papp, menanga, bebandem, village_of):
    with papp.app_context():
        assert settings.resolve("alpha", menanga.id) == {"greeting": "Om Swastiastu", "max_items": 10}
        settings.update("alpha", {"max_items": "25"})  # platform value, typed by the schema
        settings.update("alpha", {"greeting": "Rahajeng"}, tenant=village_of(menanga))
        assert settings.resolve("alpha", menanga.id) == {"greeting": "Rahajeng", "max_items": 25}
        assert settings.resolve("alpha", bebandem.id) == {"greeting": "Om Swastiastu", "max_items": 25}
        with pytest.raises(ServiceError, match="Unknown field"):
            settings.update("alpha", {"colour": "red"})
        with pytest.raises(ServiceError, match="Not a valid integer"):
            settings.update("alpha", {"max_items": "many"})
        settings.update("alpha", {"api_key": "s3cret"}, tenant=village_of(menanga))
        shown = settings.redact("alpha", settings.resolve("alpha", menanga.id))
        assert shown["api_key"] == settings.REDACTED and "s3cret" not in json.dumps(shown)


@pytest.fixture
def run(papp):
    runner = papp.test_cli_runner()

    def _run(*args: str):  # noqa: ANN202
        return runner.invoke(cli, list(args), catch_exceptions=False)

    return _run


def test_cli_list_enable_dry_run_disable(run, menanga):
    listing = run("plugins", "list")
    assert "alpha" in listing.output and "installed" in listing.output and "broken" in listing.output
    rows = json.loads(run("plugins", "list", "--format", "json", "--tenant", menanga.slug).output)
    alpha = next(r for r in rows if r["name"] == "alpha")
    assert "desa_navigation" in alpha["hooks"] and alpha["village"] == "available"
    dry = run("plugins", "enable", "beta", "--tenant", menanga.slug, "--dry-run")
    assert "alpha" in dry.output and "Dry run" in dry.output
    assert "[available]" in run("plugins", "list", "--tenant", menanga.slug).output
    assert run("plugins", "enable", "beta", "--tenant", menanga.slug).exit_code == 0
    refused = run("plugins", "disable", "alpha", "--tenant", menanga.slug)
    assert refused.exit_code == 1 and "--yes" in refused.output
    assert run("plugins", "disable", "alpha", "--tenant", menanga.slug, "--yes").exit_code == 0


def test_cli_refuses_unready_and_unknown(run, menanga):
    result = run("plugins", "enable", "gamma", "--tenant", menanga.slug)
    assert result.exit_code == 1 and "not ready" in result.output
    assert run("plugins", "enable", "gamma", "--tenant", menanga.slug, "--override", "pilot").exit_code == 0
    unknown = run("plugins", "enable", "nope", "--tenant", menanga.slug)
    assert unknown.exit_code == 1 and "No plugin named" in unknown.output


def test_cli_settings_redacts_secrets(run, menanga):
    out = run(
        "plugins",
        "settings",
        "alpha",
        "--tenant",
        menanga.slug,
        "--set",
        "api_key=xyz",
        "--set",
        "max_items=3",
    )
    assert "api_key = ••••••" in out.output and "max_items = 3" in out.output and "xyz" not in out.output
    bad = run("plugins", "settings", "alpha", "--set", "nonsense")
    assert bad.exit_code == 1 and "key=value" in bad.output


def test_pillars_page_and_enable_flow(papp, pclient, menanga, make_user, login):
    login(make_user("village_head", menanga), pclient)
    page = pclient.get(f"/desa/{menanga.slug}/pillars?lang=en").get_data(as_text=True)
    assert "Test alpha" in page and "Test gamma" in page and "Do the thing first." in page
    plan = pclient.get(f"/desa/{menanga.slug}/pillars/beta/enable").get_data(as_text=True)
    assert "Test alpha" in plan and "Test beta" in plan
    assert pclient.post(f"/desa/{menanga.slug}/pillars/beta/enable").status_code == 302
    assert pclient.get(f"/desa/{menanga.slug}/beta/").status_code == 200
    # gamma is blocked and a village head cannot override.
    assert (
        pclient.post(f"/desa/{menanga.slug}/pillars/gamma/enable", data={"override_reason": "x"}).status_code
        == 409
    )
    assert pclient.post(f"/desa/{menanga.slug}/pillars/alpha/disable").status_code == 409  # beta needs it
    resp = pclient.post(f"/desa/{menanga.slug}/pillars/alpha/disable", data={"confirm_dependents": "y"})
    assert resp.status_code == 302
    assert pclient.get(f"/desa/{menanga.slug}/beta/").status_code == 404


def test_pillars_pages_refuse_wrong_role_and_other_village(
    papp, pclient, menanga, bebandem, make_user, login
):
    login(make_user("operator", menanga), pclient)
    assert pclient.get(f"/desa/{menanga.slug}/pillars").status_code == 200
    assert pclient.get(f"/desa/{menanga.slug}/pillars/alpha/enable").status_code == 403
    assert pclient.get(f"/desa/{bebandem.slug}/pillars").status_code == 404


def test_dashboard_shows_enabled_plugins_widgets(papp, pclient, menanga, make_user, login, village_of):
    from desacerdas.services import rollout

    with papp.app_context():
        rollout.enable(village_of(menanga), "alpha")
    login(make_user("village_head", menanga), pclient)
    body = pclient.get(f"/desa/{menanga.slug}/dashboard").get_data(as_text=True)
    assert "Widget alpha" in body
    assert db  # the app context closed cleanly


def test_plugin_cli_commands_are_gated_per_village(run, papp, menanga, village_of):
    refused = run("alpha", "hello", "--tenant", menanga.slug)
    assert refused.exit_code == 1 and "alpha is not enabled in Menanga" in refused.output
    with papp.app_context():
        from desacerdas.services import rollout

        rollout.enable(village_of(menanga), "alpha")
    assert "hello from alpha in Menanga" in run("alpha", "hello", "--tenant", menanga.slug).output
    assert run("alpha", "hello", "--tenant", "nowhere").exit_code == 1


def test_demo_data_and_document_kinds_hooks(run, papp, menanga, village_of, fakes):
    refused = run("plugins", "demo", "alpha", "--tenant", menanga.slug)
    assert refused.exit_code == 1 and "not enabled" in refused.output
    with papp.app_context():
        from desacerdas.services import rollout

        rollout.enable(village_of(menanga), "alpha")
        kinds = [k for group in papp.extensions["desa_plugins"].all.desa_document_kinds() for k in group]
        assert "alpha.photo" in [k.key for k in kinds] and "letter" in [k.key for k in kinds]
    assert run("plugins", "demo", "alpha", "--tenant", menanga.slug).exit_code == 0
    assert ("desa_demo_data", menanga.slug) in fakes["alpha"].calls


def test_db_pending_and_upgrade_one_plugin(run):
    assert "Nothing pending." in run("db", "pending").output
    out = run("db", "upgrade", "--plugin", "alpha").output
    assert "Database is up to date: core, alpha." in out
    assert run("db", "upgrade", "--plugin", "nope").exit_code == 1


def test_hook_tracing_switch(db_urls, tmp_path_factory, monkeypatch, caplog):
    from conftest import make_app

    from .fake_plugins import FakePlugin

    monkeypatch.setenv("DESA_TRACE_HOOKS", "1")
    app = make_app(db_urls, tmp_path_factory, EXTRA_PLUGINS={"delta": FakePlugin("delta")})
    with app.app_context():
        app.extensions["desa_plugins"].all.desa_permissions()
    assert "hook: " in caplog.text and "desa_permissions" in caplog.text
