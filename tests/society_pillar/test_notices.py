"""Who hears of a complaint: its handlers when it is filed, the complainant of the steps that
concern them, and the handlers each morning while it is past a deadline (once a day)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from smart_society.complaints import notices
from sqlalchemy import select

from desacerdas.models import Tenant
from desacerdas.models.notification import Notification
from desacerdas.tenancy import tenant_session

from .conftest import file, move


def _inbox(app, village) -> list[tuple[int, str]]:  # noqa: ANN001
    with app.app_context(), tenant_session(village.id) as s:
        rows = s.execute(
            select(Notification.recipient_user_id, Notification.kind).where(Notification.channel == "inbox")
        ).all()
    return sorted((int(u), k) for u, k in rows)


def test_handlers_of_the_hamlet_hear_of_a_new_complaint(app, sv):
    file(app, sv, "wayan")  # about Kaja
    told = {u for u, k in _inbox(app, sv) if k == notices.FILED}
    people = sv.people
    assert told == {people[k].id for k in ("head", "secretary", "operator", "kelian_kaja")}
    assert people["kelian_kelod"].id not in told


def test_the_complainant_hears_of_each_step_that_concerns_them(app, sv):
    cid = file(app, sv, "wayan")
    move(app, sv, "operator", cid, "verify")
    move(app, sv, "operator", cid, "answer", note="Sudah diganti.")
    move(app, sv, "wayan", cid, "reopen", note="Belum.")
    move(app, sv, "operator", cid, "answer", note="Sekarang sudah.")
    move(app, sv, "wayan", cid, "close")  # closing it themselves: nothing to tell them
    wayan = sv.people["wayan"].id
    kinds = [k for u, k in _inbox(app, sv) if u == wayan]
    assert sorted(kinds) == sorted(
        [notices.complainant_kind("verified"), *[notices.complainant_kind("answered")] * 2]
    )
    counter = file(app, sv, "operator")  # taken at the counter: nobody with an account to tell
    before = len(_inbox(app, sv))
    move(app, sv, "operator", counter, "reject", note="Bukan wewenang desa.")
    assert len(_inbox(app, sv)) == before


def test_overdue_reminders_once_a_day_to_the_handlers(app, sv):
    file(app, sv, "wayan", now=datetime.now(UTC) - timedelta(days=20))
    file(app, sv, "wayan")  # not late
    with app.test_request_context(), tenant_session(sv.id) as s:
        tenant = s.get(Tenant, sv.id)
        assert notices.remind(s, tenant) == 4  # head, secretary, operator, Kaja's hamlet head
        s.commit()
        assert notices.remind(s, tenant) == 4
        s.commit()
    late = [u for u, k in _inbox(app, sv) if k == notices.OVERDUE]
    assert len(late) == 4  # the second run the same day sent nothing new


def test_the_morning_run_reminds_every_village_that_enabled_the_pillar(app, sv, lv_b):
    """Bebandem has smart government only: it is not asked."""
    file(app, sv, "wayan", now=datetime.now(UTC) - timedelta(days=20))
    with app.test_request_context():
        assert notices.remind_all() == {"villages": 1, "told": 4}
        assert notices.remind_all()["told"] == 4  # the same day again: nothing new is written
    assert len([u for u, k in _inbox(app, sv) if k == notices.OVERDUE]) == 4
