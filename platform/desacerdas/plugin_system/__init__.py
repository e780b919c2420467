"""Plugins: discovery, hooks, gating per village, and the phased rollout of pillars."""

from .manager import ENTRY_POINT_GROUP, Plugins
from .types import (
    DocumentKind,
    DomainEvent,
    Indicator,
    NavEntry,
    PermissionSpec,
    PluginBlueprints,
    PluginInfo,
    ReadinessCheck,
    Widget,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "DocumentKind",
    "DomainEvent",
    "Indicator",
    "NavEntry",
    "PermissionSpec",
    "PluginBlueprints",
    "PluginInfo",
    "Plugins",
    "ReadinessCheck",
    "Widget",
]
