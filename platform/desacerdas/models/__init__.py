"""Core models. Import from here so every table is known to the metadata."""

from .audit import AuditEvent
from .base import Base, TenantScoped, is_tenant_scoped
from .tenant import Hamlet, Tenant, TenantStatus
from .user import VILLAGE_ROLES, ApiToken, Membership, Role, User

__all__ = [
    "VILLAGE_ROLES",
    "ApiToken",
    "AuditEvent",
    "Base",
    "Hamlet",
    "Membership",
    "Role",
    "Tenant",
    "TenantScoped",
    "TenantStatus",
    "User",
    "is_tenant_scoped",
]
