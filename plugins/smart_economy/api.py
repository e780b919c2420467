"""The market API (``/api/v1/desa/<slug>/smart_economy/…``): the same services and rules as the
pages.

- **Sellers** (``/sellers…``): a resident with a verified account applies to sell (``smart_economy.sell``)
  and keeps their shop and its products; staff (``smart_economy.sellers.manage``) approve, refuse,
  suspend and reinstate, register BUMDes units and keep them; a hamlet head sees their hamlet's
  shops; a facilitator reads (an NPWP masked: an individual's NPWP is their NIK).
- **The public market** (``/market…``): open without a token, rate-limited (``SE_MARKET_LIMIT``
  per client address, one budget for the three): an approved seller's active products and the
  shop's public face only, never the owner's NIK, NIB, NPWP, ids or stock counts.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import current_app, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.pagination import PaginationParameters
from sqlalchemy import select
from werkzeug.routing import BuildError

from desacerdas.api.documents import FormAndFilesParser
from desacerdas.api.pagination import PAGINATION
from desacerdas.api.security import api_user, public
from desacerdas.extensions import db, limiter
from desacerdas.kit import links
from desacerdas.kit.access import require_api
from desacerdas.kit.lists import Filter, ListSpec, Sort
from desacerdas.models import Hamlet, Tenant
from desacerdas.services import NotFound, personal_data
from desacerdas.services import documents as docs
from desacerdas.services.i18n import _
from desacerdas.web.formatting import rupiah
from desacerdas.web.tenant import current_tenant

from .api_schemas import (
    MarketPhotoSchema,
    MarketPhotoUploadSchema,
    MarketProductChangeSchema,
    MarketProductCreateSchema,
    MarketProductQuerySchema,
    MarketProductSchema,
    MarketPublicProductDetailSchema,
    MarketPublicProductSchema,
    MarketPublicQuerySchema,
    MarketPublicSellerSchema,
    MarketSellerChangeSchema,
    MarketSellerCreateSchema,
    MarketSellerDetailSchema,
    MarketSellerMoveSchema,
    MarketSellerQuerySchema,
    MarketSellerSchema,
)
from .catalogue import listing
from .catalogue import service as catalogue
from .catalogue.models import Product, ProductPhoto
from .permissions import SELL, SELLERS_MANAGE, SELLERS_VIEW
from .sellers import service as sellers
from .sellers.models import Seller
from .sellers.workflow import FLOW

blp = Blueprint(
    "market_api", __name__, description="Smart economy: sellers and products of the village market."
)


blp.ARGUMENTS_PARSER = FormAndFilesParser()  # one multipart body: fields and files

DEFAULT_MARKET_LIMIT = "300 per minute"  # per client address; many phones share one address (CGNAT)


def market_limit() -> str:
    """Requests per client address to the public market's API (``SE_MARKET_LIMIT``)."""
    return current_app.config.get("SE_MARKET_LIMIT", DEFAULT_MARKET_LIMIT)


market_reads = limiter.shared_limit(market_limit, scope="smart_economy.market")


# -- output ----------------------------------------------------------------------------------------

READERS = (SELLERS_VIEW, SELL)  # staff, hamlet heads and facilitators; a resident for their own shop

PRODUCTS = ListSpec(
    filters={"active": Filter.equals(Product.active), "q": Filter.contains(Product.name)},
    sorts={
        "name": Sort(Product.name_search, Product.id),
        "newest": Sort(Product.created_at, Product.id, desc=True),
    },
    default_sort="name",
)


def _hamlets() -> dict[uuid.UUID, str]:
    """The village's hamlets by id (a village has a handful)."""
    return {row.id: row.name for row in db.session.execute(select(Hamlet.id, Hamlet.name))}


def _download(tenant: Tenant, document_id: uuid.UUID | None) -> str | None:
    if document_id is None:
        return None
    return url_for("documents.download", slug=tenant.slug, document_id=document_id)


