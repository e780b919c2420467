"""``/api/v1/me/inbox``: the caller's own in-site messages, from the platform and each village they
hold a role in (newest first), and marking one read. Nobody reads another person's messages: every
query is by the token's user, each village in its own tenant session.
"""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from flask_smorest.pagination import PaginationParameters

from ..extensions import db
from ..notifications.web import labels, mailbox
from .pagination import PAGINATION
from .schemas import UtcDateTime
from .security import api_blueprint, api_user

blp = api_blueprint("Inbox", __name__, "/api/v1/me/inbox", "The caller's in-site messages (the inbox).")

MAX_ROWS = 10_000  # a page further than this many messages from the newest is empty


class InboxQuerySchema(ma.Schema):
    unread = ma.fields.Boolean(load_default=False, metadata={"description": "Only messages not read yet."})


class InboxItemSchema(ma.Schema):
    id = ma.fields.String(metadata={"description": "A number (platform) or a UUID (a village's message)."})
    village = ma.fields.String(allow_none=True, metadata={"description": "The village's slug, or null."})
    kind = ma.fields.String(metadata={"example": "smart_government.letter_issued"})
    title = ma.fields.Method("_title", metadata={"description": "The kind of message, in words."})
    subject = ma.fields.String()
    body = ma.fields.String()
    created_at = UtcDateTime()
    read_at = UtcDateTime(allow_none=True)
    read = ma.fields.Method("_read")

    def _title(self, item: mailbox.Item) -> str:
        return labels.kind_title(item.kind)

    def _read(self, item: mailbox.Item) -> bool:
        return item.read_at is not None


@blp.route("")
class Inbox(MethodView):
    @blp.arguments(InboxQuerySchema, location="query")
    @blp.response(200, InboxItemSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(self, args: dict, pagination_parameters: PaginationParameters) -> list[mailbox.Item]:
        """The caller's messages, newest first; ``unread=true`` for the unread ones only."""
        user = api_user()
        page, size = pagination_parameters.page, pagination_parameters.page_size
        if page * size > MAX_ROWS:
            _items, total = mailbox.everywhere(db.session, user, page=1, per_page=1, unread=args["unread"])
            pagination_parameters.item_count = total
            return []
        items, total = mailbox.everywhere(db.session, user, page=page, per_page=size, unread=args["unread"])
        pagination_parameters.item_count = total
        return items


@blp.route("/<message_id>/read")
class InboxRead(MethodView):
    @blp.response(200, InboxItemSchema)
    def post(self, message_id: str) -> mailbox.Item:
        """Mark one of the caller's messages read (again is fine); 404 for anyone else's."""
        return mailbox.mark_read_anywhere(db.session, api_user(), message_id)
