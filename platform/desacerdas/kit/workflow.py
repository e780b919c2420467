"""Workflows: a tenant-owned record that moves through states by named actions.

A :class:`Workflow` names the states, the actions between them, who may take each action
(a permission and the caller's :class:`~desacerdas.kit.access.Scope`, or the record's owner) and
which actions a village may switch off. :meth:`Workflow.move` takes one action in the caller's
transaction: it checks (404 outside the caller's view, 403 without the right, 409 in the wrong
state), locks and re-reads the record so that two people taking the same move at once give one move
and one 409, then writes the new state, a step row (the timeline, append-only), an audit record
and a domain event ``<workflow name>.<recorded word>``, delivered after the caller commits.

Step tables are each pillar's own (:class:`StepMixin`, or an existing table via :class:`StepColumns`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy import DateTime, ForeignKey, ForeignKeyConstraint, Index, String, Uuid
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column

from ..auth.permissions import can_see_village
from ..models import Tenant, User
from ..models.base import TenantScoped, utcnow
from ..plugin_system import events
from ..plugin_system.types import DomainEvent
from ..services import NotFound, ServiceError, audit
from ..services.i18n import _
from ..tenancy.context import TENANT_KEY, TenantMismatch
from .access import Forbidden, scope_for

NEXT_STEP = "=next"  # Action.permission: whatever the next step on the path needs (e.g. reject)
NOTE_MAX = 500
Skip = Iterable[str] | None  # optional actions switched off for one call (None: the village's own)
Detail = Mapping[str, Any] | Callable[["MoveContext"], Mapping[str, Any]] | None  # extra audit detail


class StepMixin(TenantScoped):
    """The standard timeline table: one row per move, never updated.

    Set ``__step_of__`` to the record table's name; the foreign key (deleting a record deletes its
    timeline) and the ``(tenant_id, record_id, at)`` index follow from it.
    """

    __step_of__: ClassVar[str]

    record_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(30))
    to_state: Mapped[str] = mapped_column(String(30))
    actor_name: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(String(NOTE_MAX))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @declared_attr
    def actor_id(cls) -> Mapped[int | None]:  # noqa: N805
        return mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    @declared_attr.directive
    def __table_args__(cls) -> tuple:  # noqa: N805
        parent = cls.__step_of__
        return (
            ForeignKeyConstraint(
                ["tenant_id", "record_id"], [f"{parent}.tenant_id", f"{parent}.id"], ondelete="CASCADE"
            ),
            Index(f"ix_{cls.__tablename__}_record", "tenant_id", "record_id", "at"),
        )


@dataclass(frozen=True)
class StepColumns:
    """Where a step table keeps each value (an existing table may name them its own way; a
    ``from_state`` of None means the table does not record the state before the move)."""

    record: str = "record_id"
    action: str = "action"
    from_state: str | None = "from_state"
    to_state: str = "to_state"
    actor_id: str = "actor_id"
    actor_name: str = "actor_name"
    note: str = "note"
    at: str = "at"


@dataclass(frozen=True)
class MoveContext:
    """What a guard or an effect sees: the move being made, inside the caller's transaction."""

    session: Session
    tenant: Tenant
    user: User | None  # None only for begin() by an anonymous applicant
    record: Any
    action: Action
    from_state: str | None  # None only for begin()
    to_state: str
    note: str | None
    data: Mapping[str, Any]
    results: dict[str, Any] = field(default_factory=dict)  # what an effect reports to the caller


