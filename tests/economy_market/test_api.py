"""The market API: the whole flow (apply → approve → product → photo → the public market →
suspend → gone), 422 for bad bodies and the services' refusals with their code, the public
endpoints' exact fields (never the owner's NIK, NIB, NPWP, ids or stock), and every endpoint
probed by every role (a resident, the shop's owner, a facilitator, both hamlet heads, staff of
another village)."""

from __future__ import annotations

import io
import json
import uuid
from dataclasses import dataclass
from urllib.parse import unquote

import pytest
from smart_economy.catalogue import service as catalogue
from smart_economy.sellers import service as sellers
from sqlalchemy import select

from desacerdas.models import MarketListing
from desacerdas.services import documents
from desacerdas.tenancy import tenant_session
from desacerdas.testing import support

from .conftest import SHOP, picture, run

NIB, NPWP = "9120001234567", "5107011705900001"  # an individual's NPWP is their NIK
PRODUCT = {"name": "Nasi campur", "category": "food", "price": 20_000, "unit": "bungkus"}
PUBLIC_PRODUCT_KEYS = {
    "id",
    "name",
    "category",
    "price",
    "unit",
    "available",
    "seller_id",
    "seller_name",
    "thumb_url",
}
PUBLIC_DETAIL_KEYS = PUBLIC_PRODUCT_KEYS | {"description", "photos", "whatsapp_url"}
PUBLIC_SELLER_KEYS = {
    "id",
    "kind",
    "business_name",
    "category",
    "description",
    "hamlet",
    "pickup_address",
    "whatsapp_url",
}


def _h(app, person):  # noqa: ANN001, ANN202
    return {**support.api_headers(app, person), "Accept-Language": "en"}


def _error(resp, status: int, code: str | None = None) -> dict:  # noqa: ANN001
    assert resp.status_code == status, resp.get_data(as_text=True)
    body = resp.get_json()["error"]
    if code is not None:
        assert body["code"] == code, body
    return body


def _photo(client, village, pid: str, headers, data: bytes | None = None):  # noqa: ANN001, ANN202
    return client.post(
        village.api(f"products/{pid}/photos"),
        data={"file": (io.BytesIO(data) if data is not None else picture(), "nasi.jpg")},
        headers=headers,
        content_type="multipart/form-data",
    )


def _listed(app, village) -> list[str]:  # noqa: ANN001
    with app.app_context(), tenant_session(village.id) as s:
        return sorted(r.name for r in s.scalars(select(MarketListing)))


# -- the whole flow ---------------------------------------------------------------------------------


