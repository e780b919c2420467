"""An app with fake plugins for the rollout board: alpha; beta requires alpha; gamma is never ready.

Built-in pillars are not discovered here, so the board's columns are exactly the fakes. Villages
(Kabupaten Karangasem 51.07 unless noted): Menanga and Rendang (district Rendang), Bebandem,
Bunutan (Abang), and Apuan in Kabupaten Bangli (51.06), outside a Karangasem regency admin's area.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from plugin_system.fake_plugins import BrokenInfo, FakePlugin

from desacerdas import hookimpl
from desacerdas.extensions import db
from desacerdas.models import Tenant, User
from desacerdas.plugin_system.state import enabled_for
from desacerdas.plugin_system.types import ReadinessCheck
from desacerdas.services import auth as auth_service
from desacerdas.services import rollout

CODES = {
    "menanga": "51.07.01.2003",
    "rendang": "51.07.01.2002",
    "bebandem": "51.07.06.2003",
    "bunutan": "51.07.05.2003",
    "apuan": "51.06.01.2001",
}


class Flaky(FakePlugin):
    """A fake plugin that can be unready, or fail while enabling, in chosen villages only."""

    def __init__(self, name: str, **kw) -> None:  # noqa: ANN003
        super().__init__(name, **kw)
        self.blocked_in: set[str] = set()
        self.fail_in: set[str] = set()

    @hookimpl
    def desa_readiness_checks(self, tenant, session) -> list[ReadinessCheck]:  # noqa: ANN001
        passed = self.ready and tenant.slug not in self.blocked_in
        return [
            ReadinessCheck(f"{self.name}.ok", f"{self.name} prerequisites", passed, "Do the thing first.")
        ]

    @hookimpl
    def desa_on_enable(self, tenant, session) -> None:  # noqa: ANN001
        if tenant.slug in self.fail_in:
            raise RuntimeError("seeding failed")
        self.calls.append(("desa_on_enable", tenant.slug))


@pytest.fixture(scope="module")
def fakes() -> dict[str, Flaky]:
    return {
        "alpha": Flaky("alpha", order=1),
        "beta": Flaky("beta", requires=("alpha",), order=2),
        "gamma": Flaky("gamma", ready=False, order=3),
    }


@pytest.fixture(autouse=True)
def _reset_fakes(fakes):
    yield
    for fake in fakes.values():
        fake.blocked_in.clear()
        fake.fail_in.clear()


@pytest.fixture(scope="module")
def rapp(fakes, db_urls, tmp_path_factory, _migrated):
    from conftest import make_app

    app = make_app(
        db_urls,
        tmp_path_factory,
        DISCOVER_PLUGINS=False,
        EXTRA_PLUGINS={**fakes, "wrong_name": BrokenInfo()},
    )
    with app.app_context():
        for name in fakes:
            rollout.install(name)
    return app


@pytest.fixture
def rclient(rapp):
    return rapp.test_client()


@pytest.fixture
def villages(make_village) -> dict[str, object]:
    return {slug: make_village(code) for slug, code in CODES.items()}


@pytest.fixture
def enable(rapp) -> Callable[..., None]:
    """Enable plugins in a village directly (no actor), overriding readiness when asked."""

    def _enable(village, *names: str, override: str | None = None) -> None:  # noqa: ANN001
        with rapp.app_context():
            tenant = db.session.get(Tenant, village.id)
            for name in names:
                rollout.enable(tenant, name, override_reason=override)

    return _enable


@pytest.fixture
def enabled(rapp) -> Callable[..., frozenset[str]]:
    def _enabled(village) -> frozenset[str]:  # noqa: ANN001
        with rapp.app_context():
            return enabled_for(village.id)

    return _enabled


@pytest.fixture
def grant(rapp) -> Callable[..., None]:
    """Give an existing person one more role."""
    from desacerdas.services import users as user_svc

    def _grant(person, role: str, village=None) -> None:  # noqa: ANN001
        with rapp.app_context():
            tenant = db.session.get(Tenant, village.id) if village else None
            user_svc.grant(db.session.get(User, person.id), role, tenant=tenant)
            db.session.commit()

    return _grant


@pytest.fixture
def bearer(rapp) -> Callable[..., dict[str, str]]:
    def _headers(person) -> dict[str, str]:  # noqa: ANN001
        with rapp.app_context():
            _token, plain = auth_service.create_api_token(db.session.get(User, person.id), "test")
        return {"Authorization": f"Bearer {plain}"}

    return _headers
