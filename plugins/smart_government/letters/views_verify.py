"""The public verification page printed on every letter (``/desa/<slug>/smart_government/verify/<token>``,
as a QR code): anyone holding the letter checks it, and may compare the PDF they received.
"""

from __future__ import annotations

from flask import current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from desacerdas.extensions import db, limiter
from desacerdas.services import ServiceError
from desacerdas.web.tenant import current_tenant

from ..pages import Routes
from . import issuing
from .forms import VerifyForm
from .views import T, _service

routes = Routes()  # the feature's blueprint (``web.blueprint``) takes them


# -- public verification ---------------------------------------------------------------------------


@routes.route("/verify/<token>", methods=["GET", "POST"])
@limiter.limit(issuing.verify_limit)
def verify_letter(token: str) -> ResponseReturnValue:
    """Anyone holding the letter (a bank, a school) checks it: no sign-in. Only this village's
    letters are found here."""
    tenant = current_tenant()
    letter = _service(issuing.find_by_token, db.session, token)
    form = VerifyForm()
    outcome, form_error, status = None, None, 200
    if request.method == "POST":
        upload = form.file.data if form.validate() else None
        if upload is None or not getattr(upload, "filename", ""):
            form_error, status = _("Choose the PDF file to compare."), 400
        else:
            try:
                data = issuing.read_pdf_upload(
                    upload.stream, current_app.config.get("SG_VERIFY_MAX_BYTES", issuing.VERIFY_MAX_BYTES)
                )
            except ServiceError as exc:
                form_error, status = exc.message, exc.status
            else:
                outcome = issuing.matches(letter, data)
    response = render_template(
        T + "verify.html",
        v=issuing.verification(tenant, letter),
        form=form,
        outcome=outcome,
        form_error=form_error,
        token=token,
    )
    return response, status, {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}
