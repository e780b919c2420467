"""The common letter types a village starts with (``types.seed_defaults`` when the pillar is
enabled): their fields, attachments and templates, in the wording villages use, and the
placeholders every template may use.

The templates never spell a village's own words: ``${kepala_desa}`` prints "Perbekel Menanga" in
Bali and "Kepala Desa Wanaherang" elsewhere, ``${wilayah}`` "Banjar Dinas Kaja, Desa Menanga", so a
village that changes its terms (``desacerdas.kit.terms``) gets letters in its words without editing
a template. The few texts that are not templates (a description, an attachment's label) are written
with the village's words when the types are seeded (:func:`default_types`).
"""

from __future__ import annotations

from typing import Any, Protocol

from flask_babel import lazy_gettext as _l


class Words(Protocol):
    """What the seeded texts need of a village's terms (a ``desacerdas.kit.terms.Terms``)."""

    village: str  # Desa / Kelurahan
    hamlet_head: str  # Kelian Banjar Dinas / Kepala Dusun


class _Generic:
    village = "Desa"
    hamlet_head = "Kepala Dusun"


# The resident's data (filled by ``content.resident_values``).
RESIDENT_PLACEHOLDERS: dict[str, Any] = {
    "nama": _l("full name"),
    "nik": _l("NIK"),
    "no_kk": _l("family card (KK) number"),
    "tempat_lahir": _l("place of birth"),
    "tanggal_lahir": _l("date of birth (e.g. 17 Mei 1990)"),
    "jenis_kelamin": _l("Laki-laki / Perempuan"),
    "agama": _l("religion"),
    "status_perkawinan": _l("marital status"),
    "pekerjaan": _l("occupation"),
    "kewarganegaraan": _l("citizenship (WNI)"),
    "alamat": _l("address"),
    "dusun": _l("the hamlet's name as recorded (Banjar Dinas Kaja, or Kaja)"),
}
# The village's names and words (filled by ``content.village_values``), e.g. for Menanga in Bali.
VILLAGE_PLACEHOLDERS: dict[str, Any] = {
    "desa": _l("the village's name alone (Menanga)"),
    "desa_lengkap": _l("the village with its word (Desa Menanga, Kelurahan Serangan)"),
    "sebutan_desa": _l("the word for the village (Desa, Kelurahan)"),
    "kepala_desa": _l("the village head's title with the village (Perbekel Menanga, Kepala Desa Wanaherang)"),
    "sebutan_kepala_desa": _l("the village head's title alone (Perbekel, Kepala Desa, Lurah)"),
    "dusun_lengkap": _l("the resident's hamlet with its word (Banjar Dinas Kaja, Dusun Sukamaju)"),
    "sebutan_dusun": _l("the word for a hamlet (Banjar Dinas, Dusun)"),
    "kepala_dusun": _l("the hamlet head's title with the hamlet (Kelian Banjar Dinas Kaja)"),
    "sebutan_kepala_dusun": _l("the hamlet head's title alone (Kelian Banjar Dinas, Kepala Dusun)"),
    "wilayah": _l("hamlet and village (Banjar Dinas Kaja, Desa Menanga; the village alone if no hamlet)"),
    "kecamatan": _l("the district's name alone (Rendang)"),
    "kecamatan_lengkap": _l("the district with its word (Kecamatan Rendang)"),
    "kabupaten": _l("the regency's name alone (Karangasem)"),
    "kabupaten_lengkap": _l("the regency with its word (Kabupaten Karangasem, Kota Denpasar)"),
    "provinsi": _l("the province's name (Bali)"),
}
PLACEHOLDERS: dict[str, Any] = {**RESIDENT_PLACEHOLDERS, **VILLAGE_PLACEHOLDERS}

