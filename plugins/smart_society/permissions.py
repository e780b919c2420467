"""The pillar's permissions: their names (used by pages, API and services) and who gets them by
default (:data:`PERMISSIONS`, returned by ``plugin.desa_permissions``)."""

from __future__ import annotations

from desacerdas.plugin_system.pillar import STAFF
from desacerdas.plugin_system.types import PermissionSpec

COMPLAINTS_VIEW = "smart_society.complaints.view"
COMPLAINTS_HANDLE = "smart_society.complaints.handle"
COMPLAINTS_FILE = "smart_society.complaints.file"
ALERTS_VIEW = "smart_society.alerts.view"
ALERTS_HANDLE = "smart_society.alerts.handle"
ALERTS_RAISE = "smart_society.alerts.raise"
ALERTS_WARN = "smart_society.alerts.warn"
EVENTS_MANAGE = "smart_society.events.manage"
AID_VIEW = "smart_society.aid.view"
AID_PROPOSE = "smart_society.aid.propose"
AID_DECIDE = "smart_society.aid.decide"
AID_MANAGE = "smart_society.aid.manage"
AID_DISTRIBUTE = "smart_society.aid.distribute"

# A hamlet head sees and handles only the complaints about their hamlet (the kit's scope).
PERMISSIONS: list[PermissionSpec] = [
    PermissionSpec(
        COMPLAINTS_VIEW,
        "See the village's complaints and their threads",
        (*STAFF, "hamlet_head", "facilitator"),
        True,
    ),
    PermissionSpec(
        COMPLAINTS_HANDLE,
        "Verify, assign, answer and reject complaints; take one at the counter or by phone",
        (*STAFF, "hamlet_head"),
    ),
    PermissionSpec(COMPLAINTS_FILE, "File a complaint and follow one's own complaints", ("resident",)),
    # Emergency alerts: a hamlet head answers their hamlet's; staff the whole village's.
    PermissionSpec(
        ALERTS_VIEW, "See the village's emergency alerts", (*STAFF, "hamlet_head", "facilitator"), True
    ),
    PermissionSpec(ALERTS_HANDLE, "Acknowledge and close emergency alerts", (*STAFF, "hamlet_head")),
    PermissionSpec(ALERTS_RAISE, "Raise an emergency alert", ("resident",)),
    PermissionSpec(ALERTS_WARN, "Send a warning to a hamlet or the whole village", STAFF),
    # Community events: a hamlet head keeps their banjar's calendar.
    PermissionSpec(
        EVENTS_MANAGE, "Add, change and cancel community events; count attendance", (*STAFF, "hamlet_head")
    ),
    # Social aid: a hamlet head proposes and hands over aid in their banjar; staff decide.
    PermissionSpec(
        AID_VIEW,
        "See the village's aid programmes, candidates, recipients and receipts",
        (*STAFF, "hamlet_head", "facilitator"),
        True,
    ),
    PermissionSpec(AID_PROPOSE, "Propose candidates for an aid programme", (*STAFF, "hamlet_head")),
    PermissionSpec(
        AID_DECIDE, "Record the village deliberation's decision on candidates; end a recipient's aid", STAFF
    ),
    PermissionSpec(AID_MANAGE, "Add and change aid programmes; import and export recipient lists", STAFF),
    PermissionSpec(AID_DISTRIBUTE, "Record the receipt of aid", (*STAFF, "hamlet_head")),
]