def test_the_whole_flow_through_the_api(app, client, mv):  # noqa: ANN001
    wayan, operator = _h(app, mv.people["wayan"]), _h(app, mv.people["operator"])
    assert _error(client.get(mv.api("sellers/mine"), headers=wayan), 404, "not_found")["message"]

    # wayan applies; his hamlet comes from the registry
    body = {**SHOP, "phone": "0812 3700 1001", "nib": NIB, "npwp": NPWP, "pickup_address": "Depan pura"}
    resp = client.post(mv.api("sellers"), json=body, headers=wayan)
    assert resp.status_code == 201, resp.get_json()
    shop = resp.get_json()
    sid = shop["id"]
    assert (shop["status"], shop["kind"], shop["phone"], shop["nib"], shop["npwp"]) == (
        "applied",
        "umkm",
        "+6281237001001",
        NIB,
        NPWP,
    )
    assert (shop["hamlet_id"], shop["hamlet"]) == (str(mv.kaja), "Banjar Dinas Kaja")
    assert shop["owner_name"] == "I Wayan Sudarsana" and shop["owner_resident_id"] == str(
        mv.residents["wayan"]
    )
    assert [s["to_state"] for s in shop["steps"]] == ["applied"] and shop["allowed_actions"] == []
    assert client.get(mv.api("sellers/mine"), headers=wayan).get_json()["id"] == sid

    # the operator finds the application and approves it
    listed = client.get(mv.api("sellers?status=applied&q=men%20sari"), headers=operator)
    assert listed.status_code == 200 and [s["id"] for s in listed.get_json()] == [sid]
    assert json.loads(listed.headers["X-Pagination"])["total"] == 1
    assert client.get(mv.api("sellers?status=approved"), headers=operator).get_json() == []
    assert client.get(mv.api("sellers?kind=bumdes"), headers=operator).get_json() == []
    seen = client.get(mv.api(f"sellers/{sid}"), headers=operator).get_json()
    assert seen["allowed_actions"] == ["approve", "refuse"]
    resp = client.post(mv.api(f"sellers/{sid}/approve"), json={}, headers=operator)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["status"] == "approved" and resp.get_json()["allowed_actions"] == ["suspend"]

    # wayan keeps his shop: a product, a photo, a new pickup place
    resp = client.post(mv.api(f"sellers/{sid}/products"), json={**PRODUCT, "stock": 5}, headers=wayan)
    assert resp.status_code == 201, resp.get_json()
    product = resp.get_json()
    pid = product["id"]
    assert (product["public"], product["active"], product["stock"], product["photos"]) == (True, True, 5, [])
    resp = _photo(client, mv, pid, wayan)
    assert resp.status_code == 201, resp.get_json()
    photo = resp.get_json()
    assert set(photo) == {
        "id",
        "product_id",
        "position",
        "document_id",
        "thumb_document_id",
        "url",
        "thumb_url",
    }
    assert photo["product_id"] == pid and photo["position"] == 0
    assert photo["thumb_url"] == f"/desa/{mv.slug}/documents/{photo['thumb_document_id']}/download"
    resp = client.patch(mv.api(f"sellers/{sid}"), json={"pickup_address": "Pasar Kaja"}, headers=wayan)
    assert resp.status_code == 200, resp.get_json()
    changed = resp.get_json()
    assert (changed["pickup_address"], changed["business_name"], changed["nib"], changed["status"]) == (
        "Pasar Kaja",
        "Warung Men Sari",
        NIB,
        "approved",
    )
    hidden = client.post(
        mv.api(f"sellers/{sid}/products"), json={**PRODUCT, "name": "Tipat", "active": False}, headers=wayan
    ).get_json()
    mine = client.get(mv.api(f"sellers/{sid}/products"), headers=wayan).get_json()
    assert [(p["name"], p["public"]) for p in mine] == [("Nasi campur", True), ("Tipat", False)]
    assert [p["id"] for p in mine[0]["photos"]] == [photo["id"]]
    only_hidden = client.get(mv.api(f"sellers/{sid}/products?active=false"), headers=wayan).get_json()
    assert [p["id"] for p in only_hidden] == [hidden["id"]]

    # the public market, no token: the active product, with its thumbnail; the hidden one never
    visitor = app.test_client()
    market = visitor.get(mv.api("market/products"))
    assert market.status_code == 200, market.get_json()
    assert [p["id"] for p in market.get_json()] == [pid]
    item = market.get_json()[0]
    assert set(item) == PUBLIC_PRODUCT_KEYS
    assert (item["price"], item["unit"], item["available"], item["seller_id"], item["seller_name"]) == (
        20_000,
        "bungkus",
        True,
        sid,
        "Warung Men Sari",
    )
    assert item["thumb_url"] == photo["thumb_url"]
    thumb = visitor.get(item["thumb_url"])
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    assert [p["id"] for p in visitor.get(mv.api(f"market/products?seller={sid}&q=NASI")).get_json()] == [pid]
    assert visitor.get(mv.api("market/products?category=craft")).get_json() == []
    _error(visitor.get(mv.api(f"market/products/{hidden['id']}")), 404, "not_found")
    detail = visitor.get(mv.api(f"market/products/{pid}")).get_json()
    assert set(detail) == PUBLIC_DETAIL_KEYS
    assert detail["photos"] == [{"url": photo["url"], "thumb_url": photo["thumb_url"]}]
    number, _sep, said = detail["whatsapp_url"].partition("?text=")
    assert number == "https://wa.me/6281237001001"
    assert "Nasi campur (Rp 20.000 per bungkus)" in unquote(said)
    assert unquote(said).endswith(f"/desa/{mv.slug}/smart_economy/market/products/{pid}")
    face = visitor.get(mv.api(f"market/sellers/{sid}")).get_json()
    assert face == {
        "id": sid,
        "kind": "umkm",
        "business_name": "Warung Men Sari",
        "category": "food",
        "description": None,
        "hamlet": "Banjar Dinas Kaja",
        "pickup_address": "Pasar Kaja",
        "whatsapp_url": face["whatsapp_url"],
    }
    number, _sep, said = face["whatsapp_url"].partition("?text=")
    assert number == "https://wa.me/6281237001001" and "Warung Men Sari" in unquote(said)
    assert unquote(said).endswith(f"/desa/{mv.slug}/smart_economy/market/sellers/{sid}")
    for text in (market.get_data(as_text=True), json.dumps(detail), json.dumps(face)):
        for private in (NIB, NPWP, "I Wayan", str(mv.residents["wayan"]), "owner", "stock"):
            assert private not in text
    assert _listed(app, mv) == ["Nasi campur"]

    # sold out: still listed, not available; the stock count is never told
    client.patch(mv.api(f"products/{pid}"), json={"stock": 0}, headers=wayan)
    assert visitor.get(mv.api("market/products")).get_json()[0]["available"] is False

    # suspended: gone from the market, the village's and the regency's, at once
    _error(client.post(mv.api(f"sellers/{sid}/suspend"), json={}, headers=operator), 400, "note_required")
    resp = client.post(mv.api(f"sellers/{sid}/suspend"), json={"note": "Foto menyesatkan"}, headers=operator)
    assert resp.status_code == 200, resp.get_json()
    assert (resp.get_json()["status"], resp.get_json()["suspension_reason"]) == (
        "suspended",
        "Foto menyesatkan",
    )
    assert visitor.get(mv.api("market/products")).get_json() == []
    _error(visitor.get(mv.api(f"market/products/{pid}")), 404, "not_found")
    _error(visitor.get(mv.api(f"market/sellers/{sid}")), 404, "not_found")
    assert _listed(app, mv) == []
    mine = client.get(mv.api("sellers/mine"), headers=wayan).get_json()
    assert mine["status"] == "suspended" and mine["suspension_reason"] == "Foto menyesatkan"
    assert [s["to_state"] for s in mine["steps"]] == ["applied", "approved", "suspended"]

    resp = client.post(mv.api(f"sellers/{sid}/reinstate"), json={}, headers=operator)
    assert resp.status_code == 200 and resp.get_json()["suspension_reason"] is None
    assert [p["id"] for p in visitor.get(mv.api("market/products")).get_json()] == [pid]


