"""The ORM half of tenant isolation (the database half is :mod:`.rls`).

Every SELECT, UPDATE and DELETE that touches a ``TenantScoped`` model gets
``tenant_id = :desa_tenant_id`` through ``with_loader_criteria``. The criteria object is built once
with a bound parameter; only the parameter value changes per statement.
"""

from __future__ import annotations

from sqlalchemy import Table, bindparam, event, inspect
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.sql import visitors

from ..models.base import TenantScoped, is_tenant_scoped
from .context import TENANT_KEY, CrossTenantWrite, NoTenantContext, apply_rls_setting

PARAM = "desa_tenant_id"

_CRITERIA = with_loader_criteria(
    TenantScoped,
    lambda cls: cls.tenant_id == bindparam("desa_tenant_id"),  # literal: lambdas track globals
    include_aliases=True,
)


_tables_cache: tuple[int, frozenset[str]] = (-1, frozenset())


def _tenant_tables() -> frozenset[str]:
    """Names of village-owned tables; recomputed only when a model (e.g. a plugin's) is added."""
    global _tables_cache
    from ..models.base import Base

    mappers = Base.registry.mappers
    if _tables_cache[0] != len(mappers):
        _tables_cache = (
            len(mappers),
            frozenset(m.local_table.name for m in mappers if is_tenant_scoped(m.class_)),
        )
    return _tables_cache[1]


class RawTenantTableQuery(RuntimeError):
    """A village-owned table was used as a plain Table, where the ORM criteria cannot reach it."""


def _needs_tenant(state: ORMExecuteState) -> bool:
    """Whether the statement reads or writes a village-owned table (and through the ORM)."""
    if any(is_tenant_scoped(m.class_) for m in state.all_mappers):
        return True
    # Column-only selects such as select(func.count()).select_from(Model) list no mapper.
    tables = _tenant_tables()
    if not any(isinstance(e, Table) and e.name in tables for e in visitors.iterate(state.statement)):
        return False
    if state.statement._propagate_attrs.get("compile_state_plugin") != "orm":  # noqa: SLF001
        raise RawTenantTableQuery("query village-owned tables through their models, not as plain Tables")
    return True


def _on_execute(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete or state.is_insert):
        return
    if not _needs_tenant(state):
        return
    tenant_id = state.session.info.get(TENANT_KEY)
    if tenant_id is None:
        raise NoTenantContext(
            "A village-owned model was queried without a current village; "
            "bind the session with desacerdas.tenancy.bind_tenant() or use tenant_session()."
        )
    _check_inline_values(state.statement, tenant_id)
    params = state.parameters
    if state.is_insert:
        if (
            params is None
            and not _inline_tenant_ids(state.statement)
            and getattr(state.statement, "_values", None)
        ):
            state.statement = state.statement.values(tenant_id=tenant_id)
        state.parameters = _insert_params(params, tenant_id)
        return
    state.statement = state.statement.options(_CRITERIA)
    if params is None or isinstance(params, dict):
        state.parameters = {**(params or {}), PARAM: tenant_id}
    else:  # executemany
        state.parameters = [{**p, PARAM: tenant_id} for p in params]


def _inline_tenant_ids(statement) -> list[object]:  # noqa: ANN001
    """``tenant_id`` values written into an INSERT/UPDATE statement itself (``.values(...)``)."""
    rows = [getattr(statement, "_values", None) or {}]
    for batch in getattr(statement, "_multi_values", None) or ():
        rows.extend(batch)
    found = []
    for row in rows:
        for key, value in row.items():
            if getattr(key, "key", key) == "tenant_id":
                found.append(getattr(value, "value", value))
    return found


def _check_inline_values(statement, tenant_id: int) -> None:  # noqa: ANN001
    for value in _inline_tenant_ids(statement):
        if value != tenant_id:
            raise CrossTenantWrite(
                f"refusing to write tenant_id={value!r} in a session of village {tenant_id}"
            )


def _insert_params(params, tenant_id: int):  # noqa: ANN001, ANN202
    if params is None:
        return None
    rows = [params] if isinstance(params, dict) else list(params)
    checked = []
    for row in rows:
        if row.get("tenant_id", tenant_id) != tenant_id:
            raise CrossTenantWrite(
                f"refusing to insert a row of village {row['tenant_id']} in village {tenant_id}"
            )
        checked.append({**row, "tenant_id": tenant_id})
    return checked[0] if isinstance(params, dict) else checked


def _before_flush(session: Session, flush_context, instances) -> None:  # noqa: ANN001
    tenant_id = session.info.get(TENANT_KEY)
    for obj in session.new:
        if not is_tenant_scoped(type(obj)):
            continue
        if tenant_id is None:
            raise NoTenantContext(f"cannot insert {type(obj).__name__} without a current village")
        if obj.tenant_id is None:
            obj.tenant_id = tenant_id
        elif obj.tenant_id != tenant_id:
            raise CrossTenantWrite(
                f"refusing to insert {type(obj).__name__} for village {obj.tenant_id} "
                f"in a session of village {tenant_id}"
            )
    for obj in list(session.dirty) + list(session.deleted):
        if not is_tenant_scoped(type(obj)):
            continue
        if tenant_id is None:
            raise NoTenantContext(f"cannot write {type(obj).__name__} without a current village")
        history = inspect(obj).attrs.tenant_id.history
        original = history.deleted[0] if history.deleted else obj.tenant_id
        if original != tenant_id or obj.tenant_id != tenant_id:
            raise CrossTenantWrite(
                f"refusing to write {type(obj).__name__} of village {original} "
                f"in a session of village {tenant_id}"
            )


def _after_begin(session: Session, transaction, connection) -> None:  # noqa: ANN001
    apply_rls_setting(session, connection)


_installed = False


def install() -> None:
    """Attach the listeners to every SQLAlchemy session (idempotent)."""
    global _installed
    if _installed:
        return
    event.listen(Session, "do_orm_execute", _on_execute)
    event.listen(Session, "before_flush", _before_flush)
    event.listen(Session, "after_begin", _after_begin)
    _installed = True
