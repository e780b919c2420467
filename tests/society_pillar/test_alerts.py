"""Emergency alerts: one request raises one, the hamlet's handlers are told, the first to answer
is recorded, the abuse limit, closing with a false alarm, warnings; other villages and hamlets 404."""

from __future__ import annotations

import threading

import pytest
from smart_society.alerts import notices, service
from smart_society.alerts.models import Alert
from smart_society.alerts.workflow import FLOW
from sqlalchemy import select

from desacerdas.models import Tenant, User
from desacerdas.models.notification import Notification
from desacerdas.services import ServiceError
from desacerdas.tenancy import tenant_session
from desacerdas.testing import support


def _raise(app, village, who, **kw):  # noqa: ANN001, ANN202
    with app.test_request_context(), tenant_session(village.id) as s:
        made = service.raise_alert(s, s.get(Tenant, village.id), s.get(User, village.people[who].id), **kw)
        s.commit()
        return made.id, made.notified


def _told(app, village, kind):  # noqa: ANN001, ANN202
    with app.app_context(), tenant_session(village.id) as s:
        return sorted(
            s.scalars(
                select(Notification.recipient_user_id).where(
                    Notification.kind == kind, Notification.channel == "inbox"
                )
            )
        )


def test_a_resident_raises_an_alert_and_the_hamlet_is_told(app, sv):
    alert_id, told = _raise(app, sv, "wayan", note="Ada kebakaran di dapur tetangga")
    people = sv.people
    expected = sorted(people[k].id for k in ("head", "secretary", "operator", "kelian_kaja"))
    assert told == 4 and _told(app, sv, notices.RAISED) == expected  # not Kelod's hamlet head
    with app.app_context(), tenant_session(sv.id) as s:
        alert = s.get(Alert, (sv.id, alert_id))
        assert alert.hamlet_id == sv.kaja and alert.status.value == "raised"


def test_staff_cannot_raise_and_a_resident_without_an_account_is_refused(app, sv):
    with pytest.raises(ServiceError) as err:
        _raise(app, sv, "operator")
    assert err.value.status in (403, 404)
    stranger = support.make_user(app, "resident", sv.lv, name="Belum Terverifikasi")
    with app.test_request_context(), tenant_session(sv.id) as s, pytest.raises(ServiceError) as err:
        service.raise_alert(s, s.get(Tenant, sv.id), s.get(User, stranger.id))
    assert err.value.code == "not_verified"


def test_at_most_n_alerts_an_hour(app, sv):
    for _ in range(3):
        _raise(app, sv, "wayan")
    with pytest.raises(ServiceError) as err:
        _raise(app, sv, "wayan")
    assert err.value.status == 429 and "112" in err.value.message
    _raise(app, sv, "made")  # another resident is not limited by Wayan's alerts


