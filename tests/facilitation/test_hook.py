"""``desa_waiting_items`` is open to any plugin (a complaints pillar later): a fake plugin's queue
shows on the surface and adds to the score, only in the villages where that plugin is enabled, and
the next pillar's readiness comes from the plugins in rollout order."""

from __future__ import annotations

import pytest
from plugin_system.fake_plugins import FakePlugin

from desacerdas import hookimpl
from desacerdas.extensions import db
from desacerdas.models import Tenant, User
from desacerdas.plugin_system.types import ReadinessCheck, WaitingItem
from desacerdas.services import rollout
from desacerdas.services import users as user_svc
from desacerdas.testing.support import make_user, make_village, sign_in


class Complaints(FakePlugin):
    @hookimpl
    def desa_waiting_items(self, tenant, session) -> list[WaitingItem]:  # noqa: ANN001
        return [
            WaitingItem(
                "complaints.late", "Complaints past their deadline", 4, f"/desa/{tenant.slug}/complaints"
            ),
            WaitingItem("complaints.none", "Nothing here", 0),  # a zero count is left out
        ]

    @hookimpl
    def desa_readiness_checks(self, tenant, session) -> list[ReadinessCheck]:  # noqa: ANN001
        return [
            ReadinessCheck("complaints.desk", "A complaints desk is named", False, "Name one.", "/fix-it")
        ]


@pytest.fixture(scope="module")
def happ(db_urls, tmp_path_factory, _migrated):  # noqa: ANN001, ANN201
    from conftest import make_app

    plugins = {"complaints": Complaints("complaints", order=5), "later": Complaints("later", order=9)}
    app = make_app(db_urls, tmp_path_factory, DISCOVER_PLUGINS=False, EXTRA_PLUGINS=plugins)
    with app.app_context():
        for name in plugins:
            rollout.install(name)
    return app


def test_a_plugins_queue_counts_where_it_is_enabled(happ):
    on, off = make_village(happ), make_village(happ)
    with happ.app_context():
        rollout.enable(db.session.get(Tenant, on.id), "complaints", override_reason="test")
    person = make_user(happ, "facilitator", on)
    with happ.app_context():
        user_svc.grant(db.session.get(User, person.id), "facilitator", tenant=db.session.get(Tenant, off.id))
        db.session.commit()
    client = happ.test_client()
    sign_in(client, person)
    html = client.get("/facilitation").text
    on_card = html.split(f'id="v-{on.slug}"')[1].split("</article>")[0]
    off_card = html.split(f'id="v-{off.slug}"')[1].split("</article>")[0]
    assert "Complaints past their deadline" in on_card and "<strong>4</strong>" in on_card
    assert f'href="/desa/{on.slug}/complaints"' in on_card and "Nothing here" not in on_card
    assert "Complaints past their deadline" not in off_card  # not enabled there: its hook is not called
    # the next pillar: "later" where complaints runs, "complaints" (first in rollout order) elsewhere
    assert "Test later" in on_card and "Test complaints" in off_card
    assert 'href="/fix-it"' in on_card and 'href="/fix-it"' in off_card
    assert html.index(f'id="v-{on.slug}"') < html.index(f'id="v-{off.slug}"')  # 4×3 + 2 before 2
