"""A plugin author's mistakes are reported, with the name they got wrong; CLI hooks may return a
group or a single command."""

from __future__ import annotations

import json

import pytest

from desacerdas.cli import cli
from desacerdas.services import rollout

from .fake_plugins import CliCommandOnly, CliNotACommand, FakeWithCli, Misspelled, OptionalExtra


@pytest.fixture(scope="module")
def mapp(db_urls, tmp_path_factory, _migrated):
    from conftest import make_app

    extra = {
        "typo": Misspelled("typo"),
        "optional": OptionalExtra("optional"),
        "grouped": FakeWithCli("grouped"),
        "single": CliCommandOnly("single"),
        "notcmd": CliNotACommand("notcmd"),
    }
    app = make_app(db_urls, tmp_path_factory, EXTRA_PLUGINS=extra)
    with app.app_context():
        for name in ("grouped", "single"):
            rollout.install(name)
    return app


@pytest.fixture
def mrun(mapp):
    runner = mapp.test_cli_runner()
    return lambda *args: runner.invoke(cli, list(args), catch_exceptions=False)


def test_a_misspelled_hook_makes_the_plugin_broken_and_names_it(mapp):
    registry = mapp.extensions["desa_plugins"]
    typo = registry.loaded["typo"]
    assert typo.broken
    assert "desa_indicator (did you mean desa_indicators?)" in typo.error
    assert "typo" not in registry.working()
    assert registry.implemented_hooks("typo") == []  # unregistered: none of its hooks is called
    assert not registry.loaded["optional"].broken  # optionalhook=True is allowed, as in pluggy
    assert not registry.loaded["grouped"].broken  # the platform and the other plugins start


def test_plugins_list_and_page_show_the_misspelled_hook(mapp, mrun, make_user):
    from desacerdas.testing.support import sign_in

    listed = mrun("plugins", "list").output
    assert "broken: typo implements hooks that do not exist: desa_indicator" in listed
    rows = {r["name"]: r for r in json.loads(mrun("plugins", "list", "--format", "json").output)}
    assert "desa_indicator" in rows["typo"]["error"] and rows["typo"]["hooks"] == []
    client = mapp.test_client()
    sign_in(client, make_user("platform_admin"))
    page = client.get("/plugins/?lang=en").get_data(as_text=True)
    assert "typo" in page and "did you mean desa_indicators?" in page


def test_cli_hook_may_return_a_group_or_a_single_command(mapp, mrun, menanga):
    from desacerdas.extensions import db
    from desacerdas.models import Tenant

    assert mrun("single", "--tenant", menanga.slug).exit_code == 1  # not enabled there: refused
    with mapp.app_context():
        for name in ("grouped", "single"):
            rollout.enable(db.session.get(Tenant, menanga.id), name)
    assert "one command of single in Menanga" in mrun("single", "--tenant", menanga.slug).output
    assert "hello from grouped in Menanga" in mrun("grouped", "hello", "--tenant", menanga.slug).output


def test_cli_hook_returning_something_else_is_reported(mapp, mrun):
    loaded = mapp.extensions["desa_plugins"].loaded["notcmd"]
    assert loaded.broken and "desa_cli_commands must return a click command or group" in loaded.error
    assert "No such command 'notcmd'" in mapp.test_cli_runner().invoke(cli, ["notcmd"]).output
