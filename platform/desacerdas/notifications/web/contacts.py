"""``/me/contacts`` (and ``/desa/<slug>/contacts`` for a village's residents and staff): a person
adds a phone number (WhatsApp, SMS) or an e-mail address, gets a code on it, types it back, allows or
stops messages per channel (each consent recorded with its time and how) and picks the channel they
prefer. Only their own contacts: every action is by channel for the signed-in user.

The code's message is counted to the village the page belongs to (``/desa/<slug>/contacts``), or,
on ``/me/contacts``, to the person's only village; to the platform when they have none or several.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from ...extensions import db, limiter
from ...kit.access import visible_village
from ...models import Tenant
from ...services import ServiceError
from ...tenancy import tenant_session
from ...web.tenant import make_tenant_blueprint
from .. import contacts as service
from . import labels, mailbox

platform_bp = Blueprint("contacts", __name__, url_prefix="/me/contacts")
village_bp = make_tenant_blueprint("village_contacts", __name__)

ACTIONS = ("add", "send", "verify", "opt_in", "opt_out", "prefer", "remove")
SENDING = ("add", "send")  # the buttons that send a code (an SMS or WhatsApp message that costs)
CODE_LIMIT = "5 per hour;10 per day"


def _code_limit() -> str:
    return current_app.config.get("NOTIFY_CODE_LIMIT") or CODE_LIMIT


def _user_key() -> str:
    return f"user:{current_user.get_id()}" if current_user.is_authenticated else f"ip:{request.remote_addr}"


def _not_sending() -> bool:
    return request.form.get("action") not in SENDING


# One budget per person for both pages (``/me/contacts`` and every village's ``/contacts``); the
# service's own count of codes sent (``contacts.CODES_PER_HOUR``) holds even without the limiter.
code_requests = limiter.shared_limit(
    _code_limit, scope="notifications.code", key_func=_user_key, methods=["POST"], exempt_when=_not_sending
)
TOO_LONG = _l("Field cannot be longer than %(max)d characters.")


class ContactForm(FlaskForm):
    """One form for every button of the page: ``action`` says which was pressed."""

    action = HiddenField()
    channel = SelectField(
        _l("Channel"),
        choices=[SelectChoice(c, labels.CHANNELS[c]) for c in ("whatsapp", "sms", "email")],
        validate_choice=False,
    )
    address = StringField(
        _l("Phone number or e-mail address"),
        validators=[Optional(), Length(max=254, message=TOO_LONG)],
        description=_l("A phone number like 0812 3456 7890, or an e-mail address."),
    )
    code = StringField(_l("Code"), validators=[Optional(), Length(max=12, message=TOO_LONG)])
    consent = BooleanField(_l("I agree to receive messages from the village on this channel."))


@contextmanager
def _outbox() -> Iterator[tuple[Session, Tenant | None]]:
    """The session and village a code's message is written to (see the module's docstring)."""
    tenant = g.get("tenant")
    if tenant is not None:
        yield db.session, tenant
        return
    villages = mailbox.home_villages(current_user)
    if len(villages) != 1:
        yield db.session, None
        return
    with tenant_session(villages[0]) as session:
        yield session, session.get(Tenant, villages[0])


def _apply(form: ContactForm) -> str:
    """Do what the pressed button asks; the sentence that says it is done."""
    action, channel, user = form.action.data, form.channel.data or "", current_user
    if action == "add":
        row = service.add_contact(
            db.session, user, channel, form.address.data or "", opt_in=form.consent.data
        )
        _send(channel)
        return _("The code is sent to %(address)s. Type it below to confirm.", address=row.address)
    if action == "send":
        _send(channel)
        return _("A new code is sent.")
    if action == "verify":
        service.verify_code(db.session, user, channel, form.code.data or "")
        return _("The contact is confirmed.")
    if action == "opt_in":
        service.opt_in(db.session, user, channel, how="web")
        return _("Messages on this channel are allowed.")
    if action == "opt_out":
        service.opt_out(db.session, user, channel, how="web")
        return _("No more messages on this channel.")
    if action == "prefer":
        service.set_preferred(db.session, user, channel or None)
        return _("Messages come this way first.")
    service.remove_contact(db.session, user, channel, how="web")
    return _("The contact is removed.")


def _send(channel: str) -> None:
    with _outbox() as (session, village):
        service.send_code(session, current_user, channel, village=village)


def _page() -> ResponseReturnValue:
    form = ContactForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit() and form.action.data in ACTIONS:
            try:
                flash(_apply(form), "success")
            except ServiceError as exc:
                db.session.rollback()
                flash(exc.message, "error")
                status = exc.status if exc.status in (400, 409, 429) else 400
            else:
                return redirect(request.path, 303)
        else:
            flash(_("Some fields are not valid."), "error")
            status = 400
    rows = service.contacts_of(db.session, current_user)
    return render_template(
        "notifications/contacts.html",
        form=form,
        contacts=rows,
        missing=[c for c in service.CHANNELS if c not in {r.channel.value for r in rows}],
        consents=service.consents_of(db.session, current_user)[:50],
        labels=labels,
        inbox_url=_inbox_url(),
    ), status


def _inbox_url() -> str:
    tenant = g.get("tenant")
    return (
        url_for("notifications_inbox.inbox", slug=tenant.slug)
        if tenant is not None
        else url_for("inbox.inbox")
    )


@platform_bp.route("", methods=["GET", "POST"])
@login_required
@code_requests
def contacts() -> ResponseReturnValue:
    return _page()


@village_bp.route("/contacts", methods=["GET", "POST"])
@code_requests
def village_contacts() -> ResponseReturnValue:
    visible_village()  # a member of the village (404 for anyone else), sign-in for visitors
    return _page()
