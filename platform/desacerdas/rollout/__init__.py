"""The rollout board and the regency dashboard: driving the phased rollout across villages."""

from .views import bp

__all__ = ["bp"]

from . import dashboard  # noqa: E402, F401 - registers the indicators page on the blueprint
