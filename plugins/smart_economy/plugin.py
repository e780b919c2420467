"""Hook implementations of smart_economy, registered through the ``desacerdas.plugins`` entry point.

The village market (issue 15): sellers (residents' businesses and BUMDes units) approved by staff,
their products with small photos, the village's public market page, and the regency-wide market
through the platform's listing. Orders and the BUMDes books follow. Pages and API are nested in
the pillar's blueprints, mounted at ``/desa/<slug>/smart_economy`` and
``/api/v1/desa/<slug>/smart_economy``.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint as ApiBlueprint
from sqlalchemy.orm import Session

from desacerdas import hookimpl
from desacerdas.auth.permissions import can
from desacerdas.models import Tenant, User
from desacerdas.plugin_system.pillar import Pillar, has_staff
from desacerdas.plugin_system.types import Indicator, NavEntry, PermissionSpec, PluginBlueprints

from . import api, demo, figures, views
from .catalogue.models import MODELS as CATALOGUE_MODELS
from .permissions import PERMISSIONS, SELL, SELLERS_VIEW
from .sellers import labels as _labels  # noqa: F401 - registers the category words
from .sellers.models import MODELS as SELLER_MODELS

MODELS: list[type] = [*CATALOGUE_MODELS, *SELLER_MODELS]  # children before parents (purge order)

NAVIGATION: tuple[tuple[object, str, int, str | None], ...] = (
    (_l("Village market"), "market.market", 1, None),
    (_l("Sellers"), "sellers.sellers", 2, SELLERS_VIEW),
    (_l("My shop"), "sellers.my_shop", 3, SELL),
)


class Economy(Pillar):
    """The smart economy pillar: the village market."""

    part_hints = {  # noqa: RUF012 - read only
        "smart_economy.market.market": _l("What the village's businesses and BUMDes sell."),
        "smart_economy.sellers.sellers": _l("Applications to sell, approved shops, BUMDes units."),
        "smart_economy.sellers.my_shop": _l("Apply to sell, keep your products and photos."),
    }

    def __post_init__(self) -> None:
        super().__post_init__()
        self.api = ApiBlueprint(
            f"{self.name}_api", __name__, description="Smart economy: the village market."
        )
        for bp in views.blueprints():
            self.pages.register_blueprint(bp)
        self.api.register_blueprint(api.blp)

    @hookimpl
    def desa_owned_models(self) -> list[type]:
        return list(MODELS)

    @hookimpl
    def desa_permissions(self) -> list[PermissionSpec]:
        return [*super().desa_permissions(), *PERMISSIONS]

    @hookimpl
    def desa_blueprints(self, app: Flask) -> PluginBlueprints:
        return PluginBlueprints(pages=self.pages, api=self.api)

    @hookimpl
    def desa_navigation(self, tenant: Tenant, user: User | None) -> list[NavEntry]:
        title = self.title_en if str(get_locale()) == "en" else self.title_id
        first = 100 + self.rollout_order
        entries = [NavEntry(title, f"{self.name}.index", first)]
        signed_in = user is not None and getattr(user, "is_authenticated", False)
        for label, endpoint, position, permission in NAVIGATION:
            if permission is None or (signed_in and can(user, permission, tenant)):
                entries.append(NavEntry(str(label), f"{self.name}.{endpoint}", first + position))
        return entries

    @hookimpl
    def desa_indicators(self, tenant: Tenant, period: str, session: Session) -> list[Indicator]:
        return figures.indicators(tenant, period, session)

    @hookimpl
    def desa_waiting_items(self, tenant: Tenant, session: Session) -> list:
        return figures.waiting_items(tenant, session)

    @hookimpl
    def desa_demo_data(self, tenant: Tenant, session: Session) -> None:
        demo.load(tenant, session)


plugin = Economy(
    name="smart_economy",
    title_id="Ekonomi Cerdas",
    title_en="Smart economy",
    pillar="economy",
    version="0.2.0",
    description="Pasar digital desa untuk produk UMKM dan BUMDes; pesanan dan pembukuan BUMDes menyusul.",
    description_en="A village marketplace for UMKM and BUMDes products; orders and BUMDes books follow.",
    rollout_order=30,
    requires=("smart_government",),
    checks=[
        has_staff(
            _l("A secretary or operator account exists"),
            _l("Grant an operator an account to approve sellers."),
        ),
    ],
)
