"""The start page with many villages: bounded count, cursor pages that walk the whole directory in
order (nothing twice, nothing missed, no suspended village), searches by name start and by code, and
listing SQL that never skips over the directory (no OFFSET on a cursor page)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, insert

from desacerdas.extensions import db
from desacerdas.models import Tenant
from desacerdas.web import home

MANY = home.COUNT_CAP + 180  # beyond the exact count


def _rows(count: int, suspended_every: int = 0) -> list[dict]:
    now = datetime.now(UTC)
    rows = []
    for n in range(count):
        d = f"9{n // 1000 + 1}.{(n // 100) % 10 + 1:02d}.{(n // 10) % 10 + 1:02d}"
        rows.append(
            {
                "code": f"{d}.{2001 + n % 10}",
                "slug": f"uji-{n:05d}",
                # names out of code order, so the directory's own order is what the test checks
                "name": f"{'Kelod' if n % 2 else 'Banjar'} Uji {(n * 7919) % count:05d}",
                "kind": "desa",
                "district_code": d,
                "district_name": f"Kec {d}",
                "regency_code": d[:5],
                "regency_name": f"Kab {d[:5]}",
                "province_code": d[:2],
                "province_name": "Uji",
                "status": "suspended" if suspended_every and n % suspended_every == 0 else "active",
                "profile": {},
                "created_at": now,
                "updated_at": now,
            }
        )
    return rows


@pytest.fixture
def many(app):
    rows = _rows(MANY, suspended_every=50)
    with app.app_context():
        db.session.execute(insert(Tenant), rows)
        db.session.commit()
    active = [r for r in rows if r["status"] == "active"]
    return sorted(active, key=lambda r: (r["district_code"], r["name"]))


@pytest.fixture
def page_size(app):
    old = app.config["PAGE_SIZE"]
    app.config["PAGE_SIZE"] = 100
    yield 100
    app.config["PAGE_SIZE"] = old


def _slugs(body: str) -> list[str]:
    return re.findall(r'href="/desa/([a-z0-9-]+)/"', body)


def _link(body: str, rel: str) -> str | None:
    found = re.search(rf'<a href="(\?[^"]*)" rel="{rel}">', body)
    return found.group(1).replace("&amp;", "&") if found else None


def test_cursor_pages_walk_the_whole_directory_in_order(app, client, many, page_size):
    body = client.get("/").get_data(as_text=True)
    assert f"More than {home.COUNT_CAP} villages" in body
    seen, pages = [], []
    while True:
        seen += _slugs(body)
        pages.append(body)
        nxt = _link(body, "next")
        if nxt is None:
            break
        assert "after=" in nxt
        body = client.get("/" + nxt).get_data(as_text=True)
    assert seen == [r["slug"] for r in many]  # every active village once, in directory order
    assert "Page 2" in pages[1] and 'rel="first"' in pages[1]
    # back from the third page: the second page again
    prev = _link(pages[2], "prev")
    assert "before=" in prev
    assert _slugs(client.get("/" + prev).get_data(as_text=True)) == _slugs(pages[1])
    # back from the second page: the first page, numbered 1
    first = client.get("/" + _link(pages[1], "prev")).get_data(as_text=True)
    assert _slugs(first) == _slugs(pages[0]) and "Page 1" in first


def test_cursor_pages_read_one_page_from_the_index(app, client, many, page_size):
    statements: list[str] = []
    offsets: list[object] = []

    def remember(conn, cursor, statement, parameters, *args) -> None:  # noqa: ANN001
        statements.append(statement)
        if "OFFSET" in statement and "FROM tenants" in statement:
            # SQLite renders ``LIMIT ? OFFSET ?`` with 0 when no offset is asked for
            offsets.append(parameters[-1] if isinstance(parameters, tuple | list) else parameters)

    nxt = _link(client.get("/").get_data(as_text=True), "next")
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", remember)
    try:
        assert client.get("/" + nxt).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    listing = [s for s in statements if "FROM tenants" in s and "ORDER BY" in s]
    assert listing and all("LIMIT" in s for s in listing)
    assert all(o == 0 for o in offsets)
    counts = [s for s in statements if "count(" in s.lower() and "tenants" in s]
    assert counts and all("LIMIT" in s for s in counts)  # the count stops at COUNT_CAP + 1


def test_old_page_links_still_work(app, client, many, page_size):
    second = client.get("/?page=2").get_data(as_text=True)
    assert _slugs(second) == [r["slug"] for r in many[100:200]]
    assert client.get("/?page=999999999").status_code == 200  # past the end: empty, no error


def test_search_by_name_start_and_by_code(app, client, many, make_village):
    menanga = make_village("51.07.01.2003")
    for q in ("mena", "MENANGA", "  Menanga "):
        assert _slugs(client.get("/", query_string={"q": q}).get_data(as_text=True)) == [menanga.slug]
    assert menanga.slug in client.get("/?q=51.07").get_data(as_text=True)
    assert menanga.slug not in client.get("/?q=51.08").get_data(as_text=True)
    # a code prefix lists that district's villages, in code order
    district = [r for r in many if r["district_code"] == "91.01.01"]
    found = _slugs(client.get("/?q=91.01.01").get_data(as_text=True))
    assert found == [r["slug"] for r in sorted(district, key=lambda r: r["code"])]
    # wildcards are text, not patterns
    for q in ("%", "_", "Banjar_Uji", "\\"):
        assert client.get("/", query_string={"q": q}).get_data(as_text=True).count('href="/desa/') == 0
    banjar = client.get("/?q=banjar uji").get_data(as_text=True)
    assert "More than" not in banjar and "village" in banjar


def test_few_villages_keep_numbered_pages(app, client, make_village):
    make_village("51.07.01.2003")
    make_village("51.07.06.2003")
    app.config["PAGE_SIZE"] = 1
    try:
        first = client.get("/").get_data(as_text=True)
        nxt = _link(first, "next")
        second = client.get("/" + nxt).get_data(as_text=True)
    finally:
        app.config["PAGE_SIZE"] = 25
    assert "2 villages" in first and "Page 1 of 2" in first and "Page 2 of 2" in second
    assert set(_slugs(first)) | set(_slugs(second)) == {"menanga", "bebandem"}
