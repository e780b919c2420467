"""Tenant isolation: which village a session serves, and how every query is held to it."""

from .context import (
    CrossTenantWrite,
    NoTenantContext,
    TenantMismatch,
    bind_tenant,
    current_tenant_id,
    tenant_session,
)

__all__ = [
    "CrossTenantWrite",
    "NoTenantContext",
    "TenantMismatch",
    "bind_tenant",
    "current_tenant_id",
    "tenant_session",
]