@dataclass(frozen=True)
class Action:
    """One named move. Who may take it: holders of ``permission`` whose scope covers the record,
    and/or (``owner_allowed``) the record's owner. ``permission=NEXT_STEP`` asks for what the next
    step on the workflow's path needs (a refusal is open to whoever may take the record forward).

    ``optional`` actions can be switched off per village: the state they would leave is then
    treated as the state they lead to. ``guard`` may refuse (raise a ``ServiceError``) before
    anything is written; ``effect`` sets the record's other columns after the state changed.
    ``recorded_as`` is the word written to the timeline and used in the audit and event names
    (the action's name by default; a past tense reads best: ``verified``).
    """

    name: str
    from_states: tuple[str, ...]
    to_state: str
    label: Any = None
    permission: str | None = None
    owner_allowed: bool = False
    needs_note: bool = False
    optional: bool = False
    guard: Callable[[MoveContext], None] | None = None
    effect: Callable[[MoveContext], None] | None = None
    recorded_as: str | None = None

    @property
    def word(self) -> str:
        return self.recorded_as or self.name


@dataclass(frozen=True)
class Move:
    """One move made: the new step row (None without a step table) and the queued event."""

    record: Any
    action: Action
    from_state: str | None
    to_state: str
    step: Any
    event: DomainEvent
    results: dict[str, Any] = field(default_factory=dict)


def _value(state: Any) -> str:
    return str(getattr(state, "value", state))


