"""Changing a community event: staff and the banjar's hamlet head (their own only), the page's form
filled on the village's clock, the API's PUT; not once cancelled; other villages 404."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from smart_society.events import service
from smart_society.events.models import Event

from desacerdas.models import Tenant, User
from desacerdas.services import ServiceError
from desacerdas.tenancy import tenant_session
from desacerdas.testing import support

from .test_events import _create


def _change(app, village, who, event_id, **kw):  # noqa: ANN001, ANN202
    values = {
        "title": "Rapat banjar (pindah)",
        "kind": "meeting",
        "starts_at": datetime.now(UTC) + timedelta(days=3),
        **kw,
    }
    with app.app_context(), tenant_session(village.id) as s:
        event = s.get(Event, (village.id, event_id))
        service.save(s, s.get(Tenant, village.id), s.get(User, village.people[who].id), event, **values)
        s.commit()
        return event.title


def test_staff_change_an_event_and_the_hamlet_head_only_their_own(app, sv) -> None:  # noqa: ANN001
    whole = _create(app, sv, "operator")
    assert _change(app, sv, "operator", whole) == "Rapat banjar (pindah)"
    with pytest.raises(ServiceError) as err:
        _change(app, sv, "kelian_kaja", whole)
    assert err.value.status == 403
    kaja = _create(app, sv, "kelian_kaja", hamlet_id=sv.kaja)
    assert _change(app, sv, "kelian_kaja", kaja, hamlet_id=sv.kaja, title="Rapat Kaja") == "Rapat Kaja"
    with pytest.raises(ServiceError):  # nor move it to another banjar
        _change(app, sv, "kelian_kaja", kaja, hamlet_id=sv.kelod)


def test_a_cancelled_event_is_not_changed(app, sv) -> None:  # noqa: ANN001
    made = _create(app, sv, "operator")
    with app.app_context(), tenant_session(sv.id) as s:
        event = s.get(Event, (sv.id, made))
        service.cancel(s, s.get(Tenant, sv.id), s.get(User, sv.people["operator"].id), event, "Hujan")
        s.commit()
    with pytest.raises(ServiceError) as err:
        _change(app, sv, "operator", made)
    assert err.value.code == "cancelled"


def test_the_page_and_the_api(app, client, sv, sv_b, as_user) -> None:  # noqa: ANN001
    made = _create(app, sv, "operator", starts_at=datetime(2030, 1, 5, 11, 0, tzinfo=UTC))
    staff = as_user(sv.people["operator"])
    staff.get("/?lang=id")
    form = staff.get(sv.page(f"events/{made}/edit")).get_data(as_text=True)
    assert 'value="Rapat banjar"' in form and 'value="19:00"' in form  # 11:00 UTC is 19:00 in Bali
    resp = staff.post(
        sv.page(f"events/{made}/edit"),
        data={
            "title": "Rapat desa",
            "kind": "meeting",
            "day": "2030-01-06",
            "starts": "18:00",
            "audience": "public",
        },
    )
    assert resp.status_code == 303
    assert "Rapat desa" in staff.get(resp.headers["Location"]).get_data(as_text=True)
    assert as_user(sv.people["wayan"]).get(sv.page(f"events/{made}/edit")).status_code == 403
    assert as_user(sv.people["kelian_kaja"]).get(sv.page(f"events/{made}/edit")).status_code == 403
    headers = support.api_headers(app, sv.people["operator"])
    body = {
        "title": "Rapat desa",
        "kind": "meeting",
        "starts_at": "2030-01-07T10:00:00Z",
        "audience": "public",
    }
    changed = client.put(sv.api(f"events/{made}"), json=body, headers=headers)
    assert changed.status_code == 200 and changed.get_json()["starts_at"].startswith("2030-01-07T10:00")
    other = support.api_headers(app, sv_b.people["operator"])
    assert client.put(sv.api(f"events/{made}"), json=body, headers=other).status_code in (403, 404)
    assert client.put(sv.api(f"events/{made}"), json={"title": ""}, headers=headers).status_code == 422