def _page(tenant: Tenant, endpoint: str, path: str, **values: Any) -> str:
    """The full address of a public market page (``smart_economy.market.<endpoint>``), under
    ``DESA_PUBLIC_URL`` when set."""
    try:
        return links.absolute(
            tenant, f"smart_economy.market.{endpoint}", f"smart_economy/market/{path}", **values
        )
    except BuildError:  # an app without the market's pages: their address all the same
        base = current_app.config.get("PUBLIC_URL") or request.host_url
        return f"{base.rstrip('/')}/desa/{tenant.slug}/smart_economy/market/{path}"


def _seller_out(
    item: Seller,
    *,
    hamlets: dict[uuid.UUID, str] | None = None,
    masked: bool | None = None,
    detail: bool = False,
) -> dict[str, Any]:
    tenant, user = current_tenant(), api_user()
    masked = personal_data.needs_masking(user, tenant) if masked is None else masked
    out = {c: getattr(item, c) for c in MarketSellerSchema._declared_fields if hasattr(item, c)}
    if masked:
        out["npwp"] = personal_data.mask_nik(item.npwp)
    hamlets = _hamlets() if hamlets is None else hamlets
    out["hamlet"] = hamlets.get(item.hamlet_id) if item.hamlet_id else None
    if detail:
        out["steps"] = FLOW.timeline(db.session, item)
        out["allowed_actions"] = [a.name for a in FLOW.allowed_actions(db.session, tenant, user, item)]
    return out


def _photo_out(tenant: Tenant, photo: ProductPhoto) -> dict[str, Any]:
    out = {c: getattr(photo, c) for c in MarketPhotoSchema._declared_fields if hasattr(photo, c)}
    out["url"], out["thumb_url"] = (
        _download(tenant, photo.document_id),
        _download(tenant, photo.thumb_document_id),
    )
    return out


def _product_out(item: Product, seller: Seller, photos: list[ProductPhoto] | None = None) -> dict[str, Any]:
    tenant = current_tenant()
    out = {c: getattr(item, c) for c in MarketProductSchema._declared_fields if hasattr(item, c)}
    out["public"] = listing.is_public(item, seller)
    photos = catalogue.photos_of(db.session, [item.id])[item.id] if photos is None else photos
    out["photos"] = [_photo_out(tenant, p) for p in photos]
    return out


def _public_product_out(
    tenant: Tenant, item: Product, seller: Seller, photos: list[ProductPhoto], *, detail: bool = False
) -> dict[str, Any]:
    """What anyone may read of a product: never its stock count or anything of its owner."""
    out = {
        "id": item.id,
        "name": item.name,
        "category": item.category.value,
        "price": item.price,
        "unit": item.unit,
        "available": item.stock is None or item.stock > 0,
        "seller_id": seller.id,
        "seller_name": seller.business_name,
        "thumb_url": _download(tenant, photos[0].thumb_document_id) if photos else None,
    }
    if detail:
        out["description"] = item.description
        out["photos"] = [
            {"url": _download(tenant, p.document_id), "thumb_url": _download(tenant, p.thumb_document_id)}
            for p in photos
        ]
        out["whatsapp_url"] = sellers.whatsapp_link(seller, _order_text(tenant, item))
    return out


def _order_text(tenant: Tenant, item: Product) -> str:
    """The buyer's first WhatsApp message, in the product page's words: the product and its page."""
    return _(
        "Hello, I would like to buy %(product)s (%(price)s per %(unit)s) from the village market: %(url)s",
        product=item.name,
        price=rupiah(item.price),
        unit=item.unit,
        url=_page(tenant, "product", f"products/{item.id}", product_id=item.id),
    )


def _seller(permissions: tuple[str, ...], seller_id: uuid.UUID):  # noqa: ANN202 - (tenant, user, seller)
    """A seller the caller may see (a resident: their own shop; a hamlet head: their hamlet's)."""
    tenant, _scope, user = require_api(*permissions)
    return tenant, user, sellers.get(db.session, tenant, user, seller_id)


def _product(product_id: uuid.UUID):  # noqa: ANN202 - (tenant, user, product, seller)
    """A product of a seller the caller may see; any other is not found."""
    tenant, _scope, user = require_api(*READERS)
    product = catalogue.get(db.session, tenant, product_id)
    try:
        seller = sellers.get(db.session, tenant, user, product.seller_id)
    except NotFound:
        raise NotFound(_("No such product in this village.")) from None
    return tenant, user, product, seller