def test_staff_register_and_keep_a_bumdes_unit(app, client, mv):  # noqa: ANN001
    head = _h(app, mv.people["head"])
    body = {"business_name": "Unit Dagang BUMDes", "category": "produce", "phone": "+6281237009009"}
    resp = client.post(mv.api("sellers/bumdes"), json=body, headers=head)
    assert resp.status_code == 201, resp.get_json()
    unit = resp.get_json()
    assert (unit["kind"], unit["status"], unit["owner_user_id"], unit["hamlet_id"]) == (
        "bumdes",
        "approved",
        None,
        None,
    )
    resp = client.post(
        mv.api(f"sellers/{unit['id']}/products"),
        json={"name": "Beras merah", "category": "produce", "price": 18_000, "unit": "kg"},
        headers=_h(app, mv.people["secretary"]),
    )
    assert resp.status_code == 201, resp.get_json()
    market = app.test_client().get(mv.api("market/products")).get_json()
    assert [(p["name"], p["seller_name"]) for p in market] == [("Beras merah", "Unit Dagang BUMDes")]
    face = app.test_client().get(mv.api(f"market/sellers/{unit['id']}")).get_json()
    assert (face["kind"], face["hamlet"]) == ("bumdes", None)
    listed = client.get(mv.api("sellers?kind=bumdes"), headers=head).get_json()
    assert [s["id"] for s in listed] == [unit["id"]]
    # no hamlet: not a hamlet head's
    assert client.get(mv.api("sellers"), headers=_h(app, mv.people["kelian_kaja"])).get_json() == []


