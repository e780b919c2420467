"""Two villages with the registry (a resident with a real NIK, KK and address each), and helpers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

import pytest
from smart_government.registry import create_family, create_resident
from smart_government.registry.models import Sex

from desacerdas.extensions import db
from desacerdas.services import rollout
from desacerdas.services import tenants as tenant_svc
from desacerdas.tenancy import tenant_session

NIK = "5107011705900001"  # born 17-05-1990, male (kecamatan Rendang)
KK = "5107010101100001"
ADDRESS = "Jalan Pura Besakih 7"


@dataclass(frozen=True)
class RegVillage:
    id: int
    slug: str
    resident: uuid.UUID
    family: uuid.UUID

    def page(self, path: str = "") -> str:
        return f"/desa/{self.slug}/smart_government/{path}"

    def api(self, path: str = "") -> str:
        return f"/api/v1/desa/{self.slug}/smart_government/{path}"


def prepare(app, village) -> RegVillage:  # noqa: ANN001
    with app.app_context():
        tenant = village.tenant()
        kaja = tenant_svc.add_hamlet(tenant, "Banjar Dinas Kaja").id
        rollout.enable(tenant, "smart_government", override_reason="test")
        db.session.remove()
        with tenant_session(village.id) as s:
            kk = create_family(s, kk_number=KK, hamlet_id=kaja)
            person = create_resident(
                s,
                nik=NIK,
                name="I Wayan Sudarsana",
                birth_date=date(1990, 5, 17),
                birth_place="Rendang",
                sex=Sex.MALE,
                hamlet_id=kaja,
                family_id=kk.id,
                address=ADDRESS,
                phone="081234567890",
            )
            s.commit()
            return RegVillage(village.id, village.slug, person.id, kk.id)


@pytest.fixture(scope="session")
def app(db_urls, tmp_path_factory, _migrated):  # noqa: ANN001, ANN201
    """The suite's app, with the access-log page and API registered (until ``app.py`` does it)."""
    from conftest import make_app

    from desacerdas.village import data_access_views

    app = make_app(db_urls, tmp_path_factory)
    if "data_access" not in app.blueprints:
        data_access_views.init_app(app)
    return app


@pytest.fixture
def reg_menanga(app, menanga) -> RegVillage:
    return prepare(app, menanga)


@pytest.fixture
def reg_bebandem(app, bebandem) -> RegVillage:
    return prepare(app, bebandem)


@pytest.fixture
def fresh_client(app):
    return lambda: app.test_client()
