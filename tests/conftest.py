"""Shared fixtures. The suite runs on SQLite by default and on PostgreSQL when
``DESA_TEST_DATABASE_URL`` (the application role) and ``DESA_TEST_MIGRATION_DATABASE_URL`` (the
tables' owner) are set, as ``.ci/run`` does."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from desacerdas.app import create_app
from desacerdas.extensions import db
from desacerdas.models import Membership, Role
from desacerdas.services import rollout
from desacerdas.services import tenants as tenant_svc
from desacerdas.services import users as user_svc

PG_URL = os.environ.get("DESA_TEST_DATABASE_URL")
PG_OWNER_URL = os.environ.get("DESA_TEST_MIGRATION_DATABASE_URL", PG_URL)
PG_APP_ROLE = os.environ.get("DESA_TEST_DB_APP_ROLE")
PASSWORD = "correct horse battery"


def pytest_report_header(config) -> str:  # noqa: ANN001
    return f"desa database: {'postgresql' if PG_URL else 'sqlite'}"


@pytest.fixture(scope="session")
def db_urls(tmp_path_factory) -> tuple[str, str]:
    if PG_URL:
        return PG_URL, PG_OWNER_URL
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    return url, url


def make_app(db_urls: tuple[str, str], tmp_path_factory, **overrides) -> Flask:
    url, owner = db_urls
    config = {
        "DESA_ENV": "testing",
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "MIGRATION_DATABASE_URL": owner,
        "DB_APP_ROLE": PG_APP_ROLE if PG_URL else None,
        "INSTANCE_PATH": str(tmp_path_factory.mktemp("instance")),
        "WTF_CSRF_ENABLED": False,
        "LOGIN_LIMIT": "1000 per minute",
        "BABEL_DEFAULT_LOCALE": "en",
        "SERVER_NAME": "localhost",
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def _migrated(db_urls, tmp_path_factory) -> None:
    app = make_app(db_urls, tmp_path_factory)
    with app.app_context():
        upgrade(revision="core@head")
        for name in app.extensions["desa_plugins"].working():
            rollout.install(name)
        db.engine.dispose()
    _wipe(db_urls[1])  # keeps the installed plugins, forgets the install's audit events


@pytest.fixture(scope="session")
def app(db_urls, tmp_path_factory, _migrated) -> Flask:
    return make_app(db_urls, tmp_path_factory)


def _wipe(owner_url: str) -> None:
    engine = create_engine(owner_url)
    with engine.begin() as conn:
        # Installed plugins are platform state set up once per session; everything else goes.
        tables = [t for t in db.metadata.sorted_tables if t.name != "platform_plugins"]
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                conn.execute(table.delete())
    engine.dispose()


@pytest.fixture(autouse=True)
def _clean(request, db_urls):
    yield
    if "app" in request.fixturenames or "_migrated" in request.fixturenames:
        _wipe(db_urls[1])


@pytest.fixture
def client(app):
    return app.test_client()


@dataclass(frozen=True)
class Village:
    id: int
    slug: str
    code: str
    name: str


@dataclass(frozen=True)
class Person:
    id: int
    email: str
    password: str = PASSWORD


@pytest.fixture
def make_village(app):
    def _make(code: str = "51.07.01.2003", slug: str | None = None) -> Village:
        with app.app_context():
            t = tenant_svc.create_tenant(code, slug=slug)
            return Village(t.id, t.slug, t.code, t.name)

    return _make


@pytest.fixture
def make_user(app):
    counter = iter(range(1, 10_000))

    def _make(
        role: Role | str | None = None,
        village: Village | None = None,
        *,
        email: str | None = None,
        area: str | None = None,
        hamlet_id=None,
    ) -> Person:  # noqa: ANN001
        with app.app_context():
            email = email or f"user{next(counter)}@example.test"
            user = user_svc.create_user(f"User {email}", email=email, password=PASSWORD)
            if role is not None:
                tenant = db.session.get(tenant_svc.Tenant, village.id) if village else None
                if Role(role) == Role.PLATFORM_ADMIN:
                    db.session.add(Membership(user=user, role=Role.PLATFORM_ADMIN))
                else:
                    user_svc.grant(user, role, tenant=tenant, area_prefix=area, hamlet_id=hamlet_id)
            db.session.commit()
            return Person(user.id, email)

    return _make


@pytest.fixture
def login(client):
    def _login(person: Person, c=None):  # noqa: ANN001
        c = c or client
        resp = c.post("/auth/login", data={"login": person.email, "password": person.password})
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
        return c

    return _login


@pytest.fixture
def menanga(make_village) -> Village:
    return make_village("51.07.01.2003")


@pytest.fixture
def bebandem(make_village) -> Village:
    return make_village("51.07.06.2003")
