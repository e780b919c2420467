"""The visit log on the village's pages: a facilitator records visits and ticks off follow-ups; the
village head and the regency read it; nobody reads or writes another village's log."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from desacerdas.extensions import db
from desacerdas.models import AuditEvent, FacilitatorVisit
from desacerdas.testing.support import village_session


def csrf(html: str) -> str:
    """The page's CSRF token (tests run with CSRF off unless a test turns it on)."""
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    return found.group(1) if found else ""


def record(client, slug: str, **data):  # noqa: ANN001, ANN003, ANN201
    page = client.get(f"/desa/{slug}/visits")
    form = {
        "csrf_token": csrf(page.text),
        "visited_on": date.today().isoformat(),
        "kind": "visit",
        "note": "Membahas kop surat dan operator baru.",
        "follow_ups": "Isi alamat kantor\nBuat akun operator",
        **data,
    }
    return client.post(f"/desa/{slug}/visits", data=form)


def visits_of(app, village) -> list[FacilitatorVisit]:  # noqa: ANN001
    with village_session(app, village) as s:
        rows = list(s.scalars(select(FacilitatorVisit)))
        s.expunge_all()
        return rows


def test_a_facilitator_records_a_visit_with_follow_ups(app, client, login, sg_village, facilitator_of):
    village = sg_village()
    person = facilitator_of(village, name="Made Pendamping")
    login(person)
    resp = record(client, village.slug)
    assert resp.status_code == 302
    [visit] = visits_of(app, village)
    assert visit.facilitator_id == person.id and visit.facilitator_name == "Made Pendamping"
    assert visit.follow_ups == [
        {"text": "Isi alamat kantor", "done": False},
        {"text": "Buat akun operator", "done": False},
    ]
    page = client.get(f"/desa/{village.slug}/visits?lang=id").text
    assert "Membahas kop surat" in page and "Kunjungan ke desa" in page and "Tandai selesai" in page
    with app.app_context():
        assert db.session.scalar(
            select(AuditEvent.id).where(
                AuditEvent.action == "facilitation.visit_recorded", AuditEvent.tenant_id == village.id
            )
        )
    # tick the first follow-up done: the surface counts one open follow-up
    action = f"/desa/{village.slug}/visits/{visit.id}/follow-ups/0"
    assert client.post(action, data={"csrf_token": csrf(page), "done": "1"}).status_code == 302
    [visit] = visits_of(app, village)
    assert [i["done"] for i in visit.follow_ups] == [True, False]
    surface = client.get("/facilitation?lang=en").text
    assert "1 open follow-up" in surface
    # open it again; each change is in the audit log
    assert client.post(action, data={"csrf_token": csrf(page), "done": "0"}).status_code == 302
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.tenant_id == village.id, AuditEvent.action.startswith("facilitation."))
            .order_by(AuditEvent.id)
        ).all()
    assert actions == [
        "facilitation.visit_recorded",
        "facilitation.follow_up_done",
        "facilitation.follow_up_reopened",
    ]


def test_bad_input_is_refused_beside_the_field(app, client, login, sg_village, facilitator_of):
    village = sg_village()
    login(facilitator_of(village))
    future = (date.today() + timedelta(days=5)).isoformat()
    resp = record(client, village.slug, visited_on=future)
    assert resp.status_code == 422 and "cannot be in the future" in resp.text
    assert record(client, village.slug, note="  ").status_code == 422
    assert record(client, village.slug, visited_on="kemarin").status_code == 422
    assert record(client, village.slug, kind="letter").status_code == 422
    many = "\n".join(f"Tugas {i}" for i in range(11))
    resp = record(client, village.slug, follow_ups=many)
    assert resp.status_code == 422 and "At most 10 follow-ups" in resp.text
    assert visits_of(app, village) == []


