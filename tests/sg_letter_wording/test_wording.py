"""Every seeded letter type, issued in a Balinese village (Perbekel, banjar dinas), a village
outside Bali (Kepala Desa, dusun) and a kelurahan (Lurah, lingkungan): the PDF's text (pypdf)
names the village's head, the village and the hamlet in the village's own words, never "Kepala
Menanga", never a word twice ("Desa Desa"), never an unfilled placeholder."""

from __future__ import annotations

import re

import pytest
from smart_government.letters import content
from smart_government.letters import types as letter_types
from smart_government.letters.defaults import (
    DEFAULT_TYPES,
    PLACEHOLDERS,
    TEMPLATES,
    VILLAGE_PLACEHOLDERS,
    default_types,
)
from smart_government.letters.models import LetterType
from sqlalchemy import select

from desacerdas.extensions import db
from desacerdas.kit import terms
from desacerdas.models import Tenant
from desacerdas.tenancy import tenant_session

from .conftest import FIELD_DATA, issue_text, words

CODES = ("SKD", "SKTM", "SKU", "SKCK", "SKL", "SKM", "SKP", "SKET")
# The place of the resident in each type's sentence (SKM names the deceased as of the village).
WITH_HAMLET = {"SKD", "SKTM", "SKU", "SKCK", "SKL", "SKP", "SKET"}
DOUBLED = re.compile(r"\b(Desa|Kelurahan|Kecamatan|Kabupaten|Kota|Banjar Dinas|Dusun|Lingkungan) \1\b")


def _check_common(text: str, code: str) -> None:
    assert "${" not in text and "$" not in text, text
    assert not DOUBLED.search(text), DOUBLED.search(text)
    for value in FIELD_DATA[code].values():
        if "-" not in value:  # dates are printed in words
            assert value in text, (code, value)


def test_every_seeded_type_reads_in_balinese_words(app, bali):
    assert set(bali.types) == set(CODES)
    for code in CODES:
        token, raw = issue_text(app, bali, code)
        text = words(raw)
        _check_common(text, code)
        assert (
            "Yang bertanda tangan di bawah ini, Perbekel Menanga, Kecamatan Rendang, Kabupaten Karangasem, "
            "menerangkan dengan sebenarnya bahwa" in text
        ), (code, text)
        assert "Kepala Menanga" not in text and "Kepala Desa" not in text and "Dusun" not in text, code
        if code in WITH_HAMLET:
            assert "Banjar Dinas Kaja, Desa Menanga" in text, (code, text)
        # Signed plainly under the village's title, with the verification address whole.
        assert re.search(r"Menanga, \d+ \w+ \d{4} Perbekel Menanga I Nyoman Kepala Verifikasi:", text), text
        assert any(token in line for line in raw.splitlines()), (code, raw)


def test_every_seeded_type_reads_in_general_words_outside_bali(app, java):
    for code in CODES:
        token, raw = issue_text(app, java, code)
        text = words(raw)
        _check_common(text, code)
        assert (
            "Yang bertanda tangan di bawah ini, Kepala Desa Wanaherang, Kecamatan Gunungputri, "
            "Kabupaten Bogor, menerangkan dengan sebenarnya bahwa" in text
        ), (code, text)
        assert "Perbekel" not in text and "Banjar" not in text and "Kepala Wanaherang" not in text, code
        assert re.search(r"Wanaherang, \d+ \w+ \d{4} Kepala Desa Wanaherang I Nyoman Kepala", text), text
        if code in WITH_HAMLET:
            assert "Dusun Sukamaju, Desa Wanaherang" in text, (code, text)
        if code == "SKM":
            assert "penduduk Desa Wanaherang, telah meninggal dunia" in text
        assert any(token in line for line in raw.splitlines()), (code, raw)


def test_a_kelurahan_letter_names_the_lurah_and_the_city(app, kelurahan):
    for code in ("SKD", "SKET"):
        _token, raw = issue_text(app, kelurahan, code)
        text = words(raw)
        _check_common(text, code)
        assert "ini, Lurah Serangan, Kecamatan Denpasar Selatan, Kota Denpasar, menerangkan" in text, text
        assert (
            "Lingkungan Kampung Bugis, Kelurahan Serangan" in text
            and "Kabupaten" not in text.split("Nomor")[1]
        )


def test_the_sentences_of_each_type(app, bali):
    """The body of each type as a resident reads it (the words after the opening)."""
    expected = {
        "SKD": "bahwa I Wayan Sudarsana, NIK ",
        "SKTM": "penduduk Banjar Dinas Kaja, Desa Menanga, benar berasal dari keluarga kurang mampu "
        "dengan penghasilan keluarga sekitar Rp 750000 per bulan.",
        "SKU": 'benar memiliki usaha warung makan dengan nama "Warung Sari" yang beralamat di Jl. Pasar 3 '
        "dan telah berjalan sejak tahun 2015.",
        "SKCK": "sepanjang pengetahuan kami berkelakuan baik",
        "SKL": "telah lahir seorang anak perempuan bernama Putu Ayu Lestari di Puskesmas Rendang pada "
        "tanggal 1 November 2026",
        "SKM": "I Ketut Tua, NIK 5107010101400001, penduduk Desa Menanga, telah meninggal dunia pada "
        "tanggal 20 November 2026 di rumah. Sebab meninggal: sakit tua.",
        "SKP": "bermaksud pindah ke Jl. Gatot Subroto 9, Denpasar dengan alasan pekerjaan. Jumlah anggota "
        "keluarga yang ikut pindah: 2 orang.",
        "SKET": "adalah benar penduduk Banjar Dinas Kaja, Desa Menanga. Yang bersangkutan benar belum "
        "pernah menikah.",
    }
    for code, sentence in expected.items():
        _token, raw = issue_text(app, bali, code)
        assert sentence in words(raw), (code, words(raw))
    _token, raw = issue_text(app, bali, "SKD")
    assert "benar berdomisili di Jl. Raya 7, Banjar Dinas Kaja, Desa Menanga, Kecamatan Rendang, " in words(
        raw
    )


