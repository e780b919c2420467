"""Tenant resolution and authorization on a village's own pages."""

from __future__ import annotations

from datetime import datetime

import pytest

from desacerdas.extensions import db
from desacerdas.models import Tenant
from desacerdas.services import tenants as tenant_svc


@pytest.fixture
def hamlets(app, menanga, bebandem):
    with app.app_context():
        ids = {}
        for village, name in ((menanga, "Kaja"), (menanga, "Kelod"), (bebandem, "Kangin")):
            ids[name] = tenant_svc.add_hamlet(db.session.get(Tenant, village.id), name).id
        return ids


def test_unknown_village_is_404(client):
    resp = client.get("/desa/tidak-ada/")
    assert resp.status_code == 404
    assert "does not exist" in client.get("/desa/tidak-ada/?lang=en").get_data(as_text=True)


def test_public_home_lists_hamlets(client, menanga, hamlets):
    body = client.get(f"/desa/{menanga.slug}/").get_data(as_text=True)
    assert "Kaja" in body and "Kangin" not in body


def test_staff_of_one_village_gets_404_for_another_villages_object(
    client, menanga, bebandem, hamlets, make_user, login
):
    login(make_user("operator", bebandem))
    assert client.get(f"/desa/{bebandem.slug}/hamlets/{hamlets['Kangin']}").status_code == 200
    # Menanga's hamlet through Bebandem's URL: the id does not exist in Bebandem.
    assert client.get(f"/desa/{bebandem.slug}/hamlets/{hamlets['Kaja']}").status_code == 404
    # Menanga's own URL: not a member there either.
    assert client.get(f"/desa/{menanga.slug}/hamlets/{hamlets['Kaja']}").status_code == 404
    assert client.get(f"/desa/{menanga.slug}/dashboard").status_code == 404


def test_hamlet_head_sees_only_their_hamlet(app, client, menanga, hamlets, make_user, login):
    login(make_user("hamlet_head", menanga, hamlet_id=hamlets["Kaja"]))
    assert client.get(f"/desa/{menanga.slug}/hamlets/{hamlets['Kaja']}").status_code == 200
    assert client.get(f"/desa/{menanga.slug}/hamlets/{hamlets['Kelod']}").status_code == 404
    listing = client.get(f"/desa/{menanga.slug}/hamlets").get_data(as_text=True)
    assert "Kaja" in listing and "Kelod" not in listing


def test_wrong_role_cannot_add_hamlet(client, menanga, make_user, login):
    login(make_user("operator", menanga))
    assert client.post(f"/desa/{menanga.slug}/hamlets", data={"name": "Baru"}).status_code == 403


def test_village_head_adds_hamlet_and_duplicate_is_refused(client, menanga, make_user, login):
    login(make_user("village_head", menanga))
    resp = client.post(f"/desa/{menanga.slug}/hamlets", data={"name": "Banjar Baru"})
    assert resp.status_code == 302
    resp = client.post(f"/desa/{menanga.slug}/hamlets", data={"name": "Banjar Baru"})
    assert resp.status_code == 409
    assert "already has a hamlet" in resp.get_data(as_text=True)


def test_resident_cannot_open_dashboard(client, menanga, make_user, login):
    login(make_user("resident", menanga))
    assert client.get(f"/desa/{menanga.slug}/dashboard").status_code == 403


def test_facilitator_and_regency_admin_see_dashboards_in_scope(
    client, app, menanga, make_user, login, make_village
):
    other_regency = make_village("51.01.01.2001")  # Jembrana
    login(make_user("regency_admin", area="51.07"))
    assert client.get(f"/desa/{menanga.slug}/dashboard").status_code == 200
    assert client.get(f"/desa/{other_regency.slug}/dashboard").status_code == 404
    # Read-only: a regency admin cannot add hamlets.
    assert client.post(f"/desa/{menanga.slug}/hamlets", data={"name": "X"}).status_code == 403


