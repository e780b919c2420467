"""Shared fixtures, built on the core's own test support (``desacerdas.testing.support``, which the
pytest plugin for plugin authors uses too). The suite runs on SQLite by default and on PostgreSQL
when ``DESA_TEST_DATABASE_URL`` (the application role) and ``DESA_TEST_MIGRATION_DATABASE_URL`` (the
tables' owner) are set, as ``.ci/run`` does.

Hygiene: every app, CLI call and subprocess of the suite keeps its files under pytest's temporary
folders. The session points ``DESA_INSTANCE_PATH`` (what an app created without the test
configuration falls back to) at a temporary folder, and fails the run if the checkout's
``./instance`` (or the working directory's) gained a file, naming the test that wrote it."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from desacerdas.extensions import db
from desacerdas.models import Hamlet, User
from desacerdas.services import auth as auth_service
from desacerdas.tenancy import tenant_session
from desacerdas.testing import support
from desacerdas.testing.support import PASSWORD, Person, Village  # noqa: F401 - re-exported for tests

PG_URL = os.environ.get("DESA_TEST_DATABASE_URL")
PG_OWNER_URL = os.environ.get("DESA_TEST_MIGRATION_DATABASE_URL", PG_URL)
PG_APP_ROLE = os.environ.get("DESA_TEST_DB_APP_ROLE")


CHECKOUT = Path(__file__).resolve().parents[1]
_written: dict[str, str] = {}  # a file that appeared under a watched instance folder -> the test
_BEFORE = pytest.StashKey[set]()


def pytest_report_header(config) -> str:  # noqa: ANN001
    return f"desa database: {'postgresql' if PG_URL else 'sqlite'}"


def _watched() -> list[Path]:
    """The instance folders an app would use if a test forgot its own: the checkout's and the
    working directory's (``DESA_INSTANCE_PATH`` defaults to ``./instance``)."""
    return sorted({CHECKOUT / "instance", Path.cwd().resolve() / "instance"})


def _instance_files() -> set[str]:
    """The watched folders and everything in them (a stat when they do not exist, as they should not)."""
    return {str(p) for folder in _watched() if folder.is_dir() for p in (folder, *folder.rglob("*"))}


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[_BEFORE] = _instance_files()


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    """Attribute new files in a watched instance folder to the test that just ran."""
    before = item.config.stash.get(_BEFORE, set())
    for path in _instance_files() - before - _written.keys():
        _written[path] = item.nodeid


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run if the checkout's instance folder got files (tests must use tmp folders)."""
    new = sorted(_instance_files() - session.config.stash.get(_BEFORE, set()))
    if not new:
        return
    lines = [f"{path}  (after {_written.get(path, 'the session')})" for path in new[:20]]
    more = [f"... and {len(new) - 20} more"] if len(new) > 20 else []
    head = f"tests wrote {len(new)} file(s) into an instance folder outside tmp:"
    message = "\n".join([head, *lines, *more])
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_sep("=", "test hygiene", red=True)
        reporter.write_line(message)
    if exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session", autouse=True)
def _instance_fallback(tmp_path_factory):  # noqa: ANN001, ANN202
    """An app created without the test configuration (``create_app()``, a CLI runner, a child
    process inheriting the environment) puts its database, documents and broker here, not in
    ``./instance``. Tests that set ``DESA_INSTANCE_PATH`` themselves (monkeypatch) still win.
    ``DESA_TEST_NO_INSTANCE_FALLBACK=1`` turns it off, to find such tests with the guard above."""
    if os.environ.get("DESA_TEST_NO_INSTANCE_FALLBACK"):
        yield
        return
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DESA_INSTANCE_PATH", str(tmp_path_factory.mktemp("fallback-instance")))
        yield


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


# -- API tokens and hamlets, made through the services in a short app context of their own --------


@pytest.fixture
def token_for(app) -> Callable[..., str]:
    def _token(person, days: int | None = None, name: str = "test") -> str:  # noqa: ANN001
        with app.app_context():
            user = db.session.get(User, person.id)
            _token, plain = auth_service.create_api_token(user, name, days)
            return plain

    return _token


@pytest.fixture
def auth(token_for) -> Callable[..., dict[str, str]]:
    """``auth(person)`` → headers with a fresh bearer token of that person."""

    def _headers(person) -> dict[str, str]:  # noqa: ANN001
        return {"Authorization": f"Bearer {token_for(person)}"}

    return _headers


@pytest.fixture
def add_hamlets(app) -> Callable[..., list[str]]:
    """Create hamlets in a village directly; returns their ids as strings."""

    def _add(village, *names: str) -> list[str]:  # noqa: ANN001
        with app.app_context(), tenant_session(village.id) as s:
            hamlets = [Hamlet(name=n) for n in names]
            s.add_all(hamlets)
            s.commit()
            return [str(h.id) for h in hamlets]

    return _add


# -- the browser lane: one live server and one Chromium for the whole session ----------------------
# (a second sync_playwright() in the same process fails, so every browser test shares this one)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def live_server(db_urls, tmp_path_factory, _migrated) -> Iterator[str]:
    # As in production: CSRF on, Indonesian by default, any host name (127.0.0.1:<port>).
    app = make_app(
        db_urls, tmp_path_factory, WTF_CSRF_ENABLED=True, SERVER_NAME=None, BABEL_DEFAULT_LOCALE="id"
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)  # port 0: the OS picks a free port
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():  # noqa: ANN201 - a Playwright Browser
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} is missing (apt-get install chromium)"
        if os.environ.get("CI"):  # CI installs it: a missing browser there is a failure, not a skip
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
