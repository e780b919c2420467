"""The kit's workflows on a test-only record type: who may move it, in which state, the lock under
concurrency (SQLite and PostgreSQL), the timeline, the audit, the event, switched-off steps, owners,
hamlet scope and other villages.

The record and its step table live on a declarative base of their own, so the platform's metadata
(and with it the schema contract and the migration check) never sees them; the tables are created in
this module's database only, with RLS on PostgreSQL like any pillar table.
"""

from __future__ import annotations

import dataclasses
import threading
import time
import uuid
from dataclasses import dataclass

import pytest
from conftest import PG_APP_ROLE
from sqlalchemy import ForeignKey, MetaData, String, Uuid, create_engine, delete, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from desacerdas.kit.workflow import NEXT_STEP, Action, MoveContext, StepMixin, Workflow
from desacerdas.models import AuditEvent, Tenant, User
from desacerdas.models.base import NAMING, TenantScoped
from desacerdas.plugin_system import events
from desacerdas.services import ServiceError
from desacerdas.services import tenants as tenant_svc
from desacerdas.tenancy import tenant_session
from desacerdas.tenancy.context import TenantMismatch
from desacerdas.tenancy.rls import enable_rls
from desacerdas.testing import support


class KitBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


Tenant.__table__.to_metadata(KitBase.metadata)  # the foreign keys' targets, never created here
User.__table__.to_metadata(KitBase.metadata)


class Parcel(TenantScoped, KitBase):
    __tablename__ = "kit_test_parcels"

    title: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    hamlet_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(String(500))


class ParcelStep(StepMixin, KitBase):
    __tablename__ = "kit_test_parcel_steps"
    __step_of__ = "kit_test_parcels"


TABLES = [Parcel.__table__, ParcelStep.__table__]
VIEW = "village.dashboard.view"  # operator, secretary, head, hamlet heads
MANAGE = "village.hamlets.manage"  # secretary and head
HEAD = "village.members.manage"  # the head only
OPEN = ("submitted", "verified", "approved")
SWITCHED_OFF: dict[int, set[str]] = {}  # a village's settings, as a pillar would read them


def _pause(ctx: MoveContext) -> None:
    time.sleep(ctx.data.get("pause", 0))  # holds the lock, so a second mover really waits


def _reason(ctx: MoveContext) -> None:
    ctx.record.reason = ctx.note
    ctx.results["reason_length"] = len(ctx.note)  # what an effect reports back


FLOW = Workflow(
    name="kit_test.parcel",
    states={
        "submitted": "Submitted",
        "verified": "Verified",
        "approved": "Approved",
        "closed": "Closed",
        "rejected": "Rejected",
        "cancelled": "Cancelled",
    },
    actions=[
        Action("verify", ("submitted",), "verified", "Verify", VIEW, optional=True, recorded_as="verified"),
        Action(
            "approve", ("verified",), "approved", "Approve", MANAGE, optional=True, recorded_as="approved"
        ),
        Action("close", ("approved",), "closed", "Close", HEAD, guard=_pause, recorded_as="closed"),
        Action("reject", OPEN, "rejected", "Reject", NEXT_STEP, needs_note=True, effect=_reason),
        Action("cancel", OPEN, "cancelled", "Cancel", owner_allowed=True, recorded_as="cancelled"),
    ],
    final=frozenset({"closed", "rejected", "cancelled"}),
    path=("verify", "approve", "close"),
    owner_attr="owner_id",
    view_permission=VIEW,
    step_model=ParcelStep,
    skipped=lambda session, tenant: SWITCHED_OFF.get(tenant.id, ()),
)


@pytest.fixture(scope="module")
def parcel_tables(app, db_urls):  # noqa: ANN001, ANN201
    engine = create_engine(db_urls[1])  # the tables' owner
    with engine.begin() as conn:
        KitBase.metadata.create_all(conn, tables=TABLES)
        if conn.dialect.name == "postgresql":
            op = _Op(conn)
            for table in TABLES:
                enable_rls(op, table.name)
                if PG_APP_ROLE:
                    conn.execute(
                        text(f'GRANT SELECT, INSERT, UPDATE, DELETE ON "{table.name}" TO {PG_APP_ROLE}')
                    )
    yield engine
    with engine.begin() as conn:
        KitBase.metadata.drop_all(conn, tables=TABLES)
    engine.dispose()


