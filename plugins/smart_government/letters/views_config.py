"""Configuring letters: the village's letter types (fields, attachments, template) and its
letter settings (letterhead, workflow steps, number format with a live preview).
"""

from __future__ import annotations

import io
import uuid
from datetime import date
from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from desacerdas.extensions import db
from desacerdas.models import Tenant, Visibility
from desacerdas.plugin_system import settings as plugin_settings
from desacerdas.services import ServiceError
from desacerdas.services import documents as docs

from ..pages import ConfirmForm, Routes
from ..settings import NAME, settings_for
from . import types as letter_types
from . import workflow
from .forms import SettingsForm, TypeForm
from .models import LetterType
from .numbering import NumberFormatError, format_number, village_letter_code
from .views import T, _allowed, _service

routes = Routes()  # the feature's blueprint (``web.blueprint``) takes them


SETTING_KEYS = (
    "number_format",
    "number_per_type",
    "verification_step",
    "approval_step",
    "office_name",
    "office_address",
    "letter_place",
    "term_village_head",
    "term_hamlet",
    "term_hamlet_head",
)


# -- letter types ----------------------------------------------------------------------------------


@routes.route("/letters/types", endpoint="letter_types")
@login_required
def letter_types_page() -> ResponseReturnValue:
    _allowed(workflow.CONFIGURE)
    return render_template(
        T + "types.html", types=letter_types.list_types(db.session), confirm=ConfirmForm(formdata=None)
    )


def _lines_to_fields(text: str) -> list[dict[str, Any]]:
    out = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        parts += [""] * (4 - len(parts))
        out.append(
            {
                "name": parts[0],
                "label": parts[1],
                "required": parts[2].lower() not in ("optional", "opsional", "no", "tidak"),
                "kind": parts[3] or "text",
            }
        )
    return out


def _lines_to_attachments(text: str) -> list[dict[str, Any]]:
    out = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        parts += [""] * (3 - len(parts))
        out.append(
            {
                "key": parts[0],
                "label": parts[1],
                "required": parts[2].lower() not in ("optional", "opsional", "no", "tidak"),
            }
        )
    return out


def _fields_to_lines(fields: list[dict[str, Any]]) -> str:
    return "\n".join(
        " | ".join(
            (f["name"], f["label"], "required" if f.get("required") else "optional", f.get("kind", "text"))
        )
        for f in fields or []
    )


def _attachments_to_lines(attachments: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{a['key']} | {a['label']} | {'required' if a.get('required') else 'optional'}"
        for a in attachments or []
    )


def _type_data(form: TypeForm) -> dict[str, Any]:
    return {
        "code": form.code.data,
        "title": form.title.data,
        "description": form.description.data,
        "validity_days": form.validity_days.data,
        "online": form.online.data,
        "position": form.position.data,
        "fields": _lines_to_fields(form.fields_text.data),
        "attachments": _lines_to_attachments(form.attachments_text.data),
        "template": form.template.data,
    }


def _type_form_page(
    form: TypeForm, letter_type: LetterType | None, error: str | None, status: int
) -> ResponseReturnValue:
    return render_template(
        T + "type_form.html",
        form=form,
        letter_type=letter_type,
        form_error=error,
        placeholders=letter_types.RESIDENT_PLACEHOLDERS,
    ), status


@routes.route("/letters/types/new", methods=["GET", "POST"])
@login_required
def letter_type_new() -> ResponseReturnValue:
    tenant = _allowed(workflow.CONFIGURE)
    form = TypeForm()
    if request.method == "GET":
        form.online.data = True
    if form.validate_on_submit():
        try:
            created = letter_types.create_type(db.session, tenant, _type_data(form), current_user)
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            return _type_form_page(form, None, exc.message, exc.status)
        flash(_("Letter type %(code)s added.", code=created.code), "success")
        return redirect(url_for("smart_government.letters.letter_types"))
    return _type_form_page(form, None, None, 400 if form.is_submitted() else 200)


@routes.route("/letters/types/<uuid:type_id>/edit", methods=["GET", "POST"])
@login_required
def letter_type_edit(type_id: uuid.UUID) -> ResponseReturnValue:
    tenant = _allowed(workflow.CONFIGURE)
    letter_type = _service(letter_types.get_type, db.session, type_id)
    form = TypeForm(obj=letter_type if request.method == "GET" else None)
    if request.method == "GET":
        form.fields_text.data = _fields_to_lines(letter_type.fields)
        form.attachments_text.data = _attachments_to_lines(letter_type.attachments)
    if form.validate_on_submit():
        try:
            letter_types.update_type(db.session, tenant, letter_type, _type_data(form), current_user)
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            letter_type = _service(letter_types.get_type, db.session, type_id)
            return _type_form_page(form, letter_type, exc.message, exc.status)
        flash(_("Letter type %(code)s saved.", code=letter_type.code), "success")
        return redirect(url_for("smart_government.letters.letter_types"))
    return _type_form_page(form, letter_type, None, 400 if form.is_submitted() else 200)


