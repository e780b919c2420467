"""What every page template can use: the current village and its terms, navigation, language links."""

from __future__ import annotations

from flask import Flask, g, request, session
from flask_babel import get_locale

from ..kit import terms as village_terms
from . import charts, formatting, navigation, zoned_time
from .urls import query_args


def init_app(app: Flask) -> None:
    app.add_template_global(query_args)
    charts.init_app(app)  # chart_* globals for _charts.html
    formatting.init_app(app)  # |count |figure |duration |indicator filters
    zoned_time.init_app(app)  # |in_zone and time_tag(): a row's time in its village's zone

    @app.context_processor
    def _layout() -> dict:
        tenant = g.get("tenant")
        return {
            "tenant": tenant,
            # the village's own words (perbekel / kepala desa, banjar dinas / dusun) for every pillar
            "terms": village_terms.terms_for(tenant) if tenant is not None else None,
            "nav_items": navigation.items_for(tenant),
            "current_locale": str(get_locale()),
            "languages": app.config["LANGUAGES"],
        }

    @app.before_request
    def _remember_language() -> None:
        lang = request.args.get("lang")
        if lang in app.config["LANGUAGES"]:
            session["lang"] = lang
