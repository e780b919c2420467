"""A village's settings of one plugin, on a form built from the plugin's settings schema.

Works before the plugin is enabled (a village sets its letterhead, say, so that a readiness check
passes), and for any plugin that declares ``settings_schema``: Boolean fields become checkboxes,
Integer fields number inputs, everything else a text input. Secret fields are never shown; leaving
one empty keeps its value.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from marshmallow import fields as mfields
from wtforms import BooleanField, IntegerField, PasswordField, StringField
from wtforms.validators import Optional

from ..auth.permissions import can
from ..plugin_system import settings as plugin_settings
from ..plugin_system.state import installed_names, plugins
from ..services import ServiceError
from .pillars import _require
from .views import bp


def _label(key: str, field: mfields.Field) -> str:
    return str(field.metadata.get("label") or key.replace("_", " ").capitalize())


def settings_form(name: str, values: dict[str, Any]) -> FlaskForm:
    """A form class with one input per schema field, filled with the current values."""
    info = plugins().info(name)
    secret = set(info.secret_settings)

    class SettingsForm(FlaskForm):
        pass

    for key, field in info.settings_schema().fields.items():
        label, hint = _label(key, field), str(field.metadata.get("description") or "")
        if key in secret:
            unbound = PasswordField(label, description=hint, validators=[Optional()])
        elif isinstance(field, mfields.Boolean):
            unbound = BooleanField(label, description=hint, default=bool(values.get(key)))
        elif isinstance(field, mfields.Integer):
            unbound = IntegerField(label, description=hint, validators=[Optional()], default=values.get(key))
        else:
            unbound = StringField(label, description=hint, default=values.get(key))
        setattr(SettingsForm, key, unbound)
    return SettingsForm()


@bp.route("/pillars/<name>/settings", methods=["GET", "POST"])
@login_required
def pillar_settings(name: str):  # noqa: ANN201
    tenant = _require("village.plugins.manage")
    if name not in installed_names() or name not in plugins().working():
        abort(404)
    info = plugins().info(name)
    if info.settings_schema is None:
        abort(404)
    values = plugin_settings.resolve(name, tenant.id)
    form = settings_form(name, values)
    status = 200
    if form.validate_on_submit():
        secret = set(info.secret_settings)
        # Only what the village changed becomes its own value: the rest keeps following the
        # platform's value and the default.
        changes = {
            key: form[key].data
            for key in info.settings_schema().fields
            if form[key].data != values.get(key) and not (key in secret and not form[key].data)
        }
        try:
            plugin_settings.update(name, changes, tenant=tenant, actor=current_user)
        except ServiceError as exc:
            flash(exc.message, "error")
            status = exc.status
        else:
            flash(_("Settings saved."), "success")
            return redirect(url_for("village.pillar_settings", name=name))
    elif request.method == "POST":
        status = 400
    return render_template(
        "village/pillar_settings.html",
        info=info,
        form=form,
        locale=str(get_locale()),
        may_manage=can(current_user, "village.plugins.manage", tenant),
    ), status