class _Op:
    """Just enough of ``alembic.op`` for ``enable_rls``."""

    def __init__(self, conn) -> None:  # noqa: ANN001
        self.conn = conn

    def get_bind(self):  # noqa: ANN201
        return self.conn

    def execute(self, sql: str) -> None:
        self.conn.execute(text(sql))


@dataclass(frozen=True)
class Lv:
    village: support.Village
    other: support.Village
    kaja: uuid.UUID
    kelod: uuid.UUID
    people: dict[str, int]


@pytest.fixture
def lv(app, parcel_tables, menanga, bebandem):  # noqa: ANN001, ANN201
    with app.app_context():
        tenant = db_get(Tenant, menanga.id)
        kaja = tenant_svc.add_hamlet(tenant, "Kaja").id
        kelod = tenant_svc.add_hamlet(tenant, "Kelod").id
    people = {
        role: support.make_user(app, role, menanga, name=f"Ibu {role}").id
        for role in ("operator", "village_secretary", "village_head")
    }
    people["kaja_head"] = support.make_user(
        app, "hamlet_head", menanga, hamlet_id=kaja, name="Kelian Kaja"
    ).id
    people["wayan"] = support.make_user(app, "resident", menanga, name="Wayan").id
    people["made"] = support.make_user(app, "resident", menanga, name="Made").id
    people["outsider"] = support.make_user(app, "operator", bebandem, name="Operator Bebandem").id
    yield Lv(menanga, bebandem, kaja, kelod, people)
    SWITCHED_OFF.clear()
    with parcel_tables.begin() as conn:  # before the suite's wipe deletes the villages
        conn.execute(delete(ParcelStep.__table__))
        conn.execute(delete(Parcel.__table__))


def db_get(model, key):  # noqa: ANN001, ANN201
    from desacerdas.extensions import db

    return db.session.get(model, key)


def new_parcel(
    app, lv: Lv, *, hamlet: str = "kaja", owner: str = "wayan", status: str = "submitted"
) -> uuid.UUID:  # noqa: ANN001
    with app.app_context(), tenant_session(lv.village.id) as s:
        parcel = Parcel(title="Uji", status=status, hamlet_id=getattr(lv, hamlet), owner_id=lv.people[owner])
        s.add(parcel)
        s.commit()
        return parcel.id


class Desk:
    """One village session with the objects a move needs."""

    def __init__(self, s, lv: Lv) -> None:  # noqa: ANN001
        self.s, self.lv = s, lv
        self.tenant = s.get(Tenant, lv.village.id)

    def user(self, who: str) -> User:
        return self.s.get(User, self.lv.people[who])

    def parcel(self, pid: uuid.UUID) -> Parcel:
        return self.s.scalar(select(Parcel).where(Parcel.id == pid))

    def move(self, pid: uuid.UUID, who: str, action: str, note: str | None = None, **kw):  # noqa: ANN003, ANN201
        return FLOW.move(self.s, self.tenant, self.user(who), self.parcel(pid), action, note, **kw)

    def refused(self, pid: uuid.UUID, who: str, action: str, **kw) -> ServiceError:  # noqa: ANN003
        with pytest.raises(ServiceError) as err:
            self.move(pid, who, action, **kw)
        self.s.rollback()
        return err.value


@pytest.fixture
def desk(app, lv):  # noqa: ANN001, ANN201
    with app.app_context(), tenant_session(lv.village.id) as s:
        yield Desk(s, lv)


def test_a_record_moves_along_its_path_with_timeline_and_audit(app, lv, desk):  # noqa: ANN001
    pid = new_parcel(app, lv)
    made = desk.move(pid, "operator", "verify", "  KTP checked  ")
    assert made.from_state == "submitted" and made.to_state == "verified" and made.step is not None
    desk.move(pid, "village_secretary", "approve")
    desk.move(pid, "village_head", "close", "done")
    desk.s.commit()
    parcel = desk.parcel(pid)
    assert parcel.status == "closed"
    steps = FLOW.timeline(desk.s, parcel)
    assert [(s.action, s.from_state, s.to_state) for s in steps] == [
        ("verified", "submitted", "verified"),
        ("approved", "verified", "approved"),
        ("closed", "approved", "closed"),
    ]
    assert [s.actor_name for s in steps] == ["Ibu operator", "Ibu village_secretary", "Ibu village_head"]
    assert [s.note for s in steps] == ["KTP checked", None, "done"]
    assert all(s.tenant_id == lv.village.id and s.record_id == pid for s in steps)
    audits = desk.s.scalars(
        select(AuditEvent).where(AuditEvent.target == f"parcel:{pid}").order_by(AuditEvent.id)
    ).all()
    assert [a.action for a in audits] == [
        "kit_test.parcel.verified",
        "kit_test.parcel.approved",
        "kit_test.parcel.closed",
    ]
    assert audits[0].detail == {"from_state": "submitted", "to_state": "verified"}
    assert audits[0].actor_id == lv.people["operator"] and audits[0].tenant_id == lv.village.id
    assert FLOW.allowed_actions(desk.s, desk.tenant, desk.user("village_head"), parcel) == []


