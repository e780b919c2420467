"""The kit's readiness counts, shared across pillars while a read-only page asks many villages."""

from __future__ import annotations

import pytest

from desacerdas.extensions import db
from desacerdas.models import Role, Tenant
from desacerdas.plugin_system.pillar import count_hamlets, count_role, shared_counts
from desacerdas.tenancy import tenant_session
from desacerdas.testing.support import sql_statements


@pytest.fixture
def statements(app):
    """The SQL the app's engine runs during the test."""
    with sql_statements(app) as seen:
        yield seen


def test_inside_shared_counts_each_village_is_counted_once_and_apart(
    app, menanga, bebandem, make_user, add_hamlets, statements
):
    add_hamlets(menanga, "Kaja", "Kelod")
    make_user(Role.OPERATOR, menanga)
    seen = statements
    with app.app_context():
        seen.clear()
        villages = [db.session.get(Tenant, v.id) for v in (menanga, bebandem)]
        with shared_counts():
            answers = []
            for village in villages:
                for _pillar in range(3):  # three pillars asking the same
                    with tenant_session(village.id) as s:
                        answers.append((count_hamlets(village, s), count_role(village, s, Role.OPERATOR)))
        assert answers == [(2, 1)] * 3 + [(0, 0)] * 3  # each village its own figures
        assert sum("FROM hamlets" in s for s in seen) == 2
        assert sum("FROM memberships" in s for s in seen) == 2
        seen.clear()
        with tenant_session(menanga.id) as s:  # outside: asked every time, so never stale
            count_hamlets(villages[0], s)
            count_hamlets(villages[0], s)
        assert sum("FROM hamlets" in s for s in seen) == 2


def test_role_sets_are_counted_apart(app, menanga, make_user):
    make_user(Role.OPERATOR, menanga)
    with app.app_context(), shared_counts(), tenant_session(menanga.id) as s:
        village = s.get(Tenant, menanga.id)
        assert count_role(village, s, Role.OPERATOR) == 1
        assert count_role(village, s, Role.VILLAGE_HEAD) == 0
        assert count_role(village, s, Role.VILLAGE_SECRETARY, Role.OPERATOR) == 1
