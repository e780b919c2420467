"""Core models. Import from here so every table is known to the metadata."""

from .audit import AuditEvent
from .base import Base, TenantScoped, is_tenant_scoped
from .document import Document, DocumentVersion, Visibility
from .plugin import PlatformPlugin, VillagePlugin, VillagePluginEvent
from .tenant import Hamlet, Tenant, TenantStatus
from .user import VILLAGE_ROLES, ApiToken, Membership, Role, User

__all__ = [
    "VILLAGE_ROLES",
    "ApiToken",
    "AuditEvent",
    "Base",
    "Document",
    "DocumentVersion",
    "Hamlet",
    "Membership",
    "PlatformPlugin",
    "Role",
    "Tenant",
    "TenantScoped",
    "TenantStatus",
    "User",
    "VillagePlugin",
    "VillagePluginEvent",
    "Visibility",
    "is_tenant_scoped",
]
