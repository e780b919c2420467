"""Products: a seller keeps their own (the kit's own-records scope), staff keep BUMDes units' and
may hide any; up to four photos each, stored as public documents with a small thumbnail; the
village's public market (approved sellers' active products) and its search."""

from __future__ import annotations

import io
import uuid
from collections.abc import Sequence

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from desacerdas.kit.lists import Filter, ListSpec, Sort, choice, uuid_value
from desacerdas.models import Tenant, User, Visibility
from desacerdas.services import NotFound, ServiceError, audit, images
from desacerdas.services import documents as docs
from desacerdas.services.i18n import N_, _, indonesian

from ..sellers.models import Category, Seller, SellerStatus
from ..sellers.service import may_keep
from . import listing
from .models import Product, ProductPhoto

NAME_MIN, NAME_MAX, TEXT_MAX, UNIT_MAX = 2, 120, 3000, 20
MAX_PRICE, MAX_STOCK, PHOTOS_MAX = 1_000_000_000, 1_000_000, 4
# A product page's photo; the market list's thumbnail, a few kilobytes even for a busy photo
# (20 of them and the page stay under 100 KB: measured in tests/economy_market/test_pages.py).
PHOTO_SIDE, THUMB_SIDE, THUMB_QUALITY = 1024, 144, 60
DOCUMENT_KIND = "photo"


def _invalid(message: str, code: str = "invalid_product") -> ServiceError:
    return ServiceError(message, code, 400)


def _keeper(user: User, tenant: Tenant, seller: Seller) -> None:
    if not may_keep(user, tenant, seller):
        raise ServiceError(
            _("Only the shop's keeper or the village staff change its products."), "forbidden", 403
        )


def save(
    session: Session,
    tenant: Tenant,
    user: User,
    seller: Seller,
    product: Product | None = None,
    *,
    name: str,
    category: str,
    price: int,
    unit: str,
    description: str | None = None,
    stock: int | None = None,
    active: bool = True,
) -> Product:
    """Add or change a product (``stock=None``: made to order). On the market once the seller is
    approved and the product active; the regency's listing follows in the same transaction."""
    _keeper(user, tenant, seller)
    if seller.status == SellerStatus.REFUSED:
        raise ServiceError(_("This shop was refused: it has no products."), "seller_refused", 409)
    name = " ".join((name or "").split())
    if not NAME_MIN <= len(name) <= NAME_MAX:
        raise _invalid(_("A product's name has %(min)d to %(max)d characters.", min=NAME_MIN, max=NAME_MAX))
    try:
        chosen = Category(category)
    except ValueError:
        raise _invalid(_("Choose the product's category from the list."), "invalid_category") from None
    if not isinstance(price, int) or not 0 < price <= MAX_PRICE:
        raise _invalid(_("Give the price in whole rupiah."), "invalid_price")
    unit = " ".join((unit or "").split())
    if not unit or len(unit) > UNIT_MAX:
        raise _invalid(_("Give the unit it is sold by (kg, pcs, pack…)."), "invalid_unit")
    if stock is not None and (not isinstance(stock, int) or not 0 <= stock <= MAX_STOCK):
        raise _invalid(
            _("Stock is a whole number, 0 or more (leave it empty: made to order)."), "invalid_stock"
        )
    if product is None:
        product = Product(seller_id=seller.id, owner_user_id=seller.owner_user_id)
        session.add(product)
    elif product.seller_id != seller.id:
        raise NotFound(_("No such product in this shop."))
    product.name, product.name_search, product.category = name, name.lower(), chosen
    product.price, product.unit, product.stock, product.active = price, unit, stock, bool(active)
    product.description = (description or "").strip()[:TEXT_MAX] or None
    session.flush()
    listing.refresh_product(session, tenant, product, seller)
    audit.record(
        "smart_economy.product.saved",
        actor=user,
        tenant_id=tenant.id,
        target=f"product:{product.id}",
        session=session,
        active=product.active,
    )
    return product


def get(session: Session, tenant: Tenant, product_id: uuid.UUID) -> Product:
    product = session.get(Product, (tenant.id, product_id))
    if product is None:
        raise NotFound(_("No such product in this village."))
    return product


