"""What the pytest plugin's fixtures are made of, usable without pytest: a migrated test app,
villages, users, signing in, enabling plugins, and cleaning the database between tests.

Everything takes the Flask app explicitly and pushes its own app context, so it can be called from
a test body or a fixture alike.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask
    from flask.testing import FlaskClient
    from sqlalchemy.orm import Session

    from ..models import Tenant

PASSWORD = "correct horse battery"  # noqa: S105 - test accounts only
MENANGA = "51.07.01.2003"
BEBANDEM = "51.07.06.2003"
# Villages of Kabupaten Karangasem (tenants/karangasem.toml); factories take the next free one.
VILLAGE_CODES = (
    MENANGA,
    BEBANDEM,
    "51.07.04.2001",
    "51.07.03.2012",
    "51.07.04.2006",
    "51.07.05.2003",
    "51.07.01.2004",
    "51.07.08.2007",
    "51.07.08.2004",
    "51.07.07.2008",
    "51.07.06.2004",
    "51.07.03.2005",
    "51.07.02.2007",
    "51.07.07.2006",
    "51.07.01.2005",
    "51.07.06.2006",
    "51.07.05.2002",
    "51.07.05.2005",
    "51.07.05.2008",
    "51.07.05.2009",
)
KEPT_TABLES = frozenset({"platform_plugins"})  # installed plugins are set up once per test session


@dataclass(frozen=True)
class Village:
    """A village created for a test (plain values: usable outside an app context)."""

    id: int
    slug: str
    code: str
    name: str

    def tenant(self) -> Tenant:
        """The ``Tenant`` row, loaded in the current app context's session."""
        from ..extensions import db
        from ..models import Tenant

        return db.session.get(Tenant, self.id)


@dataclass(frozen=True)
class Person:
    """A user created for a test, with the password to sign in."""

    id: int
    email: str
    password: str = PASSWORD


# -- the application and its database -------------------------------------------------------------


def database_urls(tmp_dir: Path) -> tuple[str, str]:
    """``(app URL, owner URL)``: PostgreSQL from ``DESA_TEST_DATABASE_URL`` (the application role)
    and ``DESA_TEST_MIGRATION_DATABASE_URL`` (the tables' owner), else SQLite in ``tmp_dir``."""
    url = os.environ.get("DESA_TEST_DATABASE_URL")
    if url:
        return url, os.environ.get("DESA_TEST_MIGRATION_DATABASE_URL") or url
    sqlite = f"sqlite:///{Path(tmp_dir) / 'desa-test.db'}"
    return sqlite, sqlite


def app_config(urls: tuple[str, str], instance_path: Path, **overrides: Any) -> dict[str, Any]:
    url, owner = urls
    config: dict[str, Any] = {
        "DESA_ENV": "testing",
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "MIGRATION_DATABASE_URL": owner,
        "DB_APP_ROLE": os.environ.get("DESA_TEST_DB_APP_ROLE") if url.startswith("postgresql") else None,
        "INSTANCE_PATH": str(instance_path),
        "WTF_CSRF_ENABLED": False,
        "LOGIN_LIMIT": "1000 per minute",
        "BABEL_DEFAULT_LOCALE": "en",
        "SERVER_NAME": "localhost",
        "JOBS_EAGER": True,  # a submitted job runs in the test's process, right after the commit
        "BROKER_URL": "memory://",
        # Everything path-like under the test's own folder: load_config derives these from the
        # DESA_INSTANCE_PATH environment variable, not from this INSTANCE_PATH override.
        "STORAGE_URL": f"file://{Path(instance_path) / 'documents'}",
    }
    config.update(overrides)
    return config


def create_test_app(config: dict[str, Any]) -> Flask:
    from ..app import create_app

    return create_app(config)


def migrate(app: Flask) -> list[str]:
    """Upgrade the core and install every plugin that loaded (its migrations); return their names."""
    from flask_migrate import upgrade

    from ..extensions import db
    from ..services import rollout

    with app.app_context():
        upgrade(revision="core@head")
        names = list(app.extensions["desa_plugins"].working())
        for name in names:
            rollout.install(name)
        db.session.remove()
        db.engine.dispose()
    return names


def wipe(app: Flask) -> None:
    """Delete every row but the installed plugins' (PostgreSQL: TRUNCATE as the tables' owner)."""
    from sqlalchemy import create_engine, inspect, text

    from ..extensions import db

    owner = app.config.get("MIGRATION_DATABASE_URL") or app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        db.session.remove()
        tables = db.metadata.sorted_tables
    engine = create_engine(owner)
    try:
        with engine.begin() as conn:
            present = set(inspect(conn).get_table_names())
            doomed = [t for t in tables if t.name in present and t.name not in KEPT_TABLES]
            # installed plugins stay, but a test's platform-wide settings must not leak into the next
            kept = [t for t in tables if t.name in present and t.name in KEPT_TABLES]
            for table in kept:
                conn.execute(table.update().values(settings={}))
            if not doomed:
                return
            if conn.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in doomed)
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in reversed(doomed):
                    conn.execute(table.delete())
    finally:
        engine.dispose()


# -- villages, users, signing in ------------------------------------------------------------------