_KTP = {"key": "ktp", "label": "KTP (Kartu Tanda Penduduk)", "required": True}
_KK = {"key": "kk", "label": "Kartu Keluarga (KK)", "required": True}
# "Yang bertanda tangan di bawah ini, Perbekel Menanga, Kecamatan Rendang, Kabupaten Karangasem,
# menerangkan dengan sebenarnya bahwa …": the sentence goes on in each template.
OPENING = (
    "Yang bertanda tangan di bawah ini, ${kepala_desa}, ${kecamatan_lengkap}, ${kabupaten_lengkap}, "
    "menerangkan dengan sebenarnya bahwa"
)
# Each type's template (the same for every village: the village's words are placeholders).
TEMPLATES: dict[str, str] = {
    "SKD": OPENING + " ${nama}, NIK ${nik}, benar berdomisili di ${alamat}, ${wilayah}, "
    "${kecamatan_lengkap}, ${kabupaten_lengkap}.",
    "SKTM": OPENING + " ${nama}, NIK ${nik}, penduduk ${wilayah}, benar berasal dari keluarga kurang "
    "mampu dengan penghasilan keluarga sekitar Rp ${penghasilan} per bulan.",
    "SKU": OPENING + " ${nama}, NIK ${nik}, penduduk ${wilayah}, benar memiliki usaha ${jenis_usaha} "
    'dengan nama "${nama_usaha}" yang beralamat di ${alamat_usaha} dan telah berjalan sejak tahun '
    "${mulai_usaha}.",
    "SKCK": OPENING + " ${nama}, NIK ${nik}, penduduk ${wilayah}, sepanjang pengetahuan kami berkelakuan "
    "baik dan tidak pernah terlibat perkara pidana. Surat ini diberikan sebagai pengantar untuk mengurus "
    "Surat Keterangan Catatan Kepolisian (SKCK).",
    "SKL": OPENING + " telah lahir seorang anak ${jenis_kelamin_anak} bernama ${nama_anak} di "
    "${tempat_lahir_anak} pada tanggal ${tanggal_lahir_anak}, dari seorang ibu bernama ${nama_ibu} dan "
    "ayah bernama ${nama_ayah}. Surat ini dimohonkan oleh ${nama}, NIK ${nik}, penduduk ${wilayah}.",
    "SKM": OPENING + " ${nama_almarhum}, NIK ${nik_almarhum}, penduduk ${desa_lengkap}, telah meninggal "
    "dunia pada tanggal ${tanggal_meninggal} di ${tempat_meninggal}. Sebab meninggal: ${sebab_meninggal}. "
    "Surat ini dimohonkan oleh ${nama}, NIK ${nik}.",
    "SKP": OPENING + " ${nama}, NIK ${nik}, penduduk ${wilayah}, bermaksud pindah ke ${alamat_tujuan} "
    "dengan alasan ${alasan_pindah}. Jumlah anggota keluarga yang ikut pindah: ${jumlah_pengikut} orang.",
    "SKET": OPENING + " ${nama}, NIK ${nik}, adalah benar penduduk ${wilayah}. ${keterangan}",
}


def _field(name: str, label: str, kind: str = "text", required: bool = True) -> dict[str, Any]:
    return {"name": name, "label": label, "required": required, "kind": kind}


