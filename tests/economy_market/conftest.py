"""A village with smart government (residents, hamlets Kaja and Kelod, staff of every role, resident
accounts for Wayan of Kaja and Made of Kelod) and smart economy enabled; helpers for the market."""

from __future__ import annotations

import io

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
from sg_letter_services.pillars import PillarVillage, enable_pillar, run  # noqa: F401 - run re-exported


def enable_economy(app, village: LetterVillage) -> PillarVillage:  # noqa: ANN001
    return enable_pillar(app, village, "smart_economy")


@pytest.fixture
def mv(app, request) -> PillarVillage:  # noqa: ANN001
    return enable_economy(app, request.getfixturevalue("lv"))


@pytest.fixture
def mv_b(app, request) -> PillarVillage:  # noqa: ANN001
    return enable_economy(app, request.getfixturevalue("lv_b"))


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
