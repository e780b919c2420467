"""A village's own pages: the public home page and the staff dashboard."""

from .views import bp

__all__ = ["bp"]

from . import pillars  # noqa: E402, F401 - registers the pillar pages on the village blueprint