def test_forbidden_and_wrong_state_moves_are_refused(app, lv, desk):  # noqa: ANN001
    pid = new_parcel(app, lv)
    err = desk.refused(pid, "village_head", "close")  # the head may close, but not yet
    assert err.status == 409 and err.code == "wrong_state"
    assert err.message == "This is Submitted, so “Close” is not possible now; the next step is “Verify”."
    desk.move(pid, "operator", "verify")
    desk.s.commit()
    err = desk.refused(pid, "operator", "approve")  # operators do not approve
    assert err.status == 403 and err.code == "forbidden"
    err = desk.refused(pid, "village_head", "verify")
    assert err.status == 409 and err.message == "This is already Verified, by Ibu operator."
    err = desk.refused(pid, "wayan", "approve")  # the owner sees it, but may not approve it
    assert err.status == 403
    assert desk.refused(pid, "operator", "fly").status == 400
    assert desk.parcel(pid).status == "verified"
    assert len(FLOW.timeline(desk.s, desk.parcel(pid))) == 1


def test_reject_needs_a_reason_and_whoever_takes_the_next_step(app, lv, desk):  # noqa: ANN001
    pid = new_parcel(app, lv)
    assert desk.refused(pid, "operator", "reject").code == "note_required"
    desk.move(pid, "operator", "verify")
    desk.s.commit()
    assert desk.refused(pid, "operator", "reject", note="no").status == 403  # approving is not theirs
    made = desk.move(
        pid, "village_secretary", "reject", "Wrong hamlet", audit_detail=lambda ctx: dict(ctx.results)
    )
    desk.s.commit()
    parcel = desk.parcel(pid)
    assert parcel.status == "rejected" and parcel.reason == "Wrong hamlet"
    assert made.results == {"reason_length": 12}
    audit = desk.s.scalar(select(AuditEvent).where(AuditEvent.action == "kit_test.parcel.reject"))
    assert audit.detail == {"from_state": "verified", "to_state": "rejected", "reason_length": 12}
    err = desk.refused(pid, "village_head", "reject", note="again")
    assert err.status == 409 and err.message == "This is already Rejected, by Ibu village_secretary."
    err = desk.refused(pid, "village_head", "close")
    assert err.status == 409 and err.message == "This is Rejected; it cannot be changed any more."


def test_the_owner_alone_cancels(app, lv, desk):  # noqa: ANN001
    pid = new_parcel(app, lv, owner="wayan")
    assert desk.refused(pid, "operator", "cancel").status == 403  # staff reject instead
    assert desk.refused(pid, "made", "cancel").status == 404  # another resident: not there at all
    names = [a.name for a in FLOW.allowed_actions(desk.s, desk.tenant, desk.user("wayan"), desk.parcel(pid))]
    assert names == ["cancel"]
    desk.move(pid, "wayan", "cancel")
    desk.s.commit()
    assert desk.parcel(pid).status == "cancelled"
    assert desk.refused(pid, "wayan", "cancel").status == 409


def test_a_hamlet_head_moves_only_their_hamlets_records(app, lv, desk):  # noqa: ANN001
    kaja, kelod = new_parcel(app, lv, hamlet="kaja"), new_parcel(app, lv, hamlet="kelod")
    head = desk.user("kaja_head")
    assert [a.name for a in FLOW.allowed_actions(desk.s, desk.tenant, head, desk.parcel(kaja))] == [
        "verify",
        "reject",
    ]
    assert FLOW.allowed_actions(desk.s, desk.tenant, head, desk.parcel(kelod)) == []
    assert desk.refused(kelod, "kaja_head", "verify").status == 404  # outside the hamlet: not there
    desk.move(kaja, "kaja_head", "verify")
    desk.s.commit()
    assert desk.refused(kaja, "kaja_head", "approve").status == 403  # sees it, may not approve it


