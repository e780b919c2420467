"""Fixtures for the admin page tests: a signed-in platform admin and a few Balinese villages."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from desacerdas.extensions import db
from desacerdas.models import Tenant
from desacerdas.services import tenants as tenant_svc

# Karangasem (51.07): Menanga and Rendang in Rendang district, Bebandem; Bangli (51.06): Apuan.
CODES = ("51.07.01.2003", "51.07.01.2002", "51.07.06.2003", "51.06.01.2001")


@pytest.fixture
def admin(make_user):
    return make_user("platform_admin", email="admin@example.test")


@pytest.fixture
def admin_client(client: FlaskClient, admin, login) -> FlaskClient:
    return login(admin)


@pytest.fixture
def villages(make_village) -> dict[str, object]:
    made = [make_village(code) for code in CODES]
    return {v.name: v for v in made}


@pytest.fixture
def status_of(app: Flask):
    """The stored status of a village, read outside any request."""

    def _status(slug: str) -> str:
        with app.app_context():
            return tenant_svc.get_by_slug(slug).status.value

    return _status


@pytest.fixture
def tenant_count(app: Flask):
    def _count() -> int:
        with app.app_context():
            return db.session.query(Tenant).count()

    return _count


@pytest.fixture(scope="session")
def make_app(pytestconfig):
    """The root conftest's ``make_app`` (conftest modules are not importable by name)."""
    root = (Path(__file__).resolve().parent.parent / "conftest.py").as_posix()
    module = pytestconfig.pluginmanager.get_plugin(root)
    assert module is not None, f"root conftest not registered as {root}"
    return module.make_app
