"""Words for what the platform stores as codes, so that no page shows a raw identifier.

Roles ("Admin kabupaten · Karangasem", not ``regency_admin · 51.07``), stored states (village status,
jobs, notifications, plugins, pillars and the common workflow states), audit event codes
(``tenant.provisioned`` → "Desa didaftarkan") and a missing value ("—", never ``None``).

Plugins add their own words with :func:`register_states` and :func:`register_events`; an audit event
nobody labelled still reads as words: its subject and verb are looked up in a small vocabulary
(``smart_government.resident.updated`` → "Warga diubah"), else it is "Other activity" with the
pillar's title. The Jinja filters are ``role_name``, ``membership_name``, ``state_name``,
``event_name``, ``event_subject``, ``event_details``, ``event_target`` and ``dash`` (see ``docs/labels.md``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..models import JobState
from ..notifications.web.labels import STATUSES as NOTIFICATION_STATUSES

DASH = "—"

ROLE_LABELS: dict[str, Any] = {
    "platform_admin": _l("Platform admin"),
    "regency_admin": _l("Regency admin"),
    "facilitator": _l("Facilitator"),
    "village_head": _l("Village head"),
    "village_secretary": _l("Village secretary"),
    "operator": _l("Operator"),
    "hamlet_head": _l("Hamlet head"),
    "resident": _l("Resident"),
}

# kind -> stored value -> words. "" is the fallback kind: the common workflow words.
STATES: dict[str, dict[str, Any]] = {
    "village": {"active": _l("Active"), "suspended": _l("Suspended"), "archived": _l("Archived")},
    "job": {
        JobState.QUEUED.value: _l("Waiting to start"),
        JobState.RUNNING.value: _l("Running"),
        JobState.DONE.value: _l("Done"),
        JobState.FAILED.value: _l("Failed"),
        JobState.CANCELLED.value: _l("Cancelled"),
    },
    "notification": NOTIFICATION_STATUSES,
    "plugin": {
        "discovered": _l("not installed"),
        "installed": _l("installed"),
        "needs upgrade": _l("needs upgrade"),
        "broken": _l("broken"),
    },
    "plugin_action": {"enabled": _l("enabled"), "disabled": _l("disabled"), "purged": _l("data purged")},
    "pillar": {"enabled": _l("enabled"), "ready": _l("ready"), "blocked": _l("blocked")},
    "": {
        "active": _l("Active"),
        "pending": _l("Waiting for review"),
        "submitted": _l("Submitted"),
        "verified": _l("Verified"),
        "approved": _l("Approved"),
        "signed": _l("Signed"),
        "issued": _l("Issued"),
        "rejected": _l("Rejected"),
        "cancelled": _l("Cancelled"),
        "expired": _l("Expired"),
        "accepted": _l("Accepted"),
        "suspended": _l("Suspended"),
        "archived": _l("Archived"),
        "done": _l("Done"),
        "failed": _l("Failed"),
    },
}

EVENT_LABELS: dict[str, Any] = {
    "tenant.provisioned": _l("Village registered"),
    "tenant.suspended": _l("Village suspended"),
    "tenant.resumed": _l("Village resumed"),
    "tenant.archived": _l("Village archived"),
    "aid.ledger_checked": _l("Checked for double receipt of social aid"),
    "aid.regency_conflicts_read": _l("Double receipts of social aid read across villages"),
    "membership.granted": _l("Role given"),
    "membership.revoked": _l("Role ended"),
    "membership.rescoped": _l("Role moved to another hamlet"),
    "user.created": _l("Account created"),
    "hamlet.created": _l("Hamlet added"),
    "hamlet.updated": _l("Hamlet changed"),
    "auth.login": _l("Signed in successfully"),
    "auth.login_failed": _l("Sign-in failed"),
    "auth.locked": _l("Account locked after failed sign-ins"),
    "auth.reset_requested": _l("Password reset asked for"),
    "auth.signed_out_everywhere": _l("Signed out on every device"),
    "auth.token_created": _l("API token created"),
    "auth.token_revoked": _l("API token revoked"),
    "auth.password_changed": _l("Password changed"),
    "auth.password_reset": _l("Password reset"),
    "document.created": _l("Document uploaded"),
    "document.versioned": _l("New document version"),
    "document.deleted": _l("Document deleted"),
    "document.restored": _l("Document restored"),
    "document.purged": _l("Deleted documents removed for good"),
    "document.reconciled": _l("Document storage checked"),
    "plugin.installed": _l("Plugin installed"),
    "plugin.uninstalled": _l("Plugin uninstalled"),
    "plugin.enabled": _l("Pillar enabled"),
    "plugin.disabled": _l("Pillar disabled"),
    "plugin.purged": _l("Pillar data purged"),
    "plugin.settings_changed": _l("Pillar settings changed"),
    "rollout.bulk_enable": _l("Pillar enabled in several villages"),
    "village.terms_changed": _l("Village terms and letterhead changed"),
    "village.terms_imported": _l("Village terms imported"),
    "verification.issued": _l("Verifiable document issued"),
    "verification.revoked": _l("Verifiable document revoked"),
    "notifications.settings_changed": _l("Notification settings changed"),
    "notifications.wording_changed": _l("Message wording changed"),
    "notifications.wording_restored": _l("Message wording restored"),
    "personal_data.downloaded": _l("Personal data downloaded"),
    "letter.issued": _l("Letter issued"),
    "letter.downloaded": _l("Letter downloaded"),
    "letter.reprinted": _l("Letter printed again"),
    "letter.revoked": _l("Letter revoked"),
    "letter_type.created": _l("Letter type added"),
    "letter_type.updated": _l("Letter type changed"),
    "letter_type.activated": _l("Letter type activated"),
    "letter_type.deactivated": _l("Letter type deactivated"),
}

# The vocabulary that turns an unlabelled event code into words: "<subject>.<verb>".
SUBJECTS: dict[str, Any] = {
    "tenant": _l("Village"),
    "village": _l("Village"),
    "membership": _l("Role"),
    "member": _l("Member"),
    "user": _l("Account"),
    "account": _l("Resident account"),
    "invitation": _l("Invitation"),
    "hamlet": _l("Hamlet"),
    "document": _l("Document"),
    "plugin": _l("Pillar"),
    "letter": _l("Letter"),
    "letter_type": _l("Letter type"),
    "letter_request": _l("Letter request"),
    "registration": _l("Registration"),
    "resident": _l("Resident"),
    "residents": _l("Residents"),
    "family": _l("Family"),
    "import": _l("Data import"),
    "event": _l("Civil event"),
    "visit": _l("Facilitator visit"),
    "settings": _l("Settings"),
    "job": _l("Job"),
}
VERBS: dict[str, Any] = {
    "created": _l("added"),
    "added": _l("added"),
    "updated": _l("changed"),
    "changed": _l("changed"),
    "deleted": _l("deleted"),
    "removed": _l("removed"),
    "restored": _l("restored"),
    "submitted": _l("submitted"),
    "verify": _l("verified"),
    "verified": _l("verified"),
    "approve": _l("approved"),
    "approved": _l("approved"),
    "sign": _l("signed"),
    "signed": _l("signed"),
    "issue": _l("issued"),
    "issued": _l("issued"),
    "reject": _l("rejected"),
    "rejected": _l("rejected"),
    "cancel": _l("cancelled"),
    "cancelled": _l("cancelled"),
    "revoked": _l("revoked"),
    "exported": _l("exported"),
    "imported": _l("imported"),
    "committed": _l("saved"),
    "sent": _l("sent"),
    "accepted": _l("accepted"),
    "expired": _l("expired"),
    "suspended": _l("suspended"),
    "resumed": _l("resumed"),
    "ended": _l("ended"),
    "invited": _l("invited"),
    "recorded": _l("recorded"),
    "signed_in": _l("signed in"),
    "sign_in_failed": _l("sign-in failed"),
    "locked": _l("locked"),
    "deactivated": _l("deactivated"),
    "activated": _l("activated"),
    "pin_changed": _l("PIN changed"),
    "pin_reset": _l("PIN reset"),
    "pin_reset_by_code": _l("PIN reset with a code"),
    "pin_code_sent": _l("PIN code sent"),
    "no_match": _l("not found in the registry"),
    "nik_replaced": _l("NIK replaced"),
    "demo_data": _l("demo data loaded"),
}

# Verbs that are phrases with their own object: shown after a colon ("Warga: NIK diganti").
PHRASES = frozenset(
    {
        "pin_changed",
        "pin_reset",
        "pin_reset_by_code",
        "pin_code_sent",
        "no_match",
        "nik_replaced",
        "demo_data",
    }
)

# Detail keys shown on the audit pages, with their words; other keys stay in the database and the API.
DETAIL_LABELS: dict[str, Any] = {
    "reason": _l("Reason"),
    "role": _l("Role"),
    "previous": _l("Before"),
    "from_state": _l("Previous state"),
    "to_state": _l("New state"),
    "name": _l("Name"),
    "number": _l("Number"),
    "code": _l("Code"),
    "plugin": _l("Pillar"),
    "override": _l("Override"),
    "slug": _l("Web address"),
    "area_prefix": _l("Area"),
    "rows": _l("Rows"),
    "version": _l("Version"),
    "residents": _l("Residents"),
    "families": _l("Families"),
    "created": _l("Added"),
    "updated": _l("Changed"),
    "event_date": _l("Date"),
}
_STATE_KEYS = frozenset({"previous", "from_state", "to_state", "status_before", "status_after"})

_plugin_states: dict[str, dict[str, Any]] = {}
_plugin_events: dict[str, Any] = {}


def register_states(kind: str, labels: Mapping[str, Any]) -> None:
    """Give a plugin's stored states words (``register_states("smart_society.complaint", {...})``)."""
    _plugin_states.setdefault(kind, {}).update(labels)


