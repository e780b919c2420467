"""Revision smart_government_0008 rewrites the letter types villages already have: a template as
seeded gets the new wording, an edited one keeps its edits with only "Kepala ${desa}" fixed, texts
as seeded get the village's words; its downgrade writes the new placeholders out for the older code.

Runs on the suite's database (SQLite, or PostgreSQL with FORCEd Row-Level Security in the PostgreSQL
lane): the branch goes down to smart_government_0007 and up to head again (where it is left).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import smart_government
from flask_migrate import downgrade, upgrade
from smart_government.letters.defaults import TEMPLATES
from sqlalchemy import text

from desacerdas.extensions import db
from desacerdas.tenancy import tenant_session

from .conftest import issue_text, words

_PATH = Path(smart_government.__file__).parent / "migrations" / "smart_government_0008_letter_wording.py"
_spec = importlib.util.spec_from_file_location("sg_0008_letter_wording", _PATH)
revision = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(revision)


def _migrate(app, target: str, down: bool = False) -> None:  # noqa: ANN001
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
        (downgrade if down else upgrade)(revision=target)
        db.engine.dispose()


def _rows(app, village_id: int) -> dict[str, dict]:  # noqa: ANN001
    """The village's letter types as stored (plain SQL: the models may be ahead of the schema)."""
    query = text(
        "SELECT code, template, description, attachments FROM smart_government_letter_types"
        " WHERE tenant_id = :t"
    )
    with app.app_context(), tenant_session(village_id) as s:
        out = {}
        for code, template, description, attachments in s.execute(query, {"t": village_id}):
            labels = json.loads(attachments) if isinstance(attachments, str) else attachments
            out[code] = {
                "template": template,
                "description": description,
                "labels": {a["key"]: a["label"] for a in labels or []},
            }
        return out


def _set(app, village_id: int, code: str, **values: str) -> None:  # noqa: ANN001
    assignments = ", ".join(f"{k} = :{k}" for k in values)
    query = text(
        f"UPDATE smart_government_letter_types SET {assignments} WHERE tenant_id = :t AND code = :c"  # noqa: S608
    )
    with app.app_context(), tenant_session(village_id) as s:
        s.execute(query, {**values, "t": village_id, "c": code})
        s.commit()


@pytest.fixture
def back_at_head(app):  # noqa: ANN001, ANN201
    yield
    _migrate(app, "smart_government@head")


def test_the_frozen_texts_are_todays_seed_and_the_old_ones_have_the_broken_phrase():
    # Today a migrated village gets exactly what a new village is seeded with; a later change of the
    # seed changes TEMPLATES, never this revision (then only the first assertion is to be dropped).
    assert revision.NEW_TEMPLATES == TEMPLATES
    assert all(revision.BROKEN in t for t in revision.OLD_TEMPLATES.values())
    assert set(revision.OLD_TEMPLATES) == set(revision.NEW_TEMPLATES)


def test_downgrade_then_upgrade_rewrites_the_villages_letter_types(app, bali, java, back_at_head):
    custom = "Kami, ${kepala_desa}, menerangkan ${nama} dari ${wilayah}. Biaya $$0 di ${kecamatan_lengkap}."
    _set(app, bali.id, "SKET", template=custom)

    _migrate(app, "smart_government_0007", down=True)
    menanga, wanaherang = _rows(app, bali.id), _rows(app, java.id)
    for code in ("SKD", "SKTM", "SKU", "SKM"):
        assert menanga[code]["template"] == revision.OLD_TEMPLATES[code]
        assert wanaherang[code]["template"] == revision.OLD_TEMPLATES[code]
    assert menanga["SKET"]["template"] == (
        "Kami, Perbekel ${desa}, menerangkan ${nama} dari ${dusun}, Desa ${desa}. "
        "Biaya $$0 di Kecamatan ${kecamatan}."
    )
    assert menanga["SKTM"]["labels"]["pengantar_dusun"] == "Surat pengantar Kepala Dusun"

    # As a village had them before the upgrade: one template edited around the broken phrase, one
    # description of its own.
    edited = revision.OLD_TEMPLATES["SKU"] + " Usaha ini terdaftar di BUMDes."
    _set(app, bali.id, "SKU", template=edited)
    _set(app, bali.id, "SKD", description="Domisili untuk warga kami.")

    _migrate(app, "smart_government@head")
    menanga, wanaherang = _rows(app, bali.id), _rows(app, java.id)
    for code in ("SKD", "SKTM", "SKCK", "SKL", "SKM", "SKP"):
        assert menanga[code]["template"] == TEMPLATES[code], code
        assert wanaherang[code]["template"] == TEMPLATES[code], code
    assert wanaherang["SKU"]["template"] == TEMPLATES["SKU"]
    assert menanga["SKU"]["template"] == edited.replace("Kepala ${desa}", "${kepala_desa}")
    assert menanga["SKET"]["template"].startswith("Kami, Perbekel ${desa}")  # the village's own text
    assert menanga["SKD"]["description"] == "Domisili untuk warga kami."
    assert menanga["SKTM"]["labels"]["pengantar_dusun"] == "Surat pengantar Kelian Banjar Dinas"
    assert wanaherang["SKTM"]["labels"]["pengantar_dusun"] == "Surat pengantar Kepala Dusun"

    # And the letters read right again.
    _token, raw = issue_text(app, bali, "SKU")
    text_ = words(raw)
    assert "Yang bertanda tangan di bawah ini, Perbekel Menanga, Kecamatan Rendang" in text_
    assert "Kepala Menanga" not in text_ and "Usaha ini terdaftar di BUMDes." in text_
    _token, raw = issue_text(app, java, "SKD")
    assert "ini, Kepala Desa Wanaherang, Kecamatan Gunungputri, Kabupaten Bogor" in words(raw)


def test_upgrading_twice_changes_nothing_more(app, bali, back_at_head):
    _migrate(app, "smart_government_0007", down=True)
    _migrate(app, "smart_government@head")
    once = _rows(app, bali.id)
    _migrate(app, "smart_government_0007", down=True)
    _migrate(app, "smart_government@head")
    assert _rows(app, bali.id) == once
