"""``/desa/<slug>/notifications``: the village office's list of every message the village sent, with
its status in words, the reason of each failure, and the text (a secret one, such as a PIN code,
masked). Holders of ``notifications.messages.view``; 404 for outsiders, 403 for other staff.
"""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from ...extensions import db
from ...kit.access import require
from ...kit.lists import Filter, ListSpec, Sort, choice
from ...models import User
from ...models.notification import Notification, NotificationChannel, NotificationStatus
from ...web.tenant import make_tenant_blueprint
from . import MESSAGES, labels

bp = make_tenant_blueprint("notification_messages", __name__)


def _kind(stmt, value: str):  # noqa: ANN001, ANN202
    return stmt.where(Notification.kind == value)


def _channel(stmt, value: NotificationChannel):  # noqa: ANN001, ANN202
    return stmt.where(Notification.channel == value)


MESSAGE_LIST = ListSpec(
    filters={
        "status": Filter.equals(Notification.status, parse=choice(NotificationStatus)),
        "channel": Filter(_channel, parse=choice(NotificationChannel)),
        "kind": Filter(_kind),
    },
    sorts={"created": Sort(Notification.created_at, Notification.id, desc=True)},
    default_sort="created",
)


@bp.route("/notifications")
def messages() -> ResponseReturnValue:
    require(MESSAGES)
    page = MESSAGE_LIST.page(select(Notification))
    ids = {m.recipient_user_id for m in page.items}
    names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all()) if ids else {}
    kinds = sorted({k for (k,) in db.session.execute(select(Notification.kind).distinct())})
    return render_template(
        "notifications/messages.html",
        page=page,
        page_url=page.page_url("notification_messages.messages"),
        names=names,
        labels=labels,
        kinds=kinds,
        statuses=list(NotificationStatus),
        channels=list(NotificationChannel),
    )
