"""The inbox pages: ``/desa/<slug>/inbox`` (the caller's messages in one village) and ``/inbox``
(messages outside any village, with a link to each of the caller's villages and its unread count).

Any member of a village opens its inbox (404 for anyone else) and sees only their own messages.
Marking read is a POST with the CSRF token. :func:`nav_inbox` gives the layout its link and badge.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from ...extensions import db
from ...kit.access import visible_village
from ...kit.lists import Filter, ListSpec, boolean
from ...models import Tenant
from ...tenancy import tenant_session
from ...web.tenant import make_tenant_blueprint
from . import labels, mailbox

village_bp = make_tenant_blueprint("notifications_inbox", __name__)
platform_bp = Blueprint("inbox", __name__, url_prefix="/inbox")


class MarkForm(FlaskForm):
    """No fields: the CSRF token of a mark-read button."""


def _unread_filter(village_id: int | None) -> ListSpec:
    """``?unread=1`` shows only what is not read yet."""
    model = mailbox.model_for(village_id)
    return ListSpec(
        filters={
            "unread": Filter(lambda stmt, on: stmt.where(model.read_at.is_(None)) if on else stmt, boolean)
        }
    )


def _render(village_id: int | None, title: str, **extra: object) -> str:
    spec = _unread_filter(village_id)
    page = spec.page(mailbox.inbox_query(current_user, village_id))
    endpoint = "notifications_inbox.inbox" if village_id is not None else "inbox.inbox"
    return render_template(
        "notifications/inbox.html",
        page=page,
        page_url=page.page_url(endpoint),
        heading=title,
        village_id=village_id,
        form=MarkForm(),
        labels=labels,
        unread=mailbox.unread_count(db.session, current_user, village_id),
        **extra,
    )


@village_bp.route("/inbox")
def inbox() -> ResponseReturnValue:
    tenant = visible_village()
    return _render(tenant.id, _("Inbox"))


@village_bp.route("/inbox/<uuid:message_id>/read", methods=["POST"])
def read(message_id: uuid.UUID) -> ResponseReturnValue:
    tenant = visible_village()
    return _mark(tenant.id, str(message_id), url_for("notifications_inbox.inbox"))


@village_bp.route("/inbox/read-all", methods=["POST"])
def read_all() -> ResponseReturnValue:
    tenant = visible_village()
    return _mark_all(tenant.id, url_for("notifications_inbox.inbox"))


def _villages() -> list[tuple[Tenant, int]]:
    """The caller's villages with the unread count of each (their own rows only)."""
    found = []
    for village_id in mailbox.home_villages(current_user):
        tenant = db.session.get(Tenant, village_id)
        if tenant is None:
            continue
        with tenant_session(village_id) as own:
            found.append((tenant, mailbox.unread_count(own, current_user, village_id)))
    return found


@platform_bp.route("", endpoint="inbox")
@login_required
def platform_inbox() -> ResponseReturnValue:
    return _render(None, _("Inbox"), villages=_villages())


@platform_bp.route("/<int:message_id>/read", methods=["POST"])
@login_required
def read_platform(message_id: int) -> ResponseReturnValue:
    return _mark(None, str(message_id), url_for("inbox.inbox"))


@platform_bp.route("/read-all", methods=["POST"])
@login_required
def read_all_platform() -> ResponseReturnValue:
    return _mark_all(None, url_for("inbox.inbox"))


def _mark(village_id: int | None, message_id: str, back: str) -> ResponseReturnValue:
    if not MarkForm().validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return redirect(back, 303)
    mailbox.mark_read(db.session, current_user, village_id, message_id)  # 404 for someone else's
    return redirect(request.form.get("next") if _local(request.form.get("next")) else back, 303)


def _mark_all(village_id: int | None, back: str) -> ResponseReturnValue:
    if not MarkForm().validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return redirect(back, 303)
    done = mailbox.mark_all_read(db.session, current_user, village_id)
    if done:
        flash(_("Every message is marked read."), "success")
    return redirect(back, 303)


def _local(target: str | None) -> bool:
    return bool(target) and target.startswith("/") and not target.startswith("//") and "\\" not in target


def nav_inbox() -> dict | None:
    """For the layout: the inbox link of the page's village (or the platform's) and its unread
    count; None for anonymous visitors. One indexed count query per page."""
    if not getattr(current_user, "is_authenticated", False):
        return None
    tenant = g.get("tenant")
    try:
        if tenant is not None and any(m.tenant_id == tenant.id for m in current_user.memberships):
            count = mailbox.unread_count(db.session, current_user, tenant.id)
            return {"url": url_for("notifications_inbox.inbox", slug=tenant.slug), "unread": count}
        count = mailbox.unread_count(db.session, current_user, None)
    except Exception:  # noqa: BLE001 - a badge must never break a page (e.g. mid-migration)
        db.session.rollback()
        return {"url": url_for("inbox.inbox"), "unread": 0}
    return {"url": url_for("inbox.inbox"), "unread": count}
