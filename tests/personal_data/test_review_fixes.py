"""The review's findings on masking: civil events, NIK searches and sorts, the family endpoint's
reason and the masked record's pass-through (issue 11)."""

from __future__ import annotations

from datetime import date

import pytest
from smart_government.registry import create_family, create_resident, record_event
from smart_government.registry.models import Resident, Sex
from sqlalchemy import select

from desacerdas.models.data_access import PersonalDataAccess
from desacerdas.services.personal_data import masked
from desacerdas.tenancy import tenant_session

from .conftest import NIK

NOTE = "Lahir di Puskesmas Rendang, anak ketiga"


def _birth_event(app, village) -> None:  # noqa: ANN001
    with app.app_context(), tenant_session(village.id) as s:
        person = s.get(Resident, (village.id, village.resident))
        record_event(person, "birth", date(1990, 5, 17), date(1990, 6, 1), NOTE)
        s.commit()


def _log(app, village_id):  # noqa: ANN001, ANN202
    with app.app_context(), tenant_session(village_id) as s:
        return [r.resident_id for r in s.scalars(select(PersonalDataAccess))]


# -- 1. civil events ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["facilitator", "regency_admin"])
def test_civil_events_hidden_from_a_masked_viewer(
    role, app, client, reg_menanga, menanga, make_user, login, bearer
):
    _birth_event(app, reg_menanga)
    person = make_user(role, menanga)
    page = login(person, app.test_client()).get(reg_menanga.page(f"residents/{reg_menanga.resident}"))
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "17-05-1990" not in body and "01-06-1990" not in body and NOTE not in body
    assert "Civil events are shown with the full data." in body
    token = bearer(person)
    events = client.get(reg_menanga.api(f"residents/{reg_menanga.resident}/events"), headers=token)
    assert events.status_code == 200 and events.get_json() == []
    assert _log(app, reg_menanga.id) == []
    # a stated reason opens them (and is logged for that resident)
    opened = client.get(
        reg_menanga.api(f"residents/{reg_menanga.resident}/events"),
        headers={**token, "X-Access-Reason": "Verifikasi data kelahiran"},
    ).get_json()
    assert [(e["event_date"], e["note"]) for e in opened] == [("1990-05-17", NOTE)]
    assert _log(app, reg_menanga.id) == [reg_menanga.resident]
    body = login(person, app.test_client()).get(reg_menanga.page(f"residents/{reg_menanga.resident}"))
    assert "17-05-1990" in body.get_data(as_text=True)


def test_staff_see_civil_events(app, client, reg_menanga, menanga, make_user, login, bearer):
    _birth_event(app, reg_menanga)
    op = make_user("operator", menanga)
    body = login(op, app.test_client()).get(reg_menanga.page(f"residents/{reg_menanga.resident}"))
    assert "17-05-1990" in body.get_data(as_text=True) and NOTE in body.get_data(as_text=True)
    events = client.get(reg_menanga.api(f"residents/{reg_menanga.resident}/events"), headers=bearer(op))
    assert [e["note"] for e in events.get_json()] == [NOTE]


# -- 2. NIK searches and sorts -----------------------------------------------------------------------


def _second_resident(app, village) -> None:  # noqa: ANN001
    with app.app_context(), tenant_session(village.id) as s:
        create_resident(
            s, nik="5107014101000002", name="A Ni Luh Younger", birth_date=date(2000, 1, 1), sex=Sex.FEMALE
        )
        s.commit()


def test_masked_viewer_cannot_guess_a_whole_nik(app, client, reg_menanga, menanga, make_user, login, bearer):
    person = make_user("facilitator", menanga)
    c = login(person, app.test_client())
    for q in (NIK, NIK[:10], f"{NIK[:8]} {NIK[8:]}"):
        resp = c.get(reg_menanga.page(f"residents?q={q}"))
        assert resp.status_code == 200 and "I Wayan" not in resp.get_data(as_text=True), q
    token = bearer(person)
    assert client.get(reg_menanga.api(f"residents?q={NIK}"), headers=token).get_json() == []
    assert client.get(reg_menanga.api(f"residents?q={NIK[:10]}"), headers=token).get_json() == []
    # by name still works, masked
    found = client.get(reg_menanga.api("residents?q=wayan"), headers=token).get_json()
    assert [r["nik"] for r in found] == ["5107********0001"]
    # staff, and a masked viewer who stated a reason for the list, search by NIK as before
    assert "I Wayan" in login(make_user("operator", menanga), app.test_client()).get(
        reg_menanga.page(f"residents?q={NIK}")
    ).get_data(as_text=True)
    opened = client.get(reg_menanga.api(f"residents?q={NIK}&reason=Evaluasi+stunting"), headers=token)
    assert [r["nik"] for r in opened.get_json()] == [NIK]