def registered_states(kind: str) -> Mapping[str, Any]:
    """The words a plugin registered for ``kind`` (e.g. the market's categories, for a menu)."""
    return dict(_plugin_states.get(kind, {}))


def register_events(labels: Mapping[str, Any]) -> None:
    """Give a plugin's audit event codes words (lazy strings: they are shown in the reader's language)."""
    _plugin_events.update(labels)


def event_codes() -> frozenset[str]:
    """Every audit event code that has words (the core's and the registered ones): what a page
    must never show as such (``tests/page_walk`` looks for them)."""
    return frozenset(EVENT_LABELS) | frozenset(_plugin_events)


def _value(item: object) -> str:
    return str(getattr(item, "value", item))


def role_name(role: object) -> str:
    """A role in words (``village_head`` → "Kepala Desa"). A role without a label keeps its code, so
    that the page walk finds the missing label instead of a half-English guess."""
    value = _value(role)
    return str(ROLE_LABELS.get(value, value))


def area_words(prefix: str | None) -> str:
    """An area code in words: "51.07" → "Karangasem" (the regency's name without "Kabupaten")."""
    if not prefix:
        return ""
    from ..services import regions

    name = regions.area_name(prefix)
    if not name:
        return prefix
    return name.removeprefix("Kabupaten ").strip() or name


