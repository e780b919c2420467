"""The audit log page: filters by village, action prefix and date range; paging; who may read it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from desacerdas.extensions import db
from desacerdas.models import AuditEvent
from desacerdas.services import audit
from desacerdas.services import tenants as tenant_svc


def actions(resp) -> list[str]:  # noqa: ANN001
    """The action of every listed event, newest first."""
    assert resp.status_code == 200
    return re.findall(r"</time>\s*<code>([a-z_.]+)</code>", resp.get_data(as_text=True))


@pytest.fixture
def history(app, villages):
    """Events in two villages plus a platform-level one, at known times."""
    menanga, apuan = villages["Menanga"], villages["Apuan"]
    with app.app_context():
        db.session.execute(db.delete(AuditEvent))  # start from a known log
        at = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
        for offset, action, tenant_id in [
            (0, "tenant.provisioned", menanga.id),
            (1, "tenant.suspended", menanga.id),
            (2, "membership.granted", menanga.id),
            (3, "tenant.provisioned", apuan.id),
            (4, "auth.login", None),
        ]:
            event = audit.record(action, tenant_id=tenant_id, actor_label="ops@example.test", target="t")
            event.at = at + timedelta(days=offset)
        db.session.commit()
    return villages


def test_lists_every_event_newest_first(history, admin_client):
    listed = actions(admin_client.get("/admin/audit"))
    # The admin's account and sign-in happened today; the seeded events follow, newest first.
    assert listed == [
        "auth.login",
        "user.created",
        "auth.login",
        "tenant.provisioned",
        "membership.granted",
        "tenant.suspended",
        "tenant.provisioned",
    ]


def test_event_rows_name_and_link_their_village(history, admin_client):
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert '<a href="/admin/villages/menanga">Menanga</a>' in page
    assert '<a href="/admin/villages/apuan">Apuan</a>' in page
    assert "ops@example.test" in page


@pytest.mark.parametrize("village", ["51.07.01.2003", "menanga", "5107012003", " Menanga "])
def test_filter_by_village_code_or_slug(history, admin_client, village):
    listed = actions(admin_client.get("/admin/audit", query_string={"village": village}))
    assert listed == ["membership.granted", "tenant.suspended", "tenant.provisioned"]


def test_unknown_village_filter_says_so_and_shows_nothing(history, admin_client):
    resp = admin_client.get("/admin/audit", query_string={"village": "51.99.99.9999"})
    assert actions(resp) == []
    assert "No village with this code or slug." in resp.get_data(as_text=True)


def test_filter_by_action_prefix(history, admin_client):
    assert actions(admin_client.get("/admin/audit?action=tenant.")) == [
        "tenant.provisioned",
        "tenant.suspended",
        "tenant.provisioned",
    ]
    assert actions(admin_client.get("/admin/audit?action=tenant.suspended")) == ["tenant.suspended"]
    assert actions(admin_client.get("/admin/audit?action=membership")) == ["membership.granted"]
    assert actions(admin_client.get("/admin/audit?action=nothing")) == []


def test_filter_by_date_range(history, admin_client):
    # Seeded: 10 Mar provisioned, 11 suspended, 12 granted, 13 Apuan provisioned, 14 login.
    assert actions(admin_client.get("/admin/audit?since=2025-03-11&until=2025-03-12")) == [
        "membership.granted",
        "tenant.suspended",
    ]
    assert actions(admin_client.get("/admin/audit?until=2025-03-10")) == ["tenant.provisioned"]
    assert actions(admin_client.get("/admin/audit?since=2025-03-14&until=2025-03-14")) == ["auth.login"]
    assert actions(admin_client.get("/admin/audit?since=2025-03-15&until=2025-03-20")) == []


def test_filters_combine(history, admin_client):
    resp = admin_client.get(
        "/admin/audit", query_string={"village": "menanga", "action": "tenant.", "since": "2025-03-11"}
    )
    assert actions(resp) == ["tenant.suspended"]


def test_invalid_date_is_reported_and_ignored(history, admin_client):
    resp = admin_client.get("/admin/audit?since=yesterday")
    assert resp.status_code == 200
    assert 'aria-invalid="true"' in resp.get_data(as_text=True)
    assert len(actions(resp)) == 7


def test_pagination_keeps_filters(app, history, admin_client, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    first = admin_client.get("/admin/audit?action=tenant.")
    page = first.get_data(as_text=True)
    assert actions(first) == ["tenant.provisioned", "tenant.suspended"]
    assert "Page 1 of 2" in page
    assert 'href="/admin/audit?action=tenant.&amp;page=2" rel="next"' in page
    assert actions(admin_client.get("/admin/audit?action=tenant.&page=2")) == ["tenant.provisioned"]


def test_village_detail_links_to_its_filtered_log(history, admin_client):
    page = admin_client.get("/admin/villages/menanga").get_data(as_text=True)
    assert 'href="/admin/audit?village=51.07.01.2003"' in page
    assert "tenant.suspended" in page


def test_regency_admin_reads_only_their_area(app, history, client, make_user, login):
    login(make_user("regency_admin", area="51.07"))
    listed = actions(client.get("/admin/audit"))
    # Only Menanga's events: nothing from Bangli and no platform-level events (sign-ins, accounts).
    assert "auth.login" not in listed
    assert listed == ["membership.granted", "tenant.suspended", "tenant.provisioned"]
    assert actions(client.get("/admin/audit?village=apuan")) == []
    with app.app_context():
        assert tenant_svc.get_by_slug("apuan").regency_code == "51.06"


def test_anonymous_and_other_roles(history, client, make_user, login):
    assert client.get("/admin/audit").status_code == 302
    login(make_user("village_head", history["Menanga"]))
    assert client.get("/admin/audit").status_code == 403
