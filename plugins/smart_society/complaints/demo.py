"""Demo complaints: one in every state of the workflow, made through the real services (numbers,
deadlines, timelines, threads), one of them past its deadlines and one rated; and one emergency
alert (answered and closed) with a warning to the whole village.

Residents file online where the population registry has an adult to give an account to (the
government pillar's demo fills it); the rest are taken at the counter by the village head (the
government demo's head, or its clearly named demo account).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desacerdas.models import Hamlet, Tenant, User

from . import service
from .models import Category, Channel, Complaint
from .workflow import FLOW

# (state to leave it in, category, title, text, filed how many days ago)
SAMPLES = (
    (
        "received",
        Category.INFRASTRUCTURE,
        "Lampu jalan di simpang banjar mati",
        "Sudah dua minggu lampu jalan di simpang dekat balai banjar mati, jalan gelap pada malam hari.",
        12,
    ),
    (
        "received",
        Category.ENVIRONMENT,
        "Sampah menumpuk di tepi sungai",
        "Ada tumpukan sampah plastik di tepi sungai di belakang pasar, baunya menyengat.",
        0,
    ),
    (
        "verified",
        Category.SERVICE,
        "Antrean surat keterangan terlalu lama",
        "Saya menunggu lebih dari dua jam di kantor desa untuk surat keterangan domisili.",
        2,
    ),
    (
        "assigned",
        Category.INFRASTRUCTURE,
        "Saluran air tersumbat",
        "Saluran irigasi ke subak tersumbat lumpur setelah hujan deras minggu lalu.",
        3,
    ),
    (
        "in_progress",
        Category.SECURITY,
        "Anjing liar mengganggu anak sekolah",
        "Beberapa anjing liar sering mengejar anak-anak yang berangkat sekolah pagi hari.",
        4,
    ),
    (
        "answered",
        Category.SOCIAL_AID,
        "Nama ibu saya tidak ada di daftar bantuan",
        "Ibu saya lansia tinggal sendiri tetapi tidak tercantum dalam daftar penerima BLT tahun ini.",
        6,
    ),
    (
        "closed",
        Category.HEALTH,
        "Jadwal posyandu tidak diumumkan",
        "Jadwal posyandu bulan ini tidak diumumkan sehingga banyak ibu yang tidak datang.",
        9,
    ),
    ("rejected", Category.OTHER, "Tes", "Ini hanya percobaan mengirim pengaduan dari aplikasi.", 1),
)

ANSWERS = {
    "answered": (
        "Terima kasih. Data ibu Anda sudah kami usulkan pada Musdes bulan depan; "
        "mohon bawa KK ke kantor desa."
    ),
    "closed": (
        "Jadwal posyandu kini diumumkan di papan balai banjar dan lewat WhatsApp kelian setiap awal bulan."
    ),
}


def _resident_user(tenant: Tenant, session: Session, head: User) -> User | None:
    """A resident with an account (one is opened for the first adult when none has one)."""
    try:
        from smart_government.accounts import service as accounts
        from smart_government.accounts.models import ResidentAccount
        from smart_government.registry.models import Resident, ResidentStatus
    except ImportError:  # pragma: no cover - the pillar requires smart_government
        return None
    account = session.scalar(select(ResidentAccount).order_by(ResidentAccount.created_at).limit(1))
    if account is None:
        resident = session.scalar(
            select(Resident)
            .where(Resident.status == ResidentStatus.LIVING, Resident.nik_temporary.is_(False))
            .order_by(Resident.birth_date)
            .limit(1)
        )
        if resident is None:
            return None
        account, _pin = accounts.create_account(tenant, session, resident, head)
        session.flush()
    return session.get(User, account.user_id)


def load(tenant: Tenant, session: Session) -> int:
    """Create the demo complaints unless the village has some already; return how many."""
    if session.scalar(select(func.count(Complaint.id))):
        return 0
    from smart_government.letters.demo import _village_head  # the same demo head as the letters'

    head = _village_head(tenant, session)
    resident = _resident_user(tenant, session, head)
    hamlet = session.scalar(select(Hamlet.id).order_by(Hamlet.name).limit(1))
    now = datetime.now(UTC)
    made = 0
    for i, (state, category, title, body, days_ago) in enumerate(SAMPLES):
        filer = resident if resident is not None and i % 2 == 0 else head
        item = service.file_complaint(
            session,
            tenant,
            filer,
            category=category.value,
            title=title,
            body=body,
            hamlet_id=hamlet,
            channel=Channel.ONLINE if filer is resident else Channel.COUNTER,
            reporter_name=None if filer is resident else "Ni Wayan Sari",
            reporter_phone=None if filer is resident else "081234567890",
            now=now - timedelta(days=days_ago),
        )
        _advance(session, tenant, item, head, filer, state)
        made += 1
    session.flush()
    if resident is not None:
        _alert(session, tenant, resident, head)
    _events(session, tenant, head, hamlet)
    return made


def _events(session: Session, tenant: Tenant, head: User, hamlet) -> None:  # noqa: ANN001
    """A past gotong royong with its attendance, a coming banjar meeting and a coming ceremony."""
    from datetime import time

    from ..events import service as events

    today = service.today_in(tenant)
    done = events.create(
        session,
        tenant,
        head,
        title="Gotong royong membersihkan saluran subak",
        kind="gotong_royong",
        starts_at=events.at_local(tenant, today - timedelta(days=5), time(7, 0)),
        place="Saluran subak utara",
        hamlet_id=hamlet,
    )
    events.record_attendance(session, tenant, head, done, 42)
    events.create(
        session,
        tenant,
        head,
        title="Rapat banjar: persiapan piodalan",
        kind="meeting",
        audience="residents",
        starts_at=events.at_local(tenant, today + timedelta(days=3), time(19, 0)),
        place="Balai banjar",
        hamlet_id=hamlet,
    )
    events.create(
        session,
        tenant,
        head,
        title="Upacara peringatan hari jadi desa",
        kind="ceremony",
        starts_at=events.at_local(tenant, today + timedelta(days=10), time(8, 0)),
        place="Lapangan desa",
    )


def _alert(session: Session, tenant: Tenant, resident: User, head: User) -> None:
    """One emergency alert, answered and closed, and one warning to the whole village."""
    from ..alerts import service as alerts
    from ..alerts.workflow import FLOW as ALERT_FLOW

    alert = alerts.raise_alert(
        session, tenant, resident, note="Pohon tumbang menutup jalan, ada pengendara terjepit."
    )
    ALERT_FLOW.move(session, tenant, head, alert, "acknowledge")
    ALERT_FLOW.move(
        session,
        tenant,
        head,
        alert,
        "close",
        note="Pecalang dan warga memindahkan pohon; korban dibawa ke puskesmas.",
    )
    alerts.send_warning(
        session,
        tenant,
        head,
        hazard="volcano",
        message="Status Gunung Agung naik menjadi Siaga. Siapkan tas siaga dan ikuti arahan kelian.",
    )


def _advance(session: Session, tenant: Tenant, item: Complaint, head: User, filer: User, state: str) -> None:
    today = service.today_in(tenant)
    if state == "received":
        return
    if state == "rejected":
        FLOW.move(
            session,
            tenant,
            head,
            item,
            "reject",
            note="Pengaduan percobaan, tidak ada isi yang ditindaklanjuti.",
            today=today,
        )
        return
    FLOW.move(session, tenant, head, item, "verify", today=today)
    if state == "verified":
        return
    FLOW.move(session, tenant, head, item, "assign", assignee_id=head.id, today=today)
    if state == "assigned":
        return
    FLOW.move(session, tenant, head, item, "start", today=today)
    if state == "in_progress":
        service.post(
            session, tenant, head, item, "Sudah dikoordinasikan dengan pecalang dan dinas peternakan."
        )
        return
    FLOW.move(session, tenant, head, item, "answer", note=ANSWERS[state], today=today)
    if state == "closed":
        closer = filer if item.author_id == filer.id else head
        FLOW.move(session, tenant, closer, item, "close", today=today)
        if item.author_id == filer.id:
            service.rate(session, tenant, filer, item, 4)
