"""The letter village (smart government with residents, hamlets and staff of every role) with one
more pillar enabled, for the pillars' own tests; and running a service as one of its people."""

from __future__ import annotations

from dataclasses import dataclass

from desacerdas.extensions import db
from desacerdas.models import Tenant, User
from desacerdas.services import rollout
from desacerdas.tenancy import tenant_session

from .conftest import LetterVillage


@dataclass(frozen=True)
class PillarVillage:
    lv: LetterVillage
    plugin: str

    def __getattr__(self, name: str):  # noqa: ANN204 - the letter village's fields
        return getattr(self.lv, name)

    def page(self, path: str = "") -> str:
        return f"/desa/{self.lv.slug}/{self.plugin}/{path}"

    def api(self, path: str = "") -> str:
        return f"/api/v1/desa/{self.lv.slug}/{self.plugin}/{path}"


def enable_pillar(app, village: LetterVillage, plugin: str) -> PillarVillage:  # noqa: ANN001
    with app.app_context():
        rollout.enable(db.session.get(Tenant, village.id), plugin, override_reason="test")
        db.session.remove()
    return PillarVillage(village, plugin)


def run(app, village, who: str, fn, *args, **kwargs):  # noqa: ANN001, ANN201
    """``fn(session, tenant, user, *args, **kwargs)`` as ``who``; commits; returns its result."""
    with app.app_context(), tenant_session(village.id) as s:
        tenant = s.get(Tenant, village.id)
        user = s.get(User, village.people[who].id)
        out = fn(s, tenant, user, *args, **kwargs)
        s.commit()
        return out
