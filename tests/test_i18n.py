"""Bahasa Indonesia by default, English on request, and catalogues that keep up with the sources.

The shared test app speaks English (``BABEL_DEFAULT_LOCALE="en"``) so that other tests can assert on
the English source text; here a second app runs with the production default, Indonesian.
"""

from __future__ import annotations

import gettext
import io
import re
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

import desacerdas
from desacerdas.services import ServiceError
from desacerdas.services import tenants as tenant_svc

PACKAGE = Path(desacerdas.__file__).resolve().parent
PLUGINS = Path(__file__).resolve().parents[1] / "plugins"  # the built-in pillars: in the core catalogue
TRANSLATIONS = PACKAGE / "translations"
POT = TRANSLATIONS / "messages.pot"
LOCALES = ("id", "en")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _po(locale: str):
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f)


def _ids(catalog) -> set:
    return {m.id for m in catalog if m.id}


# --- pages ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def id_app(db_urls, tmp_path_factory, _migrated):
    from conftest import make_app

    return make_app(db_urls, tmp_path_factory, BABEL_DEFAULT_LOCALE="id")


@pytest.fixture
def id_client(id_app):
    return id_app.test_client()


def _text(resp) -> str:
    return resp.get_data(as_text=True)


def test_default_language_is_indonesian(id_client):
    page = _text(id_client.get("/auth/login"))
    assert '<html lang="id">' in page
    assert "Masuk" in page and "Kata sandi" in page
    assert "Sign in" not in page and "Password" not in page


def test_english_is_chosen_with_lang_and_the_choice_sticks(id_client):
    page = _text(id_client.get("/auth/login?lang=en"))
    assert '<html lang="en">' in page and "Sign in" in page and "Masuk" not in page
    with id_client.session_transaction() as session:
        assert session["lang"] == "en"
    page = _text(id_client.get("/auth/login"))  # no ?lang: the session remembers English
    assert "Sign in" in page and "Password" in page
    page = _text(id_client.get("/auth/login?lang=id"))
    assert "Masuk" in page
    assert "Masuk" in _text(id_client.get("/auth/login"))


def test_unknown_language_is_ignored(id_client):
    page = _text(id_client.get("/auth/login?lang=fr"))
    assert '<html lang="id">' in page and "Masuk" in page


def test_error_page_in_both_languages(id_client):
    resp = id_client.get("/no-such-page")
    assert resp.status_code == 404 and "Halaman ini tidak ada." in _text(resp)
    resp = id_client.get("/no-such-page?lang=en")
    assert resp.status_code == 404 and "This page does not exist." in _text(resp)


def test_plural_forms_in_indonesian(id_client, make_village):
    make_village("51.07.01.2003")
    make_village("51.07.06.2003")
    page = _text(id_client.get("/"))
    assert "2 desa" in page
    assert "2 villages" in _text(id_client.get("/?lang=en"))


def test_form_labels_and_validation_messages_are_translated(id_client):
    resp = id_client.post("/auth/login", data={"login": "", "password": ""})
    page = _text(resp)
    assert "Email atau nomor HP" in page and "Isian ini wajib diisi." in page
    assert "This field is required." not in page


def test_service_error_is_shown_in_indonesian(id_client, menanga, make_user):
    person = make_user("village_head", menanga)
    resp = id_client.post("/auth/login", data={"login": person.email, "password": person.password})
    assert resp.status_code == 302
    url = f"/desa/{menanga.slug}/hamlets"
    resp = id_client.post(url, data={"name": "Banjar Baru"})
    assert resp.status_code == 302
    assert "Dusun Banjar Baru sudah ditambahkan." in _text(id_client.get(url))
    resp = id_client.post(url, data={"name": "Banjar Baru"})
    assert resp.status_code == 409
    assert "Menanga sudah memiliki dusun bernama Banjar Baru." in _text(resp)
    resp = id_client.post(url + "?lang=en", data={"name": "Banjar Baru"})
    assert "Menanga already has a hamlet named Banjar Baru." in _text(resp)


def test_wrong_password_message_in_indonesian(id_client, make_user):
    person = make_user()
    resp = id_client.post("/auth/login", data={"login": person.email, "password": "wrong password!"})
    assert resp.status_code == 401
    assert "Email/nomor HP atau kata sandi salah." in _text(resp)


def test_service_messages_outside_a_request_are_english(id_app, menanga):
    """The command line has no request: it gets the English source text, not an error."""
    with id_app.app_context():
        tenant = tenant_svc.get_by_slug(menanga.slug)
        tenant_svc.add_hamlet(tenant, "Kaja")
        with pytest.raises(ServiceError) as exc:
            tenant_svc.add_hamlet(tenant, "Kaja")
    assert exc.value.message == "Menanga already has a hamlet named Kaja."


# --- catalogues ----------------------------------------------------------------------------------


def test_every_indonesian_message_is_translated():
    catalog = _po("id")
    assert catalog.num_plurals == 1
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        source = message.id[-1] if isinstance(message.id, tuple) else message.id
        if message.fuzzy or not all(s and s.strip() for s in strings):
            problems.append(f"untranslated or fuzzy: {message.id!r}")
        elif any(
            sorted(set(PLACEHOLDER.findall(s))) != sorted(set(PLACEHOLDER.findall(source))) for s in strings
        ):
            problems.append(f"placeholders differ: {message.id!r} -> {strings!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_has_every_message_of_the_template(locale):
    with open(POT, "rb") as f:
        template = read_po(f)
    assert _ids(_po(locale)) == _ids(template), "run `pybabel update` (see docs/translations.md)"


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalog_matches_po(locale):
    buffer = io.BytesIO()
    write_mo(buffer, _po(locale))
    buffer.seek(0)
    fresh = gettext.GNUTranslations(buffer)
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo", "rb") as f:
        committed = gettext.GNUTranslations(f)
    assert committed._catalog == fresh._catalog, "run `pybabel compile` (see docs/translations.md)"


def test_template_is_up_to_date_with_the_sources(tmp_path):
    out = tmp_path / "messages.pot"
    CommandLineInterface().run(
        [
            "pybabel",
            "--quiet",
            "extract",
            "-F",
            str(TRANSLATIONS / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(out),
            str(PACKAGE),
            str(PLUGINS),
        ]
    )
    with open(out, "rb") as f:
        catalog = read_po(f)
    extracted = _ids(catalog)
    scanned = {Path(path).parent.name for m in catalog for path, _line in m.locations}
    assert "smart_environment" in scanned, "babel.cfg no longer scans the built-in pillars in plugins/"
    with open(POT, "rb") as f:
        committed = _ids(read_po(f))
    assert extracted == committed, (
        f"new: {sorted(map(str, extracted - committed))}; gone: {sorted(map(str, committed - extracted))}; "
        "extract, update, translate and compile (see docs/translations.md)"
    )
