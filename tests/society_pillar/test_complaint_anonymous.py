"""Anonymous complaints: only where the village allows it; followed with the number and the code
shown once (hashed), never with one of them alone; staff handle them like any other; the forms
are rate limited per address."""

from __future__ import annotations

import re

from smart_society.complaints.models import Complaint
from sqlalchemy import select

from desacerdas.extensions import db, limiter
from desacerdas.models import Tenant
from desacerdas.plugin_system import settings as plugin_settings
from desacerdas.tenancy import tenant_session

from .conftest import move

FORM = {
    "category": "environment",
    "title": "Sampah di sungai",
    "body": "Sampah plastik menumpuk di tepi sungai.",
}


def _allow(app, village, value: bool = True) -> None:  # noqa: ANN001
    with app.app_context():
        tenant = db.session.get(Tenant, village.id)
        plugin_settings.update("smart_society", {"complaints_anonymous": value}, tenant=tenant)
        db.session.remove()


def _file(client, village) -> tuple[str, str]:  # noqa: ANN001
    resp = client.post(village.page("complaints/anonymous"), data=FORM)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:1500]
    html = resp.get_data(as_text=True)
    number = re.search(r"<strong>(ADU/[^<]+)</strong>", html).group(1)
    code = re.search(r'<strong class="code">([A-Z0-9-]+)</strong>', html).group(1)
    return number, code


def test_closed_unless_the_village_allows_it(app, sv) -> None:  # noqa: ANN001
    visitor = app.test_client()
    assert visitor.get(sv.page("complaints/anonymous")).status_code == 404
    assert visitor.post(sv.page("complaints/anonymous"), data=FORM).status_code == 404
    assert visitor.get(sv.page("complaints/track")).status_code == 404


def test_file_without_an_account_and_follow_it_with_number_and_code(app, sv) -> None:  # noqa: ANN001
    _allow(app, sv)
    visitor = app.test_client()
    visitor.get("/?lang=id")
    assert "complaints/track" in visitor.get(f"/desa/{sv.slug}/").get_data(as_text=True)
    number, code = _file(visitor, sv)
    with app.app_context(), tenant_session(sv.id) as s:
        item = s.scalar(select(Complaint).where(Complaint.number == number))
        assert item.channel.value == "anonymous" and item.author_id is None and item.reporter_name is None
        assert item.tracking_hash and code not in item.tracking_hash  # only its hash is kept
        cid = item.id
    move(app, sv, "operator", cid, "verify")
    move(app, sv, "operator", cid, "answer", note="Sudah diangkut oleh petugas kebersihan.")
    page = visitor.post(sv.page("complaints/track"), data={"number": number, "code": code.lower()})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Sudah diangkut" in html and "Dijawab" in html
    wrong = visitor.post(sv.page("complaints/track"), data={"number": number, "code": "AAAA-BBBB"})
    assert wrong.status_code == 404 and "Sudah diangkut" not in wrong.get_data(as_text=True)
    # a number of another village, with the right code, shows nothing
    assert (
        visitor.post(
            "/desa/bebandem/smart_society/complaints/track", data={"number": number, "code": code}
        ).status_code
        == 404
    )


def test_bad_input_is_refused_in_words(app, sv) -> None:  # noqa: ANN001
    _allow(app, sv)
    visitor = app.test_client()
    visitor.get("/?lang=id")
    resp = visitor.post(sv.page("complaints/anonymous"), data={**FORM, "body": "pendek"})
    assert resp.status_code == 400 and "Antara" in resp.get_data(as_text=True)
    resp = visitor.post(sv.page("complaints/track"), data={"number": "", "code": ""})
    assert resp.status_code == 400


def test_the_forms_are_rate_limited(app, sv) -> None:  # noqa: ANN001
    _allow(app, sv)
    app.config["SOCIETY_ANONYMOUS_LIMIT"] = "2 per hour"
    limiter.reset()
    try:
        visitor = app.test_client()
        codes = [
            visitor.post(sv.page("complaints/track"), data={"number": "X", "code": "Y"}).status_code
            for _ in range(3)
        ]
        assert codes[:2] == [404, 404] and codes[2] == 429
    finally:
        app.config.pop("SOCIETY_ANONYMOUS_LIMIT", None)
        limiter.reset()