def test_no_csrf_token_no_visit(app, client, login, sg_village, facilitator_of, monkeypatch):
    village = sg_village()
    login(facilitator_of(village))
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    data = {"visited_on": date.today().isoformat(), "kind": "visit", "note": "x"}
    assert client.post(f"/desa/{village.slug}/visits", data=data).status_code == 400
    assert visits_of(app, village) == []
    assert record(client, village.slug).status_code == 302  # with the page's token it works
    [visit] = visits_of(app, village)
    action = f"/desa/{village.slug}/visits/{visit.id}/follow-ups/0"
    assert client.post(action, data={"done": "1"}).status_code == 400
    page = client.get(f"/desa/{village.slug}/visits").text
    assert page.count('name="csrf_token"') >= 3  # the visit form and each follow-up button
    assert client.post(action, data={"done": "1", "csrf_token": csrf(page)}).status_code == 302


def test_the_head_and_the_regency_read_but_do_not_record(
    app, client, login, sg_village, facilitator_of, make_user
):
    village = sg_village()
    login(facilitator_of(village))
    record(client, village.slug)
    for role in ("village_head", "regency_admin"):
        login(make_user(role, village))
        page = client.get(f"/desa/{village.slug}/visits")
        assert page.status_code == 200 and "Membahas kop surat" in page.text
        assert 'name="note"' not in page.text and "Mark done" not in page.text
        assert record(client, village.slug).status_code == 403
        tick = f"/desa/{village.slug}/visits/{visits_of(app, village)[0].id}/follow-ups/0"
        assert client.post(tick, data={"done": "1"}).status_code == 403
    assert len(visits_of(app, village)) == 1
    assert [i["done"] for i in visits_of(app, village)[0].follow_ups] == [False, False]


def test_staff_other_than_the_head_and_residents_are_refused(client, login, sg_village, make_user):
    village = sg_village()
    for role in ("operator", "hamlet_head", "resident"):
        login(make_user(role, village))
        assert client.get(f"/desa/{village.slug}/visits").status_code == 403


def test_another_village_is_not_found(app, client, login, sg_village, facilitator_of, make_user):
    a, b = sg_village(), sg_village()
    login(facilitator_of(a))
    record(client, a.slug)
    [visit] = visits_of(app, a)
    # the facilitator of A cannot log for B, nor see it
    assert client.get(f"/desa/{b.slug}/visits").status_code == 404
    assert record(client, b.slug).status_code == 404
    assert visits_of(app, b) == []
    # B's head does not see A's log, and A's visit id does not exist under B
    login(make_user("village_head", b))
    assert client.get(f"/desa/{a.slug}/visits").status_code == 404
    page = client.get(f"/desa/{b.slug}/visits")
    assert page.status_code == 200 and "Membahas kop surat" not in page.text
    # a facilitator of B ticking A's follow-up through B's address: not found
    login(facilitator_of(b))
    token = csrf(client.get(f"/desa/{b.slug}/visits").text)
    resp = client.post(
        f"/desa/{b.slug}/visits/{visit.id}/follow-ups/0", data={"csrf_token": token, "done": "1"}
    )
    assert resp.status_code == 404
    assert [i["done"] for i in visits_of(app, a)[0].follow_ups] == [False, False]


def test_the_visit_log_is_in_the_village_menu_for_its_head(client, login, sg_village, make_user):
    village = sg_village()
    login(make_user("village_head", village))
    assert f'href="/desa/{village.slug}/visits"' in client.get(f"/desa/{village.slug}/dashboard").text


def test_the_table_is_held_per_village_by_the_orm_and_by_row_level_security(
    app, client, login, sg_village, facilitator_of
):
    """A session bound to B sees none of A's visits through the ORM; on PostgreSQL not even with
    plain SQL, which the ORM criteria do not touch (Row-Level Security, migration 0013)."""
    from sqlalchemy import text

    a, b = sg_village(), sg_village()
    login(facilitator_of(a))
    record(client, a.slug)
    assert len(visits_of(app, a)) == 1 and visits_of(app, b) == []
    with village_session(app, b) as s:
        if s.get_bind().dialect.name == "postgresql":
            assert s.execute(text("SELECT count(*) FROM facilitator_visits")).scalar() == 0
            with village_session(app, a) as mine:
                assert mine.execute(text("SELECT count(*) FROM facilitator_visits")).scalar() == 1
