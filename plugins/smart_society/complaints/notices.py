"""Who hears of a complaint: the staff who handle it (a hamlet head: their hamlet's) when it is
filed and each morning while it is past a deadline, and the complainant of each step that concerns
them (verified, answered, rejected, closed).

Messages are written with :func:`desacerdas.notifications.notify` in the caller's session, before
the move's commit: a move rolled back sends nothing, and the idempotency key (the complaint and the
step, or the day) means nothing is told twice.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from celery.schedules import crontab
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desacerdas.jobs.each_village import each_enabled_village
from desacerdas.jobs.schedule import periodic
from desacerdas.kit import links
from desacerdas.models import Tenant, User
from desacerdas.notifications import NotificationKind, notify

from .models import Complaint, ComplaintStep

PLUGIN = "smart_society"
FILED = "smart_society.complaint_filed"
OVERDUE = "smart_society.complaints_overdue"
TOLD_WORDS = ("verified", "answered", "rejected", "closed")


def complainant_kind(word: str) -> str:
    return f"smart_society.complaint_{word}"


def _wording(id_subject: str, id_body: str, en_subject: str, en_body: str) -> dict[str, dict[str, str]]:
    return {"id": {"subject": id_subject, "body": id_body}, "en": {"subject": en_subject, "body": en_body}}


SAMPLE = {
    "name": "I Wayan Sudarsana",
    "title": "Lampu jalan mati",
    "number": "ADU/0007/XII/2026",
    "village_name": "Menanga",
    "link": "https://desa.example/desa/menanga/smart_society/complaints/1",
    "text": "Lampu sudah diganti oleh petugas.",
}

_COMPLAINANT = {
    "verified": (
        _l("Complaint verified"),
        _wording(
            "Pengaduan {{ number }} sudah diverifikasi",
            'Halo {{ name }}, pengaduan Anda "{{ title }}" di {{ village.name }} sudah diverifikasi '
            "dan sedang ditindaklanjuti. Ikuti di: {{ link }}",
            "Complaint {{ number }} is verified",
            'Hello {{ name }}, your complaint "{{ title }}" in {{ village.name }} is verified and '
            "being followed up. Follow it at: {{ link }}",
        ),
    ),
    "answered": (
        _l("Complaint answered"),
        _wording(
            "Pengaduan {{ number }} sudah dijawab",
            'Halo {{ name }}, desa menjawab pengaduan Anda "{{ title }}": {{ text }} '
            "Balas atau tutup di: {{ link }}",
            "Complaint {{ number }} is answered",
            'Hello {{ name }}, the village answered your complaint "{{ title }}": {{ text }} '
            "Reply or close it at: {{ link }}",
        ),
    ),
    "rejected": (
        _l("Complaint rejected"),
        _wording(
            "Pengaduan {{ number }} ditolak",
            'Halo {{ name }}, pengaduan Anda "{{ title }}" di {{ village.name }} ditolak. '
            "Alasannya: {{ text }}",
            "Complaint {{ number }} is rejected",
            'Hello {{ name }}, your complaint "{{ title }}" in {{ village.name }} is rejected. '
            "The reason: {{ text }}",
        ),
    ),
    "closed": (
        _l("Complaint closed"),
        _wording(
            "Pengaduan {{ number }} ditutup",
            'Halo {{ name }}, pengaduan Anda "{{ title }}" di {{ village.name }} sudah ditutup. '
            "Terima kasih. Beri nilai jawaban di: {{ link }}",
            "Complaint {{ number }} is closed",
            'Hello {{ name }}, your complaint "{{ title }}" in {{ village.name }} is closed. '
            "Thank you. Rate the answer at: {{ link }}",
        ),
    ),
}


def kinds() -> list[NotificationKind]:
    """The pillar's messages (``desa_notification_kinds``)."""
    out = [
        NotificationKind(
            key=complainant_kind(word),
            title=title,
            audience="resident",
            channels=("whatsapp", "sms", "email"),
            templates=templates,
            whatsapp_template=f"desa_complaint_{word}",
            whatsapp_params=("name", "number"),
            sample=SAMPLE,
        )
        for word, (title, templates) in _COMPLAINANT.items()
    ]
    out += [
        NotificationKind(
            key=FILED,
            title=_l("New complaint"),
            audience="staff",
            channels=("email", "whatsapp"),
            templates=_wording(
                "Pengaduan baru {{ number }}: {{ title }}",
                'Pengaduan baru di {{ village.name }}: "{{ title }}". '
                "Verifikasi dalam 3 hari kerja: {{ link }}",
                "New complaint {{ number }}: {{ title }}",
                'A new complaint in {{ village.name }}: "{{ title }}". '
                "Verify it within 3 working days: {{ link }}",
            ),
            whatsapp_template="desa_complaint_filed",
            whatsapp_params=("number", "title"),
            sample=SAMPLE,
        ),
        NotificationKind(
            key=OVERDUE,
            title=_l("Complaints past their deadline"),
            audience="staff",
            channels=("email", "whatsapp"),
            templates=_wording(
                "{{ count }} pengaduan melewati tenggat",
                "{{ count }} pengaduan di {{ village.name }} melewati "
                "tenggat layanan. Buka antrean: {{ link }}",
                "{{ count }} complaints are past their deadline",
                "{{ count }} complaints in {{ village.name }} are past their service deadline. "
                "Open the queue: {{ link }}",
            ),
            whatsapp_template="desa_complaints_overdue",
            whatsapp_params=("count",),
            sample={"count": 2, "village_name": "Menanga", "link": SAMPLE["link"]},
        ),
    ]
    return out


