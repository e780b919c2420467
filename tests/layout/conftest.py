"""Layout tests: the real app (built-in pillars) and one with kit pillars whose checks link a page."""

from __future__ import annotations

from pathlib import Path

import pytest

from desacerdas.models import Role
from desacerdas.plugin_system.pillar import Pillar, has_role
from desacerdas.plugin_system.types import ReadinessCheck
from desacerdas.services import rollout


def _letterhead(tenant, session) -> ReadinessCheck:  # noqa: ANN001
    return ReadinessCheck(
        "letterhead_set",
        "The letterhead is set",
        bool((tenant.profile or {}).get("terms")),
        "Write the office address on the terms page.",
        link=f"/desa/{tenant.slug}/settings/terms",
    )


def _evil(tenant, session) -> ReadinessCheck:  # noqa: ANN001
    return ReadinessCheck("evil", "A link off the platform", False, "Never linked.", link="//evil.example/x")


@pytest.fixture(scope="session")
def kit_pillars() -> dict[str, Pillar]:
    """lay_base (a letterhead check with a link), lay_top (requires lay_base, its own check passes
    once a hamlet head exists) and lay_odd (a check whose link leaves the platform)."""
    return {
        "lay_base": Pillar(
            name="lay_base",
            title_id="Dasar Uji",
            title_en="Test base",
            pillar="test",
            version="1",
            description="Pilar dasar untuk uji.",
            description_en="A base pillar for tests.",
            rollout_order=1,
            checks=[_letterhead],
        ),
        "lay_top": Pillar(
            name="lay_top",
            title_id="Puncak Uji",
            title_en="Test top",
            pillar="test",
            version="1",
            description="Pilar yang perlu pilar dasar.",
            description_en="A pillar that needs the base one.",
            rollout_order=2,
            requires=("lay_base",),
            checks=[has_role(Role.HAMLET_HEAD, "A hamlet head account exists", "Give one an account.")],
        ),
        "lay_odd": Pillar(
            name="lay_odd",
            title_id="Aneh Uji",
            title_en="Test odd",
            pillar="test",
            version="1",
            description="Pilar dengan tautan luar.",
            description_en="A pillar with an outside link.",
            rollout_order=3,
            checks=[_evil],
        ),
    }


@pytest.fixture(scope="session")
def kapp(pytestconfig, kit_pillars, db_urls, tmp_path_factory, _migrated):
    root = (Path(__file__).resolve().parent.parent / "conftest.py").as_posix()
    make_app = pytestconfig.pluginmanager.get_plugin(root).make_app
    app = make_app(db_urls, tmp_path_factory, DISCOVER_PLUGINS=False, EXTRA_PLUGINS=dict(kit_pillars))
    with app.app_context():
        for name in kit_pillars:
            rollout.install(name)
    return app


@pytest.fixture
def kclient(kapp):
    return kapp.test_client()
