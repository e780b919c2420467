"""Words for the complaint's stored values (categories, channels, thread entries, deadlines)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .models import Category, Channel, EntryKind

CATEGORY_LABELS = {
    Category.SERVICE: _l("Village services"),
    Category.INFRASTRUCTURE: _l("Roads, water and buildings"),
    Category.SOCIAL_AID: _l("Social aid"),
    Category.ENVIRONMENT: _l("Environment and waste"),
    Category.SECURITY: _l("Security and order"),
    Category.HEALTH: _l("Health"),
    Category.OTHER: _l("Something else"),
}

CHANNEL_LABELS = {
    Channel.ONLINE: _l("online"),
    Channel.COUNTER: _l("at the counter"),
    Channel.PHONE: _l("by phone"),
    Channel.ANONYMOUS: _l("anonymously"),
}

ENTRY_LABELS = {
    EntryKind.REPLY: _l("Reply"),
    EntryKind.ANSWER: _l("Answer"),
    EntryKind.NOTE: _l("Staff note"),
    EntryKind.CORRECTION: _l("Correction"),
    EntryKind.EXTENSION: _l("More time"),
}

DEADLINE_LABELS = {
    "verify": _l("verification"),
    "answer": _l("first answer"),
    "resolve": _l("resolution"),
}