def test_a_refused_application_and_a_new_one(app, client, mv):  # noqa: ANN001
    made, head = _h(app, mv.people["made"]), _h(app, mv.people["head"])
    sid = client.post(mv.api("sellers"), json=SHOP, headers=made).get_json()["id"]
    _error(
        client.post(mv.api(f"sellers/{sid}/refuse"), json={"note": " "}, headers=head), 400, "note_required"
    )
    resp = client.post(mv.api(f"sellers/{sid}/refuse"), json={"note": "Belum ada NIB"}, headers=head)
    assert resp.status_code == 200 and resp.get_json()["refusal_reason"] == "Belum ada NIB"
    assert resp.get_json()["allowed_actions"] == []
    _error(client.post(mv.api(f"sellers/{sid}/approve"), json={}, headers=head), 409, "wrong_state")
    _error(client.post(mv.api(f"sellers/{sid}/products"), json=PRODUCT, headers=made), 409, "seller_refused")
    mine = client.get(mv.api("sellers/mine"), headers=made).get_json()
    assert (mine["id"], mine["refusal_reason"]) == (sid, "Belum ada NIB")
    again = client.post(mv.api("sellers"), json={**SHOP, "nib": NIB}, headers=made)
    assert again.status_code == 201, again.get_json()
    assert client.get(mv.api("sellers/mine"), headers=made).get_json()["id"] == again.get_json()["id"]


def test_a_facilitator_reads_the_npwp_masked(app, client, mv):  # noqa: ANN001
    sid = run(app, mv, "wayan", lambda s, t, u: sellers.apply(s, t, u, **{**SHOP, "npwp": NPWP}).id)
    facilitator = _h(app, mv.people["facilitator"])
    seen = client.get(mv.api(f"sellers/{sid}"), headers=facilitator).get_json()
    assert seen["npwp"] == "5107********0001" and seen["allowed_actions"] == []
    listed = client.get(mv.api("sellers"), headers=facilitator)
    assert NPWP not in listed.get_data(as_text=True)
    assert client.get(mv.api(f"sellers/{sid}"), headers=_h(app, mv.people["head"])).get_json()["npwp"] == NPWP


# -- unhappy paths ----------------------------------------------------------------------------------


