"""The letter pages as one blueprint, which ``plugin.py`` nests in the pillar's: the URLs stay
``/desa/<slug>/smart_government/letters/…`` and ``…/verify/<token>`` (printed on paper), the
endpoints are ``smart_government.letters.*``."""

from __future__ import annotations

from flask import Blueprint

from . import views, views_config, views_counter, views_requests, views_verify


def blueprint() -> Blueprint:
    bp = Blueprint("letters", __name__, template_folder="templates")
    for module in (views, views_requests, views_counter, views_config, views_verify):
        module.routes.register(bp)
    return bp
