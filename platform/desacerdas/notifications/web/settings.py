"""``/desa/<slug>/settings/notifications``: a village admin switches the external channels on or off,
sets the village's daily limit (at most the platform's), and edits the in-site and e-mail wording of
each kind per language, with a preview; clearing the text restores the default.

Holders of ``notifications.settings.manage`` only (the kit's ``require``: 404 for outsiders, 403
for staff without it). Forms carry the CSRF token.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, IntegerField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from ...extensions import db
from ...kit.access import require
from ...models.notification import NotificationTemplate
from ...services import ServiceError
from ...web.tenant import make_tenant_blueprint
from .. import channels as channel_registry
from .. import templates as wording
from ..kinds import EXTERNAL_CHANNELS, LOCALES, NotificationKind, all_kinds
from ..settings import platform_cap, save_settings, village_settings
from . import MANAGE, labels

bp = make_tenant_blueprint("notification_settings", __name__)

TOO_LONG = _l("Field cannot be longer than %(max)d characters.")
LOCALE_LABELS = {"id": _l("Bahasa Indonesia"), "en": _l("English")}


class ChannelsForm(FlaskForm):
    whatsapp = BooleanField(_l("WhatsApp"))
    sms = BooleanField(_l("SMS"))
    email = BooleanField(_l("E-mail"))
    daily_cap = IntegerField(
        _l("Messages per day, at most"),
        invalid_value_message=_l("Not a valid integer value."),
        validators=[Optional(), NumberRange(min=0, message=_l("Number must be at least %(min)s."))],
        description=_l("Empty: the platform's limit."),
    )


class WordingForm(FlaskForm):
    subject = StringField(_l("Subject"), validators=[Optional(), Length(max=300, message=TOO_LONG)])
    body = TextAreaField(
        _l("Text"),
        validators=[Optional(), Length(max=5000, message=TOO_LONG)],
        description=_l("Empty: the default text is used again."),
    )


def _kinds() -> list[NotificationKind]:
    """The kinds whose wording a village may change: never a secret one (a code, a reset link)."""
    return sorted((k for k in all_kinds().values() if not k.secret), key=lambda k: str(k.title))


@bp.route("/settings/notifications", methods=["GET", "POST"])
def edit() -> ResponseReturnValue:
    tenant, _scope, user = require(MANAGE)
    now = village_settings(tenant)
    form = ChannelsForm(data={**now.channels, "daily_cap": _own_cap(tenant)})
    status = 200
    if form.validate_on_submit():
        if form.daily_cap.data is not None and form.daily_cap.data > platform_cap():
            form.daily_cap.errors = [_("The daily limit must be between 0 and %(cap)d.", cap=platform_cap())]
            status = 400
        else:
            changes = {
                "channels": {c: bool(getattr(form, c).data) for c in EXTERNAL_CHANNELS},
                "daily_cap": form.daily_cap.data,
            }
            save_settings(db.session, tenant, changes, actor=user)
            flash(_("The message settings are saved."), "success")
            return redirect(url_for("notification_settings.edit"), 303)
    elif request.method == "POST":
        status = 400
    own = {
        (t.kind, t.channel.value, t.locale)
        for t in db.session.scalars(select(NotificationTemplate))  # the village's own wording
    }
    return render_template(
        "notifications/settings.html",
        form=form,
        settings=now,
        platform_cap=platform_cap(),
        configured={c: channel_registry.configured(c) for c in EXTERNAL_CHANNELS},
        kinds=_kinds(),
        own=own,
        editable=wording.EDITABLE_CHANNELS,
        locales=LOCALES,
        locale_labels=LOCALE_LABELS,
        labels=labels,
    ), status


def _own_cap(tenant) -> int | None:  # noqa: ANN001
    return ((tenant.profile or {}).get("notifications") or {}).get("daily_cap")


def _kind_or_404(key: str, channel: str, locale: str) -> NotificationKind:
    kind = all_kinds().get(key)
    if kind is None or kind.secret or channel not in wording.EDITABLE_CHANNELS or locale not in LOCALES:
        abort(404)
    return kind


@bp.route("/settings/notifications/wording/<kind>/<channel>/<locale>", methods=["GET", "POST"])
def wording_edit(kind: str, channel: str, locale: str) -> ResponseReturnValue:
    tenant, _scope, user = require(MANAGE)
    spec = _kind_or_404(kind, channel, locale)
    row = wording.own_wording(db.session, tenant, kind, channel, locale)
    default = wording.default_wording(spec, locale)
    current = {"subject": row.subject, "body": row.body} if row is not None else default
    form = WordingForm(data=current)
    status, problem, preview = 200, None, None
    if form.validate_on_submit():
        subject, body = form.subject.data or "", form.body.data or ""
        try:
            if request.form.get("action") == "preview":
                preview = wording.check(spec, subject, body, tenant) if body.strip() else None
            else:
                saved = wording.save_template(
                    db.session, tenant, kind, channel, locale, subject, body, actor=user
                )
                flash(
                    _("The wording is saved.") if saved else _("The default wording is used again."),
                    "success",
                )
                return redirect(url_for("notification_settings.edit"), 303)
        except ServiceError as exc:
            db.session.rollback()
            problem, status = exc.message, 400
    elif request.method == "POST":
        status = 400
    if preview is None and problem is None:
        preview = wording.preview(spec, channel, locale, tenant, db.session)
    return render_template(
        "notifications/wording.html",
        form=form,
        kind=spec,
        channel=channel,
        locale=locale,
        locale_label=LOCALE_LABELS[locale],
        own=row is not None,
        default=default,
        preview=preview,
        problem=problem,
        names=sorted(spec.sample),
        labels=labels,
    ), status