def test_bad_bodies_are_422_and_refusals_carry_their_code(app, client, mv):  # noqa: ANN001
    wayan, head = _h(app, mv.people["wayan"]), _h(app, mv.people["head"])
    base = mv.api("sellers")
    for bad in (
        {k: v for k, v in SHOP.items() if k != "business_name"},
        {k: v for k, v in SHOP.items() if k != "phone"},
        {**SHOP, "category": "gambling"},
        {**SHOP, "hamlet_id": "kaja"},
        {**SHOP, "business_name": "W" * 121},
        {**SHOP, "colour": "red"},
    ):
        body = _error(client.post(base, json=bad, headers=wayan), 422, "validation_error")
        assert body["details"]["json"]
    _error(client.post(base, json={**SHOP, "phone": "12"}, headers=wayan), 400, "invalid_phone")
    _error(client.post(base, json={**SHOP, "nib": "123"}, headers=wayan), 400, "invalid_nib")
    _error(client.post(base, json={**SHOP, "npwp": "1234"}, headers=wayan), 400, "invalid_npwp")
    _error(client.post(base, json={**SHOP, "business_name": "  W  "}, headers=wayan), 400, "invalid_seller")
    _error(
        client.post(base, json={**SHOP, "hamlet_id": str(uuid.uuid4())}, headers=wayan), 400, "invalid_hamlet"
    )
    unverified = _h(app, support.make_user(app, "resident", mv))  # no resident account linked
    _error(client.post(base, json=SHOP, headers=unverified), 403, "not_verified")
    sid = client.post(base, json=SHOP, headers=wayan).get_json()["id"]
    _error(client.post(base, json=SHOP, headers=wayan), 409, "already_seller")
    _error(client.get(mv.api("sellers?status=open"), headers=head), 422, "validation_error")
    _error(client.get(mv.api("sellers?sort=cheapest"), headers=head), 400, "invalid_sort")
    _error(client.get(mv.api(f"sellers/{uuid.uuid4()}"), headers=head), 404, "not_found")
    _error(
        client.post(mv.api(f"sellers/{sid}/suspend"), json={"note": "x"}, headers=head), 409, "wrong_state"
    )
    _error(client.post(mv.api(f"sellers/{sid}/approve"), json={"note": 5}, headers=head), 422)
    _error(client.post(mv.api(f"sellers/{sid}/close"), json={}, headers=head), 404)
    _error(client.patch(mv.api(f"sellers/{sid}"), json={"phone": "abc"}, headers=wayan), 400, "invalid_phone")
    _error(client.patch(mv.api(f"sellers/{sid}"), json={"category": "x"}, headers=wayan), 422)
    assert client.post(mv.api(f"sellers/{sid}/approve"), json={}, headers=head).status_code == 200
    _error(client.post(mv.api(f"sellers/{sid}/approve"), json={}, headers=head), 409, "wrong_state")

    products = mv.api(f"sellers/{sid}/products")
    for bad in (
        {k: v for k, v in PRODUCT.items() if k != "price"},
        {**PRODUCT, "price": 0},
        {**PRODUCT, "price": "murah"},
        {**PRODUCT, "stock": -1},
        {**PRODUCT, "unit": ""},
        {**PRODUCT, "category": "gambling"},
        {**PRODUCT, "name": "N" * 121},
        {**PRODUCT, "seller_id": sid},
    ):
        body = _error(client.post(products, json=bad, headers=wayan), 422, "validation_error")
        assert body["details"]["json"]
    _error(client.post(products, json={**PRODUCT, "name": " x "}, headers=wayan), 400, "invalid_product")
    _error(client.post(products, json={**PRODUCT, "unit": "   "}, headers=wayan), 400, "invalid_unit")
    pid = client.post(products, json=PRODUCT, headers=wayan).get_json()["id"]
    _error(client.patch(mv.api(f"products/{pid}"), json={"price": -5}, headers=wayan), 422)
    _error(
        client.patch(mv.api(f"products/{uuid.uuid4()}"), json={"price": 5}, headers=wayan), 404, "not_found"
    )
    _error(client.get(mv.api(f"sellers/{sid}/products?sort=cheapest"), headers=wayan), 400, "invalid_sort")

    _error(_photo(client, mv, pid, wayan, b"%PDF-1.4 not a picture"), 415, "not_a_picture")
    resp = client.post(
        mv.api(f"products/{pid}/photos"),
        data={"file": "not a file"},
        headers=wayan,
        content_type="multipart/form-data",
    )
    _error(resp, 422, "validation_error")
    for _n in range(catalogue.PHOTOS_MAX):
        assert _photo(client, mv, pid, wayan, picture(300).getvalue()).status_code == 201
    _error(_photo(client, mv, pid, wayan, picture(300).getvalue()), 400, "too_many_photos")

    visitor = app.test_client()
    _error(visitor.get(mv.api("market/products?sort=dearest")), 400, "invalid_sort")
    _error(visitor.get(mv.api("market/products?category=gambling")), 422, "validation_error")
    _error(visitor.get(mv.api("market/products?seller=nobody")), 422, "validation_error")
    _error(visitor.get(mv.api(f"market/sellers/{uuid.uuid4()}")), 404, "not_found")
    _error(visitor.get(mv.api("market/products?page_size=101")), 422, "validation_error")
    assert visitor.get(mv.api("sellers")).status_code == 401
    assert visitor.get(mv.api(f"sellers/{sid}")).status_code == 401
    assert visitor.get(mv.api(f"products/{pid}")).status_code == 401
    assert visitor.get("/api/v1/desa/no-such-village/smart_economy/market/products").status_code == 404


def test_the_public_market_of_a_village_without_the_pillar_is_not_found(app, client, mv, lv_b):  # noqa: ANN001
    visitor = app.test_client()
    assert visitor.get(f"/api/v1/desa/{lv_b.slug}/smart_economy/market/products").status_code == 404
    assert visitor.get(mv.api("market/products")).status_code == 200


