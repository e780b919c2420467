"""The PostgreSQL settings behind RLS, now set without statements of their own: the village in
the statement that resolves it, the audit platform flag only before a statement on audit events.
Neither may leak: a refused village is cleared, a later transaction inherits no flag, and a
savepoint rolled back takes the flag with it and the next audit read sets it again."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from desacerdas.extensions import db
from desacerdas.models import Tenant
from desacerdas.models.audit import AuditEvent
from desacerdas.services import audit
from desacerdas.tenancy.context import PRESET_KEY, current_tenant_id
from desacerdas.testing import support
from desacerdas.web.tenant import lookup, refuse, resolve


def _is_pg(app) -> bool:  # noqa: ANN001
    with app.app_context():
        return db.engine.dialect.name == "postgresql"


def _setting(name: str) -> str | None:
    if db.session.get_bind().dialect.name != "postgresql":
        return None
    return db.session.execute(text("SELECT current_setting(:n, true)"), {"n": name}).scalar() or None


def test_resolve_sets_the_village_in_the_lookup_statement(app, recording):
    village = support.make_village(app, support.MENANGA)
    with recording(app) as rec, app.test_request_context(f"/desa/{village.slug}/"):
        resolve(village.slug)
        assert current_tenant_id(db.session) == village.id
        if _is_pg(app):
            assert _setting("desa.tenant_id") == str(village.id)
        db.session.remove()
    separate = [s for s, _p in rec.statements if s.lstrip().startswith("SELECT set_config")]
    assert separate == []  # no statement of its own for the village
    assert sum("FROM tenants" in s for s, _p in rec.statements) == 1


def test_a_refused_village_is_cleared(app):
    village = support.make_village(app, support.MENANGA)
    with app.test_request_context(f"/desa/{village.slug}/"):
        found = lookup(village.slug)
        assert found is not None
        with pytest.raises(LookupError):
            refuse(LookupError("refused"))
        assert PRESET_KEY not in db.session.info and current_tenant_id(db.session) is None
        assert _setting("desa.tenant_id") is None
        db.session.remove()


def test_a_suspended_village_leaves_no_village_set(app, client, make_user, bearer):
    from desacerdas.services import tenants as tenant_svc

    village = support.make_village(app, support.MENANGA)
    with app.app_context():
        tenant_svc.suspend(db.session.get(Tenant, village.id), "test")
    with app.test_request_context(f"/desa/{village.slug}/"):
        from desacerdas.web.tenant import VillageSuspended

        with pytest.raises(VillageSuspended):
            resolve(village.slug)
        assert _setting("desa.tenant_id") is None
        db.session.remove()


def test_platform_flag_is_lazy_and_never_inherited(app):
    if not _is_pg(app):
        pytest.skip("PostgreSQL lane (RLS settings exist only there); CI runs it")
    with app.app_context():
        audit.record("test.platform_event")
        db.session.commit()
        db.session.scalar(select(func.count()).select_from(Tenant))
        assert _setting("desa.platform") is None  # not set: no audit statement yet
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) >= 1
        assert _setting("desa.platform") == "on"
        db.session.commit()
        with db.engine.connect() as raw:  # a raw connection sets nothing and sees nothing
            assert raw.execute(text("SELECT count(*) FROM audit_events")).scalar() == 0
            assert not raw.execute(text("SELECT current_setting('desa.platform', true)")).scalar()
        db.session.remove()


def test_platform_flag_set_again_after_a_savepoint_rolls_back(app):
    if not _is_pg(app):
        pytest.skip("PostgreSQL lane (RLS settings exist only there); CI runs it")
    with app.app_context():
        audit.record("test.platform_event")
        db.session.commit()
        db.session.scalar(select(func.count()).select_from(Tenant))
        nested = db.session.begin_nested()
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) >= 1
        nested.rollback()
        assert _setting("desa.platform") is None  # undone with the savepoint
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) >= 1
        db.session.remove()
