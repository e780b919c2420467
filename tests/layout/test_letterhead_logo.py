"""The letterhead logo is an image upload on the terms page: a PNG or JPEG, checked by the image
service, stored as a document of the village and shown back; never a typed document id."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from desacerdas.kit import terms
from desacerdas.models import Tenant


def picture(fmt: str = "PNG", size: tuple[int, int] = (120, 80)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (31, 111, 67)).save(out, fmt)
    return out.getvalue()


def terms_url(village) -> str:  # noqa: ANN001
    return f"/desa/{village.slug}/settings/terms"


def upload(client, village, data: bytes, filename: str = "logo.png", **extra):  # noqa: ANN001, ANN201
    form = {"logo": (io.BytesIO(data), filename), **extra}
    return client.post(terms_url(village), data=form, content_type="multipart/form-data")


def logo_id(app, village):  # noqa: ANN001, ANN201
    with app.app_context():
        from desacerdas.extensions import db

        return terms.letterhead_for(db.session.get(Tenant, village.id)).logo_document_id


def test_page_offers_an_image_upload_not_a_document_id(client, menanga, make_user, login):
    login(make_user("village_head", menanga))
    html = client.get(terms_url(menanga) + "?lang=id").get_data(as_text=True)
    assert 'type="file"' in html and 'accept="image/png,image/jpeg"' in html
    assert 'enctype="multipart/form-data"' in html and "logo_document_id" not in html
    assert "PNG atau JPEG" in html and 'id="logo-now"' not in html  # no logo yet


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_upload_is_stored_and_shown(app, client, menanga, make_user, login, fmt):
    login(make_user("village_secretary", menanga))
    resp = upload(client, menanga, picture(fmt), filename=f"logo.{fmt.lower()}")
    assert resp.status_code == 302
    assert logo_id(app, menanga) is not None
    html = client.get(terms_url(menanga)).get_data(as_text=True)
    assert 'id="logo-now"' in html and f'src="/desa/{menanga.slug}/settings/terms/logo"' in html
    image = client.get(terms_url(menanga) + "/logo")
    assert image.status_code == 200 and image.mimetype == f"image/{fmt.lower()}"
    assert Image.open(io.BytesIO(image.data)).size == (120, 80)
    # removing it
    assert client.post(terms_url(menanga), data={"remove_logo": "y"}).status_code == 302
    assert logo_id(app, menanga) is None
    assert client.get(terms_url(menanga) + "/logo").status_code == 404


def test_a_big_picture_is_resized_for_the_letterhead(client, menanga, make_user, login):
    login(make_user("village_head", menanga))
    assert upload(client, menanga, picture("PNG", (2400, 1200))).status_code == 302
    stored = Image.open(io.BytesIO(client.get(terms_url(menanga) + "/logo").data))
    assert max(stored.size) <= 600


def test_wrong_type_is_refused_in_words(app, client, menanga, make_user, login):
    login(make_user("village_head", menanga))
    resp = upload(client, menanga, b"%PDF-1.4 not a picture", filename="logo.png", office_name="KANTOR X")
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "PNG" in html and "JPEG" in html and 'role="alert"' in html
    assert logo_id(app, menanga) is None
    gif = upload(client, menanga, b"GIF89a" + b"\0" * 40, filename="logo.gif")
    assert gif.status_code == 400 and logo_id(app, menanga) is None


def test_too_big_is_refused(app, client, menanga, make_user, login, monkeypatch):
    login(make_user("village_head", menanga))
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_BYTES", 2048)
    resp = upload(client, menanga, picture("PNG", (300, 300)) + b"\0" * 4096)
    assert resp.status_code == 413 and logo_id(app, menanga) is None
    assert "The logo is too large: at most 1 MB." in resp.get_data(as_text=True)


def test_too_many_pixels_is_refused_before_decoding(app, client, menanga, make_user, login):
    login(make_user("village_head", menanga))
    resp = upload(client, menanga, picture("PNG", (4100, 4100)))
    assert resp.status_code == 400 and logo_id(app, menanga) is None


def test_other_village_and_wrong_role(app, client, menanga, bebandem, make_user, login):
    login(make_user("village_head", menanga))
    assert upload(client, menanga, picture()).status_code == 302
    # the head of another village cannot upload to, or see, Menanga's logo
    login(make_user("village_head", bebandem))
    assert upload(client, menanga, picture()).status_code == 404
    assert client.get(terms_url(menanga) + "/logo").status_code == 404
    assert client.get(terms_url(bebandem) + "/logo").status_code == 404  # Bebandem has none
    # an operator of Menanga may not change it
    login(make_user("operator", menanga))
    assert upload(client, menanga, picture()).status_code == 403
    assert client.get(terms_url(menanga) + "/logo").status_code == 403
    # nobody signed in
    anonymous = app.test_client().get(terms_url(menanga) + "/logo")
    assert anonymous.status_code in (302, 401)
