"""letters in the village's own words: the seeded templates name its head, village and hamlet as it does

Revision ID: smart_government_0008
Revises: smart_government_0007
Create Date: 2026-12-02 21:00:00.000000

The letter types seeded before this revision began "Yang bertanda tangan di bawah ini, Kepala
${desa}, …", which printed "Kepala Menanga": neither "Desa" nor the village's own title (Perbekel in
Bali). The templates now use the village's placeholders (``${kepala_desa}`` → "Perbekel Menanga" /
"Kepala Desa Wanaherang", ``${wilayah}`` → "Banjar Dinas Kaja, Desa Menanga", see
``letters/defaults.py``). Letter types are stored per village, so this revision rewrites them:

* a template still exactly as seeded gets the new seeded text;
* a template the village edited keeps its edits; only the broken ``Kepala ${desa}`` becomes
  ``${kepala_desa}``;
* a description or an attachment label still as seeded gets the village's words ("Surat pengantar
  Kelian Banjar Dinas", "kantor kelurahan").

The texts are frozen here (both the old and the new), so a later change of the seeded wording does
not change what this revision does.

Downgrade: a template exactly as this revision seeds it goes back to the old text; in any other
template the new placeholders (which the older code refuses) are written out with the village's
words around the old placeholders (``${kepala_desa}`` → ``Perbekel ${desa}``); descriptions and
labels in the village's words go back to the general ones.

``smart_government_letter_types`` has FORCEd Row-Level Security on PostgreSQL: its rows are read and
written one village at a time with the village set as the session's (``desa.tenant_id``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from alembic import op

from desacerdas.kit import terms as village_terms
from desacerdas.tenancy.context import PG_SETTING

# revision identifiers, used by Alembic.
revision = "smart_government_0008"
down_revision = "smart_government_0007"
branch_labels = None
depends_on = None

# The templates seeded before this revision, and by it.
OLD_TEMPLATES: dict[str, str] = {
    "SKD": (
        "Yang bertanda tangan di bawah ini, Kepala ${desa}, Kecamatan ${kecamatan}, Kabupaten "
        "${kabupaten}, menerangkan dengan sebenarnya bahwa: ${nama}, NIK ${nik}, benar "
        "berdomisili di ${alamat}, ${dusun}, Desa ${desa}, Kecamatan ${kecamatan}, Kabupaten "
        "${kabupaten}."
    ),
    "SKTM": (
        "Yang bertanda tangan di bawah ini, Kepala ${desa}, Kecamatan ${kecamatan}, Kabupaten "
        "${kabupaten}, menerangkan dengan sebenarnya bahwa: ${nama}, NIK ${nik}, penduduk "
        "${dusun}, Desa ${desa}, benar berasal dari keluarga kurang mampu dengan penghasilan "
        "keluarga sekitar Rp ${penghasilan} per bulan."
    ),
    "SKU": (
        "Yang bertanda tangan di bawah ini, Kepala ${desa}, Kecamatan ${kecamatan}, Kabupaten "
        "${kabupaten}, menerangkan dengan sebenarnya bahwa: ${nama}, NIK ${nik}, benar memiliki "
        'usaha ${jenis_usaha} dengan nama "${nama_usaha}" yang beralamat di ${alamat_usaha}, dan '
        "telah berjalan sejak tahun ${mulai_usaha}."
    ),
    "SKCK": (
        "Yang bertanda tangan di bawah ini, Kepala ${desa}, Kecamatan ${kecamatan}, Kabupaten "
        "${kabupaten}, menerangkan dengan sebenarnya bahwa: ${nama}, NIK ${nik}, penduduk "
        "${dusun}, Desa ${desa}, sepanjang pengetahuan kami berkelakuan baik dan tidak pernah "
        "terlibat perkara pidana. Surat ini diberikan sebagai pengantar untuk mengurus Surat "
        "Keterangan Catatan Kepolisian (SKCK)."
    ),
    "SKL": (
        "Yang bertanda tangan di bawah ini, Kepala ${desa}, Kecamatan ${kecamatan}, Kabupaten "
        "${kabupaten}, menerangkan dengan sebenarnya bahwa: telah lahir seorang anak "
        "${jenis_kelamin_anak} bernama ${nama_anak} di ${tempat_lahir_anak} pada tanggal "
        "${tanggal_lahir_anak}, dari seorang ibu bernama ${nama_ibu} dan ayah bernama "
        "${nama_ayah}. Surat ini dimohonkan oleh ${nama}, NIK ${nik}."
    ),
    "SKM": (
        "Yang bertanda tangan di bawah ini, Kepala ${desa}, Kecamatan ${kecamatan}, Kabupaten "
        "${kabupaten}, menerangkan dengan sebenarnya bahwa: ${nama_almarhum}, NIK "
        "${nik_almarhum}, penduduk Desa ${desa}, telah meninggal dunia pada tanggal "
        "${tanggal_meninggal} di ${tempat_meninggal} karena ${sebab_meninggal}. Surat ini "
        "dimohonkan oleh ${nama}, NIK ${nik}."
    ),
    "SKP": (
        "Yang bertanda tangan di bawah ini, Kepala ${desa}, Kecamatan ${kecamatan}, Kabupaten "
        "${kabupaten}, menerangkan dengan sebenarnya bahwa: ${nama}, NIK ${nik}, penduduk "
        "${dusun}, Desa ${desa}, bermaksud pindah ke ${alamat_tujuan} dengan alasan "
        "${alasan_pindah}, bersama ${jumlah_pengikut} anggota keluarga."
    ),
    "SKET": (
        "Yang bertanda tangan di bawah ini, Kepala ${desa}, Kecamatan ${kecamatan}, Kabupaten "
        "${kabupaten}, menerangkan dengan sebenarnya bahwa: ${nama}, NIK ${nik}, penduduk "
        "${dusun}, Desa ${desa}. ${keterangan}"
    ),
}
NEW_TEMPLATES: dict[str, str] = {
    "SKD": (
        "Yang bertanda tangan di bawah ini, ${kepala_desa}, ${kecamatan_lengkap}, "
        "${kabupaten_lengkap}, menerangkan dengan sebenarnya bahwa ${nama}, NIK ${nik}, benar "
        "berdomisili di ${alamat}, ${wilayah}, ${kecamatan_lengkap}, ${kabupaten_lengkap}."
    ),
    "SKTM": (
        "Yang bertanda tangan di bawah ini, ${kepala_desa}, ${kecamatan_lengkap}, "
        "${kabupaten_lengkap}, menerangkan dengan sebenarnya bahwa ${nama}, NIK ${nik}, penduduk "
        "${wilayah}, benar berasal dari keluarga kurang mampu dengan penghasilan keluarga "
        "sekitar Rp ${penghasilan} per bulan."
    ),
    "SKU": (
        "Yang bertanda tangan di bawah ini, ${kepala_desa}, ${kecamatan_lengkap}, "
        "${kabupaten_lengkap}, menerangkan dengan sebenarnya bahwa ${nama}, NIK ${nik}, penduduk "
        '${wilayah}, benar memiliki usaha ${jenis_usaha} dengan nama "${nama_usaha}" yang '
        "beralamat di ${alamat_usaha} dan telah berjalan sejak tahun ${mulai_usaha}."
    ),
    "SKCK": (
        "Yang bertanda tangan di bawah ini, ${kepala_desa}, ${kecamatan_lengkap}, "
        "${kabupaten_lengkap}, menerangkan dengan sebenarnya bahwa ${nama}, NIK ${nik}, penduduk "
        "${wilayah}, sepanjang pengetahuan kami berkelakuan baik dan tidak pernah terlibat "
        "perkara pidana. Surat ini diberikan sebagai pengantar untuk mengurus Surat Keterangan "
        "Catatan Kepolisian (SKCK)."
    ),
    "SKL": (
        "Yang bertanda tangan di bawah ini, ${kepala_desa}, ${kecamatan_lengkap}, "
        "${kabupaten_lengkap}, menerangkan dengan sebenarnya bahwa telah lahir seorang anak "
        "${jenis_kelamin_anak} bernama ${nama_anak} di ${tempat_lahir_anak} pada tanggal "
        "${tanggal_lahir_anak}, dari seorang ibu bernama ${nama_ibu} dan ayah bernama "
        "${nama_ayah}. Surat ini dimohonkan oleh ${nama}, NIK ${nik}, penduduk ${wilayah}."
    ),
    "SKM": (
        "Yang bertanda tangan di bawah ini, ${kepala_desa}, ${kecamatan_lengkap}, "
        "${kabupaten_lengkap}, menerangkan dengan sebenarnya bahwa ${nama_almarhum}, NIK "
        "${nik_almarhum}, penduduk ${desa_lengkap}, telah meninggal dunia pada tanggal "
        "${tanggal_meninggal} di ${tempat_meninggal}. Sebab meninggal: ${sebab_meninggal}. Surat "
        "ini dimohonkan oleh ${nama}, NIK ${nik}."
    ),
    "SKP": (
        "Yang bertanda tangan di bawah ini, ${kepala_desa}, ${kecamatan_lengkap}, "
        "${kabupaten_lengkap}, menerangkan dengan sebenarnya bahwa ${nama}, NIK ${nik}, penduduk "
        "${wilayah}, bermaksud pindah ke ${alamat_tujuan} dengan alasan ${alasan_pindah}. Jumlah "
        "anggota keluarga yang ikut pindah: ${jumlah_pengikut} orang."
    ),
    "SKET": (
        "Yang bertanda tangan di bawah ini, ${kepala_desa}, ${kecamatan_lengkap}, "
        "${kabupaten_lengkap}, menerangkan dengan sebenarnya bahwa ${nama}, NIK ${nik}, adalah "
        "benar penduduk ${wilayah}. ${keterangan}"
    ),
}
BROKEN, FIXED = "Kepala ${desa}", "${kepala_desa}"
# The texts other than templates that named the general words when seeded.
OLD_DESCRIPTIONS = {
    "SKD": "Menerangkan bahwa penduduk benar berdomisili di desa ini.",
    "SKU": "Menerangkan bahwa penduduk memiliki usaha di desa ini.",
    "SKM": "Menerangkan kematian seorang penduduk. Dilayani langsung di kantor desa.",
    "SKP": "Pengantar pindah domisili ke luar desa. Dilayani langsung di kantor desa.",
}
OLD_LABELS = {("SKTM", "pengantar_dusun"): "Surat pengantar Kepala Dusun"}
PLACEHOLDER = re.compile(r"\$(?:(\$)|\{([_a-z][_a-z0-9]*)\})")


def _table(name: str, /, **columns: sa.types.TypeEngine) -> sa.TableClause:
    return sa.table(name, *(sa.column(key, kind) for key, kind in columns.items()))


TEXT = sa.String()
tenants = _table(
    "tenants",
    id=sa.Integer(),
    code=TEXT,
    kind=TEXT,
    name=TEXT,
    district_name=TEXT,
    regency_name=TEXT,
    profile=sa.JSON(),
)
letter_types = _table(
    "smart_government_letter_types",
    tenant_id=sa.Integer(),
    id=sa.Uuid(),
    code=TEXT,
    template=sa.Text(),
    description=sa.Text(),
    attachments=sa.JSON(),
)


def _villages(bind: sa.Connection) -> Iterator[SimpleNamespace]:
    """Each village (a plain row with what ``kit.terms`` needs), with the session set to it for the
    rows read and written next (PostgreSQL's policies; SQLite has none); cleared afterwards."""
    rows = [SimpleNamespace(**r._mapping) for r in bind.execute(sa.select(tenants).order_by(tenants.c.id))]
    postgresql = bind.dialect.name == "postgresql"
    try:
        for row in rows:
            if postgresql:
                bind.execute(sa.select(sa.func.set_config(PG_SETTING, str(row.id), True)))
            yield row
    finally:
        if postgresql:
            bind.execute(sa.select(sa.func.set_config(PG_SETTING, "", True)))


def _new_descriptions(words: village_terms.Terms) -> dict[str, str]:
    """The descriptions of this revision's seed, in the village's word (desa / kelurahan)."""
    village = words.village.lower()
    office = f"kantor {village}"
    return {
        "SKD": f"Menerangkan bahwa penduduk benar berdomisili di {village} ini.",
        "SKU": f"Menerangkan bahwa penduduk memiliki usaha di {village} ini.",
        "SKM": f"Menerangkan kematian seorang penduduk. Dilayani langsung di {office}.",
        "SKP": f"Pengantar pindah domisili ke luar {village}. Dilayani langsung di {office}.",
    }


def _new_labels(words: village_terms.Terms) -> dict[tuple[str, str], str]:
    return {("SKTM", "pengantar_dusun"): f"Surat pengantar {words.hamlet_head}"}


def _relabel(attachments: Any, code: str, labels: dict, wanted: dict) -> list[dict[str, Any]] | None:
    """``attachments`` with each label still equal to ``labels`` replaced by ``wanted``'s; None when
    nothing changes."""
    if not isinstance(attachments, list):
        return None
    out, changed = [], False
    for item in attachments:
        key = (code, item.get("key")) if isinstance(item, dict) else None
        if key in labels and item.get("label") == labels[key]:
            out.append({**item, "label": wanted[key]})
            changed = True
        else:
            out.append(item)
    return out if changed else None


def _rewrite(
    bind: sa.Connection,
    tenant_id: int,
    template: Callable[[str, str], str],
    descriptions: tuple[dict[str, str], dict[str, str]],
    labels: tuple[dict, dict],
) -> None:
    """Apply ``template(code, text)`` to each of the village's letter types, and replace the
    descriptions and labels equal to the first mapping of each pair by the second's."""
    query = sa.select(letter_types).where(letter_types.c.tenant_id == tenant_id)
    for row in bind.execute(query).all():
        values: dict[str, Any] = {}
        text = template(row.code, row.template or "")
        if text != row.template:
            values["template"] = text
        before, after = descriptions
        if row.code in before and row.description == before[row.code] and after[row.code] != before[row.code]:
            values["description"] = after[row.code]
        relabelled = _relabel(row.attachments, row.code, *labels)
        if relabelled is not None and relabelled != row.attachments:
            values["attachments"] = relabelled
        if values:
            bind.execute(
                sa.update(letter_types)
                .where(letter_types.c.tenant_id == tenant_id, letter_types.c.id == row.id)
                .values(**values)
            )


def _upgraded(code: str, text: str) -> str:
    if OLD_TEMPLATES.get(code) == text:
        return NEW_TEMPLATES[code]
    return text.replace(BROKEN, FIXED)


def upgrade() -> None:
    bind = op.get_bind()
    for village in _villages(bind):
        words = village_terms.terms_for(village)
        _rewrite(
            bind,
            village.id,
            _upgraded,
            (OLD_DESCRIPTIONS, _new_descriptions(words)),
            (OLD_LABELS, _new_labels(words)),
        )


def _written_out(village: SimpleNamespace, words: village_terms.Terms) -> dict[str, str]:
    """The new placeholders as the older code can print them: the village's words as text (``$``
    doubled) around the old placeholders."""

    def lit(s: str) -> str:
        return s.replace("$", "$$")

    city = (village.regency_name or "").strip().lower().startswith("kota ")
    return {
        "desa_lengkap": f"{lit(words.village)} ${{desa}}",
        "sebutan_desa": lit(words.village),
        "kepala_desa": f"{lit(words.village_head)} ${{desa}}",
        "sebutan_kepala_desa": lit(words.village_head),
        "dusun_lengkap": "${dusun}",
        "sebutan_dusun": lit(words.hamlet),
        "kepala_dusun": f"{lit(words.hamlet_head)} ${{dusun}}",
        "sebutan_kepala_dusun": lit(words.hamlet_head),
        "wilayah": f"${{dusun}}, {lit(words.village)} ${{desa}}",
        "kecamatan_lengkap": "Kecamatan ${kecamatan}",
        "kabupaten_lengkap": ("Kota" if city else "Kabupaten") + " ${kabupaten}",
    }


def downgrade() -> None:
    bind = op.get_bind()
    for village in _villages(bind):
        words = village_terms.terms_for(village)
        written = _written_out(village, words)

        def downgraded(code: str, text: str, written: dict[str, str] = written) -> str:
            if NEW_TEMPLATES.get(code) == text:
                return OLD_TEMPLATES[code]
            return PLACEHOLDER.sub(
                lambda m: m.group(0) if m.group(1) else written.get(m.group(2), m.group(0)), text
            )

        _rewrite(
            bind,
            village.id,
            downgraded,
            (_new_descriptions(words), OLD_DESCRIPTIONS),
            (_new_labels(words), OLD_LABELS),
        )
