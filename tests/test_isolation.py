"""The ORM half of tenant isolation, through the service-level session API."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import delete, func, select, update

from desacerdas.extensions import db
from desacerdas.models import Hamlet
from desacerdas.tenancy import (
    CrossTenantWrite,
    NoTenantContext,
    TenantMismatch,
    bind_tenant,
    tenant_session,
)


@pytest.fixture
def two_villages(app, menanga, bebandem):
    with app.app_context():
        for village, names in ((menanga, ["Kaja", "Kelod"]), (bebandem, ["Kangin"])):
            with tenant_session(village.id) as s:
                s.add_all([Hamlet(name=n) for n in names])
                s.commit()
    return menanga, bebandem


def test_select_sees_only_current_village(app, two_villages):
    menanga, bebandem = two_villages
    with app.app_context():
        with tenant_session(menanga.id) as s:
            assert sorted(s.scalars(select(Hamlet.name))) == ["Kaja", "Kelod"]
            assert s.scalar(select(func.count()).select_from(Hamlet)) == 2
        with tenant_session(bebandem.id) as s:
            assert list(s.scalars(select(Hamlet.name))) == ["Kangin"]


def test_get_by_id_of_other_village_is_none(app, two_villages):
    menanga, bebandem = two_villages
    with app.app_context():
        with tenant_session(bebandem.id) as s:
            kangin = s.scalar(select(Hamlet))
            foreign_id = kangin.id
        with tenant_session(menanga.id) as s:
            assert s.get(Hamlet, (bebandem.id, foreign_id)) is None
            assert s.scalar(select(Hamlet).where(Hamlet.id == foreign_id)) is None


def test_bulk_update_and_delete_stay_in_village(app, two_villages):
    menanga, bebandem = two_villages
    with app.app_context():
        with tenant_session(menanga.id) as s:
            s.execute(update(Hamlet).values(code="X"))
            s.execute(delete(Hamlet).where(Hamlet.name == "Kangin"))
            s.commit()
        with tenant_session(bebandem.id) as s:
            kangin = s.scalar(select(Hamlet))
            assert kangin.name == "Kangin" and kangin.code is None


def test_no_village_raises_instead_of_returning_everything(app, two_villages):
    with app.app_context():
        with pytest.raises(NoTenantContext):
            db.session.scalars(select(Hamlet)).all()
        with pytest.raises(NoTenantContext):
            db.session.execute(delete(Hamlet))
        db.session.rollback()
        db.session.add(Hamlet(name="Orphan"))
        with pytest.raises(NoTenantContext):
            db.session.flush()
        db.session.rollback()


def test_insert_gets_tenant_id_and_foreign_insert_is_refused(app, menanga, bebandem):
    with app.app_context(), tenant_session(menanga.id) as s:
        h = Hamlet(name="Tengah")
        s.add(h)
        s.commit()
        assert h.tenant_id == menanga.id
        s.add(Hamlet(name="Sneaky", tenant_id=bebandem.id))
        with pytest.raises(CrossTenantWrite):
            s.flush()


def test_moving_a_row_to_another_village_is_refused(app, two_villages):
    menanga, bebandem = two_villages
    with app.app_context(), tenant_session(menanga.id) as s:
        h = s.scalar(select(Hamlet).where(Hamlet.name == "Kaja"))
        h.tenant_id = bebandem.id
        with pytest.raises(CrossTenantWrite):
            s.flush()


def test_a_session_never_serves_two_villages(app, menanga, bebandem):
    with app.app_context(), tenant_session(menanga.id) as s:
        bind_tenant(s, menanga.id)  # same village again is fine
        with pytest.raises(TenantMismatch):
            bind_tenant(s, bebandem.id)


def test_criteria_apply_to_joins_and_subqueries(app, two_villages):
    menanga, _ = two_villages
    with app.app_context(), tenant_session(menanga.id) as s:
        sub = select(Hamlet.id).where(Hamlet.name == "Kaja").scalar_subquery()
        assert s.scalar(select(func.count()).select_from(Hamlet).where(Hamlet.id.in_(select(Hamlet.id)))) == 2
        assert s.scalar(select(func.count()).where(Hamlet.id == sub).select_from(Hamlet)) == 1


def test_column_only_and_raw_table_queries(app, two_villages):
    menanga, _ = two_villages
    with app.app_context():
        with pytest.raises(NoTenantContext):
            db.session.scalar(select(func.count()).select_from(Hamlet))
        db.session.rollback()
        with tenant_session(menanga.id) as s:
            assert s.scalar(select(func.count(Hamlet.id))) == 2
            from desacerdas.tenancy.isolation import RawTenantTableQuery

            with pytest.raises(RawTenantTableQuery):
                s.execute(select(Hamlet.__table__))


def test_orm_bulk_insert_is_held_to_the_village(app, menanga, bebandem):
    from sqlalchemy import insert

    with app.app_context():
        with tenant_session(menanga.id) as s:
            s.execute(insert(Hamlet), [{"name": "A"}, {"name": "B"}])
            with pytest.raises(CrossTenantWrite):
                s.execute(insert(Hamlet), [{"name": "C", "tenant_id": bebandem.id}])
            s.commit()
        with tenant_session(bebandem.id) as s:
            assert s.scalar(select(func.count(Hamlet.id))) == 0


def test_tenant_id_written_into_the_statement_is_checked(app, two_villages):
    from sqlalchemy import insert

    menanga, bebandem = two_villages
    with app.app_context():
        with tenant_session(menanga.id) as s:
            with pytest.raises(CrossTenantWrite):
                s.execute(insert(Hamlet).values(tenant_id=bebandem.id, id=uuid.uuid4(), name="Sneaky"))
            s.rollback()
            with pytest.raises(CrossTenantWrite):
                s.execute(update(Hamlet).values(tenant_id=bebandem.id))
            s.rollback()
            s.execute(insert(Hamlet).values(id=uuid.uuid4(), name="Tengah"))  # tenant_id filled in
            s.commit()
        with tenant_session(bebandem.id) as s:
            assert list(s.scalars(select(Hamlet.name))) == ["Kangin"]
        with tenant_session(menanga.id) as s:
            assert "Tengah" in set(s.scalars(select(Hamlet.name)))
