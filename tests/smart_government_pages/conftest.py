"""A village with the smart government pillar enabled, two hamlets and a few residents; API tokens."""

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

MENANGA_NIK_MAN = "5107011705900001"  # born 17-05-1990, male (kecamatan Rendang)


@dataclass(frozen=True)
class PopVillage:
    id: int
    slug: str
    kaja: uuid.UUID
    kelod: uuid.UUID
    residents: dict[str, uuid.UUID]
    family: uuid.UUID

    def page(self, path: str = "") -> str:
        return f"/desa/{self.slug}/smart_government/{path}"

    def api(self, path: str = "") -> str:
        return f"/api/v1/desa/{self.slug}/smart_government/{path}"


def prepare(app, village, *, enable: bool = True) -> PopVillage:  # noqa: ANN001
    with app.app_context():
        tenant = village.tenant()
        kaja = tenant_svc.add_hamlet(tenant, "Banjar Dinas Kaja").id
        kelod = tenant_svc.add_hamlet(tenant, "Banjar Dinas Kelod").id
        if enable:
            rollout.enable(tenant, "smart_government", override_reason="test")
        db.session.remove()
        with tenant_session(village.id) as s:
            kk = create_family(s, hamlet_id=kaja)
            people = {
                "wayan": create_resident(
                    s,
                    name="I Wayan Sudarsana",
                    birth_date=date(1990, 5, 17),
                    sex=Sex.MALE,
                    hamlet_id=kaja,
                    family_id=kk.id,
                    religion="Hindu",
                ),
                "kadek": create_resident(
                    s,
                    name="Ni Kadék Ayu",
                    birth_date=date(1995, 3, 2),
                    sex=Sex.FEMALE,
                    hamlet_id=kaja,
                    family_id=kk.id,
                    religion="Hindu",
                ),
                "made": create_resident(
                    s, name="I Made Kelod", birth_date=date(2018, 1, 9), sex=Sex.MALE, hamlet_id=kelod
                ),
            }
            s.commit()
            ids = {k: v.id for k, v in people.items()}
            family = kk.id
    return PopVillage(village.id, village.slug, kaja, kelod, ids, family)


@pytest.fixture
def pop_menanga(app, menanga) -> PopVillage:
    return prepare(app, menanga)


@pytest.fixture
def pop_bebandem(app, bebandem) -> PopVillage:
    return prepare(app, bebandem)
