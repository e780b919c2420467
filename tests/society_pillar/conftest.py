"""A village with smart government (residents, hamlets Kaja and Kelod, staff of every role,
resident accounts for Wayan of Kaja and Made of Kelod) and smart society enabled; helpers to file
and move complaints through the services."""

from __future__ import annotations

from dataclasses import dataclass
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
from smart_society.complaints import service
from smart_society.complaints.workflow import FLOW

from desacerdas.extensions import db
from desacerdas.models import Tenant, User
from desacerdas.services import rollout
from desacerdas.tenancy import tenant_session


@dataclass(frozen=True)
class SocietyVillage:
    lv: LetterVillage

    def __getattr__(self, name: str):  # noqa: ANN204 - the letter village's fields
        return getattr(self.lv, name)

    def page(self, path: str = "") -> str:
        return f"/desa/{self.lv.slug}/smart_society/{path}"

    def api(self, path: str = "") -> str:
        return f"/api/v1/desa/{self.lv.slug}/smart_society/{path}"


def enable_society(app, village: LetterVillage) -> SocietyVillage:  # noqa: ANN001
    with app.app_context():
        rollout.enable(db.session.get(Tenant, village.id), "smart_society", override_reason="test")
        db.session.remove()
    return SocietyVillage(village)


@pytest.fixture
def sv(app, request) -> SocietyVillage:  # noqa: ANN001
    return enable_society(app, request.getfixturevalue("lv"))


@pytest.fixture
def sv_b(app, request) -> SocietyVillage:  # noqa: ANN001
    return enable_society(app, request.getfixturevalue("lv_b"))


def file(app, village: SocietyVillage, who: str, *, now: datetime | None = None, **fields):  # noqa: ANN001, ANN201
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


def move(app, village: SocietyVillage, who: str, complaint_id, action: str, note=None, **data):  # noqa: ANN001, ANN201
    with app.app_context(), tenant_session(village.id) as s:
        tenant = s.get(Tenant, village.id)
        user = s.get(User, village.people[who].id)
        item = service.get(s, tenant, user, complaint_id)
        FLOW.move(s, tenant, user, item, action, note=note, today=service.today_in(tenant), **data)
        s.commit()
        return item.status.value
