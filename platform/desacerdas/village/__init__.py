"""A village's own pages: the public home page and the staff dashboard."""

from .views import bp

__all__ = ["bp"]
