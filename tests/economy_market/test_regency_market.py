"""The regency-wide market (``/pasar/<regency>``): every village's public products of the regency,
on a public page, through the one audited reader of the listing.

Two villages of Karangasem (51.07): Menanga and Bebandem. Only approved sellers' active products
appear; a hidden product, a suspended seller's and an applied seller's products never do; no private
field of a seller or a product (owner, phone, NIB/NPWP, stock count, the owner's NIK) reaches the
page; one ``market.regency_read`` audit event per view. On PostgreSQL, the listing's Row-Level
Security keeps each village to its own rows.
"""

from __future__ import annotations

import os
import re
import uuid

import pytest
from smart_economy.catalogue import service as catalogue
from smart_economy.sellers import service as sellers
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from desacerdas.extensions import db
from desacerdas.models import AuditEvent, Tenant, TenantStatus
from desacerdas.services import documents
from desacerdas.tenancy import tenant_session

from .conftest import SHOP, picture, run

PG_URL = os.environ.get("DESA_TEST_DATABASE_URL")
pg_only = pytest.mark.skipif(
    not PG_URL,
    reason="Row-Level Security is PostgreSQL's: SQLite has none (CI lane 2 runs this on PostgreSQL)",
)

NIB, NPWP = "9120301234567", "012345678901234"
STOCK = 98_765  # a count no page may show


def _shop(app, village, who: str, name: str, *, approve: bool = True, **extra) -> uuid.UUID:  # noqa: ANN001
    fields = {**SHOP, "business_name": name, **extra}
    sid = run(app, village, who, lambda s, t, u: sellers.apply(s, t, u, **fields).id)
    if approve:
        _move(app, village, sid, "approve")
    return sid


def _move(app, village, sid, action: str, note: str | None = None) -> None:  # noqa: ANN001
    run(
        app,
        village,
        "operator",
        lambda s, t, u: sellers.move(s, t, u, sellers.get(s, t, u, sid), action, note),
    )


def _product(app, village, sid, who: str, name: str, category: str, price: int, **kw) -> uuid.UUID:  # noqa: ANN001
    values = {"name": name, "category": category, "price": price, "unit": "bungkus", "stock": STOCK, **kw}
    return run(
        app, village, who, lambda s, t, u: catalogue.save(s, t, u, sellers.get(s, t, u, sid), **values).id
    )


def _photo(app, village, who: str, pid) -> uuid.UUID:  # noqa: ANN001
    def _add(s, t, u):  # noqa: ANN001, ANN202
        row = catalogue.add_photo(s, t, u, catalogue.get(s, t, pid), documents.NewFile(picture(480), "f.jpg"))
        return row.thumb_document_id

    return run(app, village, who, _add)


@pytest.fixture
def market(app, mv, mv_b):  # noqa: ANN001, ANN201
    """Menanga: Wayan's approved shop (nasi campur with a photo, kopi, a hidden product) and Made's
    application (not approved, one product). Bebandem: Wayan's approved shop (salak) and Made's
    suspended shop (keben)."""
    ids: dict[str, uuid.UUID] = {}
    a = _shop(app, mv, "wayan", "Warung Men Sari", nib=NIB, npwp=NPWP)
    ids["nasi"] = _product(app, mv, a, "wayan", "Nasi campur", "food", 20_000)
    ids["kopi"] = _product(app, mv, a, "wayan", "Kopi robusta", "drink", 35_000, stock=None)
    ids["hidden"] = _product(app, mv, a, "wayan", "Lawar tersembunyi", "food", 25_000, active=False)
    ids["thumb"] = _photo(app, mv, "wayan", ids["nasi"])
    applied = _shop(app, mv, "made", "Laundry Kiloan Banjar", approve=False, category="service")
    ids["laundry"] = _product(app, mv, applied, "made", "Cuci kiloan", "service", 7_000)
    b = _shop(app, mv_b, "wayan", "Kebun Salak Sibetan", category="produce")
    ids["salak"] = _product(app, mv_b, b, "wayan", "Salak Sibetan", "produce", 15_000)
    suspended = _shop(app, mv_b, "made", "Anyaman Ibu Kadek", category="craft")
    ids["keben"] = _product(app, mv_b, suspended, "made", "Keben anyaman", "craft", 85_000)
    _move(app, mv_b, suspended, "suspend", "Foto produk belum sesuai")
    return ids


