"""The regency-wide market page: ``/pasar/<regency_code>`` (``/pasar/51.07``) lists the public
products of every village of the regency, ``/pasar`` those of the whole platform. Open to anyone,
signed in or not.

Every product comes from :func:`desacerdas.services.market_listing.search`, the one reader of the
listing across villages (one ``market.regency_read`` audit event per view); the listing holds only
what a village's own public market page shows, so nothing private can reach this page. The
village menu is read from ``tenants`` (a platform table) by the regency's code: the villages that
run the market and have something on it. A village that is suspended or archived, or no longer
runs the market, is left out of the menu and its rows are dropped from the page (their links
would lead nowhere).

Links go to the village's own pages as plain paths (``/desa/<slug>/smart_economy/market/…``): the
pillar's pages live in a plugin the core does not import.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from html import escape
from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import Select, exists, select

from ..extensions import db, limiter
from ..models import MarketListing, PlatformPlugin, Tenant, TenantStatus, User, VillagePlugin
from ..services import areas, market_listing
from ..web import labels
from ..web.formatting import rupiah
from ..web.pagination import Page, page_links, page_number

bp = Blueprint("regency_market", __name__)

PLUGIN = "smart_economy"  # the pillar whose pages the products link to
REGENCY_CODE = re.compile(r"^\d{2}\.\d{2}$")  # Kemendagri: 51.07
Q_MAX = 100
THUMB_SIDE = 96  # px on the page; the stored thumbnail is a 144 px square (sharp on dense screens)
DEFAULT_LIMIT = "300 per minute"  # views per client address (each writes an audit event)

labels.register_events({"market.regency_read": _l("Regency market viewed")})


def view_limit() -> str:
    """Views of the market per client address (``MARKET_PAGE_LIMIT``): each one writes an audit event."""
    return current_app.config.get("MARKET_PAGE_LIMIT", DEFAULT_LIMIT)


def _categories() -> list[tuple[str, str]]:
    """The categories the market's pillar gave words to, in its order: (value, words)."""
    words = labels.registered_states(market_listing.CATEGORY_KIND)
    return [(value, str(label)) for value, label in words.items()]


def _running_market() -> list[Any]:
    """Conditions on ``Tenant``: an active village that runs the market (its pages answer). The
    pillar's rows are one semi-join, the platform's install one check for the whole statement
    (correlated per village they cost 12 ms with 1,000 villages; 1 ms so)."""
    return [
        Tenant.status == TenantStatus.ACTIVE,
        Tenant.id.in_(
            select(VillagePlugin.tenant_id).where(
                VillagePlugin.plugin == PLUGIN, VillagePlugin.enabled.is_(True)
            )
        ),
        exists().where(PlatformPlugin.name == PLUGIN, PlatformPlugin.installed.is_(True)),
    ]


def _village_menu(regency_code: str) -> Select:
    """The regency's villages on the market: running it, with at least one product listed.

    "Listed" is a scalar subquery (one index probe per village, stopping at the first row), not
    ``EXISTS``: under the listing's RLS policy PostgreSQL estimates almost no visible rows and
    turned ``EXISTS`` into a merge join over the whole listing (85 ms with 200,000 rows; 2 ms so)."""
    listed = select(MarketListing.id).where(MarketListing.tenant_id == Tenant.id).limit(1).scalar_subquery()
    return (
        select(Tenant.slug, Tenant.name)
        .where(Tenant.regency_code == regency_code, listed.is_not(None), *_running_market())
        .order_by(Tenant.name, Tenant.id)
    )


def _open_villages(tenant_ids: Iterable[int]) -> set[int]:
    ids = sorted(set(tenant_ids))
    if not ids:
        return set()
    return set(db.session.scalars(select(Tenant.id).where(Tenant.id.in_(ids), *_running_market())))


def _without_closed_villages(page: Page) -> Page:
    """The page's rows of villages whose pages answer (a suspended village's rows are dropped)."""
    open_ids = _open_villages(row.tenant_id for row in page.items)
    kept = [row for row in page.items if row.tenant_id in open_ids]
    if len(kept) == len(page.items):
        return page
    return Page(kept, page.page, page.per_page, page.total, counted=False, more=page.more)


