"""The letter type form lists the village's placeholders (so staff writing a template find
``${kepala_desa}``), only for those who configure letters of that village; a template written with
them through the form is saved and its letter prints in the village's words."""

from __future__ import annotations

from smart_government.letters.models import LetterType
from sqlalchemy import select

from desacerdas.tenancy import tenant_session

from .conftest import issue_text, words

NEW_TYPE = "letters/types/new"


def test_the_type_form_offers_the_village_placeholders(app, login, bali):
    page = login(bali.head, app.test_client()).get(bali.page(NEW_TYPE))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for name in ("kepala_desa", "desa_lengkap", "wilayah", "dusun_lengkap", "kabupaten_lengkap", "nama"):
        assert "${" + name + "}" in html, name


def test_the_type_form_is_not_for_an_operator_nor_another_villages_head(app, login, bali, java):
    assert login(bali.operator, app.test_client()).get(bali.page(NEW_TYPE)).status_code == 403
    assert login(java.head, app.test_client()).get(bali.page(NEW_TYPE)).status_code == 404
    refused = login(java.head, app.test_client()).post(
        bali.page(NEW_TYPE), data={"code": "X", "title": "X", "template": "${kepala_desa}"}
    )
    assert refused.status_code == 404


def test_a_template_with_the_village_placeholders_is_saved_and_printed(app, login, bali):
    resp = login(bali.head, app.test_client()).post(
        bali.page(NEW_TYPE),
        data={
            "code": "SKBM",
            "title": "Surat Keterangan Belum Menikah",
            "template": "Yang bertanda tangan di bawah ini, ${kepala_desa}, menerangkan bahwa ${nama} "
            "adalah penduduk ${wilayah} yang belum pernah menikah.",
            "online": "y",
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    with app.app_context(), tenant_session(bali.id) as s:
        type_id = s.scalar(select(LetterType.id).where(LetterType.code == "SKBM"))
    _token, raw = issue_text(app, bali, "SKBM", type_id)
    assert (
        "ini, Perbekel Menanga, menerangkan bahwa I Wayan Sudarsana adalah penduduk Banjar Dinas Kaja, "
        "Desa Menanga yang belum pernah menikah." in words(raw)
    )


def test_an_unknown_placeholder_is_still_refused(app, login, bali):
    resp = login(bali.head, app.test_client()).post(
        bali.page(NEW_TYPE), data={"code": "SKX", "title": "X", "template": "Oleh ${kepala_banjar}."}
    )
    assert resp.status_code in (200, 400)
    assert "kepala_banjar" in resp.get_data(as_text=True)
    with app.app_context(), tenant_session(bali.id) as s:
        assert s.scalar(select(LetterType.id).where(LetterType.code == "SKX")) is None
