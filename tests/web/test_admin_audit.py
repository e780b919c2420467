"""The audit log page: filters by village, action prefix and date range; paging; who may read it.

Events are listed in words (the shared test app speaks English; ``?lang=id`` for Indonesian), the
code staying only in ``data-action``. The From/Until days are read on the clock the rows are shown
on: one village's zone when the view holds one village (or villages sharing a zone), else the
platform's zone (UTC), which the page says.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest

from desacerdas.extensions import db
from desacerdas.models import AuditEvent
from desacerdas.services import audit
from desacerdas.services import tenants as tenant_svc

# What the reader sees for each code, in English and in Indonesian.
WORDS = {
    "auth.login": ("Signed in successfully", "Berhasil masuk"),
    "user.created": ("Account created", "Akun dibuat"),
    "tenant.provisioned": ("Village registered", "Desa didaftarkan"),
    "tenant.suspended": ("Village suspended", "Desa ditangguhkan"),
    "tenant.resumed": ("Village resumed", "Desa diaktifkan kembali"),
    "membership.granted": ("Role given", "Peran diberikan"),
}
EN = {code: words[0] for code, words in WORDS.items()}
ID = {code: words[1] for code, words in WORDS.items()}
ROW = re.compile(r'<strong data-action="([a-z_.]+)">([^<]+)</strong>')


def visible(page: str) -> str:
    """The page's text as read: no tags (so no attributes), entities decoded."""
    body = page.split("<main", 1)[-1]
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def actions(resp) -> list[str]:  # noqa: ANN001
    """The words of every listed event, newest first; no event's code is left in the visible text."""
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    rows = ROW.findall(page)
    shown = visible(page)
    for code, words in rows:
        assert words.strip() != code
        assert code not in shown, f"the code {code} is shown on the page"
    return [html.unescape(words).strip() for _, words in rows]


def words(*codes: str, lang: dict[str, str] = EN) -> list[str]:
    return [lang[code] for code in codes]


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
    assert listed == words(
        "auth.login",
        "user.created",
        "auth.login",
        "tenant.provisioned",
        "membership.granted",
        "tenant.suspended",
        "tenant.provisioned",
    )


def test_events_read_in_the_page_language(history, admin_client):
    resp = admin_client.get("/admin/audit?village=menanga&lang=id")
    assert actions(resp) == words("membership.granted", "tenant.suspended", "tenant.provisioned", lang=ID)
    page = resp.get_data(as_text=True)
    assert 'data-action="tenant.suspended"' in page  # the code stays for tools, out of sight
    assert "Village suspended" not in page


def test_event_rows_name_and_link_their_village(history, admin_client):
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert '<a href="/admin/villages/menanga">Menanga</a>' in page
    assert '<a href="/admin/villages/apuan">Apuan</a>' in page
    assert "ops@example.test" in page


@pytest.mark.parametrize("village", ["51.07.01.2003", "menanga", "5107012003", " Menanga "])
def test_filter_by_village_code_or_slug(history, admin_client, village):
    listed = actions(admin_client.get("/admin/audit", query_string={"village": village}))
    assert listed == words("membership.granted", "tenant.suspended", "tenant.provisioned")


def test_unknown_village_filter_says_so_and_shows_nothing(history, admin_client):
    resp = admin_client.get("/admin/audit", query_string={"village": "51.99.99.9999"})
    assert actions(resp) == []
    assert "No village with this code or slug." in resp.get_data(as_text=True)


def test_filter_by_action_prefix(history, admin_client):
    assert actions(admin_client.get("/admin/audit?action=tenant.")) == words(
        "tenant.provisioned",
        "tenant.suspended",
        "tenant.provisioned",
    )
    assert actions(admin_client.get("/admin/audit?action=tenant.suspended")) == words("tenant.suspended")
    assert actions(admin_client.get("/admin/audit?action=membership")) == words("membership.granted")
    assert actions(admin_client.get("/admin/audit?action=nothing")) == []


def test_filter_by_date_range(history, admin_client):
    # Seeded at 09:00 UTC: 10 Mar provisioned, 11 suspended, 12 granted, 13 Apuan provisioned, 14 login.
    assert actions(admin_client.get("/admin/audit?since=2025-03-11&until=2025-03-12")) == words(
        "membership.granted",
        "tenant.suspended",
    )
    assert actions(admin_client.get("/admin/audit?until=2025-03-10")) == words("tenant.provisioned")
    assert actions(admin_client.get("/admin/audit?since=2025-03-14&until=2025-03-14")) == words("auth.login")
    assert actions(admin_client.get("/admin/audit?since=2025-03-15&until=2025-03-20")) == []


