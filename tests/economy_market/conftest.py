"""A village with smart government (residents, hamlets Kaja and Kelod, staff of every role, resident
accounts for Wayan of Kaja and Made of Kelod) and smart economy enabled; helpers for the market."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from PIL import Image
from sg_letter_services.conftest import (  # noqa: F401 - fixtures re-exported
    LetterVillage,
    _generous_verify_limit,
    as_user,
    lv,
    lv_b,
    prepare,
)

from desacerdas.extensions import db
from desacerdas.models import Tenant, User
from desacerdas.services import rollout
from desacerdas.tenancy import tenant_session


@dataclass(frozen=True)
class MarketVillage:
    lv: LetterVillage

    def __getattr__(self, name: str):  # noqa: ANN204 - the letter village's fields
        return getattr(self.lv, name)

    def page(self, path: str = "") -> str:
        return f"/desa/{self.lv.slug}/smart_economy/{path}"

    def api(self, path: str = "") -> str:
        return f"/api/v1/desa/{self.lv.slug}/smart_economy/{path}"


def enable_economy(app, village: LetterVillage) -> MarketVillage:  # noqa: ANN001
    with app.app_context():
        rollout.enable(db.session.get(Tenant, village.id), "smart_economy", override_reason="test")
        db.session.remove()
    return MarketVillage(village)


@pytest.fixture
def mv(app, request) -> MarketVillage:  # noqa: ANN001
    return enable_economy(app, request.getfixturevalue("lv"))


@pytest.fixture
def mv_b(app, request) -> MarketVillage:  # noqa: ANN001
    return enable_economy(app, request.getfixturevalue("lv_b"))


def run(app, village, who: str, fn, *args, **kwargs):  # noqa: ANN001, ANN201
    """``fn(session, tenant, user, *args, **kwargs)`` as ``who``; commits; returns its result."""
    with app.app_context(), tenant_session(village.id) as s:
        tenant = s.get(Tenant, village.id)
        user = s.get(User, village.people[who].id)
        out = fn(s, tenant, user, *args, **kwargs)
        s.commit()
        return out


SHOP = {
    "business_name": "Warung Men Sari",
    "category": "food",
    "phone": "0812 3700 1001",
    "hamlet_id": None,
    "pickup_address": None,
    "description": None,
    "nib": None,
    "npwp": None,
}


def picture(side: int = 1600) -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (side, side * 3 // 4), (170, 90, 40)).save(out, "JPEG")
    out.seek(0)
    return out
