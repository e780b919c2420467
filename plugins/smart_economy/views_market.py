"""The public market pages (``/desa/<slug>/smart_economy/market…``), open to anyone without an
account: the market (categories, a search, 20 products a page with their thumbnails), a product's
page (its photos and a WhatsApp link to the seller) and a shop's page. Only approved shops' active
products; nothing a seller keeps private (NIK, NIB, NPWP, the owner's name, stock counts) is shown.

Also what the seller pages share with these: words for stored values and prices, thumbnails."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import func, select

from desacerdas.extensions import db
from desacerdas.kit import links, terms
from desacerdas.models import Hamlet
from desacerdas.services import NotFound
from desacerdas.web.formatting import format_count, rupiah
from desacerdas.web.tenant import current_tenant

from .catalogue import service as catalogue
from .catalogue.models import Product
from .sellers import service as sellers
from .sellers.labels import CATEGORY_LABELS, KIND_LABELS
from .sellers.models import Category, Seller, SellerKind
from .sellers.workflow import FLOW

T = "smart_economy/market/"
THUMB_SHOWN = 96  # px on the page; the stored thumbnail is a 144 px square (sharp on dense screens)
SORTS = ("name", "cheapest", "newest")


def blueprint() -> Blueprint:
    bp = Blueprint("market", __name__, template_folder="catalogue/templates")
    bp.add_url_rule("/market", view_func=market)
    bp.add_url_rule("/market/products/<uuid:product_id>", view_func=product)
    bp.add_url_rule("/market/sellers/<uuid:seller_id>", view_func=seller_page)
    bp.context_processor(template_helpers)
    return bp


# -- words and numbers (the seller pages use them too) ---------------------------------------------


def category_label(value: object) -> str:
    return str(CATEGORY_LABELS[Category(getattr(value, "value", value))])


def kind_label(value: object) -> str:
    return str(KIND_LABELS[SellerKind(getattr(value, "value", value))])


def availability(item: Product) -> str:
    """What a buyer needs to know of the stock, without its count."""
    if item.stock is None:
        return _("Made to order")
    return _("Sold out") if item.stock <= 0 else _("Available")


def stock_words(item: Product) -> str:
    """The stock as its keeper and the staff read it."""
    if item.stock is None:
        return _("Made to order")
    return _("Sold out") if item.stock <= 0 else _("%(num)s in stock", num=format_count(item.stock))


def template_helpers() -> dict[str, Any]:
    return {
        "seller_state": FLOW.state_label,
        "seller_action": FLOW.action_label,
        "rupiah": rupiah,
        "category_label": category_label,
        "kind_label": kind_label,
        "availability": availability,
        "stock_words": stock_words,
        "thumb_side": THUMB_SHOWN,
    }


def hamlets() -> dict[uuid.UUID, str]:
    return {h.id: h.name for h in db.session.scalars(select(Hamlet).order_by(Hamlet.name))}


def hamlet_name(hamlet_id: uuid.UUID | None) -> str | None:
    if hamlet_id is None:
        return None
    found = db.session.get(Hamlet, (current_tenant().id, hamlet_id))
    return found.name if found is not None else None


def thumbs(products: Iterable[Product]) -> dict[uuid.UUID, uuid.UUID]:
    """Each product's first thumbnail (products without a photo are left out)."""
    photos = catalogue.photos_of(db.session, [p.id for p in products])
    return {pid: rows[0].thumb_document_id for pid, rows in photos.items() if rows}


def sellers_of(ids: set[uuid.UUID]) -> dict[uuid.UUID, Seller]:
    if not ids:
        return {}
    return {s.id: s for s in db.session.scalars(select(Seller).where(Seller.id.in_(ids)))}


def _category_counts() -> list[tuple[str, str, int]]:
    """The categories that have products on the market: (value, words, count), in the list's order."""
    listed = catalogue.market().subquery()
    rows = dict(db.session.execute(select(listed.c.category, func.count()).group_by(listed.c.category)).all())
    counts = {getattr(k, "value", k): n for k, n in rows.items()}
    return [(c.value, category_label(c), counts[c.value]) for c in Category if counts.get(c.value)]


def _sort_choices() -> list[tuple[str, str]]:
    words = {"name": _("By name"), "cheapest": _("Cheapest first"), "newest": _("Newest first")}
    return [(key, words[key]) for key in SORTS]


# -- pages -----------------------------------------------------------------------------------------


def market() -> ResponseReturnValue:
    tenant = current_tenant()
    args = request.args.to_dict()
    pagination = catalogue.MARKET.apply(catalogue.market(), args)  # a bad filter: the 400 page says why
    return render_template(
        T + "market.html",
        pagination=pagination,
        page_url=pagination.page_url("smart_economy.market.market"),
        args=args,
        categories=_category_counts(),
        sorts=_sort_choices(),
        thumbs=thumbs(pagination.items),
        shops=sellers_of({p.seller_id for p in pagination.items}),
        terms=terms.terms_for(tenant),
    )


def product(product_id: uuid.UUID) -> ResponseReturnValue:
    tenant = current_tenant()
    try:
        item = catalogue.public_product(db.session, product_id)
    except NotFound:
        abort(404)
    shop = db.session.get(Seller, (tenant.id, item.seller_id))
    address = links.absolute(
        tenant, "smart_economy.market.product", f"smart_economy/market/products/{item.id}", product_id=item.id
    )
    text = _(
        "Hello, I would like to buy %(product)s (%(price)s per %(unit)s) from the village market: %(url)s",
        product=item.name,
        price=rupiah(item.price),
        unit=item.unit,
        url=address,
    )
    return render_template(
        T + "product.html",
        item=item,
        shop=shop,
        photos=catalogue.photos_of(db.session, [item.id])[item.id],
        whatsapp=sellers.whatsapp_link(shop, text),
    )


def seller_page(seller_id: uuid.UUID) -> ResponseReturnValue:
    tenant = current_tenant()
    try:
        shop = sellers.public(db.session, seller_id)
    except NotFound:
        abort(404)
    args = {k: v for k, v in request.args.items() if k in ("page", "sort")}
    pagination = catalogue.MARKET.apply(catalogue.market().where(Product.seller_id == shop.id), args)
    address = links.absolute(
        tenant,
        "smart_economy.market.seller_page",
        f"smart_economy/market/sellers/{shop.id}",
        seller_id=shop.id,
    )
    text = _("Hello, I saw %(shop)s on the village market: %(url)s", shop=shop.business_name, url=address)
    return render_template(
        T + "seller.html",
        shop=shop,
        hamlet=hamlet_name(shop.hamlet_id),
        pagination=pagination,
        page_url=pagination.page_url("smart_economy.market.seller_page"),
        thumbs=thumbs(pagination.items),
        whatsapp=sellers.whatsapp_link(shop, text),
        terms=terms.terms_for(tenant),
    )
