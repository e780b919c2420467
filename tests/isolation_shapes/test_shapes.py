"""The isolation check decided once per statement shape keeps every guarantee of the walk.

A cached decision says only *whether* a shape needs a village, never *which*: the same shape run
in two villages returns each village's rows, run without a village is refused, a plain-Table shape
is refused at every execution, and values written into a statement are checked every time.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import Integer, String, func, insert, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from desacerdas.extensions import db
from desacerdas.models import Hamlet, Tenant
from desacerdas.tenancy import CrossTenantWrite, NoTenantContext, isolation, tenant_session
from desacerdas.tenancy.isolation import RawTenantTableQuery


@pytest.fixture
def two_villages(app, menanga, bebandem):
    with app.app_context():
        for village, names in ((menanga, ["Kaja", "Kelod"]), (bebandem, ["Kangin"])):
            with tenant_session(village.id) as s:
                s.add_all([Hamlet(name=n) for n in names])
                s.commit()
    isolation.clear_shapes()
    return menanga, bebandem


def _count_names():  # noqa: ANN202 - decided by its entity (Hamlet), no cache needed
    return select(func.count()).select_from(select(Hamlet.name).subquery())


def _villages_with_hamlets():  # noqa: ANN202
    """A platform table as the entity, the village table hidden in the WHERE: decided by the cache."""
    return select(Tenant.slug).where(Tenant.id.in_(select(Hamlet.tenant_id))).order_by(Tenant.slug)


def test_one_shape_two_villages_each_sees_its_own(app, two_villages):
    menanga, bebandem = two_villages
    with app.app_context():
        for _ in range(3):
            with tenant_session(menanga.id) as s:
                assert s.scalar(_count_names()) == 2
                assert s.scalar(select(func.count(Hamlet.id))) == 2
                assert s.scalars(_villages_with_hamlets()).all() == [menanga.slug]
            with tenant_session(bebandem.id) as s:
                assert s.scalar(_count_names()) == 1
                assert s.scalar(select(func.count(Hamlet.id))) == 1
                assert s.scalars(_villages_with_hamlets()).all() == [bebandem.slug]
    assert isolation.shape_stats["misses"] == 1
    assert isolation.shape_stats["hits"] == 5


def test_a_cached_shape_is_refused_without_a_village(app, two_villages):
    menanga, _ = two_villages
    with app.app_context():
        with tenant_session(menanga.id) as s:
            assert s.scalars(_villages_with_hamlets()).all() == [menanga.slug]
        hits = isolation.shape_stats["hits"]
        for _ in range(2):
            with pytest.raises(NoTenantContext):
                db.session.scalars(_villages_with_hamlets()).all()
            db.session.rollback()
            with pytest.raises(NoTenantContext):
                db.session.scalar(_count_names())
            db.session.rollback()
        assert isolation.shape_stats["hits"] == hits + 2  # refused from the cache, not by a walk


def test_village_table_in_a_where_subquery_needs_the_village(app, two_villages):
    """Decided without a village first (cached as needing one), then run in each village."""
    menanga, bebandem = two_villages
    with app.app_context():
        for _ in range(2):
            with pytest.raises(NoTenantContext):
                db.session.scalars(_villages_with_hamlets()).all()
            db.session.rollback()
        for village in (menanga, bebandem):
            for _ in range(2):
                with tenant_session(village.id) as s:
                    assert s.scalars(_villages_with_hamlets()).all() == [village.slug]


def test_plain_table_refused_at_every_execution(app, two_villages):
    menanga, _ = two_villages
    table = Hamlet.__table__
    with app.app_context(), tenant_session(menanga.id) as s:
        for _ in range(3):
            with pytest.raises(RawTenantTableQuery):
                s.execute(select(table.c.name))
            with pytest.raises(RawTenantTableQuery):
                s.execute(select(func.count()).select_from(select(table.c.id).subquery()))
        # the ORM form of the same columns is another shape, and is allowed
        assert sorted(s.scalars(select(Hamlet.name))) == ["Kaja", "Kelod"]
        assert s.scalar(select(func.count()).select_from(select(Hamlet.id).subquery())) == 2


def test_platform_shapes_stay_free_of_a_village(app, two_villages):
    menanga, _ = two_villages
    with app.app_context():
        for _ in range(3):
            assert db.session.scalar(select(Tenant.slug).where(Tenant.id == menanga.id)) == menanga.slug
    assert isolation.shape_stats["hits"] >= 2


def test_written_values_checked_on_a_cached_shape(app, two_villages):
    menanga, bebandem = two_villages
    with app.app_context(), tenant_session(menanga.id) as s:
        for _ in range(2):
            with pytest.raises(CrossTenantWrite):
                s.execute(insert(Hamlet).values(tenant_id=bebandem.id, id=uuid.uuid4(), name="Sneaky"))
            s.rollback()
        s.execute(insert(Hamlet).values(id=uuid.uuid4(), name="Tengah"))
        s.commit()
    with app.app_context(), tenant_session(bebandem.id) as s:
        assert list(s.scalars(select(Hamlet.name))) == ["Kangin"]


def test_a_new_model_forgets_the_decisions(app, two_villages):
    """A plugin's models may arrive after decisions were cached: they are recomputed."""
    menanga, _ = two_villages
    with app.app_context(), tenant_session(menanga.id) as s:
        s.scalars(_villages_with_hamlets()).all()
    assert isolation._tenant_tables()  # noqa: SLF001

    class Other(DeclarativeBase):  # its own registry: the platform's metadata stays untouched
        pass

    class Thing(Other):
        __tablename__ = "isolation_shapes_thing"
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        name: Mapped[str] = mapped_column(String(10))

    assert isolation._tables_cache is None  # noqa: SLF001
    misses = isolation.shape_stats["misses"]
    with app.app_context(), tenant_session(menanga.id) as s:
        assert s.scalars(_villages_with_hamlets()).all() == [menanga.slug]
    assert isolation.shape_stats["misses"] == misses + 1
    assert Thing.__tablename__ not in isolation._tenant_tables()  # noqa: SLF001


def test_the_cache_is_bounded(app, two_villages, monkeypatch):
    menanga, _ = two_villages
    monkeypatch.setattr(isolation, "SHAPES_MAX", 5)
    with app.app_context(), tenant_session(menanga.id) as s:
        for n in range(1, 12):  # eleven shapes: a select of n columns
            s.execute(select(*[Tenant.slug.label(f"c{i}") for i in range(n)]))
            assert len(isolation._shapes) <= 5  # noqa: SLF001
