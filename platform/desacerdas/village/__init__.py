"""A village's own pages: the public home page and the staff dashboard."""

from .views import bp

__all__ = ["bp"]

from . import members, my_data, pillars, plugin_settings  # noqa: E402, F401 - register their pages on the village blueprint
