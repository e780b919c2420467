"""A demo-like village for the page walk: smart government enabled with its demo data (residents,
letter requests in every state, issued letters), a registration waiting for review, staff of every
role, a member without an e-mail address, a resident with an account, and a second village.

The walk runs on its own app, Indonesian by default as in production."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from smart_government.accounts.models import Registration, RegistrationKind, ResidentAccount
from smart_government.registry.models import Resident
from sqlalchemy import select

from desacerdas.auth.passwords import hash_secret
from desacerdas.cli import cli
from desacerdas.extensions import db
from desacerdas.models import Tenant
from desacerdas.services import rollout
from desacerdas.services import tenants as tenant_svc
from desacerdas.services import users as user_svc
from desacerdas.tenancy import tenant_session
from desacerdas.testing import support

ROLES = (
    "platform_admin",
    "regency_admin",
    "facilitator",
    "village_head",
    "village_secretary",
    "operator",
    "hamlet_head",
    "resident",
    "anonymous",
)


@dataclass
class WalkVillage:
    id: int
    slug: str
    other_slug: str
    people: dict[str, support.Person] = field(default_factory=dict)


@pytest.fixture(scope="module")
def walk_app(pytestconfig, db_urls, tmp_path_factory, _migrated):  # noqa: ANN001, ANN201
    """The app the walk reads pages from: Indonesian by default, like production."""
    root = (Path(__file__).resolve().parent.parent / "conftest.py").as_posix()
    make_app = pytestconfig.pluginmanager.get_plugin(root).make_app
    return make_app(db_urls, tmp_path_factory, BABEL_DEFAULT_LOCALE="id")


def _registration(app, village_id: int) -> None:  # noqa: ANN001
    with app.app_context(), tenant_session(village_id) as s:
        hamlet = s.scalar(select(Resident.hamlet_id).where(Resident.hamlet_id.is_not(None)).limit(1))
        s.add(
            Registration(
                kind=RegistrationKind.NEW_ARRIVAL,
                nik="5107014101950002",
                kk_number="5107010101200003",
                name="Ni Luh Pendatang",
                birth_date=date(1995, 1, 1),
                phone="+6281234500001",
                hamlet_id=hamlet,
                data={},
            )
        )
        s.commit()


def seed(app) -> WalkVillage:  # noqa: ANN001
    """Build the village once per test (the suite wipes the database after each test)."""
    village = support.make_village(app, support.MENANGA, hamlets=("Banjar Dinas Kaja", "Banjar Dinas Kelod"))
    other = support.make_village(app, support.BEBANDEM)
    with app.app_context():
        rollout.enable(village.tenant(), "smart_government", override_reason="uji semua halaman")
        db.session.remove()
    head = support.make_user(app, "village_head", village, name="I Nyoman Perbekel")
    result = app.test_cli_runner().invoke(
        cli, ["plugins", "demo", "smart_government", "--tenant", village.slug], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    _registration(app, village.id)
    people = {
        "platform_admin": support.make_user(app, "platform_admin", name="Admin Platform"),
        "regency_admin": support.make_user(app, "regency_admin", village, name="Dinas PMD Karangasem"),
        "facilitator": support.make_user(app, "facilitator", village, name="Pendamping Menanga"),
        "village_head": head,
        "village_secretary": support.make_user(app, "village_secretary", village, name="Ni Luh Sekretaris"),
        "operator": support.make_user(app, "operator", village, name="Kadek Operator"),
        "hamlet_head": support.make_user(app, "hamlet_head", village, name="Kelian Kaja"),
        "resident": support.make_user(app, "resident", village, name="Warga Menanga"),
    }
    with app.app_context():
        tenant_svc.add_hamlet(village.tenant(), "Banjar Dinas Tengah")  # a hamlet with nobody in it
        db.session.remove()
    with app.app_context():
        tenant = db.session.get(Tenant, village.id)
        # a member without an e-mail address: pages must not print "None" for it
        phone_only = user_svc.create_user(
            "Wayan Tanpa Surel", phone="+6281299900001", password=support.PASSWORD
        )
        user_svc.grant(phone_only, "operator", tenant=tenant)
        db.session.commit()
    with app.app_context(), tenant_session(village.id) as s:
        # the first resident by name who has no account yet (the letters demo opened a few)
        without = select(ResidentAccount.resident_id)
        resident = s.scalars(
            select(Resident).where(Resident.id.not_in(without)).order_by(Resident.name).limit(1)
        ).first()
        s.add(
            ResidentAccount(
                resident_id=resident.id,
                user_id=people["resident"].id,
                pin_hash=hash_secret("246810"),
                must_change_pin=False,
            )
        )
        s.commit()
    # Smart society with its demo complaints, some filed by the resident above; smart economy with
    # its demo market (shops, a BUMDes unit, products with photos).
    for pillar in ("smart_society", "smart_economy"):
        with app.app_context():
            rollout.enable(village.tenant(), pillar, override_reason="uji semua halaman")
            db.session.remove()
        result = app.test_cli_runner().invoke(
            cli, ["plugins", "demo", pillar, "--tenant", village.slug], catch_exceptions=False
        )
        assert result.exit_code == 0, result.output
    return WalkVillage(village.id, village.slug, other.slug, people)


@pytest.fixture
def walk_village(app) -> WalkVillage:  # noqa: ANN001
    return seed(app)
