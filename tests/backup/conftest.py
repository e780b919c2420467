"""An empty second instance to restore or import into (its own database and storage), and storage
emptied around each test (the rows are wiped by tests/conftest.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy.engine import make_url

from desacerdas.storage import storage
from desacerdas.testing import support

from .fill import PgDatabase, drop_role, pg_backup_role


def _empty_storage(app: Flask) -> None:
    with app.app_context():
        store = storage()
        for key in list(store.keys("")):
            store.delete(key)


@pytest.fixture(autouse=True)
def _storage_emptied(app) -> Iterator[None]:
    _empty_storage(app)
    yield
    _empty_storage(app)


@pytest.fixture
def source(app) -> Iterator[Flask]:
    """The suite's app; on PostgreSQL with DESA_BACKUP_DATABASE_URL a role that bypasses RLS."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql"):
        yield app
        return
    role, backup_url = pg_backup_role(app.config["MIGRATION_DATABASE_URL"])
    app.config["BACKUP_DATABASE_URL"] = backup_url
    try:
        yield app
    finally:
        app.config.pop("BACKUP_DATABASE_URL", None)
        drop_role(url, role)


@pytest.fixture
def empty_instance(app, tmp_path) -> Iterator[callable]:
    """``empty_instance(migrated=False, sqlite=False)`` → a second app with its own empty database
    (the suite's kind, or SQLite) and storage."""
    made: list[PgDatabase] = []

    def _make(migrated: bool = False, sqlite: bool = False) -> Flask:
        folder = tmp_path / f"target-{len(made)}-{uuid.uuid4().hex[:6]}"
        folder.mkdir()
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        if url.startswith("postgresql") and not sqlite:
            pg = PgDatabase(f"{make_url(url).database}_t{len(made)}")
            made.append(pg)
            urls = (pg.app_url, pg.owner_url)
            overrides = {"DB_APP_ROLE": pg.app_role}
        else:
            urls = (f"sqlite:///{folder / 'target.db'}",) * 2
            made.append(None)
            overrides = {}
        target = support.create_test_app(support.app_config(urls, folder, **overrides))
        if migrated:
            support.migrate(target)
        return target

    yield _make
    for pg in made:
        if pg is not None:
            pg.drop()
