"""Core models. Import from here so every table is known to the metadata."""

from .audit import AuditEvent
from .base import Base, TenantScoped, is_tenant_scoped
from .document import Document, DocumentVersion, Visibility
from .kit import IndicatorSnapshot, Sequence, Verification
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
    "IndicatorSnapshot",
    "Membership",
    "PlatformPlugin",
    "Role",
    "Sequence",
    "Tenant",
    "TenantScoped",
    "TenantStatus",
    "User",
    "Verification",
    "VillagePlugin",
    "VillagePluginEvent",
    "Visibility",
    "is_tenant_scoped",
]
