"""Human labels for stored enum values (kept for the admin pages; the tables live in ``web/labels.py``)."""

from __future__ import annotations

from ..web.labels import ROLE_LABELS, STATES, role_name, state_name

STATUS_LABELS = STATES["village"]
PLUGIN_STATE_LABELS = STATES["plugin"]
PLUGIN_ACTION_LABELS = STATES["plugin_action"]

__all__ = [
    "PLUGIN_ACTION_LABELS",
    "PLUGIN_STATE_LABELS",
    "ROLE_LABELS",
    "STATUS_LABELS",
    "pillar_label",
    "plugin_action_label",
    "plugin_state_label",
    "role_label",
    "status_label",
]


def status_label(status: object) -> str:
    """A village's status in words."""
    return state_name(status, "village")


def role_label(role: object) -> str:
    """A role in words."""
    return role_name(role)


def pillar_label(pillar: str) -> str:
    """The plugin's own title in the current language."""
    from ..plugin_system.state import plugin_title

    return plugin_title(pillar)


def plugin_state_label(state: str) -> str:
    """A plugin's installation state in words."""
    return state_name(state, "plugin")


def plugin_action_label(action: str) -> str:
    """What happened to a pillar in a village, in words."""
    return state_name(action, "plugin_action")
