"""Core models. Import from here so every table is known to the metadata."""

from .aid_ledger import AidLedgerEntry
from .audit import AuditEvent
from .base import Base, TenantScoped, is_tenant_scoped
from .document import Document, DocumentVersion, Visibility
from .invitation import Invitation
from .job import Job, JobState
from .kit import IndicatorSnapshot, Sequence, Verification
from .market_listing import MarketListing
from .notification import (
    ContactConsent,
    Notification,
    NotificationChannel,
    NotificationStatus,
    NotificationTemplate,
    PlatformNotification,
    UserContact,
)
from .plugin import PlatformPlugin, VillagePlugin, VillagePluginEvent
from .tenant import Hamlet, Tenant, TenantStatus
from .user import VILLAGE_ROLES, ApiToken, Membership, Role, User
from .visit import FacilitatorVisit, VisitKind

# Issue 11 tables, imported for the metadata (their classes are imported from their modules).
from . import data_access, login_throttle, user_session  # noqa: E402, F401  isort: skip

__all__ = [
    "VILLAGE_ROLES",
    "AidLedgerEntry",
    "ApiToken",
    "AuditEvent",
    "Base",
    "ContactConsent",
    "Document",
    "DocumentVersion",
    "FacilitatorVisit",
    "Hamlet",
    "IndicatorSnapshot",
    "Invitation",
    "Job",
    "JobState",
    "MarketListing",
    "Membership",
    "Notification",
    "NotificationChannel",
    "NotificationStatus",
    "NotificationTemplate",
    "PlatformNotification",
    "PlatformPlugin",
    "Role",
    "Sequence",
    "Tenant",
    "TenantScoped",
    "TenantStatus",
    "User",
    "UserContact",
    "Verification",
    "VillagePlugin",
    "VillagePluginEvent",
    "Visibility",
    "VisitKind",
    "is_tenant_scoped",
]