def _page(tenant: Tenant, complaint: Complaint) -> str:
    return links.absolute(
        tenant, "smart_society.complaints.complaint", "smart_society/", complaint_id=complaint.id
    )


def tell_complainant(
    session: Session, tenant: Tenant, complaint: Complaint, word: str, text: str = ""
) -> None:
    """The complainant with an account hears of a step (a counter complaint has nobody to tell)."""
    if word not in TOLD_WORDS or complaint.author_id is None:
        return
    user = session.get(User, complaint.author_id)
    if user is None or not user.active:
        return
    data: dict[str, Any] = {
        "name": user.name,
        "title": complaint.title,
        "number": complaint.number,
        "village_name": tenant.name,
        "link": _page(tenant, complaint),
        "text": text,
    }
    # The same step can come twice (answered, sent back, answered again): each time is its own message.
    earlier = session.scalar(
        select(func.count(ComplaintStep.id)).where(
            ComplaintStep.record_id == complaint.id, ComplaintStep.action == word
        )
    )
    key = f"complaint:{complaint.id}:{word}:{earlier or 0}"
    notify(session, tenant, user, complainant_kind(word), data, key=key)


def tell_handlers(session: Session, tenant: Tenant, complaint: Complaint, actor: User | None) -> None:
    """A new complaint: everyone who may handle it hears of it (not the person who took it)."""
    from .service import handlers

    data = {
        "title": complaint.title,
        "number": complaint.number,
        "village_name": tenant.name,
        "link": _page(tenant, complaint),
    }
    for user in handlers(session, tenant, complaint):
        if actor is not None and user.id == actor.id:
            continue
        notify(session, tenant, user, FILED, data, key=f"complaint:{complaint.id}:filed:{user.id}")


def remind(session: Session, tenant: Tenant, now: datetime | None = None) -> int:
    """Today's reminders of one village (the caller commits): each handler hears how many of the
    complaints they handle are past a deadline; how many people are told."""
    from .service import handlers, overdue_condition, today_in

    today = today_in(tenant, now)
    late = list(session.scalars(select(Complaint).where(overdue_condition(today))))
    if not late:
        return 0
    per_person: dict[int, int] = defaultdict(int)
    people: dict[int, User] = {}
    for complaint in late:
        for user in handlers(session, tenant, complaint):
            per_person[user.id] += 1
            people[user.id] = user
        complaint.reminded_on = today
    queue = links.absolute(tenant, "smart_society.complaints.complaints", "smart_society/", overdue="1")
    for user_id, count in sorted(per_person.items()):
        data = {"count": count, "village_name": tenant.name, "link": queue}
        notify(session, tenant, people[user_id], OVERDUE, data, key=f"complaints_overdue:{today}:{user_id}")
    return len(per_person)


def remind_all(now: datetime | None = None) -> dict[str, int]:
    """Every active village with the pillar enabled, each in its own transaction."""
    return each_enabled_village(
        PLUGIN, lambda session, tenant: remind(session, tenant, now), "complaint reminders"
    )


@periodic("smart_society.complaints.remind_overdue", crontab(hour=0, minute=45))  # 08:45 in Bali
def remind_overdue_task() -> dict[str, int]:
    return remind_all()