PUBLIC = ("Nasi campur", "Kopi robusta", "Salak Sibetan")
NEVER = ("Lawar tersembunyi", "Cuci kiloan", "Laundry Kiloan Banjar", "Keben anyaman", "Anyaman Ibu Kadek")


def _page(client, path: str) -> str:  # noqa: ANN001
    resp = client.get(path)
    assert resp.status_code == 200, (path, resp.status_code)
    return resp.get_data(as_text=True)


def _reads(app) -> int:  # noqa: ANN001
    with app.app_context():
        n = db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "market.regency_read")
        )
        db.session.remove()
        return n


def test_the_regency_page_lists_every_villages_public_products(app, client, mv, mv_b, market) -> None:  # noqa: ANN001
    html = _page(client, "/pasar/51.07")
    for name in PUBLIC:
        assert name in html
    for name in NEVER:
        assert name not in html
    assert "Kabupaten Karangasem" in html  # the regency in words
    assert "Rp 20.000" in html and "Rp 35.000" in html and "Rp 15.000" in html
    assert "Warung Men Sari" in html and "Kebun Salak Sibetan" in html  # the sellers
    assert "Menanga" in html and "Bebandem" in html  # the villages
    assert "Food" in html and "Drinks" in html and "Farm and garden produce" in html  # categories in words
    assert f"/desa/{mv.slug}/smart_economy/market/products/{market['nasi']}" in html
    assert f"/desa/{mv_b.slug}/smart_economy/market/products/{market['salak']}" in html
    thumb = re.search(rf'<img src="/desa/{mv.slug}/documents/{market["thumb"]}/download"[^>]*>', html)
    assert thumb is not None
    assert (
        'loading="lazy"' in thumb.group(0)
        and 'width="96"' in thumb.group(0)
        and 'height="96"' in thumb.group(0)
    )
    assert client.get(f"/desa/{mv.slug}/documents/{market['thumb']}/download").status_code == 200
    # the whole platform's page has them too
    everywhere = _page(client, "/pasar")
    assert all(name in everywhere for name in PUBLIC) and not any(name in everywhere for name in NEVER)


def test_village_and_category_filters(app, client, mv, mv_b, market) -> None:  # noqa: ANN001
    html = _page(client, "/pasar/51.07")
    menu = re.search(r'<select id="village" name="village">(.*?)</select>', html, re.S).group(1)
    assert f'value="{mv.slug}"' in menu and f'value="{mv_b.slug}"' in menu
    only_b = _page(client, f"/pasar/51.07?village={mv_b.slug}")
    assert "Salak Sibetan" in only_b and "Nasi campur" not in only_b and "Kopi robusta" not in only_b
    assert f'<option value="{mv_b.slug}" selected>' in only_b
    drinks = _page(client, "/pasar/51.07?category=drink")
    assert "Kopi robusta" in drinks and "Nasi campur" not in drinks and "Salak Sibetan" not in drinks
    words = _page(client, "/pasar/51.07?q=SALAK")
    assert "Salak Sibetan" in words and "Nasi campur" not in words
    # an unknown village or category is no filter at all (never an error)
    unknown = _page(client, "/pasar/51.07?village=atlantis&category=gambling")
    assert all(name in unknown for name in PUBLIC)
    # choosing a regency on the platform's page goes to the regency's page, filters kept
    resp = client.get("/pasar?regency=51.07&category=drink")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/pasar/51.07?category=drink")


def test_no_private_field_reaches_the_page(app, client, mv, mv_b, market) -> None:  # noqa: ANN001
    from smart_government.registry.models import Resident

    niks = []
    for village in (mv, mv_b):
        with app.app_context(), tenant_session(village.id) as s:
            niks += list(s.scalars(select(Resident.nik)))
    assert niks
    pages = [
        _page(client, path)
        for path in (
            "/pasar/51.07",
            "/pasar",
            f"/pasar/51.07?village={mv.slug}",
            "/pasar/51.07?category=food",
        )
    ]
    private = [
        "I Wayan Sudarsana",  # the owner's name (from the registry)
        "I Made Kelod",
        "81237001001",  # the seller's phone (+6281237001001)
        "3700 1001",
        NIB,
        NPWP,
        str(STOCK),
        f"{STOCK:,}",
        f"{STOCK:,}".replace(",", "."),
        "Foto produk belum sesuai",  # the suspension reason
        *niks,
    ]
    for html in pages:
        for value in private:
            assert value not in html, value


