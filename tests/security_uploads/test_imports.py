"""A spreadsheet cannot stall the platform: the upload request only stores the file (a job parses
it), an XLSX that unpacks beyond ``IMPORT_MAX_UNCOMPRESSED_BYTES`` is refused from its ZIP directory
before parsing, and reading stops at ``IMPORT_MAX_ROWS`` rows (CSV and XLSX) with a message naming
the limit."""

from __future__ import annotations

import io
import time

import pytest
from smart_government import importing
from smart_government.importing import reader
from smart_government.registry import jobs as registry_jobs
from smart_government.registry.models import Resident
from sqlalchemy import func, select

from desacerdas.kit import tabular
from desacerdas.models import Job, JobState
from desacerdas.services import ServiceError
from desacerdas.tenancy import tenant_session

from .conftest import csv_rows, huge_xlsx


def upload(client, village, data: bytes, name: str):  # noqa: ANN001, ANN201
    return client.post(
        f"/desa/{village.slug}/smart_government/residents/import?lang=en",
        data={"file": (io.BytesIO(data), name)},
    )


def import_jobs(app, village) -> list[Job]:  # noqa: ANN001
    with app.app_context(), tenant_session(village.id) as s:
        found = list(s.scalars(select(Job).where(Job.kind == registry_jobs.IMPORT).order_by(Job.created_at)))
        for job in found:
            s.expunge(job)
        return found


def residents(app, village) -> int:  # noqa: ANN001
    with app.app_context(), tenant_session(village.id) as s:
        return s.scalar(select(func.count()).select_from(Resident))


@pytest.fixture(scope="module")
def million() -> bytes:
    return huge_xlsx(1_000_000)


def test_the_upload_request_never_parses_the_file(app, village, make_user, login, monkeypatch, million):
    from desacerdas.jobs import service as job_service

    queued: list[object] = []  # production: the job is published for a worker, not run here
    monkeypatch.setattr(job_service.runner, "execute", lambda *args: queued.append(args))
    monkeypatch.setattr(job_service, "publish", lambda *args: queued.append(args), raising=False)

    def no_parsing(*_args, **_kwargs):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("the request parsed the file")

    for name in ("read_rows", "estimate_rows", "read_xlsx", "read_csv"):
        monkeypatch.setattr(tabular, name, no_parsing)
    client = login(make_user("operator", village))
    started = time.monotonic()
    resp = upload(client, village, million, "residents.xlsx")
    assert resp.status_code == 302 and "/residents/import/jobs/" in resp.headers["Location"]
    assert time.monotonic() - started < 5
    [job] = import_jobs(app, village)
    assert job.state == JobState.QUEUED and len(queued) == 1


def test_a_million_row_xlsx_is_stopped_at_the_row_limit(app, village, make_user, login, monkeypatch, million):
    assert len(million) < 1_000_000  # under a megabyte on the wire
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 2000)
    client = login(make_user("operator", village))
    started = time.monotonic()
    resp = upload(client, village, million, "residents.xlsx")
    assert resp.status_code == 302
    assert time.monotonic() - started < 10  # the check job ran (eagerly here) and stopped early
    [job] = import_jobs(app, village)
    assert job.state == JobState.FAILED
    assert "more than 2.000 rows" in job.error
    assert residents(app, village) == 0


def test_an_xlsx_beyond_its_unpacked_budget_is_refused_before_parsing(
    app, village, make_user, login, monkeypatch, million
):
    monkeypatch.setitem(app.config, "IMPORT_MAX_UNCOMPRESSED_BYTES", 10 * 1024 * 1024)
    parsed: list[str] = []
    real = tabular.read_xlsx
    monkeypatch.setattr(tabular, "read_xlsx", lambda stream: parsed.append("x") or real(stream))
    real_book = tabular._workbook
    monkeypatch.setattr(tabular, "_workbook", lambda stream: parsed.append("book") or real_book(stream))
    client = login(make_user("operator", village))
    started = time.monotonic()
    assert upload(client, village, million, "residents.xlsx").status_code == 302
    assert time.monotonic() - started < 5
    [job] = import_jobs(app, village)
    assert job.state == JobState.FAILED and parsed == []
    assert "unpacks to 25 MB, more than the limit of 10 MB" in job.error


def test_a_csv_stops_at_the_row_limit_too(app, village, make_user, login, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 50)
    client = login(make_user("operator", village))
    assert upload(client, village, csv_rows(51), "residents.csv").status_code == 302
    [job] = import_jobs(app, village)
    assert job.state == JobState.FAILED and "more than 50 rows" in job.error
    assert upload(client, village, csv_rows(50), "residents.csv").status_code == 302
    fine = import_jobs(app, village)[-1]
    assert fine.state == JobState.DONE and fine.result["rows"] == 50  # exactly the limit is fine


def test_the_api_import_is_bounded_the_same_way(app, village, make_user, bearer, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 10)
    client = app.test_client()
    resp = client.post(
        f"/api/v1/desa/{village.slug}/smart_government/residents/import",
        data={"file": (io.BytesIO(csv_rows(11)), "residents.csv")},
        headers=bearer(make_user("operator", village)),
        content_type="multipart/form-data",
    )
    assert resp.status_code == 202
    [job] = import_jobs(app, village)
    assert job.state == JobState.FAILED and "more than 10 rows" in job.error


def test_the_reader_outside_an_app_uses_the_defaults(million):
    with pytest.raises(ServiceError) as refused:
        for _row in reader.read_rows(io.BytesIO(million), "x.xlsx"):
            pass
    assert refused.value.code == "too_many_rows" and "100.000" in refused.value.message
    assert importing.estimate_rows(io.BytesIO(csv_rows(3)), "x.csv") == 3


def test_a_broken_zip_is_left_to_the_workbook_reader(app):
    with app.app_context(), pytest.raises(ServiceError) as refused:
        list(reader.read_rows(io.BytesIO(b"PK\x03\x04broken"), "x.xlsx"))
    assert refused.value.code == "unreadable_file"


def test_the_attack_file_fails_in_seconds_with_the_default_limits(app, village, make_user, login, million):
    client = login(make_user("operator", village))
    started = time.monotonic()
    assert upload(client, village, million, "residents.xlsx").status_code == 302
    assert time.monotonic() - started < 10  # was: a worker taken for 30 s until gunicorn killed it
    [job] = import_jobs(app, village)
    assert job.state == JobState.FAILED and "more than 100.000 rows" in job.error
