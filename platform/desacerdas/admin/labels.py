"""Human labels for stored enum values, so templates never show raw identifiers to people."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATUS_LABELS = {
    "active": _l("Active"),
    "suspended": _l("Suspended"),
    "archived": _l("Archived"),
}

ROLE_LABELS = {
    "platform_admin": _l("Platform admin"),
    "regency_admin": _l("Regency admin"),
    "facilitator": _l("Facilitator"),
    "village_head": _l("Village head"),
    "village_secretary": _l("Village secretary"),
    "operator": _l("Operator"),
    "hamlet_head": _l("Hamlet head"),
    "resident": _l("Resident"),
}


PLUGIN_STATE_LABELS = {
    "discovered": _l("not installed"),
    "installed": _l("installed"),
    "needs upgrade": _l("needs upgrade"),
    "broken": _l("broken"),
}

PLUGIN_ACTION_LABELS = {
    "enabled": _l("enabled"),
    "disabled": _l("disabled"),
    "purged": _l("data purged"),
}


def _value(item: object) -> str:
    return str(getattr(item, "value", item))


def status_label(status: object) -> str:
    value = _value(status)
    return str(STATUS_LABELS.get(value, value))


def role_label(role: object) -> str:
    value = _value(role)
    return str(ROLE_LABELS.get(value, value))


def pillar_label(pillar: str) -> str:
    """The plugin's own title in the current language."""
    from ..plugin_system.state import plugin_title

    return plugin_title(pillar)


def plugin_state_label(state: str) -> str:
    return str(PLUGIN_STATE_LABELS.get(state, state))


def plugin_action_label(action: str) -> str:
    return str(PLUGIN_ACTION_LABELS.get(action, action))
