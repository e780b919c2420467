"""Sellers and products through the services: applying, approval on the kit's workflow, the
market shows only approved sellers' active products, photos kept small and public, the regency
listing follows every change."""

from __future__ import annotations

import pytest
from smart_economy.catalogue import service as catalogue
from smart_economy.sellers import service as sellers
from sqlalchemy import select

from desacerdas.models import MarketListing
from desacerdas.services import ServiceError, documents
from desacerdas.tenancy import tenant_session

from .conftest import SHOP, picture, run


def _shop(app, village, who: str = "wayan", approve: bool = True):  # noqa: ANN001, ANN202
    sid = run(app, village, who, lambda s, t, u: sellers.apply(s, t, u, **SHOP).id)
    if approve:
        run(
            app,
            village,
            "operator",
            lambda s, t, u: sellers.move(s, t, u, sellers.get(s, t, u, sid), "approve"),
        )
    return sid


def _product(app, village, sid, who: str = "wayan", **kw):  # noqa: ANN001, ANN202
    values = {"name": "Nasi campur", "category": "food", "price": 20_000, "unit": "bungkus", **kw}
    return run(
        app, village, who, lambda s, t, u: catalogue.save(s, t, u, sellers.get(s, t, u, sid), **values).id
    )


def _listed(app, village) -> list[str]:  # noqa: ANN001
    with app.app_context(), tenant_session(village.id) as s:
        return sorted(r.name for r in s.scalars(select(MarketListing)))


def test_a_resident_applies_and_the_market_follows_the_seller(app, mv) -> None:  # noqa: ANN001
    sid = _shop(app, mv, approve=False)
    _product(app, mv, sid)
    assert _listed(app, mv) == []  # not approved yet
    run(app, mv, "operator", lambda s, t, u: sellers.move(s, t, u, sellers.get(s, t, u, sid), "approve"))
    assert _listed(app, mv) == ["Nasi campur"]
    run(
        app,
        mv,
        "operator",
        lambda s, t, u: sellers.move(s, t, u, sellers.get(s, t, u, sid), "suspend", "Foto"),
    )
    assert _listed(app, mv) == []
    with pytest.raises(ServiceError) as err:
        run(app, mv, "wayan", lambda s, t, u: sellers.apply(s, t, u, **SHOP))
    assert err.value.code == "already_seller"


def test_only_the_keeper_or_staff_change_products(app, mv) -> None:  # noqa: ANN001
    sid = _shop(app, mv)
    pid = _product(app, mv, sid)
    with pytest.raises(ServiceError) as err:
        _product(app, mv, sid, who="made")
    assert err.value.status in (403, 404)
    hidden = run(
        app,
        mv,
        "operator",
        lambda s, t, u: catalogue.save(
            s, t, u, sellers.get(s, t, u, sid), catalogue.get(s, t, pid), name="Nasi campur", category="food",
            price=20_000, unit="bungkus", active=False,
        ).active,
    )  # fmt: skip
    assert hidden is False and _listed(app, mv) == []


def test_bad_input_is_refused(app, mv) -> None:  # noqa: ANN001
    with pytest.raises(ServiceError):
        run(app, mv, "wayan", lambda s, t, u: sellers.apply(s, t, u, **{**SHOP, "phone": "12"}))
    with pytest.raises(ServiceError):
        run(app, mv, "wayan", lambda s, t, u: sellers.apply(s, t, u, **{**SHOP, "nib": "123"}))
    sid = _shop(app, mv)
    for bad in ({"price": 0}, {"unit": ""}, {"stock": -1}, {"category": "gambling"}):
        with pytest.raises(ServiceError):
            _product(app, mv, sid, **bad)


def test_photos_are_small_public_documents(app, mv) -> None:  # noqa: ANN001
    sid = _shop(app, mv)
    pid = _product(app, mv, sid)

    def _add(s, t, u):  # noqa: ANN001, ANN202
        row = catalogue.add_photo(s, t, u, catalogue.get(s, t, pid), documents.NewFile(picture(), "nasi.jpg"))
        return row.document_id, row.thumb_document_id

    photo, thumb = run(app, mv, "wayan", _add)
    with app.app_context(), tenant_session(mv.id) as s:
        big, small = (documents.version(documents.get(i, s)) for i in (photo, thumb))
        assert big.size > small.size and small.size < 30_000
        assert s.scalar(select(MarketListing.thumb_document_id)) == thumb
    visitor = app.test_client()
    got = visitor.get(f"/desa/{mv.slug}/documents/{thumb}/download")
    assert got.status_code == 200 and got.mimetype == "image/jpeg"


def test_whatsapp_link_works_from_a_zero_number() -> None:
    from smart_economy.sellers.models import Seller

    link = sellers.whatsapp_link(Seller(phone="+6281237001001"), "Halo, pesanan ORD-1")
    assert link == "https://wa.me/6281237001001?text=Halo%2C%20pesanan%20ORD-1"