def test_one_audit_event_per_view(app, client, mv, mv_b, market) -> None:  # noqa: ANN001
    before = _reads(app)
    _page(client, "/pasar/51.07")
    assert _reads(app) == before + 1
    _page(client, f"/pasar/51.07?village={mv.slug}&page=2")
    _page(client, "/pasar")
    assert _reads(app) == before + 3
    with app.app_context():
        last = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "market.regency_read").order_by(AuditEvent.id)
        ).all()
        assert [e.target for e in last[-3:]] == ["regency:51.07", "regency:51.07", "regency:all"]
        assert last[-3].actor_id is None and last[-3].tenant_id is None


def test_another_regency_shows_none_of_them(app, client, make_village, mv, mv_b, market) -> None:  # noqa: ANN001
    make_village("51.06.01.2001")  # Apuan, Kabupaten Bangli
    html = _page(client, "/pasar/51.06")
    assert "Kabupaten Bangli" in html
    for name in (*PUBLIC, *NEVER, "Menanga", "Bebandem"):
        assert name not in html
    assert "Nothing on the market yet." in html
    assert client.get("/pasar/99.99").status_code == 404  # no village of that regency
    assert client.get("/pasar/karangasem").status_code == 404
    assert client.get("/pasar/51.07.01").status_code == 404


def test_a_suspended_village_leaves_the_regency_page(app, client, mv, mv_b, market) -> None:  # noqa: ANN001
    with app.app_context():
        db.session.get(Tenant, mv_b.id).status = TenantStatus.SUSPENDED
        db.session.commit()
        db.session.remove()
    html = _page(client, "/pasar/51.07")
    assert "Nasi campur" in html and "Salak Sibetan" not in html
    assert f'value="{mv_b.slug}"' not in html


def test_a_signed_in_viewer_is_the_events_actor(app, client, login, make_user, mv, market) -> None:  # noqa: ANN001
    person = make_user("regency_admin", area="51.07")
    login(person)
    _page(client, "/pasar/51.07?lang=id")
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "market.regency_read")
            .order_by(AuditEvent.id.desc())
        ).first()
        assert event.actor_id == person.id


def test_paging_far_past_the_end_is_an_empty_page(app, client, mv, market) -> None:  # noqa: ANN001
    html = _page(client, "/pasar/51.07?page=9223372036854775808")
    assert "No product" in html or "Nothing on the market yet." in html


@pg_only
def test_a_village_session_sees_and_writes_only_its_own_listing(app, mv, mv_b, market) -> None:  # noqa: ANN001
    with app.app_context():
        with tenant_session(mv.id) as s:
            seen = s.execute(text("SELECT tenant_id, name FROM market_listings")).all()
            assert {r[0] for r in seen} == {mv.id}
            assert sorted(r[1] for r in seen) == ["Kopi robusta", "Nasi campur"]
            of_b = text("SELECT count(*) FROM market_listings WHERE tenant_id = :b")
            assert s.execute(of_b, {"b": mv_b.id}).scalar() == 0
        with tenant_session(mv.id) as s, pytest.raises(DBAPIError) as refused:
            s.execute(
                text(
                    "INSERT INTO market_listings (tenant_id, regency_code, village_slug, village_name,"
                    " product_id, seller_id, seller_name, name, name_search, category, price, unit,"
                    " available, updated_at) VALUES (:t, '51.07', :slug, 'Bebandem', :p, :s, 'Palsu',"
                    " 'Produk palsu', 'produk palsu', 'food', 1000, 'pcs', true, now())"
                ),
                {"t": mv_b.id, "slug": mv_b.slug, "p": uuid.uuid4(), "s": uuid.uuid4()},
            )
        assert "row-level security" in str(refused.value).lower()
        # nor change or take away the other village's rows: they are not there for it
        with tenant_session(mv.id) as s:
            cheaper = text("UPDATE market_listings SET price = 1 WHERE tenant_id = :b")
            assert s.execute(cheaper, {"b": mv_b.id}).rowcount == 0
            assert (
                s.execute(text("DELETE FROM market_listings WHERE tenant_id = :b"), {"b": mv_b.id}).rowcount
                == 0
            )
            s.commit()
        with tenant_session(mv_b.id) as s:
            assert s.execute(text("SELECT name, price FROM market_listings")).all() == [
                ("Salak Sibetan", 15_000)
            ]
        # a raw connection that set neither a village nor the platform flag sees nothing
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM market_listings")).scalar() == 0