# The common letters of an Indonesian village office. Codes are printed in the letter number;
# ``{village}`` (desa / kelurahan) and ``{hamlet_head}`` in a description or a label are the
# village's words (:func:`default_types`).
_SPECS: list[dict[str, Any]] = [
    {
        "code": "SKD",
        "title": "Surat Keterangan Domisili",
        "description": "Menerangkan bahwa penduduk benar berdomisili di {village} ini.",
        "fields": [],
        "attachments": [_KTP, _KK],
        "validity_days": 180,
        "online": True,
    },
    {
        "code": "SKTM",
        "title": "Surat Keterangan Tidak Mampu",
        "description": "Menerangkan bahwa penduduk berasal dari keluarga kurang mampu (SKTM).",
        "fields": [_field("penghasilan", "Penghasilan keluarga per bulan (Rp)", "number")],
        "attachments": [
            _KTP,
            _KK,
            {
                "key": "pengantar_dusun",
                "label": "Surat pengantar {hamlet_head}",
                "required": False,
            },
        ],
        "validity_days": 180,
        "online": True,
    },
    {
        "code": "SKU",
        "title": "Surat Keterangan Usaha",
        "description": "Menerangkan bahwa penduduk memiliki usaha di {village} ini.",
        "fields": [
            _field("nama_usaha", "Nama usaha"),
            _field("jenis_usaha", "Jenis usaha"),
            _field("alamat_usaha", "Alamat usaha"),
            _field("mulai_usaha", "Usaha berjalan sejak (tahun)", "number"),
        ],
        "attachments": [_KTP, {"key": "foto_usaha", "label": "Foto tempat usaha", "required": False}],
        "validity_days": 365,
        "online": True,
    },
    {
        "code": "SKCK",
        "title": "Surat Pengantar SKCK",
        "description": "Pengantar untuk mengurus Surat Keterangan Catatan Kepolisian di Polsek/Polres.",
        "fields": [],
        "attachments": [_KTP, _KK],
        "validity_days": 90,
        "online": True,
    },
    {
        "code": "SKL",
        "title": "Surat Keterangan Kelahiran",
        "description": "Menerangkan kelahiran seorang anak, untuk mengurus akta kelahiran.",
        "fields": [
            _field("nama_anak", "Nama anak"),
            _field("jenis_kelamin_anak", "Jenis kelamin anak"),
            _field("tempat_lahir_anak", "Tempat lahir anak"),
            _field("tanggal_lahir_anak", "Tanggal lahir anak", "date"),
            _field("nama_ibu", "Nama ibu"),
            _field("nama_ayah", "Nama ayah"),
        ],
        "attachments": [
            _KK,
            {
                "key": "keterangan_lahir",
                "label": "Surat keterangan lahir dari bidan/rumah sakit",
                "required": True,
            },
        ],
        "validity_days": None,
        "online": True,
    },
    {
        "code": "SKM",
        "title": "Surat Keterangan Kematian",
        "description": "Menerangkan kematian seorang penduduk. Dilayani langsung di kantor {village}.",
        "fields": [
            _field("nama_almarhum", "Nama almarhum/almarhumah"),
            _field("nik_almarhum", "NIK almarhum/almarhumah"),
            _field("tanggal_meninggal", "Tanggal meninggal", "date"),
            _field("tempat_meninggal", "Tempat meninggal"),
            _field("sebab_meninggal", "Sebab meninggal", required=False),
        ],
        "attachments": [
            _KK,
            {"key": "ktp_almarhum", "label": "KTP almarhum/almarhumah", "required": True},
        ],
        "validity_days": None,
        "online": False,
    },
    {
        "code": "SKP",
        "title": "Surat Keterangan Pindah",
        "description": "Pengantar pindah domisili ke luar {village}. Dilayani langsung di kantor {village}.",
        "fields": [
            _field("alamat_tujuan", "Alamat tujuan pindah", "textarea"),
            _field("alasan_pindah", "Alasan pindah"),
            _field("jumlah_pengikut", "Jumlah anggota keluarga yang ikut pindah", "number"),
        ],
        "attachments": [_KTP, _KK],
        "validity_days": 30,
        "online": False,
    },
    {
        "code": "SKET",
        "title": "Surat Keterangan",
        "description": "Surat keterangan umum untuk keperluan lain.",
        "fields": [_field("keterangan", "Isi keterangan", "textarea")],
        "attachments": [_KTP],
        "validity_days": 90,
        "online": True,
    },
]


def _worded(text: str | None, words: Words) -> str | None:
    return None if text is None else text.format(village=words.village.lower(), hamlet_head=words.hamlet_head)


def default_types(words: Words | None = None) -> list[dict[str, Any]]:
    """The seeded types with their templates, described in ``words`` (the village's terms:
    "kantor kelurahan", "Surat pengantar Kelian Banjar Dinas"; the general words without)."""
    words = words or _Generic()
    return [
        {
            **spec,
            "description": _worded(spec["description"], words),
            "fields": [dict(f) for f in spec["fields"]],
            "attachments": [{**a, "label": _worded(a["label"], words)} for a in spec["attachments"]],
            "template": TEMPLATES[spec["code"]],
        }
        for spec in _SPECS
    ]


# In the general words (Desa, Kepala Dusun): what a village outside Bali is seeded with.
DEFAULT_TYPES: list[dict[str, Any]] = default_types()
