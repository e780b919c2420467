"""The people's side of notifications: inbox, contacts, village settings, staff messages, usage.

Permissions (village-level, so the kit's ``require`` answers 404 to outsiders and 403 to staff
without them):

* ``notifications.settings.manage`` — the village head and secretary (and a facilitator of the
  village): channels on or off, the daily limit, the wording;
* ``notifications.messages.view`` — the village office: every message of the village with its
  delivery status (secret texts masked);
* ``notifications.usage.view`` — volume and cost; read-only, so a regency admin holds it for the
  villages of their area.
"""

from __future__ import annotations

from flask import Flask

from ...auth.permissions import registry
from ...models import Role

MANAGE = "notifications.settings.manage"
MESSAGES = "notifications.messages.view"
USAGE = "notifications.usage.view"

_OFFICE = (Role.VILLAGE_HEAD, Role.VILLAGE_SECRETARY, Role.OPERATOR)
registry.register(
    MANAGE,
    "Switch message channels, set the daily limit and edit the wording",
    (Role.VILLAGE_HEAD, Role.VILLAGE_SECRETARY, Role.FACILITATOR),
)
registry.register(MESSAGES, "See the village's messages and their delivery", (*_OFFICE, Role.FACILITATOR))
registry.register(
    USAGE, "See the volume and cost of the village's messages", (*_OFFICE, Role.FACILITATOR), read_only=True
)


def init_app(app: Flask) -> None:
    """Register the inbox, contacts, settings, messages and usage pages, the inbox API and the
    layout's inbox link (``inbox_link()`` in templates)."""
    from ...api import notifications as api
    from ...extensions import api_of
    from . import contacts, inbox, messages, settings, usage

    for bp in (
        inbox.village_bp,
        inbox.platform_bp,
        contacts.platform_bp,
        contacts.village_bp,
        settings.bp,
        messages.bp,
        usage.village_bp,
        usage.platform_bp,
    ):
        if bp.name not in app.blueprints:
            app.register_blueprint(bp)
    app.add_template_global(inbox.nav_inbox, "inbox_link")
    rest = api_of(app)
    if api.blp.name not in app.blueprints:
        rest.register_blueprint(api.blp)