def test_the_public_market_pages_by_twenty(app, client, mv):  # noqa: ANN001
    sid = run(app, mv, "wayan", lambda s, t, u: sellers.apply(s, t, u, **SHOP).id)
    run(app, mv, "operator", lambda s, t, u: sellers.move(s, t, u, sellers.get(s, t, u, sid), "approve"))

    def _many(s, t, u):  # noqa: ANN001, ANN202
        shop = sellers.get(s, t, u, sid)
        for n in range(23):
            catalogue.save(s, t, u, shop, **{**PRODUCT, "name": f"Jaja {n:02}", "price": 1000 + n})

    run(app, mv, "wayan", _many)
    visitor = app.test_client()
    first = visitor.get(mv.api("market/products"))
    assert len(first.get_json()) == 20 and json.loads(first.headers["X-Pagination"])["total"] == 23
    assert [p["name"] for p in first.get_json()][:2] == ["Jaja 00", "Jaja 01"]
    second = visitor.get(mv.api("market/products?page=2")).get_json()
    assert [p["name"] for p in second] == ["Jaja 20", "Jaja 21", "Jaja 22"]
    dearest = visitor.get(mv.api("market/products?sort=-cheapest&page_size=1")).get_json()
    assert [p["price"] for p in dearest] == [1022]


# -- every endpoint, every role ---------------------------------------------------------------------


@dataclass(frozen=True)
class Ids:
    shop: str  # made's shop, in Kelod, approved
    product: str  # its product, with a photo
    hidden: str  # its hidden product


@dataclass(frozen=True)
class Endpoint:
    """What each caller gets (the records probed are made's shop in Kelod and its products):
    ``resident`` wayan (another resident), ``owner`` made, ``facilitator``, ``kaja`` and ``kelod``
    the hamlet heads, ``staff`` the village head. ``public`` endpoints need no token."""

    name: str
    method: str
    path: str  # formatted with Ids
    resident: int
    owner: int
    facilitator: int
    kaja: int
    kelod: int
    staff: int
    body: object = None  # json, or a callable giving the multipart form
    public: bool = False

    def call(self, client, village, ids: Ids, headers=None):  # noqa: ANN001, ANN201
        url = village.api(self.path.format(ids=ids))
        kwargs = {"headers": headers or {}}
        if callable(self.body):
            kwargs.update(data=self.body(), content_type="multipart/form-data")
        elif self.body is not None:
            kwargs["json"] = self.body
        return client.open(url, method=self.method, **kwargs)


def _form() -> dict:
    return {"file": (picture(300), "foto.jpg")}


BUMDES = {"business_name": "Unit BUMDes", "category": "produce", "phone": "081237009009"}
NEW_SHOP = {**SHOP, "business_name": "Kopi Kaja"}
ENDPOINTS = [
    # name, method, path, resident, owner, facilitator, kaja, kelod, staff
    Endpoint("list sellers", "GET", "sellers", 403, 403, 200, 200, 200, 200),
    Endpoint("apply to sell", "POST", "sellers", 201, 409, 403, 403, 403, 403, NEW_SHOP),
    Endpoint("register a BUMDes unit", "POST", "sellers/bumdes", 403, 403, 403, 403, 403, 201, BUMDES),
    Endpoint("my shop", "GET", "sellers/mine", 404, 200, 403, 403, 403, 403),
    Endpoint("read a seller", "GET", "sellers/{ids.shop}", 404, 200, 200, 404, 200, 200),
    Endpoint(
        "change a seller",
        "PATCH",
        "sellers/{ids.shop}",
        404,
        200,
        403,
        404,
        403,
        200,
        {"pickup_address": "Pura"},
    ),
    Endpoint(
        "suspend a seller",
        "POST",
        "sellers/{ids.shop}/suspend",
        403,
        403,
        403,
        403,
        403,
        200,
        {"note": "Foto"},
    ),
    Endpoint("approve a seller", "POST", "sellers/{ids.shop}/approve", 403, 403, 403, 403, 403, 409, {}),
    Endpoint("list a shop's products", "GET", "sellers/{ids.shop}/products", 404, 200, 200, 404, 200, 200),
    Endpoint("add a product", "POST", "sellers/{ids.shop}/products", 404, 201, 403, 404, 403, 201, PRODUCT),
    Endpoint("read a product", "GET", "products/{ids.hidden}", 404, 200, 200, 404, 200, 200),
    Endpoint(
        "change a product", "PATCH", "products/{ids.product}", 404, 200, 403, 404, 403, 200, {"price": 21_000}
    ),
    Endpoint("add a photo", "POST", "products/{ids.product}/photos", 404, 201, 403, 404, 403, 201, _form),
    Endpoint("the market", "GET", "market/products", 200, 200, 200, 200, 200, 200, public=True),
    Endpoint("a product on the market", "GET", "market/products/{ids.product}", *[200] * 6, public=True),
    Endpoint("a shop on the market", "GET", "market/sellers/{ids.shop}", *[200] * 6, public=True),
]


