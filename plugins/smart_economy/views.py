"""The market's pages: the sellers' (``sellers``: staff, a resident's shop, products and photos;
:mod:`.views_sellers`) and the public market (``market``: :mod:`.views_market`)."""

from __future__ import annotations

from flask import Blueprint

from . import views_market, views_sellers


def blueprints() -> list[Blueprint]:
    return [views_sellers.blueprint(), views_market.blueprint()]
