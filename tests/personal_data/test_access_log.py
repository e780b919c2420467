"""The API masks like the pages (a reason in ``X-Access-Reason`` or ``?reason=`` opens and logs),
and the village reads its access log, page and API; another village's rows never show (issue 11)."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text

from desacerdas.services.personal_data import record_access
from desacerdas.tenancy import tenant_session

from .conftest import ADDRESS, KK, NIK

MASKED = "5107********0001"


def test_api_masks_for_facilitator_and_reason_opens(app, client, reg_menanga, menanga, make_user, bearer):
    fac = bearer(make_user("facilitator", menanga))
    one = client.get(reg_menanga.api(f"residents/{reg_menanga.resident}"), headers=fac).get_json()
    assert (
        one["nik"] == MASKED and one["address"] is None and one["birth_date"] is None and one["phone"] is None
    )
    listed = client.get(reg_menanga.api("residents"), headers=fac).get_json()
    assert [r["nik"] for r in listed] == [MASKED]
    family = client.get(reg_menanga.api(f"families/{reg_menanga.family}"), headers=fac).get_json()
    assert family["kk_number"] == MASKED and family["members"][0]["nik"] == MASKED
    # a reason that is too short is refused, nothing logged
    resp = client.get(
        reg_menanga.api(f"residents/{reg_menanga.resident}"), headers={**fac, "X-Access-Reason": "x"}
    )
    assert resp.status_code == 400
    opened = client.get(
        reg_menanga.api(f"residents/{reg_menanga.resident}"),
        headers={**fac, "X-Access-Reason": "Cek data PKH"},
    ).get_json()
    assert opened["nik"] == NIK and opened["address"] == ADDRESS
    listed = client.get(reg_menanga.api("residents?reason=Evaluasi+stunting"), headers=fac).get_json()
    assert listed[0]["nik"] == NIK
    family = client.get(reg_menanga.api(f"families/{reg_menanga.family}"), headers=fac).get_json()
    assert family["kk_number"] == KK  # the list window opens the family too


def test_api_staff_unmasked(client, reg_menanga, menanga, make_user, bearer):
    op = bearer(make_user("operator", menanga))
    one = client.get(reg_menanga.api(f"residents/{reg_menanga.resident}"), headers=op).get_json()
    assert one["nik"] == NIK and one["address"] == ADDRESS


def test_log_page_and_api(
    app, client, reg_menanga, reg_bebandem, menanga, bebandem, make_user, login, bearer
):
    fac_a = make_user("facilitator", menanga)
    with app.app_context():
        from desacerdas.extensions import db
        from desacerdas.models import User

        with tenant_session(menanga.id) as s:
            record_access(s, menanga.tenant(), db.session.get(User, fac_a.id), "Verifikasi bansos Menanga")
            s.commit()
    head_b = make_user("village_head", bebandem)
    c = login(head_b, app.test_client())
    body = c.get(f"/desa/{bebandem.slug}/personal-data-access").get_data(as_text=True)
    assert "Verifikasi bansos Menanga" not in body and 'id="access-log-empty"' in body
    assert (
        client.get(f"/api/v1/desa/{bebandem.slug}/personal-data-access", headers=bearer(head_b)).get_json()
        == []
    )

    for role in ("village_head", "village_secretary"):
        person = make_user(role, menanga)
        c = login(person, app.test_client())
        body = c.get(f"/desa/{menanga.slug}/personal-data-access").get_data(as_text=True)
        assert "Verifikasi bansos Menanga" in body
        rows = client.get(
            f"/api/v1/desa/{menanga.slug}/personal-data-access", headers=bearer(person)
        ).get_json()
        assert [r["reason"] for r in rows] == ["Verifikasi bansos Menanga"]
        assert rows[0]["role"] == "facilitator" and rows[0]["user_id"] == fac_a.id


@pytest.mark.parametrize("role", ["operator", "facilitator", "regency_admin", "hamlet_head"])
def test_log_forbidden_to_others(role, app, client, menanga, make_user, login, bearer):
    person = make_user(role, menanga)
    c = login(person, app.test_client())
    assert c.get(f"/desa/{menanga.slug}/personal-data-access").status_code == 403
    assert (
        client.get(f"/api/v1/desa/{menanga.slug}/personal-data-access", headers=bearer(person)).status_code
        == 403
    )


def test_log_of_another_village_is_404(app, client, menanga, bebandem, make_user, login, bearer):
    head_a = make_user("village_head", menanga)
    c = login(head_a, app.test_client())
    assert c.get(f"/desa/{bebandem.slug}/personal-data-access").status_code == 404
    assert (
        client.get(f"/api/v1/desa/{bebandem.slug}/personal-data-access", headers=bearer(head_a)).status_code
        == 404
    )
    assert client.get(f"/desa/{menanga.slug}/personal-data-access").status_code in (302, 401)


def test_log_page_in_indonesian(app, menanga, make_user, login):
    c = login(make_user("village_head", menanga), app.test_client())
    resp = c.get(f"/desa/{menanga.slug}/personal-data-access", headers={"Accept-Language": "id"})
    assert resp.status_code == 200


@pytest.mark.skipif(not os.environ.get("DESA_TEST_DATABASE_URL"), reason="PostgreSQL only (RLS)")
def test_rls_on_postgresql(app, db_urls, menanga, bebandem, make_user):
    """The app role with village A set reads none of B's rows, and none with no village set."""
    fac = make_user("facilitator", menanga)
    with app.app_context():
        from desacerdas.extensions import db
        from desacerdas.models import User

        with tenant_session(bebandem.id) as s:
            record_access(s, bebandem.tenant(), db.session.get(User, fac.id), "Baris milik Bebandem")
            s.commit()
    engine = create_engine(db_urls[0])
    try:
        with engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM personal_data_access")).scalar() == 0
            conn.execute(text("SELECT set_config('desa.tenant_id', :v, true)"), {"v": str(menanga.id)})
            assert conn.execute(text("SELECT count(*) FROM personal_data_access")).scalar() == 0
        with engine.begin() as conn:
            conn.execute(text("SELECT set_config('desa.tenant_id', :v, true)"), {"v": str(bebandem.id)})
            assert conn.execute(text("SELECT count(*) FROM personal_data_access")).scalar() == 1
        with engine.begin() as conn, pytest.raises(Exception):  # noqa: B017, PT011 - RLS refuses the insert
            conn.execute(text("SELECT set_config('desa.tenant_id', :v, true)"), {"v": str(menanga.id)})
            conn.execute(
                text(
                    "INSERT INTO personal_data_access (tenant_id, id, user_name, role, channel, reason, at) "
                    "VALUES (:t, gen_random_uuid(), 'x', 'facilitator', 'web', 'menyusup', now())"
                ),
                {"t": bebandem.id},
            )
    finally:
        engine.dispose()
