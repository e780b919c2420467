"""The scaffold ships a complete, compiled Indonesian catalogue: every text the generated code marks
for translation is translated, and the compiled .mo gives the Indonesian wording."""

from __future__ import annotations

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from babel.support import Translations

from desacerdas.plugin_system.scaffold import create_plugin


def test_every_marked_text_is_translated_in_the_catalogue(tmp_path):
    root = create_plugin("waste_bank", tmp_path)
    method_map, options_map = parse_mapping_cfg((root / "babel.cfg").open(encoding="utf-8"))
    marked = {
        (msgid if isinstance(msgid, str) else msgid[0])
        for _file, _line, msgid, _comments, _context in extract_from_dir(str(root), method_map, options_map)
    }
    assert "Nothing recorded yet." in marked and "%(num)d unit" in marked and "Items recorded" in marked
    # form labels and messages (lazy_gettext as _l, found through babel.cfg's keywords), the
    # service's refusal (desacerdas.services.i18n._) and the list's filter labels
    assert {"Give a title.", "Quantity", "%(title)s is already on the list.", "Title contains"} <= marked
    translations = root / "waste_bank" / "translations"
    with (translations / "id" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f)
    translated = {(m.id if isinstance(m.id, str) else m.id[0]): m.string for m in catalog if m.id}
    missing = sorted(t for t in marked if not translated.get(t))
    assert missing == [], f"not translated in messages.po: {missing}"
    with (translations / "messages.pot").open("rb") as f:
        template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    assert template == set(translated)


def test_the_compiled_catalogue_translates(tmp_path):
    root = create_plugin("waste_bank", tmp_path)
    catalogue = Translations.load(str(root / "waste_bank" / "translations"), ["id"])
    assert catalogue.gettext("Add an item") == "Tambah barang"
    assert catalogue.ngettext("%(num)d unit", "%(num)d units", 3) % {"num": 3} == "3 buah"
    assert catalogue.gettext("What %(village)s has recorded.") % {"village": "Menanga"} == (
        "Yang sudah dicatat Menanga."
    )
