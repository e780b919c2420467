"""The regency dashboard: indicators of every village in scope, with totals, charts and an audit event."""

from __future__ import annotations

import re

from sqlalchemy import select

from desacerdas.extensions import db
from desacerdas.models import AuditEvent


def _table(html: str) -> tuple[list[str], dict[str, list[str]], list[str]]:
    """(column labels, {village: cells}, totals) of the indicators table."""
    table = html[html.index('<table class="indicators">') : html.index("</table>")]
    head = [
        " ".join(re.sub(r"<[^>]+>", " ", h).split()) for h in re.findall(r'<th scope="col">(.*?)</th>', table)
    ]
    body = table[table.index("<tbody>") : table.index("</tbody>")]
    rows = {}
    for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        name = re.search(r'<th scope="row">([^<]+)<br>', tr).group(1).strip()
        rows[name] = [c.strip() for c in re.findall(r"<td>(.*?)</td>", tr)]
    foot = table[table.index("<tfoot>") :]
    totals = [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in re.findall(r"<td>(.*?)</td>", foot)]
    return head, rows, totals


def test_indicators_per_village_with_totals_and_charts(rapp, rclient, villages, enable, make_user, login):
    enable(villages["menanga"], "alpha")
    enable(villages["bebandem"], "alpha", "gamma", override="test")
    enable(villages["apuan"], "alpha")  # another regency: not counted
    regency = make_user("regency_admin", area="51.07")
    make_user("operator", villages["menanga"])  # one staff account in Menanga
    login(regency, rclient)
    page = rclient.get("/rollout/indicators")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    head, rows, totals = _table(html)
    assert head == ["Village", "alpha score", "Hamlets", "Staff accounts", "gamma score"]  # by key
    assert set(rows) == {"Menanga", "Rendang", "Bebandem", "Bunutan"}
    assert rows["Menanga"] == ["7", "0", "1", "–"]  # gamma is not enabled there: no value, not zero
    assert rows["Bebandem"] == ["7", "0", "0", "7"]
    assert rows["Rendang"] == ["–", "0", "0", "–"]
    assert totals == ["14", "0", "1", "7"]
    assert html.count('<svg class="chart"') == 3 and 'aria-label="alpha score"' in html
    assert 'aria-label="Hamlets"' not in html  # zero everywhere: no chart
    assert "Apuan" not in html

    with rapp.app_context():
        event = db.session.scalar(
            select(AuditEvent)
            .where(AuditEvent.action == "tenant.cross_village_read")
            .order_by(AuditEvent.id.desc())
        )
    assert event.actor_id == regency.id and event.target == "rollout.indicators"
    assert sorted(event.detail["tenant_ids"]) == sorted(
        villages[s].id for s in ("menanga", "rendang", "bebandem", "bunutan")
    )


def test_indicators_follow_the_filters_and_the_facilitators_scope(
    rclient, villages, enable, make_user, login
):
    enable(villages["menanga"], "alpha")
    login(make_user("facilitator", villages["menanga"]), rclient)
    _head, rows, totals = _table(rclient.get("/rollout/indicators").get_data(as_text=True))
    assert set(rows) == {"Menanga"} and totals[0] == "7"
    with rclient.session_transaction() as s:
        s.clear()
    login(make_user("platform_admin"), rclient)
    _head, rows, _totals = _table(rclient.get("/rollout/indicators?regency=51.06").get_data(as_text=True))
    assert set(rows) == {"Apuan"}


def test_indicators_page_is_for_the_board_audience_only(rclient, villages, make_user, login):
    login(make_user("village_head", villages["menanga"]), rclient)
    assert rclient.get("/rollout/indicators").status_code == 403


def test_a_long_list_is_paged_and_the_totals_count_every_village_of_the_filter(
    rapp, rclient, villages, enable, make_user, login, monkeypatch
):
    """Up to MAX_VILLAGES: the table shows one page, the totals and trends sum every village."""
    monkeypatch.setitem(rapp.config, "PAGE_SIZE", 2)
    for slug in ("menanga", "rendang", "bebandem", "bunutan"):
        enable(villages[slug], "alpha")
    login(make_user("regency_admin", area="51.07"), rclient)
    first = rclient.get("/rollout/indicators").get_data(as_text=True)
    _head, rows, totals = _table(first)
    assert len(rows) == 2 and "Page 1 of 2" in first and "4 villages" in first
    assert totals[0] == "28"  # 4 × 7: every village, not the page's two
    assert "The totals and trends count every village of the filter" in first
    _head, second, totals2 = _table(rclient.get("/rollout/indicators?page=2").get_data(as_text=True))
    assert len(second) == 2 and not set(second) & set(rows) and totals2 == totals


def test_beyond_max_villages_the_page_is_not_counted_and_totals_are_the_pages(
    rapp, rclient, villages, enable, make_user, login, monkeypatch
):
    """Above MAX_VILLAGES (all the villages of a country): only the page's villages are read, so
    the page costs the same however many villages the platform holds, and it says so."""
    from desacerdas.rollout import dashboard

    monkeypatch.setattr(dashboard, "MAX_VILLAGES", 2)
    monkeypatch.setitem(rapp.config, "PAGE_SIZE", 2)
    for slug in villages:
        enable(villages[slug], "alpha")
    login(make_user("platform_admin"), rclient)
    html = rclient.get("/rollout/indicators").get_data(as_text=True)
    _head, rows, totals = _table(html)
    assert len(rows) == 2 and totals[0] == "14"
    assert "More than 2 villages" in html and "Total of this page" in html
    assert "Page 1</span>" in html and 'rel="next"' in html and "Page 1 of" not in html
    with rapp.app_context():
        event = db.session.scalar(
            select(AuditEvent)
            .where(AuditEvent.action == "tenant.cross_village_read")
            .order_by(AuditEvent.id.desc())
        )
    assert len(event.detail["tenant_ids"]) == 2  # the page's villages only were read
    last = rclient.get("/rollout/indicators?page=3").get_data(as_text=True)
    _head, rows3, _totals = _table(last)
    assert len(rows3) == 1 and 'rel="next"' not in last and 'rel="prev"' in last
