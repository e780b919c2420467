"""A village with smart government (residents, hamlets Kaja and Kelod, staff of every role,
resident accounts for Wayan of Kaja and Made of Kelod) and smart society enabled; helpers to file
and move complaints through the services."""

from __future__ import annotations

from datetime import datetime

import pytest
from sg_letter_services.conftest import (  # noqa: F401 - fixtures re-exported
    LetterVillage,
    _generous_verify_limit,
    as_user,
    lv,
    lv_b,
    prepare,
)
from sg_letter_services.pillars import PillarVillage, enable_pillar
from smart_society.complaints import service
from smart_society.complaints.workflow import FLOW

from desacerdas.models import Tenant, User
from desacerdas.tenancy import tenant_session


def enable_society(app, village: LetterVillage) -> PillarVillage:  # noqa: ANN001
    return enable_pillar(app, village, "smart_society")


@pytest.fixture
def sv(app, request) -> PillarVillage:  # noqa: ANN001
    return enable_society(app, request.getfixturevalue("lv"))


@pytest.fixture
def sv_b(app, request) -> PillarVillage:  # noqa: ANN001
    return enable_society(app, request.getfixturevalue("lv_b"))


def file(app, village: PillarVillage, who: str, *, now: datetime | None = None, **fields):  # noqa: ANN001, ANN201
    """File a complaint as ``who`` (a key of the village's people) and return its id."""
    values = {
        "category": "infrastructure",
        "title": "Lampu jalan mati",
        "body": "Lampu jalan di simpang banjar mati sejak dua minggu.",
        **fields,
    }
    if who not in ("wayan", "made") and "reporter_name" not in values:
        values["reporter_name"] = "Ni Wayan Sari"
    with app.app_context(), tenant_session(village.id) as s:
        tenant = s.get(Tenant, village.id)
        user = s.get(User, village.people[who].id)
        made = service.file_complaint(s, tenant, user, now=now, **values)
        s.commit()
        return made.id


def move(app, village: PillarVillage, who: str, complaint_id, action: str, note=None, **data):  # noqa: ANN001, ANN201
    with app.app_context(), tenant_session(village.id) as s:
        tenant = s.get(Tenant, village.id)
        user = s.get(User, village.people[who].id)
        item = service.get(s, tenant, user, complaint_id)
        FLOW.move(s, tenant, user, item, action, note=note, today=service.today_in(tenant), **data)
        s.commit()
        return item.status.value