# -- sellers ---------------------------------------------------------------------------------------


@blp.route("/sellers")
class MarketSellers(MethodView):
    @blp.arguments(MarketSellerQuerySchema, location="query")
    @blp.response(200, MarketSellerSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(self, args: dict, pagination_parameters: PaginationParameters) -> list[dict[str, Any]]:
        """The village's sellers, newest first (``smart_economy.sellers.view``; a hamlet head:
        their hamlet's)."""
        tenant, _scope, user = require_api(SELLERS_VIEW)
        stmt = sellers.listing(db.session, tenant, user)
        items = sellers.SELLERS.api_page(stmt, args, pagination_parameters)
        hamlets, masked = _hamlets(), personal_data.needs_masking(user, tenant)
        return [_seller_out(s, hamlets=hamlets, masked=masked) for s in items]

    @blp.arguments(MarketSellerCreateSchema)
    @blp.response(201, MarketSellerDetailSchema)
    @blp.alt_response(400, description="A field the service refuses: `invalid_phone`, `invalid_nib`, …")
    @blp.alt_response(403, description="Not a resident with a verified account (`not_verified`).")
    @blp.alt_response(409, description="The resident has a shop or an open application (`already_seller`).")
    def post(self, data: dict) -> dict[str, Any]:
        """A resident applies to sell (``smart_economy.sell``, a verified account); the village
        decides. The hamlet defaults to the resident's in the registry."""
        tenant, _scope, user = require_api(SELL)
        item = sellers.apply(db.session, tenant, user, **data)
        db.session.commit()
        return _seller_out(item, detail=True)


@blp.route("/sellers/bumdes")
class MarketBumdesUnits(MethodView):
    @blp.arguments(MarketSellerCreateSchema)
    @blp.response(201, MarketSellerDetailSchema)
    @blp.alt_response(400, description="A field the service refuses.")
    def post(self, data: dict) -> dict[str, Any]:
        """Register a unit of the village's BUMDes as a seller (``smart_economy.sellers.manage``):
        approved at once, kept by staff."""
        tenant, _scope, user = require_api(SELLERS_MANAGE)
        item = sellers.register_bumdes_unit(db.session, tenant, user, **data)
        db.session.commit()
        return _seller_out(item, detail=True)


@blp.route("/sellers/mine")
class MarketMyShop(MethodView):
    @blp.response(200, MarketSellerDetailSchema)
    @blp.alt_response(404, description="The caller has no shop and no application.")
    def get(self) -> dict[str, Any]:
        """The caller's shop or application, with its timeline (``smart_economy.sell``)."""
        _tenant, _scope, user = require_api(SELL)
        item = sellers.mine(db.session, user)
        if item is None:
            raise NotFound(_("You have no shop on the village market yet."))
        return _seller_out(item, detail=True)


@blp.route("/sellers/<uuid:seller_id>")
class MarketSellerById(MethodView):
    @blp.response(200, MarketSellerDetailSchema)
    def get(self, seller_id: uuid.UUID) -> dict[str, Any]:
        """One seller with its timeline and the moves the caller may take (staff, or the owner)."""
        _tenant, _user, item = _seller(READERS, seller_id)
        return _seller_out(item, detail=True)

    @blp.arguments(MarketSellerChangeSchema)
    @blp.response(200, MarketSellerDetailSchema)
    @blp.alt_response(400, description="A field the service refuses.")
    @blp.alt_response(403, description="Neither the shop's keeper nor village staff.")
    def patch(self, data: dict, seller_id: uuid.UUID) -> dict[str, Any]:
        """Change a shop's details (its keeper or staff): the fields sent, the others kept. The
        market follows a new name in the same transaction."""
        tenant, user, item = _seller(READERS, seller_id)
        fields = {k: getattr(item, k) for k in MarketSellerChangeSchema._declared_fields}
        fields = {k: getattr(v, "value", v) for k, v in fields.items()}
        fields.update(data)
        sellers.update(db.session, tenant, user, item, **fields)
        db.session.commit()
        return _seller_out(item, detail=True)


@blp.route("/sellers/<uuid:seller_id>/<any(approve,refuse,suspend,reinstate):action>")
class MarketSellerMove(MethodView):
    @blp.arguments(MarketSellerMoveSchema)
    @blp.response(200, MarketSellerDetailSchema)
    @blp.alt_response(400, description="No reason given to refuse or suspend (`note_required`).")
    @blp.alt_response(409, description="Not in a state this move starts from (`wrong_state`).")
    def post(self, data: dict, seller_id: uuid.UUID, action: str) -> dict[str, Any]:
        """``approve`` or ``refuse`` (``note``: the reason) an application; ``suspend`` (``note``)
        an approved shop, its products leave the market at once; ``reinstate`` it
        (``smart_economy.sellers.manage``)."""
        tenant, user, item = _seller((SELLERS_MANAGE,), seller_id)
        sellers.move(db.session, tenant, user, item, action, note=data["note"])
        db.session.commit()
        return _seller_out(item, detail=True)


# -- products --------------------------------------------------------------------------------------


@blp.route("/sellers/<uuid:seller_id>/products")
class MarketSellerProducts(MethodView):
    @blp.arguments(MarketProductQuerySchema, location="query")
    @blp.response(200, MarketProductSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(
        self, args: dict, pagination_parameters: PaginationParameters, seller_id: uuid.UUID
    ) -> list[dict[str, Any]]:
        """Every product of the shop, the hidden ones too (its keeper, staff, the hamlet head,
        the facilitator)."""
        _tenant, _user, seller = _seller(READERS, seller_id)
        items = PRODUCTS.api_page(catalogue.of_seller(db.session, seller), args, pagination_parameters)
        photos = catalogue.photos_of(db.session, [p.id for p in items])
        return [_product_out(p, seller, photos[p.id]) for p in items]

    @blp.arguments(MarketProductCreateSchema)
    @blp.response(201, MarketProductSchema)
    @blp.alt_response(400, description="A field the service refuses (`invalid_price`, `invalid_unit`, …).")
    @blp.alt_response(403, description="Neither the shop's keeper nor village staff.")
    @blp.alt_response(409, description="The shop was refused (`seller_refused`).")
    def post(self, data: dict, seller_id: uuid.UUID) -> dict[str, Any]:
        """Add a product (the shop's keeper or staff); on the market once the shop is approved
        and the product active."""
        tenant, user, seller = _seller(READERS, seller_id)
        item = catalogue.save(db.session, tenant, user, seller, **data)
        db.session.commit()
        return _product_out(item, seller, [])


@blp.route("/products/<uuid:product_id>")
class MarketProductById(MethodView):
    @blp.response(200, MarketProductSchema)
    def get(self, product_id: uuid.UUID) -> dict[str, Any]:
        """One product with its photos, hidden or not (as the shop's product list)."""
        _tenant, _user, item, seller = _product(product_id)
        return _product_out(item, seller)

    @blp.arguments(MarketProductChangeSchema)
    @blp.response(200, MarketProductSchema)
    @blp.alt_response(400, description="A field the service refuses.")
    @blp.alt_response(403, description="Neither the shop's keeper nor village staff.")
    @blp.alt_response(409, description="The shop was refused (`seller_refused`).")
    def patch(self, data: dict, product_id: uuid.UUID) -> dict[str, Any]:
        """Change a product (its keeper or staff): the fields sent, the others kept; ``active``
        false hides it from the market (the village's and the regency's) at once."""
        tenant, user, item, seller = _product(product_id)
        fields = {k: getattr(item, k) for k in MarketProductChangeSchema._declared_fields}
        fields = {k: getattr(v, "value", v) for k, v in fields.items()}
        fields.update(data)
        catalogue.save(db.session, tenant, user, seller, item, **fields)
        db.session.commit()
        return _product_out(item, seller)


@blp.route("/products/<uuid:product_id>/photos")
class MarketProductPhotos(MethodView):
    @blp.arguments(
        MarketPhotoUploadSchema, location="form", content_type="multipart/form-data", required=True
    )
    @blp.response(201, MarketPhotoSchema)
    @blp.alt_response(400, description="The product has four photos already (`too_many_photos`).")
    @blp.alt_response(403, description="Neither the shop's keeper nor village staff.")
    @blp.alt_response(415, description="Not a JPEG or PNG picture (`not_a_picture`).")
    def post(self, form: dict, product_id: uuid.UUID) -> dict[str, Any]:
        """Add a photo (``file``, the shop's keeper or staff; at most four): kept 1024 px wide with
        a 144 px square thumbnail, both public documents, without the phone's EXIF (GPS) data."""
        tenant, user, item, _seller_ = _product(product_id)
        upload = form["file"]
        row = catalogue.add_photo(
            db.session, tenant, user, item, docs.NewFile(upload.stream, upload.filename)
        )  # commits
        return _photo_out(tenant, row)


# -- the public market (no token) ------------------------------------------------------------------


@blp.route("/market/products")
@public
class MarketPublicProducts(MethodView):
    decorators = [market_reads]

    @blp.arguments(MarketPublicQuerySchema, location="query")
    @blp.response(200, MarketPublicProductSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(self, args: dict, pagination_parameters: PaginationParameters) -> list[dict[str, Any]]:
        """The village's market for anyone, no token needed: approved shops' active products, 20 a
        page by name (``sort``: name, cheapest, newest), each with its first photo's thumbnail."""
        tenant = current_tenant()
        items = catalogue.MARKET.api_page(catalogue.market(), args, pagination_parameters)
        shops = _sellers_by_id({p.seller_id for p in items})
        photos = catalogue.photos_of(db.session, [p.id for p in items])
        return [_public_product_out(tenant, p, shops[p.seller_id], photos[p.id]) for p in items]


def _sellers_by_id(ids: set[uuid.UUID]) -> dict[uuid.UUID, Seller]:
    if not ids:
        return {}
    return {s.id: s for s in db.session.scalars(select(Seller).where(Seller.id.in_(list(ids))))}


@blp.route("/market/products/<uuid:product_id>")
@public
class MarketPublicProductById(MethodView):
    decorators = [market_reads]

    @blp.response(200, MarketPublicProductDetailSchema)
    @blp.alt_response(404, description="No such product on the market (hidden, or its shop not approved).")
    def get(self, product_id: uuid.UUID) -> dict[str, Any]:
        """A product on the market, its photos and a WhatsApp link to its seller; no token needed."""
        tenant = current_tenant()
        item = catalogue.public_product(db.session, product_id)
        seller = db.session.get(Seller, (tenant.id, item.seller_id))
        photos = catalogue.photos_of(db.session, [item.id])[item.id]
        return _public_product_out(tenant, item, seller, photos, detail=True)


@blp.route("/market/sellers/<uuid:seller_id>")
@public
class MarketPublicSellerById(MethodView):
    decorators = [market_reads]

    @blp.response(200, MarketPublicSellerSchema)
    @blp.alt_response(404, description="No such approved shop on the market.")
    def get(self, seller_id: uuid.UUID) -> dict[str, Any]:
        """An approved shop's public face (no token needed): never its owner, NIB or NPWP. Its
        products: ``/market/products?seller=<id>``."""
        tenant, item = current_tenant(), sellers.public(db.session, seller_id)
        address = _page(tenant, "seller_page", f"sellers/{item.id}", seller_id=item.id)
        text = _("Hello, I saw %(shop)s on the village market: %(url)s", shop=item.business_name, url=address)
        hamlet = db.session.get(Hamlet, (item.tenant_id, item.hamlet_id)) if item.hamlet_id else None
        return {
            "id": item.id,
            "kind": item.kind.value,
            "business_name": item.business_name,
            "category": item.category.value,
            "description": item.description,
            "hamlet": hamlet.name if hamlet is not None else None,
            "pickup_address": item.pickup_address,
            "whatsapp_url": sellers.whatsapp_link(item, text),
        }