@dataclass(frozen=True)
class Workflow:
    """A record type's states and moves. ``name`` (``<plugin>.<record>``) prefixes audit actions and
    events; ``target`` prefixes the audit target (``<target>:<record id>``)."""

    name: str
    states: Mapping[str, Any]
    actions: Sequence[Action]
    final: frozenset[str] = frozenset()
    path: tuple[str, ...] = ()
    state_attr: str = "status"
    hamlet_attr: str | None = "hamlet_id"
    owner_attr: str | None = None
    is_owner: Callable[[Session, User, Any], bool] | None = None
    view_permission: str | None = None
    step_model: type | None = None
    step_columns: StepColumns = field(default_factory=StepColumns)
    skipped: Callable[[Session, Tenant], Iterable[str]] | None = None
    coerce: Callable[[str], Any] = str
    target: str | None = None
    audit_prefix: str | None = None
    missing: Callable[[], str] | None = None  # the 404's message ("No such letter request.")
    wrong_state: Callable[[Any, Action, Action | None], str] | None = None  # own 409 wording
    wrong_state_code: str = "wrong_state"  # the 409's code, for an API that has always used another

    def __post_init__(self) -> None:
        names = [a.name for a in self.actions]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name}: action names repeat")
        for act in self.actions:
            unknown = {*act.from_states, act.to_state} - set(self.states)
            if unknown:
                raise ValueError(f"{self.name}: action {act.name} uses unknown states {sorted(unknown)}")
            if act.permission is None and not act.owner_allowed:
                raise ValueError(f"{self.name}: nobody may take action {act.name}")
            if act.permission == NEXT_STEP and not self.path:
                raise ValueError(f"{self.name}: NEXT_STEP needs a path")
        if unknown := set(self.path) - set(names):
            raise ValueError(f"{self.name}: the path names unknown actions {sorted(unknown)}")
        if unknown := set(self.final) - set(self.states):
            raise ValueError(f"{self.name}: unknown final states {sorted(unknown)}")

    # -- the definition ------------------------------------------------------------------------

    def action(self, name: str) -> Action:
        if (act := next((a for a in self.actions if a.name == name), None)) is None:
            raise ServiceError(_("Unknown action %(action)s.", action=name), "unknown_action", 400)
        return act

    def state_label(self, state: Any) -> str:
        label = self.states.get(_value(state))
        return str(label) if label is not None else _value(state)

    def action_label(self, action: str | Action) -> str:
        act = action if isinstance(action, Action) else self.action(action)
        return str(act.label) if act.label is not None else act.name

    def disabled(self, session: Session, tenant: Tenant, skip: Skip = None) -> frozenset[str]:
        """The optional actions this village switched off (``skip`` given: exactly those)."""
        chosen = skip if skip is not None else (self.skipped(session, tenant) if self.skipped else ())
        off = frozenset(chosen)
        if bad := [n for n in off if not self.action(n).optional]:
            raise ValueError(f"{self.name}: only optional actions can be switched off, not {bad}")
        return off

    def sources(self, action: Action, disabled: frozenset[str] = frozenset()) -> frozenset[str]:
        """The states ``action`` can be taken from once the switched-off steps are skipped."""
        if action.name in disabled:
            return frozenset()
        found, off = set(action.from_states), [a for a in self.actions if a.name in disabled]
        while grown := [a for a in off if a.to_state in found and not set(a.from_states) <= found]:
            found.update(*(a.from_states for a in grown))
        return frozenset(found)

    def next_action(self, state: Any, disabled: frozenset[str] = frozenset()) -> Action | None:
        """The step on the path that takes a record in ``state`` forward (None at the end)."""
        value = _value(state)
        for name in self.path:
            act = self.action(name)
            if value in self.sources(act, disabled):
                return act
        return None

    def permission_for(self, action: Action, state: Any, disabled: frozenset[str]) -> str | None:
        if action.permission != NEXT_STEP:
            return action.permission
        nxt = self.next_action(state, disabled)
        return nxt.permission if nxt is not None else None

    def not_found(self) -> NotFound:
        return NotFound(self.missing() if self.missing else _("No such record."))

    # -- who may --------------------------------------------------------------------------------

    def owns(self, session: Session, user: User | None, record: Any) -> bool:
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        if self.is_owner is not None:
            return bool(self.is_owner(session, user, record))
        if self.owner_attr is None:
            return False
        return getattr(record, self.owner_attr) == user.id

    def _covers(
        self, session: Session, user: User, tenant: Tenant, permission: str, record: Any
    ) -> bool | None:
        """True: in scope; False: holds the permission but the record is outside the scope;
        None: does not hold the permission (or cannot see the village)."""
        try:
            scope = scope_for(user, tenant, permission)
        except ServiceError:
            return None
        if scope.own_user_id is not None:
            return self.owns(session, user, record)  # own records only: no owner rule, nothing
        hamlet = getattr(record, self.hamlet_attr) if self.hamlet_attr else None
        return scope.allows(hamlet_id=hamlet)

    def visible(self, session: Session, tenant: Tenant, user: User | None, record: Any) -> bool:
        """Whether the user may see the record at all (else it is 404 to them)."""
        if user is None or getattr(record, "tenant_id", None) != tenant.id:
            return False
        view = self.view_permission
        if view is not None and self._covers(session, user, tenant, view, record):
            return True  # staff first: the owner lookup may cost a query
        if self.owns(session, user, record):
            return True
        return self.view_permission is None and can_see_village(user, tenant)  # else each action decides

    def _permitted(
        self, session: Session, tenant: Tenant, user: User, record: Any, act: Action, disabled: frozenset[str]
    ) -> bool | None:
        """True/False as :meth:`_covers`, None when no permission applies in this state."""
        if act.owner_allowed and self.owns(session, user, record):
            return True
        permission = self.permission_for(act, getattr(record, self.state_attr), disabled)
        if permission is None:
            return None if act.permission == NEXT_STEP else False
        return bool(self._covers(session, user, tenant, permission, record))

    def check(
        self,
        session: Session,
        tenant: Tenant,
        user: User | None,
        record: Any,
        action: str,
        *,
        skip: Skip = None,
    ) -> Action:
        """Refuse a move now, without locking or writing: 404 when the user may not see the record,
        403 without the right to take ``action``, 409 when the record's state does not allow it."""
        act = self.action(action)
        if user is None or not self.visible(session, tenant, user, record):
            raise self.not_found()
        disabled = self.disabled(session, tenant, skip)
        allowed = self._permitted(session, tenant, user, record, act, disabled)
        if allowed is False:
            raise Forbidden()
        state = _value(getattr(record, self.state_attr))
        if allowed is None or state not in self.sources(act, disabled):
            raise self._conflict(session, record, act, state, disabled)
        return act

    def allowed_actions(
        self, session: Session, tenant: Tenant, user: User | None, record: Any, *, skip: Skip = None
    ) -> list[Action]:
        """The moves this user may take on this record now (for a page's buttons), in order."""
        out = []
        disabled = self.disabled(session, tenant, skip)
        for act in self.actions:
            try:
                self.check(session, tenant, user, record, act.name, skip=disabled)
            except ServiceError:
                continue
            out.append(act)
        return out

    # -- moving ---------------------------------------------------------------------------------

    def move(
        self,
        session: Session,
        tenant: Tenant,
        user: User,
        record: Any,
        action: str,
        note: str | None = None,
        *,
        skip: Skip = None,
        audit_detail: Detail = None,
        **data: Any,
    ) -> Move:
        """Take ``action`` on ``record`` in the caller's transaction (the caller commits, or rolls
        back on an error). ``data`` goes to the action's guard and effect."""
        _same_village(self, session, tenant, record)
        disabled = self.disabled(session, tenant, skip)
        self.check(session, tenant, user, record, action, skip=disabled)  # refuse before locking
        self.lock(session, record)
        act = self.check(session, tenant, user, record, action, skip=disabled)  # the state now
        note = (note or "").strip()[:NOTE_MAX] or None
        if act.needs_note and not note:
            raise ServiceError(_("Give a reason; it is kept with the record."), "note_required", 400)
        before = _value(getattr(record, self.state_attr))
        ctx = MoveContext(session, tenant, user, record, act, before, act.to_state, note, data)
        if act.guard is not None:
            act.guard(ctx)
        setattr(record, self.state_attr, self.coerce(act.to_state))
        if act.effect is not None:
            act.effect(ctx)
        return self._record(ctx, audit_detail)

    def begin(
        self,
        session: Session,
        tenant: Tenant,
        user: User | None,
        record: Any,
        word: str = "submitted",
        note: str | None = None,
        audit_detail: Detail = None,
    ) -> Move:
        """Record how a new record entered the workflow in its state (the timeline's first row, an
        audit record and the event ``<name>.<word>``); ``user`` is None for an anonymous applicant."""
        _same_village(self, session, tenant, record)
        state = _value(getattr(record, self.state_attr))
        act = Action(word, (), state, permission=NEXT_STEP)
        ctx = MoveContext(session, tenant, user, record, act, None, state, note, {})
        return self._record(ctx, audit_detail)

    def _record(self, ctx: MoveContext, audit_detail: Detail) -> Move:
        step = self._write_step(ctx)
        self._audit(ctx, audit_detail)
        payload = {"record_id": str(ctx.record.id), "action": ctx.action.name}
        event = DomainEvent(
            f"{self.name}.{ctx.action.word}",
            ctx.tenant.id,
            {**payload, "from": ctx.from_state, "to": ctx.to_state},
            ctx.user.id if ctx.user is not None else None,
        )
        events.queue(ctx.session, event)
        ctx.session.flush()
        return Move(ctx.record, ctx.action, ctx.from_state, ctx.to_state, step, event, ctx.results)

    def lock(self, session: Session, record: Any) -> None:
        """Re-read ``record`` under a lock held until the caller's commit or rollback.

        PostgreSQL: ``SELECT … FOR UPDATE`` (a second mover waits, then reads the first one's
        move). SQLite has no row locks and reads outside a transaction, so a no-op write first
        takes the database's single write lock; the re-read then sees every committed move.
        """
        if session.connection().dialect.name == "sqlite":
            model = type(record)
            mapper = sa.inspect(model)
            column = getattr(model, self.state_attr)
            keep = {self.state_attr: column}
            if "updated_at" in mapper.columns:
                keep["updated_at"] = model.updated_at  # a no-op must not touch the timestamp
            key = zip(mapper.primary_key, mapper.primary_key_from_instance(record), strict=True)
            where = [c == v for c, v in key]
            session.execute(
                sa.update(model).where(*where).values(keep), execution_options={"synchronize_session": False}
            )
        session.refresh(record, with_for_update=True)

    def _write_step(self, ctx: MoveContext) -> Any:
        if self.step_model is None:
            return None
        cols, user = self.step_columns, ctx.user
        values = {
            "tenant_id": ctx.tenant.id,
            cols.record: ctx.record.id,
            cols.action: ctx.action.word,
            cols.to_state: self.coerce(ctx.to_state),
            cols.actor_id: user.id if user is not None else None,
            cols.actor_name: user.name if user is not None else None,
            cols.note: (ctx.note or "").strip()[:NOTE_MAX] or None,
            cols.at: utcnow(),
        }
        if cols.from_state is not None and ctx.from_state is not None:
            values[cols.from_state] = self.coerce(ctx.from_state)
        step = self.step_model(**values)
        ctx.session.add(step)
        return step

    def _audit(self, ctx: MoveContext, detail: Detail) -> None:
        target = self.target or self.name.rsplit(".", 1)[-1]
        audit.record(
            f"{self.audit_prefix or self.name}.{ctx.action.word}",
            actor=ctx.user,
            tenant_id=ctx.tenant.id,
            target=f"{target}:{ctx.record.id}",
            session=ctx.session,
            from_state=ctx.from_state,
            to_state=ctx.to_state,
            **dict((detail(ctx) if callable(detail) else detail) or {}),
        )

    # -- the timeline and messages ----------------------------------------------------------------

    def timeline(self, session: Session, record: Any) -> list[Any]:
        """The record's steps, oldest first (steps of one instant in the order of the states)."""
        if self.step_model is None:
            return []
        cols, model = self.step_columns, self.step_model
        rows = session.scalars(sa.select(model).where(getattr(model, cols.record) == record.id)).all()
        rank = {state: i for i, state in enumerate(self.states)}
        return sorted(
            rows, key=lambda s: (getattr(s, cols.at), rank.get(_value(getattr(s, cols.to_state)), len(rank)))
        )

    def _last_actor(self, session: Session, record: Any, state: str) -> str | None:
        col, steps = self.step_columns.to_state, reversed(self.timeline(session, record))
        step = next((s for s in steps if _value(getattr(s, col)) == state), None)
        return getattr(step, self.step_columns.actor_name, None) if step is not None else None

    def _conflict(
        self, session: Session, record: Any, act: Action, state: str, disabled: frozenset[str]
    ) -> ServiceError:
        label, nxt = self.state_label(state), self.next_action(state, disabled)
        if self.wrong_state is not None:
            return ServiceError(self.wrong_state(record, act, nxt), self.wrong_state_code, 409)
        if state == act.to_state and (who := self._last_actor(session, record, state)):
            message = _("This is already %(state)s, by %(name)s.", state=label, name=who)
        elif state in self.final:
            message = _("This is %(state)s; it cannot be changed any more.", state=label)
        elif nxt is not None:
            message = _(
                "This is %(state)s, so “%(action)s” is not possible now; the next step is “%(next)s”.",
                state=label,
                action=self.action_label(act),
                next=self.action_label(nxt),
            )
        else:
            message = _(
                "This is %(state)s, so “%(action)s” is not possible now.",
                state=label,
                action=self.action_label(act),
            )
        return ServiceError(message, self.wrong_state_code, 409)


def _same_village(flow: Workflow, session: Session, tenant: Tenant, record: Any) -> None:
    """A record of another village is not there (404); a session of another village is a bug."""
    bound = session.info.get(TENANT_KEY)
    if bound is not None and bound != tenant.id:
        raise TenantMismatch(f"session serves village {bound}, not village {tenant.id}")
    if getattr(record, "tenant_id", None) != tenant.id:
        raise flow.not_found()