@pytest.fixture
def late_evening(app, history):
    """Menanga (Bali, WITA = UTC+8) at 23:30 UTC on 10 March: 07:30 on 11 March in the village."""
    with app.app_context():
        event = audit.record(
            "tenant.resumed", tenant_id=history["Menanga"].id, actor_label="ops@example.test"
        )
        event.at = datetime(2025, 3, 10, 23, 30, tzinfo=UTC)
        db.session.commit()
    return history


def test_one_village_days_are_on_its_clock(late_evening, admin_client):
    resp = admin_client.get("/admin/audit?village=menanga&action=tenant.resumed&lang=id")
    page = resp.get_data(as_text=True)
    assert re.search(r"<time [^>]*>11/3/25,? 07.30 WITA</time>", page), page  # 11 March in Menanga
    assert "Dari tanggal dan sampai tanggal dibaca menurut jam Menanga (WITA)." in visible(page)

    # the reader chose Indonesian: the session keeps it
    def listed(query: str) -> list[str]:
        return actions(admin_client.get(f"/admin/audit?village=menanga&action=tenant.resumed&{query}"))

    assert listed("since=2025-03-11&until=2025-03-11") == words("tenant.resumed", lang=ID)
    assert listed("until=2025-03-10") == []  # 10 March in UTC, not in Menanga
    assert listed("since=2025-03-12") == []
    assert listed("since=2025-03-10&until=2025-03-10") == []  # the UTC day is not the village's day


def test_regency_admin_days_are_on_their_villages_clock(late_evening, client, make_user, login):
    login(make_user("regency_admin", area="51.07"))  # Karangasem: every village on WITA
    resp = client.get("/admin/audit?action=tenant.resumed&since=2025-03-11&until=2025-03-11")
    assert actions(resp) == words("tenant.resumed")
    assert "From and Until are days on the WITA clock." in visible(resp.get_data(as_text=True))


def test_whole_platform_days_are_on_the_platform_clock_and_the_page_says_so(late_evening, admin_client):
    resp = admin_client.get("/admin/audit?action=tenant.resumed&since=2025-03-11")
    assert "From and Until are days on the UTC clock." in visible(resp.get_data(as_text=True))
    assert actions(resp) == []  # 23:30 UTC is still 10 March on the platform's clock
    listed = actions(admin_client.get("/admin/audit?action=tenant.resumed&since=2025-03-10&until=2025-03-10"))
    assert listed == words("tenant.resumed")


def test_filters_combine(history, admin_client):
    resp = admin_client.get(
        "/admin/audit", query_string={"village": "menanga", "action": "tenant.", "since": "2025-03-11"}
    )
    assert actions(resp) == words("tenant.suspended")


def test_invalid_date_is_reported_and_ignored(history, admin_client):
    resp = admin_client.get("/admin/audit?since=yesterday")
    assert resp.status_code == 200
    assert 'aria-invalid="true"' in resp.get_data(as_text=True)
    assert len(actions(resp)) == 7


def test_pagination_keeps_filters(app, history, admin_client, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    first = admin_client.get("/admin/audit?action=tenant.")
    page = first.get_data(as_text=True)
    assert actions(first) == words("tenant.provisioned", "tenant.suspended")
    assert "Page 1 of 2" in page
    assert 'href="/admin/audit?action=tenant.&amp;page=2" rel="next"' in page
    assert actions(admin_client.get("/admin/audit?action=tenant.&page=2")) == words("tenant.provisioned")


def test_village_detail_links_to_its_filtered_log(history, admin_client):
    page = admin_client.get("/admin/villages/menanga").get_data(as_text=True)
    assert 'href="/admin/audit?village=51.07.01.2003"' in page
    assert EN["tenant.suspended"] in page
    assert "tenant.suspended" not in visible(page)


def test_regency_admin_reads_only_their_area(app, history, client, make_user, login):
    login(make_user("regency_admin", area="51.07"))
    listed = actions(client.get("/admin/audit"))
    # Only Menanga's events: nothing from Bangli and no platform-level events (sign-ins, accounts).
    assert EN["auth.login"] not in listed
    assert listed == words("membership.granted", "tenant.suspended", "tenant.provisioned")
    assert actions(client.get("/admin/audit?village=apuan")) == []
    with app.app_context():
        assert tenant_svc.get_by_slug("apuan").regency_code == "51.06"


def test_anonymous_and_other_roles(history, client, make_user, login):
    assert client.get("/admin/audit").status_code == 302
    login(make_user("village_head", history["Menanga"]))
    assert client.get("/admin/audit").status_code == 403