def test_a_record_of_another_village_cannot_be_moved(app, lv):  # noqa: ANN001
    pid = new_parcel(app, lv)
    with app.app_context():
        with tenant_session(lv.village.id) as s:
            parcel = s.scalar(select(Parcel).where(Parcel.id == pid))
            s.expunge(parcel)
        with tenant_session(lv.other.id) as other:
            tenant, outsider = other.get(Tenant, lv.other.id), other.get(User, lv.people["outsider"])
            assert other.scalar(select(Parcel).where(Parcel.id == pid)) is None  # isolation: not there
            with pytest.raises(ServiceError) as err:
                FLOW.move(other, tenant, outsider, parcel, "verify")
            assert err.value.status == 404
            with pytest.raises(TenantMismatch):  # Menanga's village with Bebandem's session: a bug
                FLOW.move(other, other.get(Tenant, lv.village.id), outsider, parcel, "verify")
        with tenant_session(lv.village.id) as s:  # and Menanga's own staff: Bebandem's operator is none
            tenant = s.get(Tenant, lv.village.id)
            with pytest.raises(ServiceError) as err:
                FLOW.move(
                    s,
                    tenant,
                    s.get(User, lv.people["outsider"]),
                    s.get(Parcel, (lv.village.id, pid)),
                    "verify",
                )
            assert err.value.status == 404
            assert s.get(Parcel, (lv.village.id, pid)).status == "submitted"


def test_switched_off_steps_are_skipped(app, lv, desk):  # noqa: ANN001
    SWITCHED_OFF[lv.village.id] = {"verify"}
    pid = new_parcel(app, lv)
    err = desk.refused(pid, "operator", "verify")
    assert err.status == 409 and "the next step is “Approve”" in err.message
    assert [
        a.name
        for a in FLOW.allowed_actions(desk.s, desk.tenant, desk.user("village_secretary"), desk.parcel(pid))
    ] == [
        "approve",
        "reject",
    ]
    assert desk.refused(pid, "operator", "reject", note="x").status == 403  # rejecting now needs MANAGE
    desk.move(pid, "village_secretary", "approve")
    desk.s.commit()
    # Per call: a village that uses neither optional step closes a submitted record at once.
    other = new_parcel(app, lv)
    desk.move(other, "village_head", "close", skip=("verify", "approve"))
    desk.s.commit()
    assert desk.parcel(other).status == "closed"
    assert [s.from_state for s in FLOW.timeline(desk.s, desk.parcel(other))] == ["submitted"]
    with pytest.raises(ValueError):
        FLOW.disabled(desk.s, desk.tenant, ("close",))  # a required step cannot be switched off
    assert FLOW.next_action("submitted", frozenset({"verify", "approve"})).name == "close"


def test_the_event_is_delivered_after_commit_and_dropped_on_rollback(app, lv, desk, monkeypatch):  # noqa: ANN001
    delivered = []
    monkeypatch.setattr(events, "emit", delivered.append)
    pid = new_parcel(app, lv)
    made = desk.move(pid, "operator", "verify")
    assert delivered == []  # queued, not yet sent
    desk.s.commit()
    assert delivered == [made.event]
    event = delivered[0]
    assert event.name == "kit_test.parcel.verified" and event.tenant_id == lv.village.id
    assert event.payload == {"record_id": str(pid), "action": "verify", "from": "submitted", "to": "verified"}
    assert event.actor_id == lv.people["operator"]
    desk.move(pid, "village_secretary", "approve")
    desk.s.rollback()
    assert delivered == [made.event] and desk.parcel(pid).status == "verified"


