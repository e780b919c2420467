"""A plugin's own catalogue (``<package>/translations/``) is used for its strings; the platform's
wording wins on a text both translate, and another app in the process is not affected."""

from __future__ import annotations

import importlib
import sys

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from flask_babel import gettext

from desacerdas.services import rollout

PLUGIN = """
from flask import Blueprint, render_template_string
from flask_babel import gettext as _

from desacerdas import hookimpl
from desacerdas.plugin_system.types import PluginBlueprints, PluginInfo

bp = Blueprint("tr_probe", __name__)


@bp.get("/")
def index():
    return render_template_string("<p>{{ _('Deposits of the month') }}</p><p>" + _("Title") + "</p>")


@hookimpl
def desa_plugin_info():
    return PluginInfo("tr_probe", "Uji terjemahan", "Translation probe", None, "1.0")


@hookimpl
def desa_blueprints(app):
    return PluginBlueprints(pages=bp)
"""


@pytest.fixture(scope="module")
def tapp(db_urls, tmp_path_factory, _migrated):
    from conftest import make_app

    root = tmp_path_factory.mktemp("tr_plugins")
    package = root / "tr_probe"
    messages = package / "translations" / "id" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    (package / "__init__.py").write_text(PLUGIN, encoding="utf-8")
    catalog = Catalog(locale="id")
    catalog.add("Deposits of the month", "Setoran bulan ini")
    catalog.add("Title", "Nama barang")  # the platform translates "Title" too: its wording wins
    with (messages / "messages.mo").open("wb") as f:
        write_mo(f, catalog)
    sys.path.insert(0, str(root))
    try:
        module = importlib.import_module("tr_probe")
        app = make_app(db_urls, tmp_path_factory, EXTRA_PLUGINS={"tr_probe": module})
        with app.app_context():
            rollout.install("tr_probe")
        yield app
    finally:
        sys.path.remove(str(root))
        sys.modules.pop("tr_probe", None)


def test_the_plugin_catalogue_translates_its_page(tapp, menanga):
    from desacerdas.testing.support import enable_plugins

    enable_plugins(tapp, menanga, "tr_probe")
    client = tapp.test_client()
    indonesian = client.get(f"/desa/{menanga.slug}/tr_probe/?lang=id").get_data(as_text=True)
    assert "Setoran bulan ini" in indonesian and "Deposits of the month" not in indonesian
    assert "Judul" in indonesian and "Nama barang" not in indonesian  # the platform's wording
    english = client.get(f"/desa/{menanga.slug}/tr_probe/?lang=en").get_data(as_text=True)
    assert "Deposits of the month" in english and "Title" in english


def test_another_app_does_not_get_the_plugin_strings(tapp, app):
    with tapp.test_request_context("/?lang=id"):
        assert gettext("Deposits of the month") == "Setoran bulan ini"
    with app.test_request_context("/?lang=id"):
        assert gettext("Deposits of the month") == "Deposits of the month"
        assert gettext("Title") == "Judul"  # the platform's own catalogue still works there
    with tapp.test_request_context("/?lang=id"):
        assert gettext("Deposits of the month") == "Setoran bulan ini"


def test_a_plugin_without_translations_changes_nothing(app):
    registry = app.extensions["desa_plugins"]
    assert registry.install_translations(app) == []
