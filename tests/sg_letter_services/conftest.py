"""A village with the smart government pillar enabled (letter types seeded), two hamlets, residents,
staff of every role, hamlet heads of both hamlets and resident accounts; helpers to move requests."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass, field
from datetime import date

import pytest
from smart_government.accounts.models import ResidentAccount
from smart_government.letters.models import LetterType
from smart_government.registry import create_family, create_resident
from smart_government.registry.models import Sex
from sqlalchemy import select

from desacerdas.auth.passwords import hash_secret
from desacerdas.extensions import db, limiter
from desacerdas.kit import terms
from desacerdas.models import Tenant
from desacerdas.plugin_system import settings as plugin_settings
from desacerdas.services import rollout
from desacerdas.services import tenants as tenant_svc
from desacerdas.tenancy import tenant_session
from desacerdas.testing import support

PNG_1PX = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
    b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


def logo_png() -> bytes:
    """A real PNG (a QR code) that image libraries open, standing in for a village logo."""
    import segno

    buf = io.BytesIO()
    segno.make("logo").save(buf, kind="png", scale=3)
    return buf.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass(frozen=True)
class LetterVillage:
    id: int
    slug: str
    kaja: uuid.UUID
    kelod: uuid.UUID
    residents: dict[str, uuid.UUID]
    types: dict[str, uuid.UUID]
    people: dict[str, support.Person] = field(default_factory=dict)

    def page(self, path: str = "") -> str:
        return f"/desa/{self.slug}/smart_government/{path}"

    def api(self, path: str = "") -> str:
        return f"/api/v1/desa/{self.slug}/smart_government/{path}"


def link_account(app, village_id: int, person: support.Person, resident_id: uuid.UUID) -> None:  # noqa: ANN001
    with app.app_context(), tenant_session(village_id) as s:
        s.add(
            ResidentAccount(
                resident_id=resident_id,
                user_id=person.id,
                pin_hash=hash_secret("246810"),
                must_change_pin=False,
            )
        )
        s.commit()


# The words these tests were written with. Menanga and Bebandem are in Bali, where the village's
# default words are Perbekel / Banjar Dinas / Kelian Banjar Dinas: the villages set these explicitly.
GENERIC_TERMS = {"village_head": "Kepala Desa", "hamlet": "Dusun", "hamlet_head": "Kepala Dusun"}


def configure(app, village_id: int, values: dict) -> None:  # noqa: ANN001
    """Set the village's letter settings; the keys that moved to the village's terms
    (``term_village_head``, ``office_name``, ``logo_document_id`` …) go to ``kit.terms``."""
    moved = {terms.LEGACY_KEYS[k]: v for k, v in values.items() if k in terms.LEGACY_KEYS}
    rest = {k: v for k, v in values.items() if k not in terms.LEGACY_KEYS}
    with app.app_context():
        with tenant_session(village_id) as s:
            if moved:
                terms.update(s.get(Tenant, village_id), moved, session=s)
        if rest:
            plugin_settings.update("smart_government", rest, tenant=db.session.get(Tenant, village_id))
        db.session.remove()


def prepare(app, village, *, settings: dict | None = None) -> LetterVillage:  # noqa: ANN001
    with app.app_context():
        tenant = village.tenant()
        kaja = tenant_svc.add_hamlet(tenant, "Banjar Dinas Kaja").id
        kelod = tenant_svc.add_hamlet(tenant, "Banjar Dinas Kelod").id
        rollout.enable(tenant, "smart_government", override_reason="test")
        db.session.remove()
    configure(app, village.id, {**{f"term_{k}": v for k, v in GENERIC_TERMS.items()}, **(settings or {})})
    with app.app_context(), tenant_session(village.id) as s:
        kk = create_family(s, hamlet_id=kaja, address="Jl. Raya Kaja 7")
        people = {
            "wayan": create_resident(
                s,
                name="I Wayan Sudarsana",
                birth_place="Karangasem",
                birth_date=date(1990, 5, 17),
                sex=Sex.MALE,
                hamlet_id=kaja,
                family_id=kk.id,
                religion="Hindu",
                occupation="Petani",
            ),
            "kadek": create_resident(
                s,
                name="Ni Kadek Ayu",
                birth_date=date(1995, 3, 2),
                sex=Sex.FEMALE,
                hamlet_id=kaja,
                family_id=kk.id,
            ),
            "made": create_resident(
                s, name="I Made Kelod", birth_date=date(1988, 1, 9), sex=Sex.MALE, hamlet_id=kelod
            ),
        }
        s.commit()
        ids = {k: v.id for k, v in people.items()}
        types = {t.code: t.id for t in s.scalars(select(LetterType))}
    staff = {
        "head": support.make_user(app, "village_head", village, name="I Nyoman Perbekel"),
        "secretary": support.make_user(app, "village_secretary", village, name="Ni Luh Sekretaris"),
        "operator": support.make_user(app, "operator", village, name="Kadek Operator"),
        "kelian_kaja": support.make_user(app, "hamlet_head", village, hamlet_id=kaja, name="Kelian Kaja"),
        "kelian_kelod": support.make_user(app, "hamlet_head", village, hamlet_id=kelod, name="Kelian Kelod"),
        "wayan": support.make_user(app, "resident", village, name="I Wayan Sudarsana"),
        "made": support.make_user(app, "resident", village, name="I Made Kelod"),
        "facilitator": support.make_user(app, "facilitator", village),
    }
    link_account(app, village.id, staff["wayan"], ids["wayan"])
    link_account(app, village.id, staff["made"], ids["made"])
    return LetterVillage(village.id, village.slug, kaja, kelod, ids, types, staff)


@pytest.fixture(autouse=True)
def _generous_verify_limit(app):
    """The verification page is rate limited; tests that do not test the limit are not limited."""
    app.config["SG_VERIFY_LIMIT"] = "10000 per minute"
    limiter.reset()
    yield
    app.config["SG_VERIFY_LIMIT"] = "10000 per minute"


@pytest.fixture
def lv(app, menanga) -> LetterVillage:
    return prepare(app, menanga)


@pytest.fixture
def lv_b(app, bebandem) -> LetterVillage:
    return prepare(app, bebandem)


@pytest.fixture
def as_user(app, login):
    """``as_user(person)`` → a fresh test client signed in as that person."""

    def _client(person):  # noqa: ANN001, ANN202
        return login(person, app.test_client())

    return _client


def files(**named: bytes) -> dict[str, tuple[io.BytesIO, str]]:
    """Multipart attachment fields for a request form: ``files(ktp=PNG_1PX)``."""
    return {
        f"attachment_{k}": (io.BytesIO(v), f"{k}.png" if v.startswith(b"\x89PNG") else f"{k}.pdf")
        for k, v in named.items()
    }
