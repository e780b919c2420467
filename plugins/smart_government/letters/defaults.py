"""The common letter types a village starts with (``types.seed_defaults`` when the pillar is
enabled): their fields, attachments and templates, in the wording villages use.
"""

from __future__ import annotations

from typing import Any

_KTP = {"key": "ktp", "label": "KTP (Kartu Tanda Penduduk)", "required": True}
_KK = {"key": "kk", "label": "Kartu Keluarga (KK)", "required": True}
_OPENING = (
    "Yang bertanda tangan di bawah ini, Kepala ${desa}, Kecamatan ${kecamatan}, Kabupaten ${kabupaten}, "
    "menerangkan dengan sebenarnya bahwa:"
)


def _field(name: str, label: str, kind: str = "text", required: bool = True) -> dict[str, Any]:
    return {"name": name, "label": label, "required": required, "kind": kind}


# The common letters of an Indonesian village office. Codes are printed in the letter number.
DEFAULT_TYPES: list[dict[str, Any]] = [
    {
        "code": "SKD",
        "title": "Surat Keterangan Domisili",
        "description": "Menerangkan bahwa penduduk benar berdomisili di desa ini.",
        "fields": [],
        "attachments": [_KTP, _KK],
        "validity_days": 180,
        "online": True,
        "template": _OPENING + " ${nama}, NIK ${nik}, benar berdomisili di ${alamat}, ${dusun}, "
        "Desa ${desa}, Kecamatan ${kecamatan}, Kabupaten ${kabupaten}.",
    },
    {
        "code": "SKTM",
        "title": "Surat Keterangan Tidak Mampu",
        "description": "Menerangkan bahwa penduduk berasal dari keluarga kurang mampu (SKTM).",
        "fields": [_field("penghasilan", "Penghasilan keluarga per bulan (Rp)", "number")],
        "attachments": [
            _KTP,
            _KK,
            {"key": "pengantar_dusun", "label": "Surat pengantar Kepala Dusun", "required": False},
        ],
        "validity_days": 180,
        "online": True,
        "template": _OPENING + " ${nama}, NIK ${nik}, penduduk ${dusun}, Desa ${desa}, benar berasal dari "
        "keluarga kurang mampu dengan penghasilan keluarga sekitar Rp ${penghasilan} per bulan.",
    },
    {
        "code": "SKU",
        "title": "Surat Keterangan Usaha",
        "description": "Menerangkan bahwa penduduk memiliki usaha di desa ini.",
        "fields": [
            _field("nama_usaha", "Nama usaha"),
            _field("jenis_usaha", "Jenis usaha"),
            _field("alamat_usaha", "Alamat usaha"),
            _field("mulai_usaha", "Usaha berjalan sejak (tahun)", "number"),
        ],
        "attachments": [_KTP, {"key": "foto_usaha", "label": "Foto tempat usaha", "required": False}],
        "validity_days": 365,
        "online": True,
        "template": _OPENING + " ${nama}, NIK ${nik}, benar memiliki usaha ${jenis_usaha} dengan nama "
        '"${nama_usaha}" yang beralamat di ${alamat_usaha}, dan telah berjalan sejak tahun ${mulai_usaha}.',
    },
    {
        "code": "SKCK",
        "title": "Surat Pengantar SKCK",
        "description": "Pengantar untuk mengurus Surat Keterangan Catatan Kepolisian di Polsek/Polres.",
        "fields": [],
        "attachments": [_KTP, _KK],
        "validity_days": 90,
        "online": True,
        "template": _OPENING + " ${nama}, NIK ${nik}, penduduk ${dusun}, Desa ${desa}, sepanjang "
        "pengetahuan kami berkelakuan baik dan tidak pernah terlibat perkara pidana. Surat ini diberikan "
        "sebagai pengantar untuk mengurus Surat Keterangan Catatan Kepolisian (SKCK).",
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
        "template": _OPENING + " telah lahir seorang anak ${jenis_kelamin_anak} bernama ${nama_anak} di "
        "${tempat_lahir_anak} pada tanggal ${tanggal_lahir_anak}, dari seorang ibu bernama ${nama_ibu} dan "
        "ayah bernama ${nama_ayah}. Surat ini dimohonkan oleh ${nama}, NIK ${nik}.",
    },
    {
        "code": "SKM",
        "title": "Surat Keterangan Kematian",
        "description": "Menerangkan kematian seorang penduduk. Dilayani langsung di kantor desa.",
        "fields": [
            _field("nama_almarhum", "Nama almarhum/almarhumah"),
            _field("nik_almarhum", "NIK almarhum/almarhumah"),
            _field("tanggal_meninggal", "Tanggal meninggal", "date"),
            _field("tempat_meninggal", "Tempat meninggal"),
            _field("sebab_meninggal", "Sebab meninggal", required=False),
        ],
        "attachments": [_KK, {"key": "ktp_almarhum", "label": "KTP almarhum/almarhumah", "required": True}],
        "validity_days": None,
        "online": False,
        "template": _OPENING + " ${nama_almarhum}, NIK ${nik_almarhum}, penduduk Desa ${desa}, telah "
        "meninggal dunia pada tanggal ${tanggal_meninggal} di ${tempat_meninggal} karena ${sebab_meninggal}. "
        "Surat ini dimohonkan oleh ${nama}, NIK ${nik}.",
    },
    {
        "code": "SKP",
        "title": "Surat Keterangan Pindah",
        "description": "Pengantar pindah domisili ke luar desa. Dilayani langsung di kantor desa.",
        "fields": [
            _field("alamat_tujuan", "Alamat tujuan pindah", "textarea"),
            _field("alasan_pindah", "Alasan pindah"),
            _field("jumlah_pengikut", "Jumlah anggota keluarga yang ikut pindah", "number"),
        ],
        "attachments": [_KTP, _KK],
        "validity_days": 30,
        "online": False,
        "template": _OPENING + " ${nama}, NIK ${nik}, penduduk ${dusun}, Desa ${desa}, bermaksud pindah ke "
        "${alamat_tujuan} dengan alasan ${alasan_pindah}, bersama ${jumlah_pengikut} anggota keluarga.",
    },
    {
        "code": "SKET",
        "title": "Surat Keterangan",
        "description": "Surat keterangan umum untuk keperluan lain.",
        "fields": [_field("keterangan", "Isi keterangan", "textarea")],
        "attachments": [_KTP],
        "validity_days": 90,
        "online": True,
        "template": _OPENING + " ${nama}, NIK ${nik}, penduduk ${dusun}, Desa ${desa}. ${keterangan}",
    },
]
