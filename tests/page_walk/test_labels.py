"""Codes in words: roles with their area, states, audit events (labelled, built from the vocabulary,
or a plugin's own), a missing value, and the pages that show them."""

from __future__ import annotations

from types import SimpleNamespace

from flask_babel import lazy_gettext as _l

from desacerdas.testing import support
from desacerdas.web import labels


def _in(app, lang: str = "id"):  # noqa: ANN202
    return app.test_request_context(f"/?lang={lang}")


def test_roles_in_words_with_their_area(app):
    with _in(app):
        assert labels.role_name("village_head") == "Kepala Desa"
        regency = SimpleNamespace(role="regency_admin", tenant=None, area_prefix="51.07")
        assert labels.membership_name(regency) == "Admin kabupaten (Dinas PMD) · Karangasem"
        village = SimpleNamespace(role="operator", tenant=SimpleNamespace(name="Menanga"), area_prefix=None)
        assert labels.membership_name(village) == "Operator desa · Menanga"
        # a role nobody labelled keeps its code: the page walk reports it instead of hiding it
        assert labels.role_name("some_new_role") == "some_new_role"
    with _in(app, "en"):
        assert labels.membership_name(regency) == "Regency admin · Karangasem"


def test_states_in_words(app):
    with _in(app):
        assert labels.state_name("suspended", "village") == "Ditangguhkan"
        assert labels.state_name("queued", "job") == "Menunggu dimulai"
        assert labels.state_name("queued", "notification") == "Menunggu dikirim"
        assert labels.state_name("submitted") == "Diajukan"
        assert labels.state_name(None) == "—"
    labels.register_states("test_pillar.thing", {"half_done": _l("Half done")})
    with _in(app, "en"):
        assert labels.state_name("half_done", "test_pillar.thing") == "Half done"
        assert labels.state_name("half_done") == "Half done"  # found in a plugin's table too


def test_audit_events_in_words(app):
    with _in(app):
        assert labels.event_name("tenant.provisioned") == "Desa didaftarkan"
        assert labels.event_name("auth.login") == "Berhasil masuk"
        # not labelled: built from the subject and the verb
        assert labels.event_name("smart_government.resident.updated") == "Warga diubah"
        assert labels.event_name("letter_request.verify") == "Permohonan surat diverifikasi"
        assert labels.event_name("smart_government.account.pin_changed") == "Akun warga: PIN diubah"
        assert labels.event_name("auth.password_changed") == "Kata sandi diubah"
        # nothing known: still words, never the code
        assert labels.event_name("mystery.thing_happened") == "Kegiatan lain"
        text = labels.event_name("smart_government.something_odd")
        assert "smart_government" not in text and "Kegiatan lain" in text
    labels.register_events({"test_pillar.harvest.counted": _l("Harvest counted")})
    with _in(app, "en"):
        assert labels.event_name("test_pillar.harvest.counted") == "Harvest counted"


def test_event_details_and_targets(app):
    with _in(app):
        details = labels.event_details(
            {"role": "hamlet_head", "previous": "active", "secret_key": "x", "reason": None, "override": True}
        )
        assert details == [("Peran", "Kepala Dusun"), ("Sebelumnya", "Aktif"), ("Pengecualian", "Ya")]
        assert labels.event_target("user:12") == "Akun #12"
        assert labels.event_target("51.07.01.2003") == "51.07.01.2003"
        assert labels.event_target("gizmo:abcdef123456") == "Catatan abcdef12"
        assert labels.dash(None) == "—" and labels.dash("") == "—" and labels.dash(0) == 0


def test_the_audit_log_and_the_account_page_show_words(app, make_user, menanga):
    walk = app.test_client()
    admin = make_user("platform_admin")
    support.sign_in(walk, admin)
    page = walk.get("/admin/audit?lang=id").get_data(as_text=True)
    assert "Desa didaftarkan" in page and ">tenant.provisioned<" not in page
    assert 'data-action="tenant.provisioned"' in page  # the code stays for tools, not as text
    regency = make_user("regency_admin", menanga)
    support.sign_in(walk, regency)
    home = walk.get("/auth/?lang=id").get_data(as_text=True)
    assert "Admin kabupaten (Dinas PMD) · Karangasem" in home and "regency_admin" not in home
    support.sign_in(walk, make_user("village_head", menanga))  # Menanga is in Bali: its head is the Perbekel
    assert "Perbekel · Menanga" in walk.get("/auth/?lang=id").get_data(as_text=True)
    assert "Village head · Menanga" in walk.get("/auth/?lang=en").get_data(as_text=True)


def test_a_regency_admin_reads_only_their_villages_events(app, make_user, make_village, menanga):
    other = make_village("51.08.01.2001")  # Buleleng: not the regency admin's area (51.07)
    walk = app.test_client()
    support.sign_in(walk, make_user("regency_admin", menanga))
    page = walk.get("/admin/audit?lang=id").get_data(as_text=True)
    assert menanga.name in page and other.name not in page
    support.sign_in(walk, make_user("operator", menanga))
    assert walk.get("/admin/audit").status_code in (403, 404)


def test_a_none_printed_by_any_template_is_a_dash(app):
    with _in(app):
        rendered = app.jinja_env.from_string(
            "<dd>{{ missing }}</dd><dd>{{ '' }}</dd><dd>{{ 0 }}</dd>"
        ).render(missing=None)
    assert rendered == "<dd>—</dd><dd></dd><dd>0</dd>"