def membership_name(membership: object, *, with_village: bool = True) -> str:
    """A role with where it applies: "Admin kabupaten (Dinas PMD) · Karangasem", "Operator desa · Menanga"."""
    role = _value(getattr(membership, "role", membership))
    tenant = getattr(membership, "tenant", None)
    parts = [_village_word(role, tenant) or role_name(role)]
    if with_village and tenant is not None:
        parts.append(tenant.name)
    area = getattr(membership, "area_prefix", None)
    if area:
        parts.append(area_words(area))
    return " · ".join(parts)


def _village_word(role: str, tenant: object) -> str | None:
    """In Indonesian, a village's own title for its head and hamlet heads ("Perbekel", "Kelian
    Banjar Dinas" in Bali; kit/terms), as its own pages say them."""
    if tenant is None or role not in ("village_head", "hamlet_head") or str(get_locale()) != "id":
        return None
    from ..kit import terms

    words = terms.terms_for(tenant)
    return words.village_head if role == "village_head" else words.hamlet_head


def state_name(value: object, kind: str = "") -> str:
    """A stored state in words; ``kind`` picks the table ("village", "job", "notification", "plugin",
    "pillar", or a plugin's kind); unknown values fall back to the common workflow words, and a value
    nobody labelled keeps its code (the page walk reports it)."""
    if value is None or value == "":
        return DASH
    code = _value(value)
    for table in (_plugin_states.get(kind), STATES.get(kind), STATES[""]):
        if table and code in table:
            return str(table[code])
    for table in _plugin_states.values():
        if code in table:
            return str(table[code])
    return code


