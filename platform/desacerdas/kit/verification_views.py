"""The public verification page of a village's papers: ``/desa/<slug>/verify/<token>``.

Anyone holding a paper (a bank, a school, an employer) opens the address in its QR code without
signing in, sees whether it is valid, revoked or expired, and may upload the copy they received to
learn whether it is the issued file. Only the village in the address is searched: a token of another
village is "not found". Rate limited per client address (``VERIFY_LIMIT``).

A pillar whose papers already carry an address of its own keeps it working by calling
:func:`render_verification` from its route (with its own template if its page reads differently).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField

from ..extensions import db, limiter
from ..models import Tenant
from ..services import NotFound, ServiceError
from ..services.i18n import _
from ..web.tenant import current_tenant, make_tenant_blueprint
from . import verification as kit

bp = make_tenant_blueprint("kit_verify", __name__)

TEMPLATE = "kit/verify.html"
UNKNOWN_TEMPLATE = "kit/verify_unknown.html"
HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


class VerifyForm(FlaskForm):
    """The copy to compare (CSRF-protected like every form)."""

    file = FileField(_l("The PDF you received"))


def _compare(row: Any, form: VerifyForm, max_bytes: int | None) -> tuple[bool | None, str | None, int]:
    """``(outcome, error, status)`` of an uploaded copy: matches or not, or why it was not compared."""
    upload = form.file.data if form.validate() else None
    if upload is None or not getattr(upload, "filename", ""):
        if form.errors.get("csrf_token"):
            return None, _("The form expired. Please reload the page and try again."), 400
        return None, _("Choose the PDF file to compare."), 400
    try:
        data = kit.read_pdf_upload(upload.stream, max_bytes)
    except ServiceError as exc:
        return None, exc.message, exc.status
    return kit.matches(row, data), None, 200


def render_verification(
    tenant: Tenant,
    token: str,
    *,
    template: str = TEMPLATE,
    unknown_template: str | None = UNKNOWN_TEMPLATE,
    office: str | None = None,
    max_bytes: int | None = None,
    context: Mapping[str, Any] | None = None,
) -> ResponseReturnValue:
    """The verification page of ``token`` in ``tenant`` (GET: the facts; POST: also compare a copy).

    The request's session must serve ``tenant`` (it does on a village route). ``template`` gets ``v``
    (a :class:`~desacerdas.kit.verification.PublicView`), ``row``, ``form``, ``outcome`` (True, False
    or None), ``form_error`` and ``token``, plus ``context``. An unknown token renders
    ``unknown_template`` with 404, or plain 404 when it is None.
    """
    try:
        row = kit.find(db.session, token)
    except NotFound:
        if unknown_template is None:
            abort(404)
        return render_template(unknown_template, token=token), 404, HEADERS
    form = VerifyForm()
    outcome, form_error, status = None, None, 200
    if request.method == "POST":
        outcome, form_error, status = _compare(row, form, max_bytes)
    page = render_template(
        template,
        v=kit.public_view(tenant, row, office),
        row=row,
        form=form,
        outcome=outcome,
        form_error=form_error,
        token=token,
        **dict(context or {}),
    )
    return page, status, HEADERS


@bp.route("/verify/<token>", methods=["GET", "POST"])
@limiter.limit(kit.verify_limit)
def verify(token: str) -> ResponseReturnValue:
    """Open to anyone: no sign-in, and only this village's papers are found."""
    return render_verification(current_tenant(), token)


def init_app(app) -> None:  # noqa: ANN001 - a Flask app
    """Register the public verification page (``_register`` in ``desacerdas.app`` calls this)."""
    app.register_blueprint(bp)