def test_two_people_taking_the_same_move_at_once_give_one_move(app, lv):  # noqa: ANN001
    pid = new_parcel(app, lv, status="approved")
    barrier = threading.Barrier(2)
    outcomes: list[object] = []
    lock = threading.Lock()

    def mover() -> None:
        try:
            with app.app_context(), tenant_session(lv.village.id) as s:
                tenant, head = s.get(Tenant, lv.village.id), s.get(User, lv.people["village_head"])
                parcel = s.scalar(select(Parcel).where(Parcel.id == pid))  # both read "approved"
                barrier.wait(timeout=30)
                try:
                    FLOW.move(s, tenant, head, parcel, "close", pause=0.3)
                    s.commit()
                    result: object = "moved"
                except ServiceError as exc:
                    s.rollback()
                    result = exc
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            result = exc
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=mover) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert outcomes.count("moved") == 1, outcomes
    [loser] = [o for o in outcomes if o != "moved"]
    assert isinstance(loser, ServiceError) and loser.status == 409, loser
    assert loser.message == "This is already Closed, by Ibu village_head."
    with app.app_context(), tenant_session(lv.village.id) as s:
        parcel = s.scalar(select(Parcel).where(Parcel.id == pid))
        assert parcel.status == "closed" and len(FLOW.timeline(s, parcel)) == 1
        audits = s.scalars(select(AuditEvent.action).where(AuditEvent.target == f"parcel:{pid}")).all()
        assert audits == ["kit_test.parcel.closed"]


def test_a_workflow_definition_is_checked(lv):  # noqa: ANN001
    states = {"a": "A", "b": "B"}
    with pytest.raises(ValueError, match="unknown states"):
        Workflow("x.y", states, [Action("go", ("a",), "z", permission=VIEW)])
    with pytest.raises(ValueError, match="nobody may take"):
        Workflow("x.y", states, [Action("go", ("a",), "b")])
    with pytest.raises(ValueError, match="repeat"):
        Workflow("x.y", states, [Action("go", ("a",), "b", permission=VIEW)] * 2)
    with pytest.raises(ValueError, match="NEXT_STEP"):
        Workflow("x.y", states, [Action("no", ("a",), "b", permission=NEXT_STEP)])
    with pytest.raises(ValueError, match="path"):
        Workflow("x.y", states, [Action("go", ("a",), "b", permission=VIEW)], path=("fly",))
    flow = Workflow("x.y", states, [Action("go", ("a",), "b", "Go", VIEW)], step_model=None)
    assert flow.state_label("a") == "A" and flow.state_label("q") == "q" and flow.action_label("go") == "Go"


def test_begin_records_how_a_record_entered_the_workflow(app, lv, desk, monkeypatch):  # noqa: ANN001
    delivered = []
    monkeypatch.setattr(events, "emit", delivered.append)
    asked, anonymous = new_parcel(app, lv), new_parcel(app, lv, owner="made")
    FLOW.begin(desk.s, desk.tenant, desk.user("wayan"), desk.parcel(asked), note="Please")
    FLOW.begin(desk.s, desk.tenant, None, desk.parcel(anonymous), "requested")
    desk.s.commit()
    [step] = FLOW.timeline(desk.s, desk.parcel(asked))
    assert (step.action, step.from_state, step.to_state, step.actor_name, step.note) == (
        "submitted",
        None,
        "submitted",
        "Wayan",
        "Please",
    )
    [step] = FLOW.timeline(desk.s, desk.parcel(anonymous))
    assert step.action == "requested" and step.actor_id is None and step.actor_name is None
    assert [(e.name, e.actor_id) for e in delivered] == [
        ("kit_test.parcel.submitted", lv.people["wayan"]),
        ("kit_test.parcel.requested", None),
    ]
    actions = desk.s.scalars(select(AuditEvent.action).where(AuditEvent.target == f"parcel:{asked}")).all()
    assert actions == ["kit_test.parcel.submitted"]


def test_without_a_view_permission_each_action_refuses_with_403(app, lv, desk):  # noqa: ANN001
    """The record is not hidden inside the village, so a refusal is 403; outsiders still get 404."""
    open_flow = dataclasses.replace(FLOW, view_permission=None)
    pid = new_parcel(app, lv, hamlet="kelod")

    def refused(who: str) -> int:
        with pytest.raises(ServiceError) as err:
            open_flow.move(desk.s, desk.tenant, desk.user(who), desk.parcel(pid), "verify")
        return err.value.status

    assert refused("kaja_head") == 403  # another hamlet's record
    assert refused("made") == 403  # a resident who does not own it
    assert refused("outsider") == 404  # Bebandem's operator: no role in Menanga
    open_flow.move(desk.s, desk.tenant, desk.user("operator"), desk.parcel(pid), "verify")
