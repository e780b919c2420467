"""The platform's pytest plugin: fixtures for testing a Desa Cerdas plugin.

pytest loads it wherever ``desacerdas`` is installed (entry point ``pytest11``, name
``desacerdas``); nothing to import or configure. Every fixture is named ``desa_…`` and nothing is
autouse, so the platform's own suite (whose ``conftest.py`` has ``app``, ``client`` …) is untouched:
this module does nothing at import time, and nothing at all unless a test asks for a fixture.

=====================  ========  ============================================================
fixture                scope     what it gives
=====================  ========  ============================================================
desa_database_urls     session   ``(app URL, owner URL)``: SQLite in a temporary folder, or
                                 PostgreSQL from ``DESA_TEST_DATABASE_URL`` and
                                 ``DESA_TEST_MIGRATION_DATABASE_URL`` (``DESA_TEST_DB_APP_ROLE``
                                 is granted the tables)
desa_app_config        session   extra Flask config (override it in your ``conftest.py``)
desa_base_app          session   the app, migrated: the core and every installed plugin
desa_app               function  ``desa_base_app``; every row is deleted after the test
desa_client            function  a Flask test client (one per test)
desa_make_village      function  ``(code=None, *, slug=None, hamlets=(), enable=()) -> Village``
desa_village           function  Menanga (51.07.01.2003) with the ``enable_plugins`` marker's
                                 plugins enabled
desa_other_village     function  Bebandem (51.07.06.2003), nothing enabled
desa_make_user         function  ``(role=None, village=None, *, email=None, area=None) -> Person``
desa_login             function  ``(role_or_person, village=None, *, client=None) -> Person``:
                                 signs in on ``desa_client`` (or ``client``)
desa_api_headers       function  ``(role_or_person, village=None) -> {"Authorization": …}``
desa_enable            function  ``(village, *plugins)``: enable, readiness overridden
desa_disable           function  ``(village, *plugins)``: disable (nothing deleted)
desa_session           function  ``with desa_session(village) as s:`` a session bound to it
desa_contract          function  the contract checks (:mod:`desacerdas.testing.contract`)
=====================  ========  ============================================================

Marker: ``@pytest.mark.enable_plugins("name", …)`` (on a test, class or module) enables those
plugins, and what they require, in ``desa_village`` before the test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from flask import Flask
    from flask.testing import FlaskClient
    from sqlalchemy.orm import Session

    from .contract import Contract
    from .support import Person, Village

MARKER = "enable_plugins"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(*names): enable these Desa Cerdas plugins in desa_village for the test "
        "(readiness checks overridden)",
    )


def marked_plugins(node: pytest.Item) -> list[str]:
    """The plugins named by every ``enable_plugins`` marker of a test (test, class, module)."""
    names: list[str] = []
    for marker in node.iter_markers(MARKER):
        names += [n for n in marker.args if n not in names]
    return names


# -- the application ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def desa_database_urls(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    from .support import database_urls

    return database_urls(tmp_path_factory.mktemp("desa-db"))


@pytest.fixture(scope="session")
def desa_app_config() -> dict[str, Any]:
    """Extra Flask configuration for ``desa_base_app``; override this fixture to change it."""
    return {}


@pytest.fixture(scope="session")
def desa_base_app(
    desa_database_urls: tuple[str, str],
    desa_app_config: dict[str, Any],
    tmp_path_factory: pytest.TempPathFactory,
) -> Flask:
    from . import support

    config = support.app_config(
        desa_database_urls, tmp_path_factory.mktemp("desa-instance"), **desa_app_config
    )
    app = support.create_test_app(config)
    support.migrate(app)
    support.wipe(app)  # keeps the installed plugins, forgets what installing them recorded
    return app


@pytest.fixture
def desa_app(desa_base_app: Flask) -> Iterator[Flask]:
    from .support import wipe

    try:
        yield desa_base_app
    finally:
        wipe(desa_base_app)


@pytest.fixture
def desa_client(desa_app: Flask) -> FlaskClient:
    return desa_app.test_client()


# -- villages and users ---------------------------------------------------------------------------


@pytest.fixture
def desa_make_village(desa_app: Flask) -> Callable[..., Village]:
    from .support import make_village

    def make(code: str | None = None, **kwargs: Any) -> Village:
        return make_village(desa_app, code, **kwargs)

    return make


@pytest.fixture
def desa_village(request: pytest.FixtureRequest, desa_make_village: Callable[..., Village]) -> Village:
    from .support import MENANGA

    return desa_make_village(MENANGA, enable=marked_plugins(request.node))


@pytest.fixture
def desa_other_village(desa_make_village: Callable[..., Village]) -> Village:
    from .support import BEBANDEM

    return desa_make_village(BEBANDEM)


@pytest.fixture
def desa_make_user(desa_app: Flask) -> Callable[..., Person]:
    from .support import make_user

    def make(role: str | None = None, village: Village | None = None, **kwargs: Any) -> Person:
        return make_user(desa_app, role, village, **kwargs)

    return make


def _person(make_user: Callable[..., Person], who: Any, village: Village | None) -> Person:
    from .support import Person

    return who if isinstance(who, Person) else make_user(who, village)


@pytest.fixture
def desa_login(desa_client: FlaskClient, desa_make_user: Callable[..., Person]) -> Callable[..., Person]:
    """Sign in as a role in a village (a new user) or as a given ``Person``."""
    from .support import sign_in

    def login(who: Any, village: Village | None = None, *, client: FlaskClient | None = None) -> Person:
        return sign_in(client or desa_client, _person(desa_make_user, who, village))

    return login


@pytest.fixture
def desa_api_headers(desa_app: Flask, desa_make_user: Callable[..., Person]) -> Callable[..., dict]:
    """API token headers for a role in a village (a new user) or for a given ``Person``."""
    from .support import api_headers

    def headers(who: Any, village: Village | None = None) -> dict[str, str]:
        return api_headers(desa_app, _person(desa_make_user, who, village))

    return headers


# -- plugins --------------------------------------------------------------------------------------


@pytest.fixture
def desa_enable(desa_app: Flask) -> Callable[..., None]:
    from .support import enable_plugins

    def enable(village: Village, *names: str) -> None:
        enable_plugins(desa_app, village, *names)

    return enable


@pytest.fixture
def desa_disable(desa_app: Flask) -> Callable[..., None]:
    from .support import disable_plugins

    def disable(village: Village, *names: str) -> None:
        disable_plugins(desa_app, village, *names)

    return disable


@pytest.fixture
def desa_session(desa_app: Flask) -> Callable[[Village], AbstractContextManager[Session]]:
    from .support import village_session

    def session(village: Village) -> AbstractContextManager[Session]:
        return village_session(desa_app, village)

    return session


@pytest.fixture
def desa_contract(desa_app: Flask) -> Contract:
    from .contract import Contract

    return Contract(desa_app)
