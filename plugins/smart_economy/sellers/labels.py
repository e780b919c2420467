"""Words for the market's stored values: categories and kinds of seller."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from desacerdas.services import market_listing
from desacerdas.web.labels import register_states

from .models import Category, SellerKind

CATEGORY_LABELS = {
    Category.FOOD: _l("Food"),
    Category.DRINK: _l("Drinks"),
    Category.PRODUCE: _l("Farm and garden produce"),
    Category.CRAFT: _l("Crafts"),
    Category.CLOTHING: _l("Clothing and cloth"),
    Category.SERVICE: _l("Services"),
    Category.OTHER: _l("Other"),
}

KIND_LABELS = {SellerKind.UMKM: _l("Resident's business (UMKM)"), SellerKind.BUMDES: _l("BUMDes unit")}

register_states(market_listing.CATEGORY_KIND, {c.value: label for c, label in CATEGORY_LABELS.items()})
