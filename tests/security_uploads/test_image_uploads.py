"""The places that take a picture from a browser or the API use the bounded image service: the
letterhead logo and the registration photos (KTP, KK, selfie). A bomb is a 400 with a clear message
in the page's language, and nothing is stored; what is stored is downscaled and without EXIF."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sg_resident_accounts.conftest import KK_KAJA, WAYAN, prepare
from sqlalchemy import select

from desacerdas.extensions import db
from desacerdas.kit import terms
from desacerdas.models import Document, Tenant
from desacerdas.services import documents as docs
from desacerdas.tenancy import tenant_session

from .conftest import bomb_png, exif_with_gps_and_rotation, picture


def terms_page(village) -> str:  # noqa: ANN001
    return f"/desa/{village.slug}/settings/terms"


def upload_logo(client, village, data: bytes, suffix: str = "?lang=en"):  # noqa: ANN001, ANN201
    return client.post(
        terms_page(village) + suffix,
        data={"logo": (io.BytesIO(data), "logo.png")},
        content_type="multipart/form-data",
    )


def stored(app, village) -> list[tuple[str, str, str, bytes]]:  # noqa: ANN001
    """(title, content type, file name, bytes) of the village's documents."""
    with app.app_context(), tenant_session(village.id) as s:
        found = list(s.scalars(select(Document).order_by(Document.created_at)))
        versions = [(d.title, docs.version(d)) for d in found]
        return [(t, v.content_type, v.filename, b"".join(docs.open_version(v))) for t, v in versions]


def logo_of(app, village) -> bytes | None:  # noqa: ANN001
    with app.app_context(), tenant_session(village.id) as s:
        return terms.logo_bytes(db.session.get(Tenant, village.id), s)


@pytest.mark.parametrize("size", [(20000, 20000), (12000, 12000)])
def test_a_bomb_logo_is_a_400_with_a_clear_message(app, menanga, make_user, login, size):
    client = login(make_user("village_head", menanga))
    resp = upload_logo(client, menanga, bomb_png(*size))
    assert resp.status_code == 400
    body = resp.get_data(as_text=True)
    assert "The logo is too large" in body and "16 million pixels" in body
    assert logo_of(app, menanga) is None and stored(app, menanga) == []


def test_the_bomb_message_is_in_indonesian_on_an_indonesian_page(app, menanga, make_user, login):
    client = login(make_user("village_head", menanga))
    client.get(terms_page(menanga) + "?lang=id")
    resp = upload_logo(client, menanga, bomb_png(20000, 20000), suffix="")
    assert resp.status_code == 400 and "Logo terlalu besar" in resp.get_data(as_text=True)


def test_a_big_logo_is_kept_downscaled_and_without_exif(app, menanga, make_user, login):
    client = login(make_user("village_head", menanga))
    resp = client.post(
        terms_page(menanga),
        data={"logo": (io.BytesIO(picture((3000, 1500), "JPEG", exif=exif_with_gps_and_rotation())), "l")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    kept = Image.open(io.BytesIO(logo_of(app, menanga)))
    assert kept.format == "JPEG" and max(kept.size) == 600 and kept.size == (300, 600)  # upright
    assert dict(kept.getexif()) == {}


def test_a_png_logo_stays_a_png(app, menanga, make_user, login):
    client = login(make_user("village_head", menanga))
    assert upload_logo(client, menanga, picture((1200, 300), mode="RGBA")).status_code == 302
    kept = Image.open(io.BytesIO(logo_of(app, menanga)))
    assert kept.format == "PNG" and kept.size == (600, 150) and kept.mode == "RGBA"


# -- registration photos -----------------------------------------------------------------------------


@pytest.fixture
def va(app, menanga):  # noqa: ANN001, ANN201
    return prepare(app, menanga)


def ask(client, village, ktp: bytes, kk: bytes, selfie: bytes, *, lang: str = "en"):  # noqa: ANN001, ANN201
    data = {
        "nik": WAYAN,
        "kk_number": KK_KAJA,
        "birth_date": "1990-05-17",
        "phone": "081234567890",
        "ktp": (io.BytesIO(ktp), "ktp.jpg"),
        "kk": (io.BytesIO(kk), "kk.pdf"),
        "selfie": (io.BytesIO(selfie), "selfie.png"),
    }
    return client.post(f"{village.page('daftar')}?lang={lang}", data=data, content_type="multipart/form-data")


PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def test_registration_photos_are_downscaled_upright_and_without_gps(app, va, client):
    photo = picture((4000, 3000), "JPEG", exif=exif_with_gps_and_rotation())
    resp = ask(client, va, photo, PDF, picture((2000, 2000), mode="RGBA"))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    files = {title.split()[0]: rest for title, *rest in stored(app, va)}
    ktp_type, ktp_name, ktp = files["KTP"]
    kept = Image.open(io.BytesIO(ktp))
    assert kept.format == "JPEG" and kept.size == (1200, 1600)  # long side 1600, turned upright
    assert dict(kept.getexif()) == {} and b"PhoneMaker" not in ktp
    assert ktp_type == "image/jpeg" and ktp_name == "ktp.jpg"
    assert files["KK"][2] == PDF  # not a picture: stored as it came (the documents core checked it)
    selfie = Image.open(io.BytesIO(files["Selfie"][2]))
    assert selfie.format == "JPEG" and selfie.size == (1600, 1600)


@pytest.mark.parametrize("which", ["ktp", "selfie"])
def test_a_bomb_photo_is_a_400_and_nothing_is_kept(app, va, client, which):
    good = picture((20, 20), "JPEG")
    files = {"ktp": good, "kk": good, "selfie": good, which: bomb_png(20000, 20000)}
    resp = ask(client, va, files["ktp"], files["kk"], files["selfie"])
    assert resp.status_code == 400 and "The image is too large" in resp.get_data(as_text=True)
    assert stored(app, va) == []


def test_the_bomb_photo_message_is_in_indonesian(app, va, client):
    good = picture((20, 20), "JPEG")
    in_id = ask(client, va, bomb_png(20000, 20000), good, good, lang="id")
    assert in_id.status_code == 400 and "Gambar terlalu besar" in in_id.get_data(as_text=True)


def test_a_broken_picture_is_a_400(app, va, client):
    good = picture((20, 20), "JPEG")
    resp = ask(client, va, good[:300], good, good)
    assert resp.status_code == 400 and "not an image that opens" in resp.get_data(as_text=True)
    assert stored(app, va) == []


def test_the_api_registration_is_bounded_too(app, va, client):
    good = picture((20, 20), "JPEG")
    data = {
        "nik": WAYAN,
        "kk_number": KK_KAJA,
        "birth_date": "1990-05-17",
        "phone": "081234567890",
        "ktp": (io.BytesIO(bomb_png(12000, 12000, 8, 3)), "ktp.png"),
        "kk": (io.BytesIO(good), "kk.jpg"),
        "selfie": (io.BytesIO(good), "me.jpg"),
    }
    resp = client.post(
        f"/api/v1/desa/{va.slug}/smart_government/registrations/account-request",
        data=data,
        content_type="multipart/form-data",
    )
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "image_too_large"
    assert stored(app, va) == []
