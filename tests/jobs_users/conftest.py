"""Villages with the pillar enabled (two hamlets, Kaja and Kelod) for the job users' tests."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from desacerdas.models import Job
from desacerdas.services import rollout
from desacerdas.services import tenants as tenant_svc
from desacerdas.tenancy import tenant_session

HEADER = ["kk_number", "nik", "name", "birth_date", "sex", "hamlet", "religion"]
KK = "5107010101200009"
GOOD = [
    [KK, "5107011705800001", "I Wayan Impor", "1980-05-17", "L", "Kaja", "Hindu"],
    [KK, "5107014302840002", "Ni Made Impor", "1984-02-03", "P", "Kaja", "4"],
    ["5107010101200010", "5107010101900003", "I Nyoman Kelod", "1990-01-01", "L", "Kelod", ""],
]


def csv_file(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def text(resp) -> str:  # noqa: ANN001
    return resp.get_data(as_text=True)


def page(village, path: str) -> str:  # noqa: ANN001
    return f"/desa/{village.slug}/smart_government/{path}"


def api(village, path: str) -> str:  # noqa: ANN001
    return f"/api/v1/desa/{village.slug}/smart_government/{path}"


def count(app, village, model) -> int:  # noqa: ANN001
    with app.app_context(), tenant_session(village.id) as s:
        return s.scalar(select(func.count()).select_from(model))


def jobs_of(app, village, kind: str | None = None) -> list[Job]:  # noqa: ANN001
    with app.app_context(), tenant_session(village.id) as s:
        stmt = select(Job).order_by(Job.created_at)
        if kind:
            stmt = stmt.where(Job.kind == kind)
        found = list(s.scalars(stmt))
        for job in found:
            s.expunge(job)
        return found


def _prepare(app, village):  # noqa: ANN001, ANN202
    with app.app_context():
        tenant = village.tenant()
        tenant_svc.add_hamlet(tenant, "Kaja")
        tenant_svc.add_hamlet(tenant, "Kelod")
        rollout.enable(tenant, "smart_government", override_reason="test")
    return village


@pytest.fixture
def village(app, menanga):  # noqa: ANN001, ANN201
    return _prepare(app, menanga)


@pytest.fixture
def other(app, bebandem):  # noqa: ANN001, ANN201
    return _prepare(app, bebandem)
