"""Finding, loading and calling plugins.

Plugins are packages that declare an entry point in the group ``desacerdas.plugins``. Each is
loaded on its own: one that fails to import is recorded as *broken* and the platform still starts.
Hooks for one village are called through a pluggy subset caller that leaves out every plugin not
enabled there; the callers are cached per set of enabled plugins.
"""

from __future__ import annotations

import difflib
import importlib.metadata as md
import logging
import os
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

from . import hookspecs
from .types import PluginInfo

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "desacerdas.plugins"
CORE = "core"
TRANSLATIONS_DIR = "translations"  # <plugin package>/translations/<locale>/LC_MESSAGES/messages.mo


class PluginRefused(Exception):
    """A plugin breaks a platform rule (names, models); it is loaded as broken, with the reason."""


@dataclass
class LoadedPlugin:
    name: str
    module: Any = None
    info: PluginInfo | None = None
    distribution: str | None = None
    package: str | None = None  # the top-level package, where its migrations and templates live
    error: str | None = None
    models: list[type] = field(default_factory=list)

    @property
    def broken(self) -> bool:
        return self.error is not None

    @property
    def requires(self) -> tuple[str, ...]:
        return self.info.requires if self.info else ()


class Plugins:
    """The plugin manager of one application (``app.extensions["desa_plugins"]``)."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.loaded: dict[str, LoadedPlugin] = {}
        self._subset_cache: dict[tuple[str, frozenset[str]], Any] = {}
        if os.environ.get("DESA_TRACE_HOOKS"):
            self.pm.trace.root.setwriter(lambda msg: log.warning("hook: %s", msg.rstrip()))
            self.pm.enable_tracing()

    # -- loading ---------------------------------------------------------------------------------

    def register_core(self, module: Any) -> None:
        """The core's own hook implementations: always called, in every village."""
        self.pm.register(module, name=CORE)

    def discover(self) -> None:
        for ep in md.entry_points(group=ENTRY_POINT_GROUP):
            if ep.name in self.loaded:
                continue
            dist = ep.dist.name if ep.dist else None
            try:
                module = ep.load()
            except Exception as exc:  # noqa: BLE001 - any import error makes the plugin broken
                log.error("plugin %s failed to import: %s", ep.name, exc)
                self.loaded[ep.name] = LoadedPlugin(
                    ep.name, distribution=dist, error=f"import failed: {exc.__class__.__name__}: {exc}"
                )
                continue
            self.add(ep.name, module, distribution=dist, package=ep.module.split(".")[0])

    def add(
        self, name: str, module: Any, distribution: str | None = None, package: str | None = None
    ) -> LoadedPlugin:
        """Register one plugin object (tests and benchmarks use this for plugins without packages)."""
        package = package or (getattr(module, "__name__", None) or type(module).__module__).split(".")[0]
        plugin = LoadedPlugin(name, module, distribution=distribution, package=package)
        self.loaded[name] = plugin
        try:
            if name == CORE or not name.isidentifier():
                raise PluginRefused(f"'{name}' is not a valid plugin name (a Python identifier, not 'core')")
            self.pm.register(module, name=name)
            self._check_hook_names(name, module)
            plugin.info = self._call_own(name, "desa_plugin_info")
            if plugin.info is None or plugin.info.name != name:
                raise PluginRefused(
                    f"desa_plugin_info() must return PluginInfo(name={name!r}), got "
                    f"{getattr(plugin.info, 'name', None)!r}"
                )
            from .safety import check_models

            plugin.models = list(self._call_own(name, "desa_owned_models") or [])
            check_models(name, plugin.models)
        except Exception as exc:  # noqa: BLE001 - the platform starts anyway and says why
            if self.pm.is_registered(module):
                self.pm.unregister(module)
            plugin.error = (
                str(exc) if isinstance(exc, PluginRefused) else traceback.format_exception_only(exc)[-1]
            )
            log.error("plugin %s refused: %s", name, plugin.error)
        self._subset_cache.clear()
        return plugin

    def _check_hook_names(self, name: str, module: Any) -> None:
        """Refuse implementations of hooks that do not exist (a misspelled ``desa_indicator`` would
        otherwise be accepted and never called). pluggy's ``check_pending`` does this for the whole
        manager at once; checking each plugin as it loads names the culprit and leaves the others
        working. Implementations marked ``optionalhook=True`` are allowed, as in pluggy."""
        unknown = sorted(
            hc.name
            for hc in self.pm.get_hookcallers(module) or []
            if not hc.has_spec()
            and any(i.plugin is module and not i.optionalhook for i in hc.get_hookimpls())
        )
        if not unknown:
            return
        reasons = []
        for hook in unknown:
            close = difflib.get_close_matches(hook, hookspecs.ALL_HOOKS, n=1)
            reasons.append(f"{hook} (did you mean {close[0]}?)" if close else hook)
        raise PluginRefused(
            f"{name} implements hooks that do not exist: {', '.join(reasons)}; "
            "the hooks are listed in docs/plugins.md"
        )

    def _call_own(self, name: str, hook: str) -> Any:
        """Call one plugin's own implementation of a hook (its single result)."""
        self._subset_cache.clear()  # the plugin was just registered
        result = getattr(self.hook_only(name), hook)()
        if isinstance(result, list):  # hooks that are not firstresult answer with one list per plugin
            return result[0] if result else None
        return result

    # -- queries ---------------------------------------------------------------------------------

    def working(self) -> dict[str, LoadedPlugin]:
        """Plugins that loaded and passed the checks, in dependency order."""
        ok = {n: p for n, p in self.loaded.items() if not p.broken}
        return {n: ok[n] for n in dependency_order(ok)}

    def info(self, name: str) -> PluginInfo:
        plugin = self.loaded.get(name)
        if plugin is None or plugin.broken or plugin.info is None:
            raise KeyError(name)
        return plugin.info

    def implemented_hooks(self, name: str) -> list[str]:
        module = self.pm.get_plugin(name)
        if module is None:
            return []
        return sorted(h.name for h in self.pm.get_hookcallers(module) or [])

    def translation_dirs(self) -> list[str]:
        """``<package>/translations`` of every working plugin that ships a catalogue there."""
        found = []
        for plugin in self.working().values():
            top = sys.modules.get(plugin.package or "")
            if top is None or plugin.package == "desacerdas" or not getattr(top, "__file__", None):
                continue
            path = Path(top.__file__).parent / TRANSLATIONS_DIR
            if path.is_dir():
                found.append(str(path))
        return found

    def install_translations(self, app: Flask) -> list[str]:
        """Add the plugins' catalogues to the app's Flask-Babel directories; return those added.

        A plugin ships ``<package>/translations/<locale>/LC_MESSAGES/messages.mo`` (domain
        ``messages``, as the core's), so ``_()`` in its views and templates needs nothing else.
        Catalogues are merged with the core's last: on a msgid both translate, the core's wording
        wins, and a plugin cannot change the platform's pages. The app gets its own translations
        cache (Flask-Babel keeps one per ``Babel`` object): apps with other plugins in the same
        process (tests) do not share merged catalogues.
        """
        from flask_babel import Babel

        config = app.extensions.get("babel")
        if config is None:
            return []
        added = [d for d in self.translation_dirs() if d not in config.translation_directories]
        if not added:
            return []
        config.translation_directories = [*added, *config.translation_directories]
        own = Babel(configure_jinja=False, date_formats=config.instance.date_formats)
        config.instance = own
        return added

    # -- calling ---------------------------------------------------------------------------------

    def hook_for(self, enabled: frozenset[str]) -> _SubsetRelay:
        """Hooks that call the core plus exactly the ``enabled`` plugins."""
        return _SubsetRelay(self, frozenset(enabled))

    def hook_only(self, name: str) -> _SubsetRelay:
        """Hooks that call one plugin only (readiness checks of a plugin not yet enabled)."""
        return _SubsetRelay(self, frozenset({name}), include_core=False)

    @property
    def all(self) -> Any:
        """Platform hooks: every working plugin and the core."""
        return self.pm.hook

    def _subset_caller(self, hook: str, keep: frozenset[str], include_core: bool) -> Any:
        key = (hook, keep | ({CORE} if include_core else frozenset()))
        caller = self._subset_cache.get(key)
        if caller is None:
            remove = [p for n, p in self.pm.list_name_plugin() if n not in key[1]]
            caller = self.pm.subset_hook_caller(hook, remove_plugins=remove)
            self._subset_cache[key] = caller
        return caller


class _SubsetRelay:
    def __init__(self, plugins: Plugins, keep: frozenset[str], include_core: bool = True) -> None:
        self._plugins = plugins
        self._keep = keep
        self._include_core = include_core

    def __getattr__(self, hook: str) -> Any:
        return self._plugins._subset_caller(hook, self._keep, self._include_core)  # noqa: SLF001


def dependency_order(plugins: dict[str, LoadedPlugin]) -> list[str]:
    """Plugins sorted so that each comes after what it requires (then by rollout order, name)."""
    order: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in order or name not in plugins:
            return
        if name in visiting:
            raise PluginRefused(f"plugins require each other in a cycle through '{name}'")
        visiting.add(name)
        for dep in sorted(plugins[name].requires):
            visit(dep)
        visiting.discard(name)
        order.append(name)

    for name in sorted(plugins, key=lambda n: (plugins[n].info.rollout_order if plugins[n].info else 0, n)):
        visit(name)
    return order
