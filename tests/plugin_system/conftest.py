"""An app with three fake plugins (alpha; beta requires alpha; gamma is never ready) and a broken one."""

from __future__ import annotations

import pytest
from marshmallow import Schema, fields

from desacerdas.extensions import db
from desacerdas.models import Tenant
from desacerdas.services import rollout

from .fake_plugins import BrokenInfo, FakePlugin, FakeWithCli


class AlphaSettings(Schema):
    greeting = fields.Str(load_default="Om Swastiastu")
    max_items = fields.Int(load_default=10)
    api_key = fields.Str(load_default=None, allow_none=True)


@pytest.fixture(scope="module")
def fakes() -> dict[str, FakePlugin]:
    return {
        "alpha": FakeWithCli("alpha", order=1, settings_schema=AlphaSettings, secrets=("api_key",)),
        "beta": FakePlugin("beta", requires=("alpha",), order=2),
        "gamma": FakePlugin("gamma", ready=False, order=3),
    }


@pytest.fixture(scope="module")
def papp(fakes, db_urls, tmp_path_factory, _migrated):
    from conftest import make_app as _make_app

    app = _make_app(db_urls, tmp_path_factory, EXTRA_PLUGINS={**fakes, "wrong_name": BrokenInfo()})
    with app.app_context():
        for name in fakes:
            rollout.install(name)
    return app


@pytest.fixture
def pclient(papp):
    return papp.test_client()


@pytest.fixture
def village_of(papp):
    def _get(village) -> Tenant:  # noqa: ANN001
        return db.session.get(Tenant, village.id)

    return _get
