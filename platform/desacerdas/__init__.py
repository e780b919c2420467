"""Desa Cerdas: a multi-tenant platform for Indonesian smart villages.

Plugin authors import :data:`hookimpl` from here to implement the hooks of
:mod:`desacerdas.plugin_system.hookspecs`.
"""

import pluggy

__version__ = "0.1.0"

hookimpl = pluggy.HookimplMarker("desacerdas")

__all__ = ["__version__", "hookimpl"]
