"""The broker down: submit fails cleanly (503 page in words, JSON for the API, the job row failed,
nothing left queued) and ``/readyz`` says so."""

from __future__ import annotations

import pytest
from flask import Blueprint, redirect
from flask_babel import gettext
from sqlalchemy import select

from desacerdas import jobs
from desacerdas.extensions import db
from desacerdas.jobs import BrokerDown, errors
from desacerdas.models import Job, JobState, Tenant
from desacerdas.testing.support import village_session
from desacerdas.web.tenant import current_tenant

DOWN = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused at once


def _starting_routes() -> Blueprint:
    """A page and an API endpoint that start a job, as a pillar's would."""
    from desacerdas.web.tenant import make_tenant_blueprint

    bp = make_tenant_blueprint("jobs_probe", __name__, url_prefix="/desa/<slug>/probe")

    @bp.post("/start")
    def start():  # noqa: ANN202
        job = jobs.submit(db.session, current_tenant(), "testing.count", {"to": 2}, None)
        return redirect(jobs.job_url(job))

    api = Blueprint("jobs_probe_api", __name__, url_prefix="/api/v1/probe")

    @api.post("/<slug>/start")
    def api_start(slug: str):  # noqa: ANN202
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
        return jobs.accepted_response(jobs.submit(None, tenant, "testing.count", {"to": 2}, None))

    return bp, api


@pytest.fixture(scope="module")
def down_app(db_urls, tmp_path_factory, _migrated):
    from conftest import make_app

    app = make_app(db_urls, tmp_path_factory, JOBS_EAGER=False, BROKER_URL=DOWN)
    for bp in _starting_routes():
        app.register_blueprint(bp)
    return app


def _jobs(app, village) -> list[Job]:
    with village_session(app, village) as s:
        found = list(s.scalars(select(Job)))
        for job in found:
            s.expunge(job)
        return found


def test_submit_raises_broker_down_and_fails_the_job(down_app, menanga):
    with down_app.app_context():
        tenant = db.session.get(Tenant, menanga.id)
        with pytest.raises(BrokerDown) as caught:
            jobs.submit(None, tenant, "testing.count", {}, None)
    assert caught.value.status == 503
    [job] = _jobs(down_app, menanga)
    assert job.state == JobState.FAILED and job.error == errors.QUEUE_DOWN and job.finished_at


def test_the_page_answers_503_in_words_and_the_api_in_json(down_app, menanga, make_user):
    head = make_user("village_head", menanga)
    client = down_app.test_client()
    client.post("/auth/login", data={"login": head.email, "password": head.password})
    page = client.post("/desa/menanga/probe/start")
    assert page.status_code == 503
    assert "The work queue is not available right now" in page.get_data(as_text=True)
    api = client.post("/api/v1/probe/menanga/start")
    assert api.status_code == 503
    assert api.get_json()["error"]["code"] == "broker_unavailable"
    assert [j.state for j in _jobs(down_app, menanga)] == [JobState.FAILED, JobState.FAILED]
    listed = client.get("/desa/menanga/jobs").get_data(as_text=True)
    assert "Failed" in listed


def test_the_503_page_is_in_indonesian_for_indonesian_readers(down_app, menanga, make_user):
    with down_app.test_request_context("/?lang=id"):
        from flask_babel import force_locale

        with force_locale("id"):
            translated = gettext(
                "The work queue is not available right now, so the job could not start. "
                "Please try again soon."
            )
    assert not translated.startswith("The work queue"), "the Indonesian catalogue lost the message"
    head = make_user("village_head", menanga)
    client = down_app.test_client()
    client.post("/auth/login", data={"login": head.email, "password": head.password})
    page = client.post("/desa/menanga/probe/start?lang=id", headers={"Accept-Language": "id"})
    text = page.get_data(as_text=True)
    assert page.status_code == 503 and translated in text and "The work queue" not in text


def test_readyz_reports_the_broker(down_app, client):
    resp = down_app.test_client().get("/readyz")
    assert resp.status_code == 503
    assert resp.get_json()["broker"] == "unreachable" and resp.get_json()["database"] == "ok"
    ok = client.get("/readyz")  # the memory broker of the test app
    assert ok.status_code == 200 and ok.get_json()["broker"] == "ok"


def test_readyz_with_the_folder_broker(db_urls, tmp_path_factory, _migrated):
    from conftest import make_app

    folder = tmp_path_factory.mktemp("fs")
    app = make_app(db_urls, tmp_path_factory, JOBS_EAGER=False, BROKER_URL=f"filesystem://{folder}/b")
    assert app.test_client().get("/readyz").get_json()["broker"] == "ok"
    (folder / "b" / "queue").rmdir()
    assert app.test_client().get("/readyz").get_json()["broker"] == "unreachable"