@pytest.fixture
def probed(app, mv) -> Ids:  # noqa: ANN001
    """made (Kelod) keeps an approved shop with a product (a photo) and a hidden product; wayan
    (Kaja) has no shop."""
    shop = run(
        app, mv, "made", lambda s, t, u: sellers.apply(s, t, u, **{**SHOP, "nib": NIB, "npwp": NPWP}).id
    )
    run(app, mv, "operator", lambda s, t, u: sellers.move(s, t, u, sellers.get(s, t, u, shop), "approve"))

    def _products(s, t, u):  # noqa: ANN001, ANN202
        seller = sellers.get(s, t, u, shop)
        product = catalogue.save(s, t, u, seller, **PRODUCT, stock=7)
        hidden = catalogue.save(s, t, u, seller, **{**PRODUCT, "name": "Tipat"}, active=False)
        return product.id, hidden.id

    product, hidden = run(app, mv, "made", _products)
    run(
        app,
        mv,
        "made",
        lambda s, t, u: catalogue.add_photo(
            s, t, u, catalogue.get(s, t, product), documents.NewFile(picture(300), "a.jpg")
        ),
    )
    return Ids(str(shop), str(product), str(hidden))


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_every_endpoint_by_every_role(app, client, mv, mv_b, probed, endpoint):  # noqa: ANN001, PLR0913
    ids = probed
    private = (NIB, NPWP, "I Made", str(mv.residents["made"]), "Tipat", "owner", "stock")
    of_village_a = (ids.shop, ids.product, ids.hidden, "Warung Men Sari", "Nasi campur", NIB, NPWP)

    def text(resp) -> str:  # noqa: ANN001
        return resp.get_data(as_text=True)

    def expect(resp, status: int) -> None:  # noqa: ANN001
        assert resp.status_code == status, text(resp)
        if status == 403:
            _error(resp, 403, "forbidden")
        if status in (403, 404):
            assert not [s for s in of_village_a if s in text(resp)], text(resp)

    def h(who: str):  # noqa: ANN202
        return _h(app, mv.people[who])

    # no token: 401, except the public market
    resp = endpoint.call(client, mv, ids)
    if endpoint.public:
        expect(resp, 200)
        assert not [s for s in private if s in text(resp)], text(resp)
    else:
        _error(resp, 401)
    # staff of another village: A's address is no village to them (the public market is public);
    # A's ids through B's address are nothing, and B's lists hold nothing of A
    other = _h(app, mv_b.people["head"])
    resp = endpoint.call(client, mv, ids, other)
    if endpoint.public:
        expect(resp, 200)
    else:
        _error(resp, 404, "not_found")
        assert not [s for s in of_village_a if s in text(resp)]
    resp = endpoint.call(client, mv_b, ids, other)
    if "{ids." in endpoint.path:
        _error(resp, 404)
    assert not [s for s in of_village_a if s in text(resp)], text(resp)
    # the village's people: refusals first (they change nothing), then the answers that may write
    for who, status in sorted(
        (
            ("wayan", endpoint.resident),
            ("facilitator", endpoint.facilitator),
            ("kelian_kaja", endpoint.kaja),
            ("kelian_kelod", endpoint.kelod),
            ("made", endpoint.owner),
            ("head", endpoint.staff),
        ),
        key=lambda pair: pair[1] < 400,
    ):
        resp = endpoint.call(client, mv, ids, h(who))
        expect(resp, status)
        if who == "kelian_kaja" and not endpoint.public:  # Kelod's shop is none of Kaja's business
            assert ids.shop not in text(resp) and ids.product not in text(resp), text(resp)
        if endpoint.public or status >= 400:
            assert not [s for s in private if s in text(resp)], text(resp)


