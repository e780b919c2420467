"""Villages for the work surface: Karangasem villages with the government pillar enabled (readiness
overridden), a facilitator accompanying several of them, and helpers that make a village need
attention (letter requests past the service standard, registrations waiting for review)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from smart_government.accounts.models import Registration, RegistrationKind
from smart_government.letters.models import Channel, LetterRequest, LetterType
from smart_government.registry import create_resident
from smart_government.registry.models import Sex
from sqlalchemy import select

from desacerdas.extensions import db
from desacerdas.models import Hamlet, Tenant, User
from desacerdas.services import users as user_svc
from desacerdas.testing.support import Person, Village, make_user, make_village, village_session

SG = "smart_government"


@pytest.fixture
def facilitator_of(app) -> Callable[..., Person]:
    """``facilitator_of(v1, v2, …)``: one facilitator account assigned to each village given."""

    def _make(*villages: Village, name: str | None = None) -> Person:
        person = make_user(app, "facilitator", villages[0], name=name)
        with app.app_context():
            user = db.session.get(User, person.id)
            for village in villages[1:]:
                user_svc.grant(user, "facilitator", tenant=db.session.get(Tenant, village.id))
            db.session.commit()
        return person

    return _make


@pytest.fixture
def sg_village(app) -> Callable[..., Village]:
    """A village (the next free Karangasem one) with a hamlet and the government pillar enabled."""
    return lambda code=None: make_village(app, code, hamlets=["Banjar Kaja"], enable=[SG])


def overdue(app, village: Village, n: int = 1, days: int = 10) -> None:  # noqa: ANN001
    """``n`` open letter requests submitted ``days`` ago (the service standard is 3 days)."""
    with village_session(app, village) as s:
        hamlet = s.scalar(select(Hamlet.id).limit(1))
        kind = s.scalar(select(LetterType.id).where(LetterType.active.is_(True)).limit(1))
        for i in range(n):
            person = create_resident(
                s, name=f"Warga {i}", birth_date=date(1990, 1, 1), sex=Sex.FEMALE, hamlet_id=hamlet
            )
            s.flush()
            s.add(
                LetterRequest(
                    type_id=kind,
                    resident_id=person.id,
                    hamlet_id=hamlet,
                    channel=Channel.COUNTER,
                    purpose="Uji",
                    data={},
                    attachments={},
                    submitted_at=datetime.now(UTC) - timedelta(days=days),
                )
            )
        s.commit()


def pending_registration(app, village: Village) -> None:  # noqa: ANN001
    with village_session(app, village) as s:
        s.add(
            Registration(
                kind=RegistrationKind.ACCOUNT,
                nik="5107014101900001",
                kk_number="5107010101900001",
                name="Ni Luh Uji",
                birth_date=date(1990, 1, 1),
            )
        )
        s.commit()