def add_photo(
    session: Session, tenant: Tenant, user: User, product: Product, upload: docs.NewFile
) -> ProductPhoto:
    """A photo and its thumbnail, downscaled and stripped of metadata, as public documents; commits
    (documents exist only together with their rows)."""
    seller = session.get(Seller, (tenant.id, product.seller_id))
    _keeper(user, tenant, seller)
    taken = session.scalar(
        select(func.count()).select_from(ProductPhoto).where(ProductPhoto.product_id == product.id)
    )
    if taken >= PHOTOS_MAX:
        raise _invalid(_("At most %(max)d photos per product.", max=PHOTOS_MAX), "too_many_photos")
    data = upload.stream.read(docs.max_bytes() + 1)
    if len(data) > docs.max_bytes() or not images.is_image(data[:16]):
        raise ServiceError(_("A product photo is a JPEG or PNG picture."), "not_a_picture", 415)
    photo = images.normalise(data, max_side=PHOTO_SIDE, keep_png=False)
    thumb = images.normalise(_square(photo.data), max_side=THUMB_SIDE, keep_png=False, quality=THUMB_QUALITY)
    row = ProductPhoto(
        id=uuid.uuid4(),
        product_id=product.id,
        document_id=uuid.uuid4(),
        thumb_document_id=uuid.uuid4(),
        position=taken,
    )
    session.add(row)
    titles = (
        indonesian(N_("Photo of %(name)s"), name=product.name),
        indonesian(N_("Thumbnail of %(name)s"), name=product.name),
    )
    common = {"kind": DOCUMENT_KIND, "plugin": "smart_economy", "object_id": str(product.id)}
    items = [
        docs.NewDocument(
            docs.NewFile(io.BytesIO(photo.data), images.renamed(upload.filename, photo)),
            titles[0],
            visibility=Visibility.PUBLIC,
            document_id=row.document_id,
            **common,
        ),
        docs.NewDocument(
            docs.NewFile(io.BytesIO(thumb.data), images.renamed(upload.filename, thumb)),
            titles[1],
            visibility=Visibility.PUBLIC,
            document_id=row.thumb_document_id,
            **common,
        ),
    ]
    session.flush()
    listing.refresh_product(session, tenant, product, seller)
    audit.record(
        "smart_economy.product.photo_added",
        actor=user,
        tenant_id=tenant.id,
        target=f"product:{product.id}",
        session=session,
    )
    docs.store_all(tenant, items, actor=user, session=session)
    return row


def _square(data: bytes) -> bytes:
    """The middle square of a (normalised) photo: every thumbnail has the same shape, so the market
    page gives each its width and height and nothing moves while they load."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        side = min(image.size)
        left, top = (image.width - side) // 2, (image.height - side) // 2
        out = io.BytesIO()
        image.crop((left, top, left + side, top + side)).save(out, "JPEG", quality=90)
    return out.getvalue()


def photos_of(session: Session, product_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[ProductPhoto]]:
    out: dict[uuid.UUID, list[ProductPhoto]] = {i: [] for i in product_ids}
    if product_ids:
        for photo in session.scalars(
            select(ProductPhoto)
            .where(ProductPhoto.product_id.in_(list(product_ids)))
            .order_by(ProductPhoto.position, ProductPhoto.id)
        ):
            out[photo.product_id].append(photo)
    return out


def market() -> Select:
    """The village's public market: active products of approved sellers."""
    return (
        select(Product)
        .join(
            Seller,
            and_(
                Seller.tenant_id == Product.tenant_id,
                Seller.id == Product.seller_id,
                Seller.status == SellerStatus.APPROVED,
            ),
        )
        .where(Product.active.is_(True))
    )


def public_product(session: Session, product_id: uuid.UUID) -> Product:
    product = session.scalar(market().where(Product.id == product_id))
    if product is None:
        raise NotFound(_("No such product on this market."))
    return product


def _words(stmt: Select, value: str) -> Select:
    return stmt.where(Product.name_search.contains(value.strip().lower(), autoescape=True))


MARKET = ListSpec(
    filters={
        "category": Filter.equals(Product.category, parse=choice(Category)),
        "seller": Filter.equals(Product.seller_id, parse=uuid_value),
        "q": Filter(_words),
    },
    sorts={
        "name": Sort(Product.name_search, Product.id),
        "cheapest": Sort(Product.price, Product.id),
        "newest": Sort(Product.created_at, Product.id, desc=True),
    },
    default_sort="name",
    per_page=20,
)


def of_seller(session: Session, seller: Seller) -> Select:
    """Every product of one shop, hidden ones too (for its keeper and staff)."""
    return select(Product).where(Product.seller_id == seller.id)
