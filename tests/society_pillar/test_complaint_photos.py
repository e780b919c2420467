"""Photos on a complaint: downscaled images kept with it, readable by the complainant and staff;
a refused photo files nothing."""

from __future__ import annotations

import io

from PIL import Image
from smart_society.complaints.models import Complaint
from sqlalchemy import func, select

from desacerdas.models import Document
from desacerdas.tenancy import tenant_session


def _png(side: int = 2400) -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (side, side // 2), (200, 40, 40)).save(out, "PNG")
    out.seek(0)
    return out


def _form(**extra):  # noqa: ANN202
    return {
        "category": "infrastructure",
        "title": "Jalan berlubang",
        "body": "Jalan menuju pura berlubang besar dan berbahaya.",
        **extra,
    }


def _count(app, village, model) -> int:  # noqa: ANN001
    with app.app_context(), tenant_session(village.id) as s:
        return s.scalar(select(func.count()).select_from(model))


def test_photos_are_kept_small_and_shown_to_who_may_read(app, sv, as_user) -> None:  # noqa: ANN001
    c = as_user(sv.people["wayan"])
    c.get("/?lang=id")
    resp = c.post(
        sv.page("complaints/new"),
        data=_form(photos=[(_png(), "jalan.png"), (_png(800), "jalan2.png")]),
        content_type="multipart/form-data",
    )
    assert resp.status_code == 303, resp.get_data(as_text=True)[:1500]
    page = c.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Foto 1" in page and "Foto 2" in page
    with app.app_context(), tenant_session(sv.id) as s:
        docs = s.scalars(select(Document).where(Document.kind == "photo")).all()
        assert len(docs) == 2 and all(d.plugin == "smart_society" for d in docs)
        first = docs[0].id
    staff = as_user(sv.people["operator"])
    got = staff.get(f"/desa/{sv.slug}/documents/{first}/download")
    assert got.status_code == 200 and got.mimetype == "image/jpeg"
    assert max(Image.open(io.BytesIO(got.data)).size) <= 1600  # a phone photo is never kept whole
    other = as_user(sv.people["made"])
    assert other.get(f"/desa/{sv.slug}/documents/{first}/download").status_code in (403, 404)


def test_a_refused_photo_files_nothing(app, sv, as_user) -> None:  # noqa: ANN001
    c = as_user(sv.people["wayan"])
    c.get("/?lang=id")
    bad = c.post(
        sv.page("complaints/new"),
        data=_form(photos=[(io.BytesIO(b"MZ\x90\x00 not a picture"), "virus.exe")]),
        content_type="multipart/form-data",
    )
    assert bad.status_code == 415  # not a picture
    many = c.post(
        sv.page("complaints/new"),
        data=_form(photos=[(_png(200), f"{n}.png") for n in range(4)]),
        content_type="multipart/form-data",
    )
    assert many.status_code == 400 and "Paling banyak 3 foto" in many.get_data(as_text=True)
    assert _count(app, sv, Complaint) == 0 and _count(app, sv, Document) == 0
