"""Community events: who sees which, the banjar's hamlet head keeps only their calendar,
attendance after the start, cancelling with a reason; other villages never see them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from smart_society.events import service
from smart_society.events.models import Event
from sqlalchemy import select

from desacerdas.models import Tenant, User
from desacerdas.services import ServiceError
from desacerdas.tenancy import tenant_session
from desacerdas.testing import support


def _create(app, village, who, **kw):  # noqa: ANN001, ANN202
    values = {
        "title": "Rapat banjar",
        "kind": "meeting",
        "starts_at": datetime.now(UTC) + timedelta(days=2),
        **kw,
    }
    with app.app_context(), tenant_session(village.id) as s:
        made = service.create(s, s.get(Tenant, village.id), s.get(User, village.people[who].id), **values)
        s.commit()
        return made.id


def test_visitors_see_public_events_and_members_all(app, sv, sv_b, as_user):
    public = _create(app, sv, "operator", title="Upacara desa")
    private = _create(app, sv, "operator", title="Rapat banjar tertutup", audience="residents")
    anonymous = app.test_client()
    page = anonymous.get(sv.page("events")).get_data(as_text=True)
    assert "Upacara desa" in page and "tertutup" not in page
    assert anonymous.get(sv.page(f"events/{private}")).status_code == 404
    assert anonymous.get(sv.page(f"events/{public}")).status_code == 200
    resident = as_user(sv.people["made"])
    assert "tertutup" in resident.get(sv.page("events")).get_data(as_text=True)
    outsider = as_user(sv_b.people["head"])  # a member of another village is a visitor here
    assert outsider.get(sv.page(f"events/{private}")).status_code == 404
    assert "Upacara desa" not in outsider.get(sv_b.page("events")).get_data(as_text=True)
    with app.app_context(), tenant_session(sv_b.id) as s:
        assert s.scalars(select(Event)).all() == []


def test_a_hamlet_head_keeps_their_own_calendar(app, sv):
    _create(app, sv, "kelian_kaja", hamlet_id=sv.kaja)
    with pytest.raises(ServiceError) as err:
        _create(app, sv, "kelian_kaja", hamlet_id=sv.kelod)
    assert err.value.status == 403
    with pytest.raises(ServiceError) as err:
        _create(app, sv, "kelian_kaja")  # the whole village is staff's
    assert err.value.status == 403
    with pytest.raises(ServiceError):
        _create(app, sv, "wayan")


def test_bad_input(app, sv):
    start = datetime.now(UTC) + timedelta(days=1)
    for fields, code in (
        ({"title": " "}, "invalid_event"),
        ({"kind": "party"}, "invalid_event"),
        ({"starts_at": start, "ends_at": start - timedelta(hours=1)}, "invalid_times"),
    ):
        with pytest.raises(ServiceError) as err:
            _create(app, sv, "operator", **fields)
        assert err.value.code == code


def test_nobody_came_is_a_count_too(app, sv, as_user):
    held = _create(app, sv, "operator", starts_at=datetime.now(UTC) - timedelta(hours=3))
    staff = as_user(sv.people["operator"])
    assert staff.post(sv.page(f"events/{held}/attendance"), data={"attendance": "0"}).status_code == 303
    with app.app_context(), tenant_session(sv.id) as s:
        assert s.get(Event, (sv.id, held)).attendance == 0


def test_attendance_after_the_start_and_cancelling(app, sv):
    coming = _create(app, sv, "operator")
    held = _create(app, sv, "operator", starts_at=datetime.now(UTC) - timedelta(hours=3))
    with app.app_context(), tenant_session(sv.id) as s:
        tenant, op = s.get(Tenant, sv.id), s.get(User, sv.people["operator"].id)
        with pytest.raises(ServiceError) as err:
            service.record_attendance(s, tenant, op, s.get(Event, (sv.id, coming)), 10)
        assert err.value.code == "not_started"
        service.record_attendance(s, tenant, op, s.get(Event, (sv.id, held)), 35)
        with pytest.raises(ServiceError) as err:
            service.cancel(s, tenant, op, s.get(Event, (sv.id, coming)), " ")
        assert err.value.code == "note_required"
        service.cancel(s, tenant, op, s.get(Event, (sv.id, coming)), "Hujan deras")
        s.commit()
        with pytest.raises(ServiceError) as err:
            service.record_attendance(s, tenant, op, s.get(Event, (sv.id, coming)), 1)
        assert err.value.code == "cancelled"
        period = datetime.now(UTC).astimezone(service.zone_of(tenant)).strftime("%Y-%m")
        figures = {i.key: i.value for i in service.indicators(tenant, period, s)}
    assert figures["smart_society.event_attendance"] == 35
    assert figures["smart_society.events_held"] == 1  # the coming one is neither held nor counted


def test_the_pages_and_the_api(app, client, sv, sv_b, as_user):
    staff = as_user(sv.people["operator"])
    staff.get("/?lang=id")
    day = (datetime.now(UTC) + timedelta(days=4)).date().isoformat()
    resp = staff.post(
        sv.page("events/new"),
        data={
            "title": "Kerja bakti",
            "kind": "gotong_royong",
            "day": day,
            "starts": "07:30",
            "audience": "public",
        },
    )
    assert resp.status_code == 303, resp.get_data(as_text=True)[:500]
    html = staff.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Kerja bakti" in html and "Gotong royong" in html and "Semua orang" in html
    bad = staff.post(sv.page("events/new"), data={"title": "", "kind": "meeting", "day": day, "starts": "x"})
    assert bad.status_code == 400
    headers = support.api_headers(app, sv.people["operator"])
    listed = client.get(sv.api("events"), headers=headers)
    assert listed.status_code == 200 and [e["title"] for e in listed.get_json()] == ["Kerja bakti"]
    made = client.post(
        sv.api("events"),
        json={
            "title": "Rapat",
            "kind": "meeting",
            "starts_at": "2030-01-05T11:00:00Z",
            "audience": "residents",
        },
        headers=headers,
    )
    assert made.status_code == 201
    other = support.api_headers(app, sv_b.people["head"])
    assert client.get(sv.api(f"events/{made.get_json()['id']}"), headers=other).status_code == 404
    assert (
        client.post(
            sv.api("events"),
            json={"title": "x", "kind": "meeting", "starts_at": "2030-01-05T11:00:00Z"},
            headers=other,
        ).status_code
        == 404
    )
    local = client.post(  # a time without its zone is the village's clock (WITA here), not a 500
        sv.api("events"),
        json={"title": "Rapat pagi", "kind": "meeting", "starts_at": "2030-01-06T09:00:00"},
        headers=headers,
    )
    assert local.status_code == 201 and local.get_json()["starts_at"].startswith("2030-01-06T01:00:00")
    resident = support.api_headers(app, sv.people["wayan"])
    assert (
        client.post(
            sv.api("events"),
            json={"title": "x", "kind": "meeting", "starts_at": "2030-01-05T11:00:00Z"},
            headers=resident,
        ).status_code
        == 403
    )