@pytest.mark.parametrize("sort", ["birth_date", "-birth_date", "nik", "-nik"])
def test_masked_viewer_sort_by_birth_date_or_nik_is_by_name(
    sort, app, client, reg_menanga, menanga, make_user, login, bearer
):
    _second_resident(app, reg_menanga)  # younger, higher NIK, and first by name
    person = make_user("facilitator", menanga)
    if not sort.startswith("-"):  # the API offers no reversed sorts
        listed = client.get(reg_menanga.api(f"residents?sort={sort}"), headers=bearer(person)).get_json()
        assert [r["name"] for r in listed] == ["A Ni Luh Younger", "I Wayan Sudarsana"]
    body = (
        login(person, app.test_client())
        .get(reg_menanga.page(f"residents?sort={sort}"))
        .get_data(as_text=True)
    )
    assert body.index("A Ni Luh Younger") < body.index("I Wayan Sudarsana")
    assert 'value="birth_date"' not in body and 'value="nik"' not in body  # not offered
    # staff sort as asked
    staff = bearer(make_user("operator", menanga))
    names = [
        r["name"] for r in client.get(reg_menanga.api("residents?sort=birth_date"), headers=staff).get_json()
    ]
    assert names == ["I Wayan Sudarsana", "A Ni Luh Younger"]


# -- 4. the family endpoint's reason, and the masked record ----------------------------------------


def test_family_reason_opens_its_members_only(app, client, reg_menanga, menanga, make_user, bearer):
    with app.app_context(), tenant_session(reg_menanga.id) as s:
        other_kk = create_family(s, kk_number="5107010202100002")
        other = create_resident(
            s,
            nik="5107014101850002",
            name="Ni Luh Lain",
            birth_date=date(1985, 1, 1),
            sex=Sex.FEMALE,
            family_id=other_kk.id,
            address="Jalan Lain 9",
        )
        s.commit()
        other_id, other_kk_id = other.id, other_kk.id
    fac = bearer(make_user("facilitator", menanga))
    family = client.get(
        reg_menanga.api(f"families/{reg_menanga.family}"),
        headers={**fac, "X-Access-Reason": "Cek data keluarga"},
    ).get_json()
    assert family["kk_number"] == "5107010101100001" and family["members"][0]["nik"] == NIK
    assert _log(app, reg_menanga.id) == [reg_menanga.resident]  # the member, not the list (None)
    listed = client.get(reg_menanga.api("residents"), headers=fac).get_json()
    by_name = {r["name"]: r for r in listed}
    assert by_name["I Wayan Sudarsana"]["nik"] == NIK  # opened by the reason
    assert by_name["Ni Luh Lain"]["nik"] == "5107********0002" and by_name["Ni Luh Lain"]["address"] is None
    one = client.get(reg_menanga.api(f"residents/{other_id}"), headers=fac).get_json()
    assert one["birth_date"] is None
    # without a reason, the other family stays masked
    again = client.get(reg_menanga.api(f"families/{other_kk_id}"), headers=fac).get_json()
    assert again["kk_number"] == "5107********0002" and again["address"] is None


def test_masked_record_passes_only_listed_fields():
    class Record:
        id = 1
        name = "I Wayan"
        nik = NIK
        birth_date = date(1990, 5, 17)
        address = "Jalan"
        secret_note = "private"
        members = ["unmasked"]
        family = None

    view = masked(Record())
    assert view.id == 1 and view.name == "I Wayan"
    assert view.nik == "5107********0001" and view.birth_date is None and view.address is None
    assert view.family is None
    for name in ("secret_note", "members", "_sa_instance_state", "__dict__"):
        with pytest.raises(AttributeError):
            getattr(view, name)
    assert getattr(view, "secret_note", "absent") == "absent"