def test_the_first_to_acknowledge_is_recorded(app, sv):
    alert_id, _n = _raise(app, sv, "wayan")
    results: dict[str, object] = {}
    barrier = threading.Barrier(2)

    def ack(who: str) -> None:
        with app.app_context(), tenant_session(sv.id) as s:
            tenant, user = s.get(Tenant, sv.id), s.get(User, sv.people[who].id)
            alert = service.get(s, tenant, user, alert_id)
            barrier.wait()
            try:
                FLOW.move(s, tenant, user, alert, "acknowledge")
                s.commit()
                results[who] = "ok"
            except ServiceError as exc:
                s.rollback()
                results[who] = exc.status

    threads = [threading.Thread(target=ack, args=(w,)) for w in ("operator", "kelian_kaja")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(map(str, results.values())) == ["409", "ok"], results
    winner = next(w for w, r in results.items() if r == "ok")
    with app.app_context(), tenant_session(sv.id) as s:
        alert = s.get(Alert, (sv.id, alert_id))
        assert alert.acknowledged_by == sv.people[winner].id and alert.acknowledged_at is not None


def test_closing_needs_what_happened_and_records_a_false_alarm(app, sv):
    alert_id, _n = _raise(app, sv, "wayan")
    with app.app_context(), tenant_session(sv.id) as s:
        tenant, op = s.get(Tenant, sv.id), s.get(User, sv.people["operator"].id)
        alert = service.get(s, tenant, op, alert_id)
        with pytest.raises(ServiceError) as err:
            FLOW.move(s, tenant, op, alert, "close")
        assert err.value.code == "note_required"
        s.rollback()
        alert = service.get(s, tenant, op, alert_id)
        FLOW.move(s, tenant, op, alert, "close", note="Anak bermain tombol.", false_alarm=True)
        s.commit()
        assert alert.false_alarm and alert.acknowledged_by == op.id and alert.status.value == "closed"
        kelod = s.get(User, sv.people["kelian_kelod"].id)
        with pytest.raises(ServiceError) as err:
            service.get(s, tenant, kelod, alert_id)
        assert err.value.status == 404


def test_a_warning_reaches_the_residents_of_the_area(app, sv):
    with app.test_request_context(), tenant_session(sv.id) as s:
        tenant, op = s.get(Tenant, sv.id), s.get(User, sv.people["operator"].id)
        kaja = service.send_warning(
            s, tenant, op, hazard="flood", message="Air sungai naik.", hamlet_id=sv.kaja
        )
        everyone = service.send_warning(s, tenant, op, hazard="volcano", message="Status Gunung Agung naik.")
        s.commit()
        assert kaja.recipients == 1 and everyone.recipients == 2
        with pytest.raises(ServiceError) as err:
            service.send_warning(s, tenant, op, hazard="aliens", message="x")
        assert err.value.code == "invalid_hazard"
        wayan = s.get(User, sv.people["wayan"].id)
        with pytest.raises(ServiceError):
            service.send_warning(s, tenant, wayan, hazard="fire", message="x")
    assert _told(app, sv, notices.WARNING) == sorted(
        [sv.people["wayan"].id, sv.people["wayan"].id, sv.people["made"].id]
    )


def test_pages_and_api(app, client, sv, sv_b, as_user):
    resident = as_user(sv.people["wayan"])
    resident.get("/?lang=id")
    page = resident.get(sv.page("alerts")).get_data(as_text=True)
    assert "DARURAT" in page
    resp = resident.post(
        sv.page("alerts/raise"), data={"note": "Tolong", "latitude": "-8.4", "longitude": "115.6"}
    )
    assert resp.status_code == 303
    detail = resp.headers["Location"]
    html = resident.get(detail).get_data(as_text=True)
    assert "Tolong" in html and "-8.40000" in html
    operator = as_user(sv.people["operator"])
    assert operator.post(detail + "/acknowledge", data={}).status_code == 303
    assert resident.post(detail + "/close", data={"note": "x"}).status_code == 403
    assert as_user(sv_b.people["head"]).get(detail).status_code == 404
    assert as_user(sv.people["kelian_kelod"]).get(detail).status_code == 404
    headers = {**support.api_headers(app, sv.people["made"]), "Accept-Language": "id"}
    made = client.post(sv.api("alerts"), json={"note": "Banjir"}, headers=headers)
    assert made.status_code == 201 and made.get_json()["hamlet_id"] == str(sv.kelod)
    mine = client.get(sv.api("alerts"), headers=headers).get_json()
    assert [a["id"] for a in mine] == [made.get_json()["id"]]  # not Wayan's
    other = {**support.api_headers(app, sv_b.people["head"])}
    assert client.get(sv.api(f"alerts/{made.get_json()['id']}"), headers=other).status_code == 404
    warn = client.post(
        sv.api("warnings"),
        json={"hazard": "fire", "message": "Kebakaran hutan di utara."},
        headers=support.api_headers(app, sv.people["operator"]),
    )
    assert warn.status_code == 201 and warn.get_json()["recipients"] == 2
    assert (
        client.post(sv.api("warnings"), json={"hazard": "fire", "message": "x"}, headers=headers).status_code
        == 403
    )
