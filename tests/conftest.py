"""Shared fixtures, built on the core's own test support (``desacerdas.testing.support``, which the
pytest plugin for plugin authors uses too). The suite runs on SQLite by default and on PostgreSQL
when ``DESA_TEST_DATABASE_URL`` (the application role) and ``DESA_TEST_MIGRATION_DATABASE_URL`` (the
tables' owner) are set, as ``.ci/run`` does."""

from __future__ import annotations

import os

import pytest
from flask import Flask

from desacerdas.testing import support
from desacerdas.testing.support import PASSWORD, Person, Village  # noqa: F401 - re-exported for tests

PG_URL = os.environ.get("DESA_TEST_DATABASE_URL")
PG_OWNER_URL = os.environ.get("DESA_TEST_MIGRATION_DATABASE_URL", PG_URL)
PG_APP_ROLE = os.environ.get("DESA_TEST_DB_APP_ROLE")


def pytest_report_header(config) -> str:  # noqa: ANN001
    return f"desa database: {'postgresql' if PG_URL else 'sqlite'}"


@pytest.fixture(scope="session")
def db_urls(tmp_path_factory) -> tuple[str, str]:
    return support.database_urls(tmp_path_factory.mktemp("db"))


def make_app(db_urls: tuple[str, str], tmp_path_factory, **overrides) -> Flask:
    """A second app on the same test database (other settings, other plugins)."""
    instance = tmp_path_factory.mktemp("instance")
    return support.create_test_app(support.app_config(db_urls, instance, **overrides))


@pytest.fixture(scope="session")
def _migrated(db_urls, tmp_path_factory) -> None:
    app = make_app(db_urls, tmp_path_factory)
    support.migrate(app)
    support.wipe(app)  # keeps the installed plugins, forgets the install's audit events


@pytest.fixture(scope="session")
def app(db_urls, tmp_path_factory, _migrated) -> Flask:
    return make_app(db_urls, tmp_path_factory)


@pytest.fixture(autouse=True)
def _clean(request):
    uses_db = "app" in request.fixturenames or "_migrated" in request.fixturenames
    app = request.getfixturevalue("app") if uses_db else None
    yield
    if app is not None:
        support.wipe(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_village(app):
    def _make(code: str = support.MENANGA, slug: str | None = None) -> Village:
        return support.make_village(app, code, slug=slug)

    return _make


@pytest.fixture
def make_user(app):
    def _make(role=None, village: Village | None = None, **kwargs) -> Person:  # noqa: ANN001
        return support.make_user(app, role, village, **kwargs)

    return _make


@pytest.fixture
def login(client):
    def _login(person: Person, c=None):  # noqa: ANN001
        c = c or client
        support.sign_in(c, person)
        return c

    return _login


@pytest.fixture
def menanga(make_village) -> Village:
    return make_village(support.MENANGA)


@pytest.fixture
def bebandem(make_village) -> Village:
    return make_village(support.BEBANDEM)


@pytest.fixture
def bearer(app):
    """``bearer(person)`` → headers with a fresh personal API token of that person."""
    return lambda person: support.api_headers(app, person)
