"""Platform admin pages: provisioning villages and reading the audit log."""

from .views import bp

__all__ = ["bp"]
