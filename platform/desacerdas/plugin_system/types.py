"""The values plugins hand to the platform through hooks. Plain dataclasses: easy to build, easy to test."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import Blueprint


@dataclass(frozen=True)
class PluginInfo:
    """What a plugin says about itself (``desa_plugin_info``)."""

    name: str
    title_id: str
    title_en: str
    pillar: str | None
    version: str
    description: str = ""  # Indonesian
    description_en: str = ""
    requires: tuple[str, ...] = ()
    rollout_order: int = 100
    settings_schema: type | None = None  # a marshmallow Schema class with typed defaults
    secret_settings: tuple[str, ...] = ()

    def title(self, locale: str) -> str:
        return self.title_en if locale == "en" else self.title_id

    def describe(self, locale: str) -> str:
        return (self.description_en or self.description) if locale == "en" else self.description


@dataclass(frozen=True)
class PluginBlueprints:
    """Pages live under ``/desa/<slug>/<plugin>/…``, API under ``/api/v1/desa/<slug>/<plugin>/…``."""

    pages: Blueprint | None = None
    api: Blueprint | None = None  # a flask_smorest.Blueprint, so it appears in the OpenAPI document


@dataclass(frozen=True)
class NavEntry:
    label: str
    endpoint: str
    order: int = 100
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Widget:
    """A dashboard box: a title and either figures or a template to include."""

    title: str
    figures: tuple[tuple[str, Any], ...] = ()
    template: str | None = None
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 100


@dataclass(frozen=True)
class PermissionSpec:
    name: str
    description: str
    roles: tuple[str, ...] = ()
    read_only: bool = False


@dataclass(frozen=True)
class ReadinessCheck:
    """One condition a village must meet before a plugin is enabled there."""

    id: str
    label: str
    passed: bool
    how_to_pass: str = ""
    # The page where a user fixes it (a URL path), when there is one: readiness lists link to it.
    link: str = ""


@dataclass(frozen=True)
class Indicator:
    """A named, typed figure for a village and period: what "berbasis data" means."""

    key: str
    label: str
    value: int | float | None
    unit: str = ""
    kind: str = "count"  # count | ratio | duration | amount
    series: tuple[tuple[str, float], ...] = ()  # optional (label, value) pairs for a chart


@dataclass(frozen=True)
class WaitingItem:
    """Something in a village waiting on people (``desa_waiting_items``): a queue past its time,
    counted on the facilitator's work surface so that a stuck village is seen from outside it."""

    key: str  # stable, e.g. "smart_government.letters_overdue"
    label: str  # in words, the page's language: "Letter requests past the service standard (3 days)"
    count: int
    link: str = ""  # the page where the village's staff work the queue (a URL path)
    oldest: datetime | None = None  # since when the oldest one waits
    permission: str = ""  # what opening ``link`` needs: the link is shown only to who holds it


@dataclass(frozen=True)
class DocumentKind:
    key: str
    label: str
    content_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class DomainEvent:
    """Something that happened in one village. The core emits ``village.provisioned``,
    ``membership.changed``, ``plugin.enabled`` and ``plugin.disabled``; plugins add their own."""

    name: str
    tenant_id: int | None
    payload: dict[str, Any] = field(default_factory=dict)
    actor_id: int | None = None


CommandFactory = Callable[[], Any]
