"""Villages with the letters pillar (staff of every role, two residents with accounts), the local
provider servers, and helpers to read the outbox as plain values."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sg_letter_services.conftest import PNG_1PX, LetterVillage, prepare
from smart_government.letters import issuing
from smart_government.letters import requests as letters
from sqlalchemy import select

from desacerdas.extensions import db, limiter
from desacerdas.models import Tenant, User
from desacerdas.models.notification import Notification, PlatformNotification
from desacerdas.services import documents as docs
from desacerdas.tenancy import tenant_session
from desacerdas.testing.providers import ProviderServer, SmtpServer


@pytest.fixture(autouse=True)
def _no_limits(app):
    app.config["SG_VERIFY_LIMIT"] = "10000 per minute"
    limiter.reset()
    yield
    limiter.reset()


@pytest.fixture
def lv(app, menanga) -> LetterVillage:
    return prepare(app, menanga)


@pytest.fixture
def lv_b(app, bebandem) -> LetterVillage:
    return prepare(app, bebandem)


@pytest.fixture
def as_user(app, login):
    """``as_user(person)`` → a fresh client signed in as that person."""
    return lambda person: login(person, app.test_client())


@pytest.fixture
def providers(app, monkeypatch) -> Iterator[ProviderServer]:
    """The WhatsApp Cloud API and SMS gateway stand-in, configured on the app for one test."""
    with ProviderServer() as server:
        for key, value in server.config().items():
            monkeypatch.setitem(app.config, key, value)
        yield server


@pytest.fixture
def smtp(app, monkeypatch) -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        for key, value in server.config().items():
            monkeypatch.setitem(app.config, key, value)
        yield server


@contextmanager
def village(app, village_id: int):  # noqa: ANN001, ANN201
    with app.app_context(), tenant_session(village_id) as s:
        yield s, s.get(Tenant, village_id)


def person(s, lv: LetterVillage, who: str) -> User:  # noqa: ANN001
    return s.get(User, lv.people[who].id)


def columns(row) -> dict:  # noqa: ANN001
    values = {c.name: getattr(row, c.name) for c in row.__table__.columns}
    for name in ("channel", "status"):
        values[name] = getattr(values[name], "value", values[name])
    return values


def outbox(app, village_id: int | None, **where) -> list[dict]:  # noqa: ANN001, ANN003
    """The village's (None: the platform's) notification rows as dicts, oldest first."""
    with app.app_context():
        if village_id is None:
            rows = db.session.scalars(select(PlatformNotification).order_by(PlatformNotification.id)).all()
            found = [columns(r) for r in rows]
        else:
            with tenant_session(village_id) as s:
                rows = s.scalars(select(Notification).order_by(Notification.created_at)).all()
                found = [columns(r) for r in rows]
    return [r for r in found if all(r.get(k) == v for k, v in where.items())]


def online_request(s, tenant, lv: LetterVillage, who: str = "wayan"):  # noqa: ANN001, ANN201
    uploads = {
        "ktp": docs.NewFile(io.BytesIO(PNG_1PX), "ktp.png"),
        "kk": docs.NewFile(io.BytesIO(PNG_1PX), "kk.png"),
    }
    return letters.submit_online(
        s, tenant, person(s, lv, who), lv.types["SKD"], purpose="Melamar kerja", uploads=uploads
    )


def issue_all_the_way(app, lv: LetterVillage) -> str:  # noqa: ANN001
    """An online request of Wayan verified, signed and issued; the request's id."""
    with village(app, lv.id) as (s, tenant):
        req = online_request(s, tenant, lv)
        letters.verify(s, tenant, req, person(s, lv, "kelian_kaja"))
        letters.sign(s, tenant, req, person(s, lv, "head"))
        issuing.issue(s, tenant, req, person(s, lv, "head"))
        return str(req.id)
