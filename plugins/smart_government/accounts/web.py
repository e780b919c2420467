"""Resident account pages as one blueprint, which ``plugin.py`` nests in the pillar's: the URLs stay
``/desa/<slug>/smart_government/masuk…``, the endpoints are ``smart_government.accounts.*``. The
PIN-change-first rule and the 413 page cover every page of the pillar, so ``plugin.py`` attaches
:func:`views_resident.pin_change_first` and :func:`views_resident.too_large` to the pillar's blueprint.
"""

from __future__ import annotations

from flask import Blueprint

from . import views, views_resident, views_staff


def blueprint() -> Blueprint:
    bp = Blueprint("accounts", __name__, template_folder="templates")
    views.routes.register(bp)
    views_resident.routes.register(bp)
    views_staff.routes.register(bp)
    return bp
