"""A regency admin and a facilitator see residents masked; a stated reason opens full data for a
while and is logged for the village; village staff see full data as before (issue 11)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from desacerdas.models.data_access import PersonalDataAccess
from desacerdas.services.personal_data import mask_address, mask_nik
from desacerdas.tenancy import tenant_session

from .conftest import ADDRESS, KK, NIK

MASKED_NIK = "5107********0001"
MASKED_KK = "5107********0001"


def _log(app, village_id):  # noqa: ANN001, ANN202
    with app.app_context(), tenant_session(village_id) as s:
        return [
            (r.user_id, r.role, r.resident_id, r.channel, r.reason)
            for r in s.scalars(select(PersonalDataAccess))
        ]


def test_mask_functions():
    assert mask_nik(NIK) == MASKED_NIK
    assert mask_nik("") == "" and mask_nik(None) is None
    assert mask_nik("1234") == "****"
    assert mask_address(ADDRESS) is None


@pytest.mark.parametrize("role", ["facilitator", "regency_admin"])
def test_pages_are_masked_for_area_roles(role, app, reg_menanga, menanga, make_user, login, fresh_client):
    c = login(make_user(role, menanga), fresh_client())
    for path in ("residents", f"residents/{reg_menanga.resident}", f"families/{reg_menanga.family}"):
        body = c.get(reg_menanga.page(path)).get_data(as_text=True)
        assert NIK not in body and KK not in body and ADDRESS not in body, path
        assert "17-05-1990" not in body and "081234567890" not in body, path
    assert MASKED_NIK in c.get(reg_menanga.page("residents")).get_data(as_text=True)
    assert 'id="show-full-data"' in c.get(reg_menanga.page(f"residents/{reg_menanga.resident}")).get_data(
        as_text=True
    )
    stats = c.get(reg_menanga.page("statistics"))
    assert stats.status_code == 200  # aggregates unchanged
    assert _log(app, reg_menanga.id) == []


@pytest.mark.parametrize("role", ["operator", "village_head", "village_secretary", "hamlet_head"])
def test_village_staff_see_full_data_without_log(
    role, app, reg_menanga, menanga, make_user, login, fresh_client
):
    c = login(make_user(role, menanga), fresh_client())
    body = c.get(reg_menanga.page(f"residents/{reg_menanga.resident}")).get_data(as_text=True)
    assert NIK in body and ADDRESS in body and "17-05-1990" in body
    assert 'id="show-full-data"' not in body
    assert c.get(reg_menanga.page(f"residents/{reg_menanga.resident}/full-data")).status_code == 302
    assert _log(app, reg_menanga.id) == []


def test_reason_opens_one_resident_and_is_logged(app, reg_menanga, menanga, make_user, login, fresh_client):
    person = make_user("facilitator", menanga)
    c = login(person, fresh_client())
    url = reg_menanga.page(f"residents/{reg_menanga.resident}/full-data")
    assert c.get(url).status_code == 200
    assert c.post(url, data={"reason": ""}).status_code == 400  # a reason is required
    assert c.post(url, data={"reason": "x" * 301}).status_code == 400
    assert _log(app, reg_menanga.id) == []
    resp = c.post(url, data={"reason": "Verifikasi data bantuan sosial"})
    assert resp.status_code == 302
    body = c.get(reg_menanga.page(f"residents/{reg_menanga.resident}")).get_data(as_text=True)
    assert NIK in body and ADDRESS in body and KK in body
    # one resident only: the list still offers to open the others
    assert 'id="show-full-data"' in c.get(reg_menanga.page("residents")).get_data(as_text=True)
    assert _log(app, reg_menanga.id) == [
        (person.id, "facilitator", reg_menanga.resident, "web", "Verifikasi data bantuan sosial")
    ]


def test_list_window_opens_everything_and_closes(app, reg_menanga, menanga, make_user, login, fresh_client):
    c = login(make_user("regency_admin", menanga), fresh_client())
    assert (
        c.post(reg_menanga.page("residents/full-data"), data={"reason": "Evaluasi data stunting"}).status_code
        == 302
    )
    assert NIK in c.get(reg_menanga.page("residents")).get_data(as_text=True)
    assert KK in c.get(reg_menanga.page(f"families/{reg_menanga.family}")).get_data(as_text=True)
    with app.app_context(), tenant_session(reg_menanga.id) as s:  # 31 minutes later
        s.execute(update(PersonalDataAccess).values(at=datetime.now(UTC) - timedelta(minutes=31)))
        s.commit()
    assert NIK not in c.get(reg_menanga.page("residents")).get_data(as_text=True)
    [(_uid, role, resident, _ch, _reason)] = _log(app, reg_menanga.id)
    assert role == "regency_admin" and resident is None


def test_full_data_form_needs_csrf(app, reg_menanga, menanga, make_user, login, fresh_client):
    c = login(make_user("facilitator", menanga), fresh_client())
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        url = reg_menanga.page(f"residents/{reg_menanga.resident}/full-data")
        resp = c.post(url, data={"reason": "Tanpa token CSRF"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert resp.status_code == 400
    assert _log(app, reg_menanga.id) == []


def test_cross_village(app, reg_menanga, reg_bebandem, menanga, make_user, login, fresh_client):
    """A facilitator of Menanga cannot see or open Bebandem's residents; no row lands in Bebandem."""
    c = login(make_user("facilitator", menanga), fresh_client())
    other = reg_bebandem
    assert c.get(other.page(f"residents/{other.resident}")).status_code == 404
    assert (
        c.post(
            other.page(f"residents/{other.resident}/full-data"), data={"reason": "Mencoba desa lain"}
        ).status_code
        == 404
    )
    assert c.post(other.page("residents/full-data"), data={"reason": "Mencoba desa lain"}).status_code == 404
    # opening Menanga's list does not open Bebandem's (its own id in the other village's route → 404)
    c.post(reg_menanga.page("residents/full-data"), data={"reason": "Evaluasi desa sendiri"})
    assert c.get(other.page("residents")).status_code == 404
    assert _log(app, other.id) == []
    assert len(_log(app, reg_menanga.id)) == 1


def test_masked_viewer_cannot_search_nik_prefixes(
    app, client, reg_menanga, menanga, make_user, login, bearer
):
    """Prefix searches would rebuild the hidden digits, and whole-NIK guesses the birth date: a
    masked viewer's digit searches match nothing."""
    person = make_user("facilitator", menanga)
    c = login(person, app.test_client())
    assert "I Wayan" not in c.get(reg_menanga.page(f"residents?q={NIK[:10]}")).get_data(as_text=True)
    assert "I Wayan" not in c.get(reg_menanga.page(f"residents?q={NIK}")).get_data(as_text=True)
    token = bearer(person)
    assert client.get(reg_menanga.api(f"residents?q={NIK[:10]}"), headers=token).get_json() == []
    assert client.get(reg_menanga.api(f"residents?q={NIK}"), headers=token).get_json() == []
    staff = login(make_user("operator", menanga), app.test_client())
    assert "I Wayan" in staff.get(reg_menanga.page(f"residents?q={NIK[:10]}")).get_data(as_text=True)
