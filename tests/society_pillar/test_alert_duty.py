"""The on-duty roster of emergency alerts: staff on duty and the hamlet's head are told; with
nobody on duty, every staff member is; only staff take turns; page and API."""

from __future__ import annotations

import pytest
from smart_society.alerts import notices, service

from desacerdas.models import Tenant, User
from desacerdas.services import ServiceError
from desacerdas.tenancy import tenant_session
from desacerdas.testing import support

from .test_alerts import _raise, _told


def _duty(app, village, who: str, on: bool) -> bool:  # noqa: ANN001
    with app.app_context(), tenant_session(village.id) as s:
        done = service.set_on_duty(s, s.get(Tenant, village.id), s.get(User, village.people[who].id), on)
        s.commit()
        return done


def test_only_the_staff_on_duty_and_the_hamlet_head_are_told(app, sv) -> None:  # noqa: ANN001
    _duty(app, sv, "secretary", True)
    _id, told = _raise(app, sv, "wayan")
    assert told == 2
    assert _told(app, sv, notices.RAISED) == sorted([sv.people["secretary"].id, sv.people["kelian_kaja"].id])


def test_nobody_on_duty_tells_every_staff_member(app, sv) -> None:  # noqa: ANN001
    _duty(app, sv, "secretary", True)
    _duty(app, sv, "secretary", False)
    _id, told = _raise(app, sv, "wayan")
    assert told == 4


def test_a_hamlet_head_or_a_resident_does_not_take_duty(app, sv) -> None:  # noqa: ANN001
    with pytest.raises(ServiceError) as err:
        _duty(app, sv, "kelian_kaja", True)
    assert err.value.status == 403
    with pytest.raises(ServiceError):
        _duty(app, sv, "wayan", True)


def test_page_and_api(app, client, sv, sv_b, as_user) -> None:  # noqa: ANN001
    staff = as_user(sv.people["operator"])
    staff.get("/?lang=id")
    assert staff.post(sv.page("alerts/duty"), data={"on": "1"}).status_code == 303
    html = staff.get(sv.page("alerts")).get_data(as_text=True)
    assert "Kadek Operator" in html and 'name="on" value="0"' in html
    headers = support.api_headers(app, sv.people["operator"])
    listed = client.get(sv.api("alerts/duty"), headers=headers)
    assert listed.status_code == 200 and [d["user_id"] for d in listed.get_json()] == [
        sv.people["operator"].id
    ]
    assert client.post(sv.api("alerts/duty"), json={"on": False}, headers=headers).get_json() == []
    wayan = support.api_headers(app, sv.people["wayan"])
    assert client.post(sv.api("alerts/duty"), json={"on": True}, headers=wayan).status_code == 403
    other = support.api_headers(app, sv_b.people["operator"])
    assert client.get(sv.api("alerts/duty"), headers=other).status_code in (403, 404)
