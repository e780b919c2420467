"""The market API (``/api/v1/desa/<slug>/smart_economy/…``)."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint(
    "market_api", __name__, description="Smart economy: sellers and products of the village market."
)
