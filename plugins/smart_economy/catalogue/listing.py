"""What the regency-wide market knows of this village's products: kept equal to the public market
in the same transaction as every change (a product saved, hidden or photographed, a seller
approved, suspended or renamed), through the platform's listing service."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from desacerdas.models import Tenant
from desacerdas.services import market_listing

from ..sellers.models import Seller, SellerStatus
from .models import Product, ProductPhoto


def is_public(product: Product, seller: Seller) -> bool:
    return product.active and seller.status == SellerStatus.APPROVED


def _thumb(session: Session, product: Product):  # noqa: ANN202 - a document id or None
    return session.scalar(
        select(ProductPhoto.thumb_document_id)
        .where(ProductPhoto.product_id == product.id)
        .order_by(ProductPhoto.position, ProductPhoto.id)
        .limit(1)
    )


def refresh_product(session: Session, tenant: Tenant, product: Product, seller: Seller | None = None) -> None:
    seller = seller or session.get(Seller, (tenant.id, product.seller_id))
    if not is_public(product, seller):
        market_listing.withdraw(session, [product.id])
        return
    market_listing.publish(
        session,
        tenant,
        market_listing.Listed(
            product_id=product.id,
            seller_id=seller.id,
            seller_name=seller.business_name,
            name=product.name,
            category=product.category.value,
            price=product.price,
            unit=product.unit,
            available=product.stock is None or product.stock > 0,
            thumb_document_id=_thumb(session, product),
        ),
    )


def refresh_seller(session: Session, tenant: Tenant, seller: Seller) -> None:
    """Every product of the seller, after its state or name changed."""
    for product in session.scalars(select(Product).where(Product.seller_id == seller.id)):
        refresh_product(session, tenant, product, seller)
