"""The ORM half of tenant isolation (the database half is :mod:`.rls`).

Every SELECT, UPDATE and DELETE that touches a ``TenantScoped`` model gets
``tenant_id = :desa_tenant_id`` through ``with_loader_criteria``. The criteria object is built once
with a bound parameter; only the parameter value changes per statement.

Whether a statement touches a village-owned table is decided once per statement *shape*: the
answer is kept under SQLAlchemy's cache key of the statement (the key of its structure, without
the bound values), which SQLAlchemy memoizes on the statement and reuses to find its compiled SQL,
so a statement that needs no village pays no walk of its tree and no extra key either. The decision
depends only on the shape (tables, mappers, ORM or plain), so a cached answer is the answer the
walk would give; a refused shape (:class:`RawTenantTableQuery`) is refused at every execution.
"""

from __future__ import annotations

from sqlalchemy import Join, Select, Table, bindparam, event, inspect
from sqlalchemy.orm import Mapper, ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.sql import visitors
from sqlalchemy.sql.selectable import AliasedReturnsRows

from ..models.base import TenantScoped, is_tenant_scoped
from .context import TENANT_KEY, CrossTenantWrite, NoTenantContext, apply_rls_setting

PARAM = "desa_tenant_id"

_CRITERIA = with_loader_criteria(
    TenantScoped,
    lambda cls: cls.tenant_id == bindparam("desa_tenant_id"),  # literal: lambdas track globals
    include_aliases=True,
)


_tables_cache: frozenset[str] | None = None


def _tenant_tables() -> frozenset[str]:
    """Names of village-owned tables; recomputed only after a model (e.g. a plugin's) is mapped."""
    global _tables_cache
    tables = _tables_cache
    if tables is None:
        from ..models.base import Base

        tables = _tables_cache = frozenset(
            m.local_table.name for m in Base.registry.mappers if is_tenant_scoped(m.class_)
        )
    return tables


def _forget_tables(mapper, class_) -> None:  # noqa: ANN001
    """A new mapper: the set of village-owned tables (and the decisions made with it) may change."""
    global _tables_cache
    _tables_cache = None


event.listen(Mapper, "after_mapper_constructed", _forget_tables)


class RawTenantTableQuery(RuntimeError):
    """A village-owned table was used as a plain Table, where the ORM criteria cannot reach it."""


_RAW = "raw"  # the decision for a shape that uses a village-owned table as a plain Table
SHAPES_MAX = 4096  # distinct statement shapes kept; the cache starts over when it is full
_shapes: dict[tuple, bool | str] = {}
_shapes_tables: frozenset[str] = frozenset()  # the tenant tables the cached decisions were made with
shape_stats = {"hits": 0, "misses": 0, "uncacheable": 0}


def _walk(state: ORMExecuteState) -> bool | str:
    """The decision from the statement's whole tree: True, False or ``_RAW``."""
    # Column-only selects such as select(func.count()).select_from(Model) list no mapper.
    tables = _tenant_tables()
    if not any(isinstance(e, Table) and e.name in tables for e in visitors.iterate(state.statement)):
        return False
    if state.statement._propagate_attrs.get("compile_state_plugin") != "orm":  # noqa: SLF001
        return _RAW
    return True


def _from_tables(element, depth: int = 0):  # noqa: ANN001, ANN202
    """Tables named in the FROM clauses of ``element``, through joins and subqueries (not WHERE)."""
    if depth > 8:
        return
    if isinstance(element, Table):
        yield element
    elif isinstance(element, Join):
        yield from _from_tables(element.left, depth + 1)
        yield from _from_tables(element.right, depth + 1)
    elif isinstance(element, AliasedReturnsRows):
        yield from _from_tables(element.element, depth + 1)
    elif isinstance(element, Select):
        for item in (*element._from_obj, *element.columns_clause_froms):  # noqa: SLF001
            yield from _from_tables(item, depth + 1)


def _decide(state: ORMExecuteState) -> bool | str:
    """The decision for this statement's shape: cached under its cache key (see the module doc)."""
    global _shapes, _shapes_tables
    stmt = state.statement
    if isinstance(stmt, Select) and stmt._from_obj:  # noqa: SLF001
        # select(func.count()).select_from(<a page's query>.subquery()): a village table in a
        # FROM decides it at once, without a key the changed statement would not reuse.
        tables = _tenant_tables()
        if any(t.name in tables for f in stmt._from_obj for t in _from_tables(f)):  # noqa: SLF001
            if stmt._propagate_attrs.get("compile_state_plugin") != "orm":  # noqa: SLF001
                return _RAW
            return True
    key = state.statement._generate_cache_key()  # noqa: SLF001 - memoized; the compiler reuses it
    if key is None:  # a statement SQLAlchemy does not cache: decide it every time
        shape_stats["uncacheable"] += 1
        return _walk(state)
    tables = _tenant_tables()
    if tables is not _shapes_tables or len(_shapes) >= SHAPES_MAX:  # a plugin added models
        _shapes, _shapes_tables = {}, tables
    plugin = state.statement._propagate_attrs.get("compile_state_plugin")  # noqa: SLF001
    shape = (key.key, plugin, type(state.statement))
    decision = _shapes.get(shape)
    if decision is None:
        shape_stats["misses"] += 1
        decision = _shapes[shape] = _walk(state)
    else:
        shape_stats["hits"] += 1
    return decision


def clear_shapes() -> None:
    """Forget every cached decision (tests; a new model is noticed without this)."""
    global _shapes
    _shapes = {}
    for name in shape_stats:
        shape_stats[name] = 0


def _needs_tenant(state: ORMExecuteState) -> bool:
    """Whether the statement reads or writes a village-owned table (and through the ORM)."""
    # The statement's first ORM entity (select(Resident), update(Resident) …): no walk, no key.
    subject = state.statement._propagate_attrs.get("plugin_subject")  # noqa: SLF001
    if subject is not None and is_tenant_scoped(getattr(subject, "class_", None)):
        return True
    decision = _decide(state)
    if decision is _RAW:
        raise RawTenantTableQuery("query village-owned tables through their models, not as plain Tables")
    return bool(decision)


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
