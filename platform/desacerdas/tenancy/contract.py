"""The tenancy rules every table must follow, as a function both the tests and the plugin loader use."""

from __future__ import annotations

from sqlalchemy import Table, UniqueConstraint

from ..models.base import Base, is_tenant_scoped


def tenant_tables() -> set[str]:
    return {m.local_table.name for m in Base.registry.mappers if is_tenant_scoped(m.class_)}


def model_violations(cls: type) -> list[str]:
    """Why a model breaks the tenancy rules (empty when it follows them)."""
    if not (is_tenant_scoped(cls) or getattr(cls, "__platform_level__", False)):
        return [f"{cls.__name__} must subclass TenantScoped or set __platform_level__ = True"]
    table = getattr(cls, "__table__", None)
    return table_violations(table) if isinstance(table, Table) else []


def table_violations(table: Table) -> list[str]:
    owned = tenant_tables()
    problems: list[str] = []
    if table.name not in owned:
        for fk in table.foreign_key_constraints:
            if fk.referred_table.name in owned:
                problems.append(
                    f"{table.name}: a platform-level table must not reference {fk.referred_table.name}"
                )
        return problems
    pk = [c.name for c in table.primary_key.columns]
    if not pk or pk[0] != "tenant_id":
        problems.append(f"{table.name}: primary key must start with tenant_id, is {pk}")
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint) and "tenant_id" not in [
            c.name for c in constraint.columns
        ]:
            problems.append(f"{table.name}: unique {[c.name for c in constraint.columns]} lacks tenant_id")
    for index in table.indexes:
        if index.unique and "tenant_id" not in [c.name for c in index.columns]:
            problems.append(f"{table.name}: unique index {index.name} lacks tenant_id")
    for fk in table.foreign_key_constraints:
        if fk.referred_table.name in owned and "tenant_id" not in fk.column_keys:
            problems.append(f"{table.name}: foreign key to {fk.referred_table.name} must include tenant_id")
    return problems
