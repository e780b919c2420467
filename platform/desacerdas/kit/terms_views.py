"""The page where a village sets its local terms and letterhead: ``/desa/<slug>/settings/terms``.

For the village head and secretary (and a facilitator assigned to the village, a platform admin):
``village.profile.manage``. Every field may be left empty: it then follows the village's default,
shown as the field's placeholder; only what differs from it is stored (``kit.terms.update``).
"""

from __future__ import annotations

import io
from typing import Any, BinaryIO

from flask import Flask, abort, flash, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField
from wtforms.validators import Length, Optional, ValidationError

from ..auth.permissions import can, can_see_village
from ..extensions import db
from ..models import Tenant, User, Visibility
from ..services import ServiceError, images
from ..services import documents as docs
from ..web.tenant import current_tenant, make_tenant_blueprint
from . import terms

bp = make_tenant_blueprint("village_terms", __name__)

# WTForms has no Indonesian catalogue: its messages are ours, translated with the others.
MAX_LOGO_PIXELS = 4000 * 4000  # a letterhead logo; a larger image is refused before it is decoded
TOO_LONG = _l("Field cannot be longer than %(max)d characters.")
ONE_LINE = _l("Write this on one line, without tabs or line breaks.")


def _strip(value: str | None) -> str | None:
    return value.replace("\xa0", " ").strip() if isinstance(value, str) else value


def _one_line(form: FlaskForm, field: StringField) -> None:
    if field.data and any(ord(c) < 32 or ord(c) == 127 for c in field.data):
        raise ValidationError(str(ONE_LINE))


def _text(label: object, key: str) -> StringField:
    limit = terms.LIMITS[key]
    return StringField(
        label,
        filters=[_strip],
        validators=[Optional(), Length(max=limit, message=TOO_LONG), _one_line],
    )


class TermsForm(FlaskForm):
    village_head = _text(_l("Local word for the village head"), "village_head")
    hamlet = _text(_l("Local word for a hamlet"), "hamlet")
    hamlet_head = _text(_l("Local word for a hamlet head"), "hamlet_head")
    office_name = _text(_l("Office name on the letterhead"), "office_name")
    office_address = _text(_l("Office address on the letterhead"), "office_address")
    letter_place = _text(_l("Place written before the date"), "letter_place")
    logo = FileField(
        _l("Logo (PNG or JPEG)"),
        description=_l("A picture file from your phone or computer; it is resized to fit the letterhead."),
        render_kw={"accept": "image/png,image/jpeg"},
    )
    remove_logo = BooleanField(_l("Remove the logo"))


def _require_manager() -> Tenant:
    """The village, or 404 for someone with no role in it, 403 for staff without the permission."""
    tenant = current_tenant()
    if not can(current_user, terms.MANAGE, tenant):
        abort(404 if not can_see_village(current_user, tenant) else 403)
    return tenant


def readable_logo(stream: BinaryIO) -> bytes:
    """The upload as a PNG or JPEG the PDF library can print: decoded within the pixel budget
    (:mod:`desacerdas.services.images`), at most ``LOGO_SIDE`` px wide, without metadata. A picture
    declaring too many pixels is refused before it is decoded."""
    data = stream.read(docs.max_bytes() + 1)
    if len(data) > docs.max_bytes():
        raise docs.TooLarge(_("The logo is too large: at most %(mb)d MB.", mb=_megabytes()), "logo_too_large")
    try:
        picture = images.normalise(
            data, max_side=images.LOGO_SIDE, formats=("PNG", "JPEG"), pixel_limit=MAX_LOGO_PIXELS
        )
    except images.ImageTooLarge as exc:
        raise ServiceError(
            _(
                "The logo is too large: it must be a PNG or JPEG image of at most %(limit)s million pixels.",
                limit=f"{min(images.max_pixels(), MAX_LOGO_PIXELS) / 1_000_000:g}",
            ),
            exc.code,
        ) from None
    except ServiceError:
        raise ServiceError(_("The logo must be a PNG or JPEG image that opens."), "invalid_logo") from None
    return picture.data


def _megabytes() -> int:
    """The largest upload in whole MB (``DESA_DOCUMENT_MAX_MB``), as the page says it."""
    return max(1, docs.max_bytes() // (1024 * 1024))


def _changes(form: TermsForm, own: dict[str, str]) -> dict[str, Any]:
    """What the form changes: an empty field means the default (``None``)."""
    typed = {key: form[key].data or None for key in terms.LIMITS}
    return {key: value for key, value in typed.items() if value != own.get(key)}


def store_logo(tenant: Tenant, stream: BinaryIO, filename: str | None, actor: User | None) -> str:
    """An uploaded letterhead logo checked and resized (:func:`readable_logo`) and stored as a staff
    document of the village; its id, for ``logo_document_id``. The page and the API
    (``POST …/terms/logo``) both upload through here."""
    data = readable_logo(stream)
    logo = docs.store(
        tenant,
        docs.NewFile(io.BytesIO(data), filename),
        title=_("Letterhead logo"),
        kind=terms.LOGO_KIND,
        object_id="letterhead",
        visibility=Visibility.STAFF,
        actor=actor,
    )
    return str(logo.id)


def logo_change(tenant: Tenant, form: TermsForm) -> dict[str, str | None]:
    if form.remove_logo.data:
        return {"logo_document_id": None}
    upload = form.logo.data
    if upload is None or not getattr(upload, "filename", ""):
        return {}
    return {"logo_document_id": store_logo(tenant, upload.stream, upload.filename, current_user)}


@bp.route("/settings/terms", methods=["GET", "POST"])
@login_required
def edit() -> ResponseReturnValue:
    tenant = _require_manager()
    own = terms.own_values(tenant)
    form = TermsForm(data=own if request.method == "GET" else None)
    form_error, status = None, 200
    if request.method == "POST" and form.validate():
        try:
            changes = {**_changes(form, own), **logo_change(tenant, form)}
            terms.update(tenant, changes, actor=current_user)
        except ServiceError as exc:
            db.session.rollback()
            form_error, status = exc.message, exc.status
        else:
            flash(_("The village's terms and letterhead are saved."), "success")
            return redirect(url_for("village_terms.edit"))
    elif request.method == "POST":
        form_error, status = _("Some fields are not valid."), 400
    return render_template(
        "kit/terms.html",
        form=form,
        form_error=form_error,
        defaults=terms.defaults_for(tenant),
        terms=terms.terms_for(tenant),
        letterhead=terms.letterhead_for(tenant),
        has_logo=bool(own.get("logo_document_id")),
        max_megabytes=_megabytes(),
    ), status


@bp.get("/settings/terms/logo")
@login_required
def logo() -> ResponseReturnValue:
    """The letterhead logo as it prints (for the preview on the terms page): the managers only,
    404 when the village has none or it cannot be read."""
    tenant = _require_manager()
    data = terms.logo_bytes(tenant, db.session)
    kind = images.sniff(data[:16]) if data else None
    if data is None or kind not in ("PNG", "JPEG"):
        abort(404)
    response = make_response(data)
    response.headers["Content-Type"] = f"image/{kind.lower()}"
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def init_app(app: Flask) -> None:
    """Register the page and the API (after the API itself: ``api.register``)."""
    from ..api.desa import SLUG_PARAMETER
    from ..extensions import api_of
    from .terms_api import blp as api_blp

    app.register_blueprint(bp)
    api_of(app).register_blueprint(api_blp, parameters=[SLUG_PARAMETER])