def test_suspended_village_says_so_and_archived_is_gone(app, client, menanga, make_user, login):
    with app.app_context():
        tenant_svc.suspend(db.session.get(Tenant, menanga.id), "audit of data")
    resp = client.get(f"/desa/{menanga.slug}/")
    assert resp.status_code == 403 and "suspended" in client.get(f"/desa/{menanga.slug}/?lang=en").get_data(
        as_text=True
    )
    with app.app_context():
        tenant_svc.archive(db.session.get(Tenant, menanga.id))
    assert client.get(f"/desa/{menanga.slug}/").status_code == 404
    login(make_user("platform_admin"))
    assert client.get(f"/desa/{menanga.slug}/").status_code == 200


def test_subdomain_resolves_village(db_urls, tmp_path_factory, menanga):
    from conftest import make_app

    app = make_app(db_urls, tmp_path_factory, BASE_DOMAIN="desa.example", SERVER_NAME=None)
    resp = app.test_client().get("/", headers={"Host": f"{menanga.slug}.desa.example"})
    assert resp.status_code == 200 and "Menanga" in resp.get_data(as_text=True)


def test_facilitator_home_reads_each_village_through_the_audited_path(
    app, client, menanga, bebandem, hamlets, make_user, login
):
    from sqlalchemy import select

    from desacerdas.models import AuditEvent, Membership, Role, User

    person = make_user("facilitator", menanga)
    with app.app_context():
        user = db.session.get(User, person.id)
        db.session.add(Membership(user=user, role=Role.FACILITATOR, tenant_id=bebandem.id))
        db.session.commit()
    login(person)
    body = client.get("/auth/").get_data(as_text=True)
    assert "2 hamlets" in body and "1 hamlet" in body
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "tenant.cross_village_read"))
        assert event.actor_id == person.id and sorted(event.detail["tenant_ids"]) == sorted(
            [menanga.id, bebandem.id]
        )


def test_archived_villages_leave_everyones_scope_but_platform_admins(
    app, client, menanga, bebandem, make_user, login
):
    regency = make_user("regency_admin", area="51.07")
    with app.app_context():
        tenant_svc.archive(db.session.get(Tenant, bebandem.id))
    login(regency)
    body = client.get("/auth/").get_data(as_text=True)
    assert "Menanga" in body and "Bebandem" not in body


def test_moving_a_hamlet_head_is_audited(app, menanga, hamlets, make_user):
    from sqlalchemy import select

    from desacerdas.models import AuditEvent, User
    from desacerdas.services import users as user_svc

    person = make_user("hamlet_head", menanga, hamlet_id=hamlets["Kaja"])
    with app.app_context():
        user_svc.grant(
            db.session.get(User, person.id),
            "hamlet_head",
            tenant=db.session.get(Tenant, menanga.id),
            hamlet_id=hamlets["Kelod"],
        )
        db.session.commit()
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "membership.rescoped"))
        assert event.detail["hamlet_to"] == str(hamlets["Kelod"])


def test_times_on_a_villages_pages_are_in_its_time_zone(app, menanga):
    from flask import g
    from flask_babel import format_datetime

    from desacerdas.services.regions import time_zone
    from desacerdas.web.i18n import select_timezone

    with app.test_request_context("/"):
        g.tenant = menanga.tenant()  # Karangasem, Bali: WITA
        assert select_timezone() == "Asia/Makassar"
        assert format_datetime(datetime(2026, 11, 27, 17, 30), "HH:mm") == "01:30"  # stored UTC, shown WITA
    assert time_zone("31.71.01.1001").key == "Asia/Jakarta"
    assert time_zone("94.01.01.2001").key == "Asia/Jayapura"
    assert time_zone("51.07.01.2003", "Asia/Jakarta").key == "Asia/Jakarta"
    assert time_zone("51.07.01.2003", "Not/AZone").key == "Asia/Makassar"