@routes.route("/letters/types/<uuid:type_id>/active", methods=["POST"])
@login_required
def letter_type_active(type_id: uuid.UUID) -> ResponseReturnValue:
    tenant = _allowed(workflow.CONFIGURE)
    letter_type = _service(letter_types.get_type, db.session, type_id)
    if not ConfirmForm().validate():
        abort(400)
    letter_types.set_active(db.session, tenant, letter_type, not letter_type.active, current_user)
    db.session.commit()
    flash(
        _("%(title)s is offered again.", title=letter_type.title)
        if letter_type.active
        else _("%(title)s is no longer offered.", title=letter_type.title),
        "success",
    )
    return redirect(url_for("smart_government.letters.letter_types"))


# -- settings --------------------------------------------------------------------------------------


def _preview(tenant: Tenant, fmt: str) -> tuple[str | None, str | None]:
    """(preview, error) of a number format, as the first SKD letter of today would get it."""
    try:
        return format_number(
            fmt, type_code="SKD", seq=1, village_code=village_letter_code(tenant), when=date.today()
        ), None
    except NumberFormatError as exc:
        return None, str(exc)


def _readable_logo(stream: Any) -> bytes:
    """The logo's bytes if the letter PDF can print them (a broken image is refused here, not at
    the first letter)."""
    from PIL import Image, UnidentifiedImageError

    data = stream.read(docs.max_bytes() + 1)
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            if image.format not in ("PNG", "JPEG"):
                raise ValueError(image.format)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ServiceError(_("The logo must be a PNG or JPEG image that opens."), "invalid_logo") from None
    return data


@routes.route("/letters/settings", methods=["GET", "POST"])
@login_required
def letter_settings() -> ResponseReturnValue:
    tenant = _allowed(workflow.CONFIGURE)
    values = settings_for(tenant)
    form = SettingsForm(data={k: values.get(k) for k in SETTING_KEYS} if request.method == "GET" else None)
    form_error, status = None, 200
    if request.method == "POST" and form.validate():
        changes = {k: getattr(form, k).data for k in SETTING_KEYS}
        preview, problem = _preview(tenant, changes["number_format"])
        if problem:
            form.number_format.errors = [*form.number_format.errors, problem]
            form_error, status = problem, 400
        elif request.form.get("preview"):
            pass  # show the preview of the typed format without saving
        else:
            try:
                upload = form.logo.data
                if form.remove_logo.data:
                    changes["logo_document_id"] = ""
                elif upload is not None and getattr(upload, "filename", ""):
                    data = _readable_logo(upload.stream)
                    logo = docs.store(
                        tenant,
                        docs.NewFile(io.BytesIO(data), upload.filename),
                        title=_("Letterhead logo"),
                        kind="photo",
                        plugin="smart_government",
                        object_id="letterhead",
                        visibility=Visibility.STAFF,
                        actor=current_user,
                    )
                    changes["logo_document_id"] = str(logo.id)
                plugin_settings.update(NAME, changes, tenant=tenant, actor=current_user)
            except ServiceError as exc:
                db.session.rollback()
                form_error, status = exc.message, exc.status
            else:
                flash(_("Letter settings saved."), "success")
                return redirect(url_for("smart_government.letters.letter_settings"))
    elif request.method == "POST":
        form_error, status = _("Some fields are not valid."), 400
    preview, problem = _preview(tenant, form.number_format.data or values["number_format"])
    return render_template(
        T + "settings.html",
        form=form,
        form_error=form_error,
        preview=preview,
        preview_error=problem,
        has_logo=bool(values.get("logo_document_id")),
        placeholders=["{type_code}", "{seq:03}", "{village_code}", "{month_roman}", "{month:02}", "{year}"],
    ), status


@routes.route("/letters/settings/preview")
@login_required
def letter_number_preview() -> ResponseReturnValue:
    """The live preview of the settings page (a small script asks it while the format is typed)."""
    tenant = _allowed(workflow.CONFIGURE)
    preview, problem = _preview(tenant, request.args.get("format", ""))
    return jsonify(preview=preview, error=problem), 200 if problem is None else 400
