"""The registry's pages as one blueprint, which ``plugin.py`` nests in the pillar's: the URLs stay
``/desa/<slug>/smart_government/residents…``, the endpoints are ``smart_government.registry.*``."""

from __future__ import annotations

from flask import Blueprint

from . import views, views_import


def blueprint() -> Blueprint:
    bp = Blueprint("registry", __name__, template_folder="templates")
    views.routes.register(bp)
    views_import.routes.register(bp)
    return bp
