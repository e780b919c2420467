"""The rollout board and the regency dashboard: driving the phased rollout across villages."""

from .views import bp

__all__ = ["bp"]

from . import aid_conflicts, dashboard  # noqa: E402, F401 - register their pages on the blueprint
