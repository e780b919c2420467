"""The public verification page printed on every letter (``/desa/<slug>/smart_government/verify/<token>``,
as a QR code): anyone holding the letter checks it, and may compare the PDF they received.

The page is the kit's (:func:`desacerdas.kit.verification_views.render_verification`) in the letters'
words; the core address ``/desa/<slug>/verify/<token>`` shows the same letter.
"""

from __future__ import annotations

from flask import current_app
from flask.typing import ResponseReturnValue

from desacerdas.extensions import db, limiter
from desacerdas.kit.verification_views import render_verification
from desacerdas.web.tenant import current_tenant

from ..pages import Routes
from . import issuing
from .views import T, _service

routes = Routes()  # the feature's blueprint (``web.blueprint``) takes them


@routes.route("/verify/<token>", methods=["GET", "POST"])
@limiter.limit(issuing.verify_limit)
def verify_letter(token: str) -> ResponseReturnValue:
    """Anyone holding the letter (a bank, a school) checks it: no sign-in. Only this village's
    letters are found here (another paper of the village: the core address)."""
    tenant = current_tenant()
    _service(issuing.find_by_token, db.session, token)
    return render_verification(
        tenant,
        token,
        template=T + "verify.html",
        unknown_template=None,
        max_bytes=current_app.config.get("SG_VERIFY_MAX_BYTES"),
    )