def _pillar_title(name: str) -> str | None:
    try:
        from ..plugin_system.state import plugin_title

        title = plugin_title(name)
    except Exception:  # noqa: BLE001 - outside an app (a unit test) there are no plugins
        return None
    return title if title and title != name else None


def event_name(code: object) -> str:
    """An audit event code in words; an unlabelled one is built from its subject and verb."""
    action = _value(code or "")
    if action in _plugin_events:
        return str(_plugin_events[action])
    if action in EVENT_LABELS:
        return str(EVENT_LABELS[action])
    parts = action.split(".")
    if action.startswith("auth.password_"):
        return str(EVENT_LABELS["auth.password_changed"])
    verb = parts[-1]
    if len(parts) >= 2 and parts[-2] in SUBJECTS and verb in VERBS:
        if verb in PHRASES:  # a whole phrase of its own: "Akun warga: PIN diubah"
            return _("%(pillar)s: %(verb)s", pillar=SUBJECTS[parts[-2]], verb=VERBS[verb])
        return _("%(subject)s %(verb)s", subject=SUBJECTS[parts[-2]], verb=VERBS[verb])
    pillar = _pillar_title(parts[0]) if len(parts) >= 2 else None
    if pillar and verb in VERBS:
        return _("%(pillar)s: %(verb)s", pillar=pillar, verb=VERBS[verb])
    if pillar:
        return _("Other activity in %(pillar)s", pillar=pillar)
    return _("Other activity")


def event_subject(prefix: object) -> str:
    """What a group of audit events is about ("membership" → "Peran"), for the audit filter."""
    code = _value(prefix or "").rstrip(".")
    if code == "auth":
        return _("Sign-in and tokens")
    if code in SUBJECTS:
        return str(SUBJECTS[code])
    return _pillar_title(code) or _("Other activity")


def event_target(target: object) -> str:
    """An audit event's target in words: "user:12" → "Akun #12"; a village code stays as it is."""
    if target is None or target == "":
        return ""
    text = str(target)
    kind, sep, ident = text.partition(":")
    if not sep:
        return _pillar_title(text) or text  # a pillar enabled or disabled: its title
    noun = SUBJECTS.get(kind) or ({"token": _l("API token")}).get(kind)
    if noun is None:
        return _("Record %(id)s", id=ident[:8])
    return f"{noun} #{ident[:8]}"


def _detail_value(key: str, value: object) -> str:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if key == "role":
        return role_name(value)
    if key == "area_prefix":
        return area_words(str(value))
    if key == "plugin":
        return _pillar_title(str(value)) or str(value)
    if key in _STATE_KEYS:
        return state_name(value)
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(str(v) for v in value.values())
    return str(value)


def event_details(detail: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """The labelled details of an audit event as (words, value) pairs, in a stable order."""
    if not detail:
        return []
    return [
        (str(DETAIL_LABELS[key]), _detail_value(key, value))
        for key, value in detail.items()
        if key in DETAIL_LABELS and value is not None and value != ""
    ]


def dash(value: object) -> object:
    """A missing value as "—" (never ``None`` or an empty cell)."""
    return DASH if value is None or value == "" else value


def _finalize(value: object) -> object:
    """Every ``{{ value }}`` of a page: ``None`` prints as "—", never as the word ``None``."""
    return DASH if value is None else value


def init_app(app: Flask) -> None:
    """Register the label filters for every template, and "—" for a ``None`` printed by any page."""
    app.jinja_env.finalize = _finalize
    app.add_template_filter(role_name, "role_name")
    app.add_template_filter(membership_name, "membership_name")
    app.add_template_filter(state_name, "state_name")
    app.add_template_filter(event_name, "event_name")
    app.add_template_filter(event_target, "event_target")
    app.add_template_filter(event_subject, "event_subject")
    app.add_template_filter(event_details, "event_details")
    app.add_template_filter(dash, "dash")
    app.add_template_filter(lambda name: _pillar_title(str(name)) or str(name), "plugin_title")
