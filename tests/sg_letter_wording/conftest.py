"""Villages in different words with the smart government pillar on, a resident in a hamlet, and a
helper that takes a request of any seeded type from the counter to an issued letter and gives back
the letter's text as pypdf extracts it from the PDF."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import date

import pytest
from pypdf import PdfReader
from smart_government.letters import issuing
from smart_government.letters import requests as letters
from smart_government.letters.models import LetterType
from smart_government.registry import create_family, create_resident
from smart_government.registry.models import Sex
from sqlalchemy import select

from desacerdas.extensions import db, limiter
from desacerdas.models import Tenant, User
from desacerdas.services import documents as docs
from desacerdas.services import rollout
from desacerdas.services import tenants as tenant_svc
from desacerdas.tenancy import tenant_session
from desacerdas.testing import support

BOGOR_VILLAGE = "32.01.02.2001"  # Wanaherang, Kecamatan Gunungputri, Kabupaten Bogor: a desa outside Bali
DENPASAR_KELURAHAN = "51.71.01.1001"  # Serangan, Kota Denpasar: a kelurahan in Bali

# What each seeded type's own fields are filled with (dates as the form sends them).
FIELD_DATA: dict[str, dict[str, str]] = {
    "SKD": {},
    "SKTM": {"penghasilan": "750000"},
    "SKU": {
        "nama_usaha": "Warung Sari",
        "jenis_usaha": "warung makan",
        "alamat_usaha": "Jl. Pasar 3",
        "mulai_usaha": "2015",
    },
    "SKCK": {},
    "SKL": {
        "nama_anak": "Putu Ayu Lestari",
        "jenis_kelamin_anak": "perempuan",
        "tempat_lahir_anak": "Puskesmas Rendang",
        "tanggal_lahir_anak": "2026-11-01",
        "nama_ibu": "Ni Kadek Ayu",
        "nama_ayah": "I Wayan Sudarsana",
    },
    "SKM": {
        "nama_almarhum": "I Ketut Tua",
        "nik_almarhum": "5107010101400001",
        "tanggal_meninggal": "2026-11-20",
        "tempat_meninggal": "rumah",
        "sebab_meninggal": "sakit tua",
    },
    "SKP": {
        "alamat_tujuan": "Jl. Gatot Subroto 9, Denpasar",
        "alasan_pindah": "pekerjaan",
        "jumlah_pengikut": "2",
    },
    "SKET": {"keterangan": "Yang bersangkutan benar belum pernah menikah."},
}


@dataclass(frozen=True)
class WordedVillage:
    id: int
    slug: str
    name: str
    resident: uuid.UUID
    types: dict[str, uuid.UUID]
    head: support.Person
    operator: support.Person

    def page(self, path: str = "") -> str:
        return f"/desa/{self.slug}/smart_government/{path}"


def prepare(app, village: support.Village, hamlet: str) -> WordedVillage:  # noqa: ANN001
    """The pillar on (types seeded in the village's default words), one hamlet recorded as
    ``hamlet``, a resident of it, a head and an operator."""
    with app.app_context():
        tenant = db.session.get(Tenant, village.id)
        hamlet_id = tenant_svc.add_hamlet(tenant, hamlet).id
        rollout.enable(tenant, "smart_government", override_reason="test")
        db.session.remove()
    with app.app_context(), tenant_session(village.id) as s:
        family = create_family(s, hamlet_id=hamlet_id, address="Jl. Raya 7")
        resident = create_resident(
            s,
            name="I Wayan Sudarsana",
            birth_place="Karangasem",
            birth_date=date(1990, 5, 17),
            sex=Sex.MALE,
            hamlet_id=hamlet_id,
            family_id=family.id,
            religion="Hindu",
            occupation="Petani",
        )
        s.commit()
        resident_id = resident.id
        types = {t.code: t.id for t in s.scalars(select(LetterType))}
    head = support.make_user(app, "village_head", village, name="I Nyoman Kepala")
    operator = support.make_user(app, "operator", village, name="Kadek Operator")
    return WordedVillage(village.id, village.slug, village.name, resident_id, types, head, operator)


def issue_text(app, wv: WordedVillage, code: str, type_id: uuid.UUID | None = None) -> tuple[str, str]:  # noqa: ANN001
    """Counter request of type ``code`` (a seeded one, or ``type_id``) → signed by the head →
    issued. Returns the letter's token and the PDF's text (pypdf), as printed."""
    with app.app_context(), tenant_session(wv.id) as s:
        tenant = s.get(Tenant, wv.id)
        req = letters.submit_counter(
            s,
            tenant,
            s.get(User, wv.operator.id),
            wv.resident,
            type_id or wv.types[code],
            purpose="Persyaratan administrasi",
            data=FIELD_DATA.get(code, {}),
        )
        letters.sign(s, tenant, req, s.get(User, wv.head.id))
        letter = issuing.issue(s, tenant, req, s.get(User, wv.operator.id))
        pdf = b"".join(docs.open_version(issuing.stored_version(s, letter)))
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
        return letter.token, text


def words(text: str) -> str:
    """The text with every run of white space (line breaks of the justified paragraph) as one space."""
    return " ".join(text.split())


@pytest.fixture(autouse=True)
def _generous_verify_limit(app):  # noqa: ANN001, ANN202
    app.config["SG_VERIFY_LIMIT"] = "10000 per minute"
    limiter.reset()
    yield


@pytest.fixture
def bali(app, menanga) -> WordedVillage:  # noqa: ANN001
    """Menanga (Kabupaten Karangasem, Bali): Perbekel, Banjar Dinas; its hamlet recorded with the word."""
    return prepare(app, menanga, "Banjar Dinas Kaja")


@pytest.fixture
def java(app, make_village) -> WordedVillage:  # noqa: ANN001
    """Wanaherang (Kabupaten Bogor): Kepala Desa, Dusun; its hamlet recorded by its name alone."""
    return prepare(app, make_village(BOGOR_VILLAGE), "Sukamaju")


@pytest.fixture
def kelurahan(app, make_village) -> WordedVillage:  # noqa: ANN001
    """Serangan (Kota Denpasar): a kelurahan, headed by a Lurah, with Lingkungan."""
    return prepare(app, make_village(DENPASAR_KELURAHAN), "Kampung Bugis")
