"""A village with the pillar enabled and two hamlets, Kaja and Kelod, for the import's tests."""

from __future__ import annotations

import pytest

from desacerdas.services import rollout
from desacerdas.services import tenants as tenant_svc


@pytest.fixture
def village(app, menanga):  # noqa: ANN001, ANN201
    with app.app_context():
        tenant = menanga.tenant()
        tenant_svc.add_hamlet(tenant, "Kaja")
        tenant_svc.add_hamlet(tenant, "Kelod")
        rollout.enable(tenant, "smart_government", override_reason="test")
    return menanga
