"""Words for the events' stored values."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from desacerdas.web.labels import register_events

from .models import Audience, EventKind

KIND_LABELS = {
    EventKind.MEETING: _l("Meeting"),
    EventKind.GOTONG_ROYONG: _l("Gotong royong"),
    EventKind.CEREMONY: _l("Ceremony"),
    EventKind.TRAINING: _l("Training"),
    EventKind.OTHER: _l("Other event"),
}

AUDIENCE_LABELS = {
    Audience.PUBLIC: _l("Everyone"),
    Audience.RESIDENTS: _l("Residents only"),
}

register_events(
    {
        "smart_society.event.created": _l("Community event added"),
        "smart_society.event.changed": _l("Community event changed"),
        "smart_society.event.attendance": _l("Attendance of a community event counted"),
        "smart_society.event.cancelled": _l("Community event cancelled"),
    }
)
