"""Villages with the smart government pillar enabled and two hamlets, and village-bound sessions."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from desacerdas.extensions import db
from desacerdas.services import rollout
from desacerdas.services import tenants as tenant_svc
from desacerdas.tenancy import tenant_session

# Menanga is in kecamatan Rendang (51.07.01): a NIK issued there starts with 510701.
MENANGA_NIK_MAN = "5107011705900001"  # born 17-05-1990, male
MENANGA_NIK_WOMAN = "5107015705900002"  # born 17-05-1990, female (17 + 40)


@dataclass(frozen=True)
class RegistryVillage:
    id: int
    slug: str
    kaja: uuid.UUID
    kelod: uuid.UUID


def _prepare(app, village) -> RegistryVillage:  # noqa: ANN001
    with app.app_context():
        tenant = village.tenant()
        kaja = tenant_svc.add_hamlet(tenant, "Banjar Dinas Kaja").id
        kelod = tenant_svc.add_hamlet(tenant, "Banjar Dinas Kelod").id
        rollout.enable(tenant, "smart_government", override_reason="test")
        db.session.remove()
    return RegistryVillage(village.id, village.slug, kaja, kelod)


@pytest.fixture
def reg_menanga(app, menanga) -> RegistryVillage:
    return _prepare(app, menanga)


@pytest.fixture
def reg_bebandem(app, bebandem) -> RegistryVillage:
    return _prepare(app, bebandem)


@pytest.fixture
def village_session(app) -> Callable[[RegistryVillage], AbstractContextManager[Session]]:
    """``with village_session(v) as s:`` a session bound to the village, inside an app context."""

    @contextmanager
    def _open(village) -> Iterator[Session]:  # noqa: ANN001
        with app.app_context(), tenant_session(village.id) as session:
            yield session

    return _open
