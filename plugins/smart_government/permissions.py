"""The pillar's permissions: their names (used by pages, API and services) and who gets them by
default (:data:`PERMISSIONS`, returned by ``plugin.desa_permissions``)."""

from __future__ import annotations

from desacerdas.plugin_system.pillar import STAFF
from desacerdas.plugin_system.types import PermissionSpec

RESIDENTS_VIEW = "smart_government.residents.view"
RESIDENTS_EDIT = "smart_government.residents.edit"
LETTERS_VIEW = "smart_government.letters.view"
LETTERS_PROCESS = "smart_government.letters.process"
LETTERS_APPROVE = "smart_government.letters.approve"
LETTERS_SIGN = "smart_government.letters.sign"
LETTERS_ISSUE = "smart_government.letters.issue"
LETTERS_CONFIGURE = "smart_government.letters.configure"
LETTERS_REQUEST = "smart_government.letters.request"
REGISTRATIONS_REVIEW = "smart_government.registrations.review"
ACCOUNTS_MANAGE = "smart_government.accounts.manage"

# The registry's: a hamlet head reads and edits only their hamlet (the kit's ``Scope.staff_hamlet()``),
# so granting them these is safe.
PERMISSIONS: list[PermissionSpec] = [
    PermissionSpec(
        RESIDENTS_VIEW,
        "See the population registry and its statistics",
        (*STAFF, "hamlet_head", "facilitator"),
        True,
    ),
    PermissionSpec(
        RESIDENTS_EDIT,
        "Register residents and families and record civil events",
        (*STAFF, "hamlet_head"),
    ),
    # Letter services. A hamlet head sees and verifies only their hamlet's requests.
    PermissionSpec(
        LETTERS_VIEW,
        "See letter requests and issued letters",
        (*STAFF, "hamlet_head", "facilitator"),
        True,
    ),
    PermissionSpec(
        LETTERS_PROCESS,
        "Enter requests at the counter, verify and reject them",
        (*STAFF, "hamlet_head"),
    ),
    PermissionSpec(
        LETTERS_APPROVE,
        "Approve verified requests (when the village uses an approval step)",
        ("village_head", "village_secretary"),
    ),
    PermissionSpec(
        LETTERS_SIGN,
        "Sign letters (the village head, or on their behalf: a.n., u.b., Plt., Plh.)",
        ("village_head", "village_secretary"),
    ),
    PermissionSpec(LETTERS_ISSUE, "Issue signed letters, reprint and revoke them", STAFF),
    PermissionSpec(
        LETTERS_CONFIGURE,
        "Edit letter types, the letterhead, the workflow and the number format",
        ("village_head", "village_secretary"),
    ),
    PermissionSpec(LETTERS_REQUEST, "Request letters online for oneself", ("resident",)),
    # Resident accounts.
    PermissionSpec(
        REGISTRATIONS_REVIEW,
        "Approve or reject account requests and new arrivals",
        (*STAFF, "hamlet_head"),
    ),
    PermissionSpec(ACCOUNTS_MANAGE, "Create resident accounts and reset their PIN", STAFF),
]
