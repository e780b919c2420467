""" "Who looked at our residents' data": the village's personal-data access log, page and API.

Every opening of full personal data by a regency admin or a facilitator (``services.personal_data``)
is one row; the village head and secretary read them here, newest first. Village staff reading
their own village are not logged (see ``services.personal_data``). The rows are tenant-owned with
RLS: a village never sees another's.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Flask, render_template
from flask.typing import ResponseReturnValue
from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_smorest.pagination import PaginationParameters

from ..api.pagination import PAGINATION, page_of
from ..api.schemas import UtcDateTime
from ..api.security import require as require_api_permission
from ..api.security import village_blueprint
from ..auth.permissions import registry
from ..extensions import db
from ..kit.access import require
from ..models import Role
from ..services import personal_data
from ..web.pagination import page_links, paginate
from ..web.tenant import current_tenant, make_tenant_blueprint

LOG_VIEW = "village.personal_data_log.view"
registry.register(
    LOG_VIEW,
    "Read who opened the village's personal data, when and why",
    (Role.VILLAGE_HEAD, Role.VILLAGE_SECRETARY),
)

ROLE_LABELS = {"facilitator": _l("Facilitator"), "regency_admin": _l("Regency admin")}
CHANNEL_LABELS = {"web": _l("Web page"), "api": _l("API")}

bp = make_tenant_blueprint("data_access", __name__)
api_blp = village_blueprint(
    "PersonalDataAccess", __name__, "Who opened the village's personal data (regency admins, facilitators)."
)


@bp.route("/personal-data-access")
@login_required
def access_log() -> ResponseReturnValue:
    """The page "Siapa melihat data warga" (village head, secretary; a platform admin)."""
    tenant, _scope, _user = require(LOG_VIEW)
    return render_template(
        "village/data_access.html",
        pagination=paginate(personal_data.access_log(db.session, tenant)),
        page_url=page_links("data_access.access_log"),
        role_label=lambda v: str(ROLE_LABELS.get(v, v)),
        channel_label=lambda v: str(CHANNEL_LABELS.get(v, v)),
    )


class AccessSchema(ma.Schema):
    id = ma.fields.UUID()
    at = UtcDateTime()
    user_id = ma.fields.Integer(allow_none=True)
    user_name = ma.fields.String()
    role = ma.fields.String(metadata={"example": "facilitator"})
    resident_id = ma.fields.UUID(
        allow_none=True, metadata={"description": "The resident opened; null: the whole list (a window)."}
    )
    channel = ma.fields.String(metadata={"example": "web"})
    reason = ma.fields.String()


@api_blp.route("/personal-data-access")
class AccessLog(MethodView):
    @api_blp.response(200, AccessSchema(many=True))
    @api_blp.paginate(**PAGINATION)
    def get(self, pagination_parameters: PaginationParameters) -> list[Any]:
        """The personal-data access log, newest first (``village.personal_data_log.view``). Paginated."""
        tenant = current_tenant()
        require_api_permission(LOG_VIEW, tenant)
        return page_of(personal_data.access_log(db.session, tenant), pagination_parameters)


def init_app(app: Flask) -> None:
    """Register the page and the API (after the API itself, like ``kit.terms_views``)."""
    from ..api.desa import SLUG_PARAMETER
    from ..extensions import api_of

    app.register_blueprint(bp)
    api_of(app).register_blueprint(api_blp, parameters=[SLUG_PARAMETER])
