"""The social-aid API (``/api/v1/desa/<slug>/smart_society/aid…``)."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("aid_api", __name__, description="Smart society: social aid without double receipt.")
