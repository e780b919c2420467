"""Villages with real NIKs and KK numbers, staff, hamlet heads, resident accounts and sample photos."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

import pytest
from smart_government.accounts import service as accounts
from smart_government.registry import create_family, create_resident, get_resident, record_event
from smart_government.registry.models import EventKind, Sex

from desacerdas.extensions import db
from desacerdas.models import Tenant
from desacerdas.services import rollout
from desacerdas.services import tenants as tenant_svc
from desacerdas.tenancy import tenant_session

# Kecamatan Rendang (51.07.01): born 17-05-1990 male, 02-03-1995 female (+40), 09-01-2018 male, died.
WAYAN = "5107011705900001"
KADEK = "5107014203950002"
MADE = "5107010901180003"
KETUT = "5107012512600004"
KK_KAJA = "5107011203150001"
KK_KELOD = "5107010202200002"
PHONE = "081234567890"

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
    b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


@dataclass(frozen=True)
class AccVillage:
    id: int
    slug: str
    kaja: uuid.UUID
    kelod: uuid.UUID
    residents: dict[str, uuid.UUID] = field(default_factory=dict)

    def page(self, path: str = "") -> str:
        return f"/desa/{self.slug}/smart_government/{path}"

    def api(self, path: str = "") -> str:
        return f"/api/v1/desa/{self.slug}/smart_government/{path}"


def prepare(app, village) -> AccVillage:  # noqa: ANN001
    """Enable the pillar, add two hamlets, two families and four residents (one deceased)."""
    with app.app_context():
        tenant = village.tenant()
        kaja = tenant_svc.add_hamlet(tenant, "Banjar Dinas Kaja").id
        kelod = tenant_svc.add_hamlet(tenant, "Banjar Dinas Kelod").id
        rollout.enable(tenant, "smart_government", override_reason="test")
        db.session.remove()
        with tenant_session(village.id) as s:
            kk1 = create_family(s, kk_number=KK_KAJA, hamlet_id=kaja)
            kk2 = create_family(s, kk_number=KK_KELOD, hamlet_id=kelod)
            people = {
                "wayan": create_resident(
                    s,
                    nik=WAYAN,
                    name="I Wayan Sudarsana",
                    birth_date=date(1990, 5, 17),
                    sex=Sex.MALE,
                    hamlet_id=kaja,
                    family_id=kk1.id,
                    phone=PHONE,
                ),
                "kadek": create_resident(
                    s,
                    nik=KADEK,
                    name="Ni Kadek Ayu",
                    birth_date=date(1995, 3, 2),
                    sex=Sex.FEMALE,
                    hamlet_id=kaja,
                    family_id=kk1.id,
                ),
                "made": create_resident(
                    s,
                    nik=MADE,
                    name="I Made Kelod",
                    birth_date=date(2018, 1, 9),
                    sex=Sex.MALE,
                    hamlet_id=kelod,
                    family_id=kk2.id,
                    phone="081298765432",
                ),
                "ketut": create_resident(
                    s,
                    nik=KETUT,
                    name="I Ketut Almarhum",
                    birth_date=date(1960, 12, 25),
                    sex=Sex.MALE,
                    hamlet_id=kelod,
                    family_id=kk2.id,
                ),
                "temp": create_resident(
                    s, name="Tanpa NIK", birth_date=date(2000, 1, 1), sex=Sex.MALE, hamlet_id=kaja
                ),
            }
            record_event(people["ketut"], EventKind.DEATH, date(2024, 1, 1))
            s.commit()
            ids = {k: v.id for k, v in people.items()}
    return AccVillage(village.id, village.slug, kaja, kelod, ids)


@pytest.fixture
def va(app, menanga) -> AccVillage:
    return prepare(app, menanga)


@pytest.fixture
def vb(app, bebandem) -> AccVillage:
    return prepare(app, bebandem)


@pytest.fixture
def open_account(app):
    """``open_account(village, "wayan")`` → the initial PIN (an account opened by staff)."""

    def _open(village: AccVillage, key: str) -> str:
        with app.app_context():
            tenant = db.session.get(Tenant, village.id)
            with tenant_session(village.id) as s:
                person = get_resident(s, village.residents[key])
                _account, pin = accounts.create_account(tenant, s, person, None)
                s.commit()
        return pin

    return _open


@pytest.fixture
def account_row(app):
    """``account_row(village, "wayan")`` → a detached copy of the ResidentAccount's columns."""

    def _row(village: AccVillage, key: str) -> dict:
        with app.app_context(), tenant_session(village.id) as s:
            account = accounts.account_for_resident(s, village.residents[key])
            if account is None:
                return {}
            return {c.name: getattr(account, c.name) for c in account.__table__.columns}

    return _row


@pytest.fixture
def set_account(app):
    """``set_account(village, "wayan", locked_until=…)``: change account columns directly (time travel)."""

    def _set(village: AccVillage, key: str, **values) -> None:  # noqa: ANN003
        with app.app_context(), tenant_session(village.id) as s:
            account = accounts.account_for_resident(s, village.residents[key])
            for name, value in values.items():
                setattr(account, name, value)
            s.commit()

    return _set


class CapturedCodes:
    """A PIN code delivery that keeps what it would send."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []  # (slug, phone, code)

    def send(self, tenant, resident, phone, code) -> None:  # noqa: ANN001
        self.sent.append((tenant.slug, phone, code))


@pytest.fixture
def codes(app, monkeypatch) -> CapturedCodes:
    captured = CapturedCodes()
    monkeypatch.setitem(app.extensions, accounts.DELIVERY_EXTENSION, captured)
    return captured


def sign_in(client, village: AccVillage, nik: str, pin: str, **kw):  # noqa: ANN001, ANN003
    return client.post(village.page("masuk"), data={"nik": nik, "pin": pin}, **kw)


def photos(ktp: bytes = PNG, kk: bytes = PNG, selfie: bytes = PNG) -> dict:
    import io

    return {
        "ktp": (io.BytesIO(ktp), "ktp.png"),
        "kk": (io.BytesIO(kk), "kk.png"),
        "selfie": (io.BytesIO(selfie), "selfie.png"),
    }
