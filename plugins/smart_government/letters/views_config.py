"""Configuring letters: the village's letter types (fields, attachments, template) and its
letter settings (workflow steps, number format with a live preview), with the village's letterhead
and local terms, which belong to the village (:mod:`desacerdas.kit.terms`, also on its terms page).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from desacerdas.extensions import db
from desacerdas.kit import terms
from desacerdas.kit.access import require
from desacerdas.kit.forms import handle
from desacerdas.kit.terms_views import logo_change
from desacerdas.models import Tenant
from desacerdas.plugin_system import settings as plugin_settings
from desacerdas.services import ServiceError

from ..pages import ConfirmForm, Routes
from ..permissions import LETTERS_CONFIGURE
from ..settings import NAME, settings_for
from . import types as letter_types
from .forms import SettingsForm, TypeForm
from .models import LetterType
from .numbering import NumberFormatError, format_number, village_letter_code
from .views import T, _service

routes = Routes()  # the feature's blueprint (``web.blueprint``) takes them


SETTING_KEYS = ("number_format", "number_per_type", "verification_step", "approval_step")
# The village's terms and letterhead under this form's field names (``term_village_head`` …).
TERM_FIELDS = {old: new for old, new in terms.LEGACY_KEYS.items() if new in terms.LIMITS}
WORDS = ("village_head", "hamlet", "hamlet_head")  # always shown filled in (the default, if unset)


# -- letter types ----------------------------------------------------------------------------------


@routes.route("/letters/types", endpoint="letter_types")
@login_required
def letter_types_page() -> ResponseReturnValue:
    require(LETTERS_CONFIGURE)
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


def _type_form(
    form: TypeForm,
    action: Callable[[], LetterType],
    letter_type: LetterType | None,
    message: Callable[[LetterType], str],
    refresh: Callable[[], dict[str, Any]] | None = None,
) -> ResponseReturnValue:
    """The letter type form (kit.forms.handle): saved → back to the list; refused → the form again."""

    def saved(done: LetterType) -> ResponseReturnValue:
        flash(message(done), "success")
        return redirect(url_for("smart_government.letters.letter_types"))

    return handle(
        form,
        action,
        template=T + "type_form.html",
        on_success=saved,
        refresh=refresh,
        letter_type=letter_type,
        placeholders=letter_types.RESIDENT_PLACEHOLDERS,
    )


@routes.route("/letters/types/new", methods=["GET", "POST"])
@login_required
def letter_type_new() -> ResponseReturnValue:
    tenant = require(LETTERS_CONFIGURE).tenant
    form = TypeForm()
    if request.method == "GET":
        form.online.data = True
    return _type_form(
        form,
        lambda: letter_types.create_type(db.session, tenant, _type_data(form), current_user),
        None,
        lambda created: _("Letter type %(code)s added.", code=created.code),
    )


@routes.route("/letters/types/<uuid:type_id>/edit", methods=["GET", "POST"])
@login_required
def letter_type_edit(type_id: uuid.UUID) -> ResponseReturnValue:
    tenant = require(LETTERS_CONFIGURE).tenant
    letter_type = _service(letter_types.get_type, db.session, type_id)
    form = TypeForm(obj=letter_type if request.method == "GET" else None)
    if request.method == "GET":
        form.fields_text.data = _fields_to_lines(letter_type.fields)
        form.attachments_text.data = _attachments_to_lines(letter_type.attachments)

    def save() -> LetterType:
        letter_types.update_type(db.session, tenant, letter_type, _type_data(form), current_user)
        return letter_type

    return _type_form(
        form,
        save,
        letter_type,
        lambda saved: _("Letter type %(code)s saved.", code=saved.code),
        refresh=lambda: {"letter_type": _service(letter_types.get_type, db.session, type_id)},
    )


@routes.route("/letters/types/<uuid:type_id>/active", methods=["POST"])
@login_required
def letter_type_active(type_id: uuid.UUID) -> ResponseReturnValue:
    tenant = require(LETTERS_CONFIGURE).tenant
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


def _form_data(tenant: Tenant, values: dict[str, Any]) -> dict[str, Any]:
    """What the form shows: the settings, the local words (the default when unset), and the
    letterhead as the village set it (empty: the default)."""
    own, effective = terms.own_values(tenant), terms.values_for(tenant)
    data = {k: values.get(k) for k in SETTING_KEYS}
    for old, new in TERM_FIELDS.items():
        data[old] = effective[new] if new in WORDS else own.get(new, "")
    return data


def _save(tenant: Tenant, form: SettingsForm) -> None:
    """Store the terms and the letterhead (with the logo) in the village's terms, and the workflow
    and number settings in the pillar's: one commit for both."""
    changes = {new: getattr(form, old).data or None for old, new in TERM_FIELDS.items()}
    changes.update(logo_change(tenant, form))  # a new logo is stored (and committed) first
    terms.update(tenant, changes, actor=current_user, commit=False)
    plugin_settings.update(
        NAME, {k: getattr(form, k).data for k in SETTING_KEYS}, tenant=tenant, actor=current_user
    )


@routes.route("/letters/settings", methods=["GET", "POST"])
@login_required
def letter_settings() -> ResponseReturnValue:
    tenant = require(LETTERS_CONFIGURE).tenant
    values = settings_for(tenant)
    form = SettingsForm(data=_form_data(tenant, values) if request.method == "GET" else None)
    form_error, status = None, 200
    if request.method == "POST" and form.validate():
        _preview_text, problem = _preview(tenant, form.number_format.data)
        if problem:
            form.number_format.errors = [*form.number_format.errors, problem]
            form_error, status = problem, 400
        elif not request.form.get("preview"):  # "Preview" shows the typed format without saving
            try:
                _save(tenant, form)
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
        has_logo=terms.letterhead_for(tenant).logo_document_id is not None,
        placeholders=["{type_code}", "{seq:03}", "{village_code}", "{month_roman}", "{month:02}", "{year}"],
    ), status


@routes.route("/letters/settings/preview")
@login_required
def letter_number_preview() -> ResponseReturnValue:
    """The live preview of the settings page (a small script asks it while the format is typed)."""
    tenant = require(LETTERS_CONFIGURE).tenant
    preview, problem = _preview(tenant, request.args.get("format", ""))
    return jsonify(preview=preview, error=problem), 200 if problem is None else 400