def next_free_code(app: Flask) -> str:
    from sqlalchemy import select

    from ..extensions import db
    from ..models import Tenant

    with app.app_context():
        taken = set(db.session.scalars(select(Tenant.code)))
    for code in VILLAGE_CODES:
        if code not in taken:
            return code
    raise RuntimeError("every default test village exists already; pass a village code")


def make_village(
    app: Flask,
    code: str | None = None,
    *,
    slug: str | None = None,
    hamlets: Iterable[str] = (),
    enable: Iterable[str] = (),
) -> Village:
    """Provision a village (by Kemendagri code; the next free Karangasem village by default),
    add ``hamlets`` and enable the plugins in ``enable`` (readiness overridden)."""
    from ..services import tenants as tenant_svc

    code = code or next_free_code(app)
    with app.app_context():
        tenant = tenant_svc.create_tenant(code, slug=slug)
        village = Village(tenant.id, tenant.slug, tenant.code, tenant.name)
        for hamlet in hamlets:
            tenant_svc.add_hamlet(tenant, hamlet)
    enable_plugins(app, village, *enable)
    return village


def make_user(
    app: Flask,
    role: str | None = None,
    village: Village | None = None,
    *,
    email: str | None = None,
    name: str | None = None,
    area: str | None = None,
    hamlet_id: uuid.UUID | None = None,
) -> Person:
    """A user, with ``role`` (``operator``, ``village_head``, ``platform_admin`` …) in ``village``.

    A regency admin covers ``area`` (default: the village's regency, else ``51.07``); a hamlet head
    gets the village's first hamlet (one is added when there is none).
    """
    from sqlalchemy import select

    from ..extensions import db
    from ..models import Hamlet, Membership, Role, Tenant
    from ..services import tenants as tenant_svc
    from ..services import users as user_svc
    from ..tenancy import tenant_session

    email = email or f"user-{uuid.uuid4().hex[:10]}@example.test"
    role = Role(role) if role is not None else None
    with app.app_context():
        tenant = db.session.get(Tenant, village.id) if village is not None else None
        if role == Role.REGENCY_ADMIN and area is None:
            area = village.code[:5] if village is not None else "51.07"
        if role == Role.HAMLET_HEAD and hamlet_id is None and tenant is not None:
            with tenant_session(tenant.id) as s:
                hamlet_id = s.scalar(select(Hamlet.id).order_by(Hamlet.name).limit(1))
            if hamlet_id is None:  # before any write of ours: SQLite has one writer at a time
                hamlet_id = tenant_svc.add_hamlet(tenant, "Banjar Uji").id
        user = user_svc.create_user(name or f"Test {email}", email=email, password=PASSWORD)
        if role == Role.PLATFORM_ADMIN:
            db.session.add(Membership(user=user, role=Role.PLATFORM_ADMIN))
        elif role is not None:
            user_svc.grant(user, role, tenant=tenant, area_prefix=area, hamlet_id=hamlet_id)
        db.session.commit()
        return Person(user.id, email)


def sign_in(client: FlaskClient, person: Person) -> Person:
    """Sign ``person`` in on ``client`` (replacing whoever was signed in)."""
    resp = client.post("/auth/login", data={"login": person.email, "password": person.password})
    if resp.status_code != 302:
        raise AssertionError(f"signing in {person.email} failed: {resp.status_code}")
    return person


def api_headers(app: Flask, person: Person) -> dict[str, str]:
    """``Authorization`` header with a fresh personal API token of ``person``."""
    from ..extensions import db
    from ..models import User
    from ..services.auth import create_api_token

    with app.app_context():
        _token, plain = create_api_token(db.session.get(User, person.id), "tests")
        db.session.commit()
    return {"Authorization": f"Bearer {plain}"}


# -- plugins --------------------------------------------------------------------------------------


def enable_plugins(app: Flask, village: Village, *names: str, reason: str = "enabled by a test") -> None:
    """Enable plugins (and what they require) in a village; readiness is overridden with ``reason``."""
    from ..extensions import db
    from ..plugin_system.state import enabled_for
    from ..services import rollout

    with app.app_context():
        for name in names:
            if name not in enabled_for(village.id):
                rollout.enable(village.tenant(), name, override_reason=reason)
        db.session.remove()


def disable_plugins(app: Flask, village: Village, *names: str) -> None:
    """Disable plugins in a village (with the enabled plugins that require them). Nothing is deleted."""
    from ..extensions import db
    from ..plugin_system.state import enabled_for
    from ..services import rollout

    with app.app_context():
        for name in names:
            if name in enabled_for(village.id):
                rollout.disable(village.tenant(), name, with_dependents=True)
        db.session.remove()


@contextmanager
def village_session(app: Flask, village: Village) -> Iterator[Session]:
    """A database session bound to one village, inside an app context; commit it yourself."""
    from ..tenancy import tenant_session

    with app.app_context(), tenant_session(village.id) as session:
        yield session


@contextmanager
def sql_statements(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement ``app``'s engine runs inside the block, in order."""
    from sqlalchemy import event

    from ..extensions import db

    seen: list[str] = []

    def listen(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001, PLR0913
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listen)
