"""A deterministic synthetic population for demo villages, with Balinese naming conventions.

Balinese names carry the birth order: the first child is Wayan, Putu or Gede, the second Made or
Kadek, the third Nyoman or Komang, the fourth Ketut (a fifth starts again). ``I`` precedes a man's
name and ``Ni`` a woman's. NIKs are valid: the village's kecamatan code, the birth date (women add
40 to the day) and a serial; KK numbers use the same kecamatan code and the card's issue date.

:func:`synthesise` is pure (same village code, size and date → same people); :func:`load` writes it.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desacerdas.models import Hamlet, Tenant
from desacerdas.services import audit
from desacerdas.services import tenants as tenant_svc

from .models import CivilEvent, EventKind, Family, Resident, ResidentStatus, Sex
from .service import normalise_name
from .statistics import years_before
from .validation import check_kk, check_nik

DEFAULT_SIZE = 300
DEFAULT_HAMLETS = ("Banjar Dinas Kaja", "Banjar Dinas Tengah", "Banjar Dinas Kelod")

BIRTH_ORDER = (("Wayan", "Putu", "Gede"), ("Made", "Kadek"), ("Nyoman", "Komang"), ("Ketut",))
MALE_NAMES = (
    "Agus", "Adi Putra", "Arta", "Astawa", "Budiasa", "Darma", "Eka Saputra", "Kariasa", "Mertayasa",
    "Parwata", "Putra Wijaya", "Sudarma", "Suardana", "Suarta", "Sujana", "Sukadana", "Widiana",
    "Wirawan", "Yasa", "Bagus Artawan",
)  # fmt: skip
FEMALE_NAMES = (
    "Ayu Lestari", "Ariani", "Astiti", "Dewi", "Kartini", "Mariani", "Purnami", "Putri", "Rai Sukmawati",
    "Sri Wahyuni", "Sriani", "Suartini", "Sudiartini", "Widiastuti", "Wulandari", "Yuliani", "Ayu Sintya",
)  # fmt: skip
OCCUPATIONS = (
    "Petani/pekebun", "Wiraswasta", "Pedagang", "Karyawan swasta", "Buruh harian lepas", "Nelayan",
    "Peternak", "Guru", "Pegawai negeri sipil", "Sopir", "Tukang bangunan",
)  # fmt: skip
BIRTH_PLACES = ("Karangasem", "Amlapura", "Denpasar", "Klungkung", "Gianyar")


@dataclass
class Person:
    name: str
    nik: str
    sex: Sex
    birth_date: date
    birth_place: str
    relationship: str
    religion: str
    marital_status: str
    education: str
    occupation: str
    blood_type: str | None
    father_name: str | None = None
    father_nik: str | None = None
    mother_name: str | None = None
    mother_nik: str | None = None
    status: ResidentStatus = ResidentStatus.LIVING
    event: tuple[EventKind, date] | None = None  # a recent civil event, for the monthly report


@dataclass
class Household:
    kk_number: str
    hamlet: int  # index into the village's hamlets
    address: str
    members: list[Person] = field(default_factory=list)


class _Numbers:
    """NIK and KK serials, unique per 12-digit prefix in the village (never 0000)."""

    def __init__(self, district: str, rng: random.Random) -> None:
        self.district, self.rng, self.next = district, rng, {}

    def _serial(self, prefix: str) -> str:
        serial = self.next.get(prefix) or self.rng.randint(1, 2000)
        self.next[prefix] = serial + 1
        return f"{prefix}{serial:04d}"

    def nik(self, born: date, sex: Sex) -> str:
        day = born.day + (40 if sex == Sex.FEMALE else 0)
        return self._serial(f"{self.district}{day:02d}{born:%m%y}")

    def kk(self, issued: date) -> str:
        return self._serial(f"{self.district}{issued:%d%m%y}")


def _education(rng: random.Random, age: int) -> str:
    if age < 6:
        return "Tidak/belum sekolah"
    if age < 12:
        return "Belum tamat SD"
    if age < 15:
        return "Tamat SD"
    if age < 18:
        return "SLTP"
    return rng.choices(
        ("Tamat SD", "SLTP", "SLTA", "Diploma III", "Diploma IV/S1"), weights=(20, 20, 40, 8, 12)
    )[0]


def _occupation(rng: random.Random, age: int, sex: Sex) -> str:
    if age < 5:
        return "Belum/tidak bekerja"
    if age < 19:
        return "Pelajar/mahasiswa"
    if age >= 65:
        return rng.choice(("Petani/pekebun", "Belum/tidak bekerja", "Pensiunan"))
    if sex == Sex.FEMALE and rng.random() < 0.3:
        return "Mengurus rumah tangga"
    return rng.choice(OCCUPATIONS)


def _birth_date(rng: random.Random, on: date, low: int, high: int) -> date:
    """A birth date for someone aged ``low`` to ``high`` on ``on``."""
    earliest, latest = years_before(on, high + 1) + timedelta(days=1), years_before(on, low)
    return earliest + timedelta(days=rng.randrange((latest - earliest).days + 1))


def _after(rng: random.Random, on: date, born: date) -> date:
    """A day in the year before ``on``, not before ``born``."""
    return max(_birth_date(rng, on, 0, 0), born)


def synthesise(
    district_code: str, hamlets: int = 3, size: int = DEFAULT_SIZE, *, on: date, seed: str = ""
) -> list[Household]:
    """Households of about ``size`` people in total. Pure: the same arguments give the same people."""
    rng = random.Random(f"desa-cerdas-demo:{district_code}:{seed}:{size}")
    numbers = _Numbers(district_code.replace(".", ""), rng)
    households: list[Household] = []
    count = 0

    def person(sex: Sex, order: int, born: date, relationship: str) -> Person:
        age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
        birth_name = rng.choice(BIRTH_ORDER[order % len(BIRTH_ORDER)])
        if sex == Sex.FEMALE and birth_name == "Gede":  # Gede is a boy's name
            birth_name = "Putu"
        given = rng.choice(MALE_NAMES if sex == Sex.MALE else FEMALE_NAMES)
        return Person(
            name=f"{'I' if sex == Sex.MALE else 'Ni'} {birth_name} {given}",
            nik=numbers.nik(born, sex),
            sex=sex,
            birth_date=born,
            birth_place=rng.choice(BIRTH_PLACES),
            relationship=relationship,
            religion=rng.choices(("Hindu", "Islam", "Kristen"), weights=(95, 4, 1))[0],
            marital_status="Belum kawin" if age < 20 else "Kawin",
            education=_education(rng, age),
            occupation=_occupation(rng, age, sex),
            blood_type=rng.choice(("A", "B", "AB", "O", None)),
        )

    def adult(sex: Sex, low: int, high: int, relationship: str) -> Person:
        return person(sex, rng.randrange(4), _birth_date(rng, on, low, high), relationship)

    while count < size:
        hamlet = rng.randrange(hamlets)
        head = adult(Sex.MALE, 22, 75, "Kepala keluarga")
        head_age = on.year - head.birth_date.year
        members = [head]
        wife = None
        if rng.random() < 0.9:
            wife = adult(Sex.FEMALE, max(18, head_age - 12), max(19, head_age - 1), "Istri")
            members.append(wife)
        else:
            head.marital_status = "Cerai mati"
        youngest_parent_age = on.year - max(m.birth_date for m in members).year
        high = max(0, min(youngest_parent_age - 19, 40))
        births = sorted(
            _birth_date(rng, on, max(0, high - 14), high) for _i in range(rng.choice((0, 1, 2, 2, 3, 3, 4)))
        )
        for order, born in enumerate(births):  # oldest first: Wayan, Made, Nyoman, Ketut
            child = person(rng.choice((Sex.MALE, Sex.FEMALE)), order, born, "Anak")
            child.father_name, child.father_nik = head.name, head.nik
            if wife is not None:
                child.mother_name, child.mother_nik = wife.name, wife.nik
            members.append(child)
        if head_age < 50 and rng.random() < 0.15:
            members.append(adult(Sex.FEMALE, head_age + 22, head_age + 35, "Orang tua"))
        issued = _birth_date(rng, on, 0, 15)
        households.append(
            Household(numbers.kk(issued), hamlet, f"Jalan Banjar No. {len(households) + 1}", members)
        )
        count += len(members)

    # Recent movements so that the monthly report and the indicators show something.
    recent = on - timedelta(days=330)
    everyone = [p for h in households for p in h.members]
    for p in everyone:
        if p.birth_date > recent:
            p.event = (EventKind.BIRTH, p.birth_date)
    for p in rng.sample(everyone, max(1, size // 100)):
        if p.event is None and p.relationship != "Anak":
            p.status, p.event = ResidentStatus.DIED, (EventKind.DEATH, _after(rng, on, p.birth_date))
    for p in rng.sample(everyone, max(1, size // 150)):
        if p.event is None:
            p.status, p.event = ResidentStatus.MOVED_OUT, (EventKind.MOVE_OUT, _after(rng, on, p.birth_date))
    for h in rng.sample(households, max(1, len(households) // 40)):
        moved_in = _birth_date(rng, on, 0, 0)
        for p in h.members:
            if p.event is None and p.birth_date < moved_in:
                p.event = (EventKind.MOVE_IN, moved_in)
    return households


def _hamlet_ids(tenant: Tenant, session: Session) -> list[uuid.UUID]:
    """The village's hamlets; three are created when it has none (through the core service, which
    commits on its own session: call this before writing anything in ``session``)."""
    ids = list(session.scalars(select(Hamlet.id).order_by(Hamlet.name)))
    if not ids:
        for name in DEFAULT_HAMLETS:
            tenant_svc.add_hamlet(tenant, name)
        ids = list(session.scalars(select(Hamlet.id).order_by(Hamlet.name)))
    return ids


def load(tenant: Tenant, session: Session, size: int = DEFAULT_SIZE, *, on: date | None = None) -> int:
    """Write the synthetic population into an empty registry; return how many residents were added.

    A village that already has residents is left alone, so running the demo twice changes nothing.
    Rows are added directly (one audit event for the lot) rather than one service call each, but
    every NIK and KK still passes the registry's checks.
    """
    if session.scalar(select(func.count()).select_from(Resident)):
        return 0
    on = on or date.today()
    hamlet_ids = _hamlet_ids(tenant, session)
    households = synthesise(tenant.district_code, len(hamlet_ids), size, on=on)
    families = []
    for h in households:
        family = Family(kk_number=check_kk(h.kk_number), hamlet_id=hamlet_ids[h.hamlet], address=h.address)
        families.append(family)
    session.add_all(families)
    session.flush()  # families first: residents point at them
    residents: list[tuple[Resident, Person]] = []
    for h, family in zip(households, families, strict=True):
        for p in h.members:
            resident = Resident(
                nik=check_nik(p.nik, p.birth_date, p.sex),
                family_id=family.id,
                name=p.name,
                name_search=normalise_name(p.name),
                birth_place=p.birth_place,
                birth_date=p.birth_date,
                sex=p.sex,
                religion=p.religion,
                marital_status=p.marital_status,
                relationship_to_head=p.relationship,
                education=p.education,
                occupation=p.occupation,
                blood_type=p.blood_type,
                hamlet_id=family.hamlet_id,
                address=h.address,
                father_name=p.father_name,
                father_nik=p.father_nik,
                mother_name=p.mother_name,
                mother_nik=p.mother_nik,
                status=p.status,
            )
            residents.append((resident, p))
    session.add_all(r for r, _p in residents)
    session.flush()
    session.add_all(
        CivilEvent(
            resident_id=r.id,
            kind=p.event[0],
            event_date=p.event[1],
            report_date=min(p.event[1] + timedelta(days=7), on),
            note="demo",
        )
        for r, p in residents
        if p.event is not None
    )
    audit.record(
        "smart_government.demo_data",
        tenant_id=tenant.id,
        session=session,
        actor_label="demo",
        residents=len(residents),
        families=len(families),
    )
    session.flush()
    return len(residents)