def options(pairs: Iterable[tuple[str, str]], chosen: str) -> Markup:
    """``<option>``s of a menu that grows with the regency (1,000 villages), one f-string each
    (``html.escape``: quotes too): Jinja's loop took 7 ms a page for them, this 1 ms
    (``web/widgets.py`` says the same of wtforms)."""
    out = []
    for value, label in pairs:
        selected = " selected" if value == chosen else ""
        out.append(f'<option value="{escape(value)}"{selected}>{escape(label)}</option>')
    return Markup("".join(out))  # noqa: S704 - every value and label escaped above (quote=True)


def _viewer() -> User | None:
    if current_user.is_authenticated:
        return current_user._get_current_object()  # noqa: SLF001 - the user itself, not the proxy
    return None


def _words(value: str | None) -> str:
    return " ".join((value or "").split())[:Q_MAX]


# -- paths into the villages' own pages (plain paths: the pillar is a plugin) --------------------


def _root() -> str:
    return request.script_root


def product_path(row: MarketListing) -> str:
    return f"{_root()}/desa/{row.village_slug}/{PLUGIN}/market/products/{row.product_id}"


def village_market_path(row: MarketListing) -> str:
    return f"{_root()}/desa/{row.village_slug}/{PLUGIN}/market"


def thumb_path(row: MarketListing) -> str | None:
    document: uuid.UUID | None = row.thumb_document_id
    return f"{_root()}/desa/{row.village_slug}/documents/{document}/download" if document else None


# -- pages ------------------------------------------------------------------------------------------


@bp.get("/pasar")
@limiter.limit(view_limit)
def platform_market() -> ResponseReturnValue:
    """Every regency's products; choosing a regency goes to its page (with the same filters)."""
    regency = (request.args.get("regency") or "").strip()
    if REGENCY_CODE.match(regency):
        kept = {k: v for k, v in request.args.items() if k in ("category", "q") and v}
        return redirect(url_for(".regency_market", regency_code=regency, **kept))
    return _market_page(None, None)


@bp.get("/pasar/<regency_code>")
@limiter.limit(view_limit)
def regency_market(regency_code: str) -> ResponseReturnValue:
    if not REGENCY_CODE.match(regency_code):
        abort(404)
    name = db.session.scalar(select(Tenant.regency_name).where(Tenant.regency_code == regency_code).limit(1))
    if name is None:  # no village of that regency on the platform
        abort(404)
    return _market_page(regency_code, name)


def _market_page(regency_code: str | None, regency_name: str | None) -> str:
    categories = _categories()
    category = request.args.get("category") or ""
    if category not in dict(categories):
        category = ""
    q = _words(request.args.get("q"))
    villages: list[tuple[str, str]] = []
    regencies: list[tuple[str, str]] = []
    village = ""
    if regency_code:
        villages = [(slug, name) for slug, name in db.session.execute(_village_menu(regency_code))]
        village = request.args.get("village") or ""
        if village not in dict(villages):
            village = ""
    else:
        regencies = [(area.code, area.name) for area in areas.regencies()]
    page = market_listing.search(
        regency_code,
        village_slug=village or None,
        category=category or None,
        q=q or None,
        page=page_number(),
        actor=_viewer(),
    )
    page = _without_closed_villages(page)
    heading = (
        _("Village market of %(regency)s", regency=regency_name)
        if regency_name
        else _("Village market of every regency")
    )
    return render_template(
        "market/regency.html",
        heading=heading,
        regency_code=regency_code,
        regency_name=regency_name,
        regencies=regencies,
        villages=villages,
        categories=categories,
        chosen={"village": village, "category": category, "q": q},
        filtered=bool(village or category or q),
        pagination=page,
        page_url=page_links(request.endpoint or "regency_market.platform_market"),
        category_kind=market_listing.CATEGORY_KIND,
        options=options,
        rupiah=rupiah,
        product_path=product_path,
        village_market_path=village_market_path,
        thumb_path=thumb_path,
        thumb_side=THUMB_SIDE,
    )