def test_a_hamlet_head_sees_their_hamlets_shops(app, client, mv, probed):  # noqa: ANN001
    ids = probed
    wayans = run(
        app, mv, "wayan", lambda s, t, u: sellers.apply(s, t, u, **{**SHOP, "business_name": "Kopi"}).id
    )
    kaja, kelod = _h(app, mv.people["kelian_kaja"]), _h(app, mv.people["kelian_kelod"])
    assert [s["id"] for s in client.get(mv.api("sellers"), headers=kaja).get_json()] == [str(wayans)]
    assert [s["id"] for s in client.get(mv.api("sellers"), headers=kelod).get_json()] == [ids.shop]
    seen = client.get(mv.api(f"sellers/{ids.shop}"), headers=kelod).get_json()
    assert seen["allowed_actions"] == []  # deciding is the staff's
    everyone = client.get(mv.api("sellers"), headers=_h(app, mv.people["head"])).get_json()
    assert sorted(s["id"] for s in everyone) == sorted([ids.shop, str(wayans)])


def test_the_public_market_never_shows_a_hidden_product_or_a_suspended_shop(app, client, mv, probed):  # noqa: ANN001
    ids = probed
    visitor = app.test_client()
    listed = visitor.get(mv.api("market/products")).get_json()
    assert [p["id"] for p in listed] == [ids.product] and set(listed[0]) == PUBLIC_PRODUCT_KEYS
    assert set(visitor.get(mv.api(f"market/products/{ids.product}")).get_json()) == PUBLIC_DETAIL_KEYS
    assert set(visitor.get(mv.api(f"market/sellers/{ids.shop}")).get_json()) == PUBLIC_SELLER_KEYS
    _error(visitor.get(mv.api(f"market/products/{ids.hidden}")), 404, "not_found")
    assert visitor.get(mv.api("market/products?q=tipat")).get_json() == []
    run(
        app,
        mv,
        "head",
        lambda s, t, u: sellers.move(s, t, u, sellers.get(s, t, u, uuid.UUID(ids.shop)), "suspend", "Tutup"),
    )
    assert visitor.get(mv.api("market/products")).get_json() == []
    assert visitor.get(mv.api(f"market/products?seller={ids.shop}")).get_json() == []
    _error(visitor.get(mv.api(f"market/products/{ids.product}")), 404, "not_found")
    _error(visitor.get(mv.api(f"market/sellers/{ids.shop}")), 404, "not_found")
    # staff still read it all
    head = _h(app, mv.people["head"])
    kept = client.get(mv.api(f"sellers/{ids.shop}/products"), headers=head).get_json()
    assert [(p["id"], p["public"]) for p in kept] == [(ids.product, False), (ids.hidden, False)]


def test_the_market_api_is_documented_and_its_public_operations_need_no_token(client):  # noqa: ANN001
    spec = client.get("/api/v1/openapi.json").get_json()
    prefix = "/api/v1/desa/{slug}/smart_economy"
    operations = {
        (method, path[len(prefix) :]): op
        for path, item in spec["paths"].items()
        if path.startswith(prefix)
        for method, op in item.items()
        if method != "parameters"
    }
    assert {key for key, op in operations.items() if op.get("security") == []} == {
        ("get", "/market/products"),
        ("get", "/market/products/{product_id}"),
        ("get", "/market/sellers/{seller_id}"),
    }
    assert len(operations) == 15
    assert "X-Pagination" in operations[("get", "/market/products")]["responses"]["200"]["headers"]
    schemas = spec["components"]["schemas"]
    assert set(schemas["MarketPublicSeller"]["properties"]) == PUBLIC_SELLER_KEYS
    assert set(schemas["MarketPublicProduct"]["properties"]) == PUBLIC_PRODUCT_KEYS


def test_the_public_market_is_rate_limited(app, mv):  # noqa: ANN001
    app.config["SE_MARKET_LIMIT"] = "3 per minute"
    try:
        visitor = app.test_client()
        paths = ("market/products", f"market/products/{uuid.uuid4()}", f"market/sellers/{uuid.uuid4()}")
        assert [visitor.get(mv.api(p)).status_code for p in paths] == [200, 404, 404]
        _error(visitor.get(mv.api("market/products")), 429, "rate_limited")  # one budget for the three
    finally:
        app.config.pop("SE_MARKET_LIMIT")