def test_seeded_non_template_texts_use_the_villages_words(app, bali, kelurahan):
    with app.app_context(), tenant_session(bali.id) as s:
        sktm = s.scalar(select(LetterType).where(LetterType.code == "SKTM"))
        assert {a["key"]: a["label"] for a in sktm.attachments}["pengantar_dusun"] == (
            "Surat pengantar Kelian Banjar Dinas"
        )
    with app.app_context(), tenant_session(kelurahan.id) as s:
        rows = {t.code: t for t in s.scalars(select(LetterType))}
        assert rows["SKD"].description == "Menerangkan bahwa penduduk benar berdomisili di kelurahan ini."
        assert rows["SKM"].description.endswith("Dilayani langsung di kantor kelurahan.")
        assert {a["key"]: a["label"] for a in rows["SKTM"].attachments}["pengantar_dusun"] == (
            "Surat pengantar Kepala Lingkungan"
        )


def test_changed_terms_reach_the_letters_without_editing_a_template(app, bali):
    with app.app_context():
        terms.update(db.session.get(Tenant, bali.id), {"village_head": "Kepala Desa Adat"})
    _token, raw = issue_text(app, bali, "SKCK")
    assert "ini, Kepala Desa Adat Menanga, Kecamatan Rendang" in words(raw)


def test_village_values_without_a_hamlet_and_for_a_bare_hamlet_name(app, bali, java):
    with app.app_context():
        menanga = db.session.get(Tenant, bali.id)
        none = content.village_values(menanga, None)
        assert (
            none["wilayah"] == "Desa Menanga" and none["dusun_lengkap"] == "-" and none["kepala_dusun"] == "-"
        )
        bare = content.village_values(menanga, "Kelod")
        assert bare["dusun_lengkap"] == "Banjar Dinas Kelod"
        assert bare["kepala_dusun"] == "Kelian Banjar Dinas Kelod"
        banjar = content.village_values(menanga, "Banjar Kelod")  # worded already, without "Dinas"
        assert (
            banjar["dusun_lengkap"] == "Banjar Kelod"
            and banjar["kepala_dusun"] == "Kelian Banjar Dinas Kelod"
        )
        assert banjar["wilayah"] == "Banjar Kelod, Desa Menanga"
        full = content.village_values(menanga, "banjar dinas Kaja")  # the word once, whatever its case
        assert (
            full["dusun_lengkap"] == "banjar dinas Kaja"
            and full["kepala_dusun"] == "Kelian Banjar Dinas Kaja"
        )
        wanaherang = content.village_values(db.session.get(Tenant, java.id), "Sukamaju")
    assert wanaherang == {
        **wanaherang,
        "desa": "Wanaherang",
        "desa_lengkap": "Desa Wanaherang",
        "sebutan_desa": "Desa",
        "kepala_desa": "Kepala Desa Wanaherang",
        "sebutan_kepala_desa": "Kepala Desa",
        "dusun_lengkap": "Dusun Sukamaju",
        "sebutan_dusun": "Dusun",
        "kepala_dusun": "Kepala Dusun Sukamaju",
        "sebutan_kepala_dusun": "Kepala Dusun",
        "wilayah": "Dusun Sukamaju, Desa Wanaherang",
        "kecamatan": "Gunungputri",
        "kecamatan_lengkap": "Kecamatan Gunungputri",
        "kabupaten": "Bogor",
        "kabupaten_lengkap": "Kabupaten Bogor",
    }
    assert set(wanaherang) == set(VILLAGE_PLACEHOLDERS)


def test_every_placeholder_is_filled_and_every_seeded_template_passes_the_type_rules():
    assert "Kepala ${desa}" not in "".join(TEMPLATES.values())
    for spec in [
        *DEFAULT_TYPES,
        *default_types(terms.Terms("Perbekel", "Banjar Dinas", "Kelian Banjar Dinas")),
    ]:
        letter_types.check_type(spec)  # no unknown placeholders, valid fields
    assert set(letter_types.RESIDENT_PLACEHOLDERS) == set(PLACEHOLDERS)


@pytest.mark.parametrize("name", ["kepala_desa", "wilayah", "desa_lengkap"])
def test_a_field_may_not_take_a_village_placeholders_name(name):
    from desacerdas.services import ServiceError

    spec = {**DEFAULT_TYPES[0], "fields": [{"name": name, "label": "X", "required": True, "kind": "text"}]}
    with pytest.raises(ServiceError) as err:
        letter_types.check_type(spec)
    assert err.value.code == "invalid_fields"
