"""The hook specification: every way a plugin can extend the platform.

Hooks are additive over time: a hook may gain new arguments, it is never renamed. pluggy passes
only the arguments an implementation names, so an implementation written for an older version keeps
working. Hooks marked *per village* are called only for plugins enabled in that village (through
:meth:`desacerdas.plugin_system.manager.Plugins.hook_for`); *platform* hooks are called for every
installed plugin.

Write implementations with :data:`desacerdas.hookimpl`::

    from desacerdas import hookimpl

    @hookimpl
    def desa_navigation(tenant, user):
        return [NavEntry("Surat", "smart_government.letters")]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    import click
    from flask import Flask
    from sqlalchemy.orm import Session

    from ..models import Tenant, User
    from ..notifications import NotificationKind
    from .types import (
        DocumentKind,
        DomainEvent,
        Indicator,
        NavEntry,
        PermissionSpec,
        PluginBlueprints,
        PluginInfo,
        ReadinessCheck,
        WaitingItem,
        Widget,
    )

PROJECT = "desacerdas"
hookspec = pluggy.HookspecMarker(PROJECT)


# -- describing the plugin (platform) ------------------------------------------------------------


@hookspec(firstresult=True)
def desa_plugin_info() -> PluginInfo:
    """Describe the plugin: name, titles, pillar, version, required plugins, rollout order, settings.

    Called once per plugin at start-up (each plugin's own implementation is called on its own).

    :return: a :class:`~desacerdas.plugin_system.types.PluginInfo`.
    """


@hookspec
def desa_permissions() -> list[PermissionSpec]:
    """Permissions the plugin checks, with the roles that get them by default.

    Called once at start-up for every installed plugin; they join the core's permission registry.

    :return: a list of :class:`~desacerdas.plugin_system.types.PermissionSpec`.
    """


@hookspec
def desa_blueprints(app: Flask) -> PluginBlueprints:
    """The plugin's pages and API.

    Called once at start-up for every installed plugin: Flask refuses blueprint registration after
    the first request, so every installed plugin is registered and then gated per request. Pages
    are mounted at ``/desa/<slug>/<plugin>/``, the API at ``/api/v1/desa/<slug>/<plugin>/``; both
    answer 404 in a village where the plugin is not enabled.

    :param app: the Flask application being created.
    :return: a :class:`~desacerdas.plugin_system.types.PluginBlueprints`.
    """


@hookspec
def desa_document_kinds() -> list[DocumentKind]:
    """Kinds of documents the plugin stores (used by the documents core).

    :return: a list of :class:`~desacerdas.plugin_system.types.DocumentKind`.
    """


@hookspec
def desa_cli_commands() -> click.Command:
    """The plugin's command line, mounted under the plugin's name.

    Return a :class:`click.Group` (usually: its commands become ``desa <plugin> <command> …``) or a
    single :class:`click.Command` (it becomes ``desa <plugin> …``); either way its name is replaced
    by the plugin name. Anything else makes the plugin broken, with the reason.
    Commands must take ``--tenant SLUG`` and resolve it with
    :func:`desacerdas.plugin_system.cli_support.village_for_plugin`, which refuses a village where the
    plugin is not enabled.

    :return: a :class:`click.Group` or a :class:`click.Command` (a group is a command).
    """


@hookspec
def desa_event(event: DomainEvent, session: Session | None) -> None:
    """React to a domain event of a village (per village; ``tenant_id=None`` events go to all).

    The core emits ``village.provisioned``, ``membership.changed``, ``plugin.enabled`` and
    ``plugin.disabled``; plugins emit their own with :func:`desacerdas.plugin_system.events.emit`.

    :param event: the :class:`~desacerdas.plugin_system.types.DomainEvent`.
    :param session: a session bound to the event's village, or None for platform events.
    """


# -- a village's navigation and dashboard (per village) --------------------------------------------


@hookspec
def desa_navigation(tenant: Tenant, user: User | None) -> list[NavEntry]:
    """Menu entries for this village and user (return an empty list to show none).

    :param tenant: the current village.
    :param user: the signed-in user, or None for a visitor.
    :return: a list of :class:`~desacerdas.plugin_system.types.NavEntry`.
    """


@hookspec
def desa_dashboard_widgets(tenant: Tenant, user: User, session: Session) -> list[Widget]:
    """Boxes on the village staff dashboard.

    :param tenant: the current village.
    :param user: the signed-in staff member.
    :param session: a session bound to the village.
    :return: a list of :class:`~desacerdas.plugin_system.types.Widget`.
    """


# -- rollout (per village, except readiness which is asked before enabling) ------------------------


@hookspec
def desa_readiness_checks(tenant: Tenant, session: Session) -> list[ReadinessCheck]:
    """Conditions the village must meet before this plugin is enabled there.

    Called for the plugin being considered (enabled or not) when a plan is made and on the rollout
    board.

    :param tenant: the village.
    :param session: a session bound to the village.
    :return: a list of :class:`~desacerdas.plugin_system.types.ReadinessCheck`.
    """


@hookspec
def desa_on_enable(tenant: Tenant, session: Session) -> None:
    """Seed this village's defaults when the plugin is enabled. Must be idempotent: enabling again
    after a disable must not duplicate anything.

    :param tenant: the village.
    :param session: a session bound to the village, committed by the platform with the change.
    """


@hookspec
def desa_on_disable(tenant: Tenant, session: Session) -> None:
    """The plugin was disabled in this village. Delete nothing: data stays until a purge.

    :param tenant: the village.
    :param session: a session bound to the village.
    """


@hookspec
def desa_indicators(tenant: Tenant, period: str, session: Session) -> list[Indicator]:
    """Named, typed figures for a village and period (``YYYY`` or ``YYYY-MM``), read by the village,
    facilitator and regency dashboards.

    :param tenant: the village.
    :param period: the period.
    :param session: a session bound to the village.
    :return: a list of :class:`~desacerdas.plugin_system.types.Indicator`.
    """


@hookspec
def desa_waiting_items(tenant: Tenant, session: Session) -> list[WaitingItem]:
    """What in this village waits on people past its time (letter requests past the service
    standard, registrations waiting for review, complaints past their deadline…), for the
    facilitator's work surface (``/facilitation``, docs/facilitation.md). Per village.

    Return only items with a count above zero; read through ``session``. Each item's ``count``
    adds to the village's "needs attention" score.

    :param tenant: the village.
    :param session: a session bound to the village.
    :return: a list of :class:`~desacerdas.plugin_system.types.WaitingItem`.
    """


@hookspec
def desa_demo_data(tenant: Tenant, session: Session) -> None:
    """Create demo data for a village (``desa plugins demo PLUGIN --tenant SLUG``). Deterministic.

    :param tenant: the village.
    :param session: a session bound to the village.
    """


@hookspec
def desa_owned_models() -> list[type]:
    """The plugin's models, so that the platform can check they are tenant-owned and purge them.

    :return: model classes (``TenantScoped`` or marked ``__platform_level__``).
    """


@hookspec
def desa_notification_kinds() -> list[NotificationKind]:
    """The kinds of message the plugin sends with ``desacerdas.notifications.notify`` (docs/notifications.md).

    Each kind carries its default wording in Bahasa Indonesia and English, the external channels in
    order of preference and, for WhatsApp, the name of the pre-approved template.

    :return: a list of :class:`~desacerdas.notifications.NotificationKind`.
    """


@hookspec
def desa_personal_data(tenant: Tenant, user: User, session: Session) -> list[dict]:
    """What the plugin holds about ``user`` in this village, for the resident's own data download
    (the right of access of UU 27/2022, ``/desa/<slug>/me/data``).

    Return only the user's own records, read through ``session``. Each section is a dict:
    ``{"title": str, "records": list[dict]}`` (JSON-serialisable values; dates as ISO text), and
    optionally ``"files": [{"name": "letters/001.pdf", "content": bytes}]`` added to the ZIP.

    :param tenant: the current village.
    :param user: the signed-in user asking for their data.
    :param session: a session bound to the village.
    :return: a list of sections.
    """


ALL_HOOKS: tuple[str, ...] = tuple(name for name in dict(globals()) if name.startswith("desa_"))
PER_VILLAGE_HOOKS = frozenset(
    {
        "desa_navigation",
        "desa_dashboard_widgets",
        "desa_on_enable",
        "desa_on_disable",
        "desa_indicators",
        "desa_demo_data",
        "desa_event",
        "desa_personal_data",
        "desa_waiting_items",
    }
)

__all__ = ["ALL_HOOKS", "PER_VILLAGE_HOOKS", "hookspec"]
