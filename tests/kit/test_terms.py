"""Village terms and letterhead (``desacerdas.kit.terms``): regional defaults, the page, the API,
the audit trail, and the import of a pillar's old values."""

from __future__ import annotations

import io
import re
import uuid

import pytest

from desacerdas.extensions import db
from desacerdas.kit import terms
from desacerdas.models import AuditEvent, Tenant
from desacerdas.services import ServiceError
from desacerdas.services import documents as docs
from desacerdas.testing.support import village_session

BOGOR_VILLAGE = "32.01.02.2001"  # Wanaherang, Kabupaten Bogor, Jawa Barat: a desa outside Bali
DENPASAR_KELURAHAN = "51.71.01.1001"  # Serangan, Kota Denpasar: a kelurahan in Bali


def page(village) -> str:  # noqa: ANN001
    return f"/desa/{village.slug}/settings/terms"


def api(village) -> str:  # noqa: ANN001
    return f"/api/v1/desa/{village.slug}/terms"


def own(app, village) -> dict:  # noqa: ANN001
    with app.app_context():
        return terms.own_values(db.session.get(Tenant, village.id))


def profile(app, village) -> dict:  # noqa: ANN001
    with app.app_context():
        return dict(db.session.get(Tenant, village.id).profile or {})


def png(size: tuple[int, int] = (8, 8)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def html(resp) -> str:  # noqa: ANN001
    return resp.get_data(as_text=True)


# -- defaults by region ----------------------------------------------------------------------------


def test_a_balinese_village_gets_the_balinese_terms_and_its_letterhead(app, menanga):
    with app.app_context():
        tenant = db.session.get(Tenant, menanga.id)
        words = terms.terms_for(tenant)
        head = terms.letterhead_for(tenant)
    assert (words.village_head, words.hamlet, words.hamlet_head) == (
        "Perbekel",
        "Banjar Dinas",
        "Kelian Banjar Dinas",
    )
    assert words.village == "Desa" and words.head_title == "Perbekel Menanga"
    assert words.village_title == "Desa Menanga"
    assert head.lines() == ("PEMERINTAH KABUPATEN KARANGASEM", "KECAMATAN RENDANG", "DESA MENANGA")
    assert head.address == "Menanga, Kecamatan Rendang, Kabupaten Karangasem"
    assert head.place == "Menanga" and head.logo_document_id is None
    assert own(app, menanga) == {}


def test_a_village_outside_bali_gets_the_general_terms(app, make_village):
    bogor = make_village(BOGOR_VILLAGE)
    with app.app_context():
        tenant = db.session.get(Tenant, bogor.id)
        words = terms.terms_for(tenant)
        head = terms.letterhead_for(tenant)
    assert (words.village_head, words.hamlet, words.hamlet_head) == ("Kepala Desa", "Dusun", "Kepala Dusun")
    assert head.lines() == ("PEMERINTAH KABUPATEN BOGOR", "KECAMATAN GUNUNGPUTRI", "DESA WANAHERANG")


def test_a_kelurahan_is_headed_by_a_lurah_even_in_bali(app, make_village):
    serangan = make_village(DENPASAR_KELURAHAN)
    with app.app_context():
        tenant = db.session.get(Tenant, serangan.id)
        assert tenant.kind == "kelurahan"
        words = terms.terms_for(tenant)
        head = terms.letterhead_for(tenant)
    assert (words.village, words.village_head, words.hamlet, words.hamlet_head) == (
        "Kelurahan",
        "Lurah",
        "Lingkungan",
        "Kepala Lingkungan",
    )
    assert words.head_title == "Lurah Serangan"
    assert head.lines() == ("PEMERINTAH KOTA DENPASAR", "KECAMATAN DENPASAR SELATAN", "KELURAHAN SERANGAN")
    assert head.address == "Serangan, Kecamatan Denpasar Selatan, Kota Denpasar"


# -- the page --------------------------------------------------------------------------------------


def test_the_head_sees_the_defaults_as_placeholders_in_indonesian(app, menanga, make_user, login):
    client = login(make_user("village_head", menanga))
    body = html(client.get(page(menanga) + "?lang=id"))
    assert 'placeholder="Perbekel"' in body and 'placeholder="Kelian Banjar Dinas"' in body
    assert 'placeholder="DESA MENANGA"' in body and 'placeholder="Menanga"' in body
    assert "Sebutan setempat untuk kepala desa" in body and "Kop surat" in body and "Simpan" in body
    assert "PEMERINTAH KABUPATEN KARANGASEM" in body  # the letterhead as printed now


def test_saving_stores_only_what_differs_from_the_default(app, menanga, make_user, login):
    client = login(make_user("village_head", menanga))
    form = {
        "village_head": "Perbekel",  # the default: not stored
        "hamlet": "",
        "hamlet_head": "  Kelian Dinas ",
        "office_address": "Jalan Raya Menanga No. 1, Rendang 80863",
    }
    resp = client.post(page(menanga), data=form)
    assert resp.status_code == 302 and resp.headers["Location"].endswith(page(menanga))
    assert own(app, menanga) == {
        "hamlet_head": "Kelian Dinas",
        "office_address": "Jalan Raya Menanga No. 1, Rendang 80863",
    }
    shown = html(client.get(page(menanga)))
    assert 'value="Kelian Dinas"' in shown and "Jalan Raya Menanga No. 1" in shown
    # Emptying a field returns it to the default; the profile's other keys stay.
    client.post(page(menanga), data={"hamlet_head": "Kelian Dinas"})
    assert own(app, menanga) == {"hamlet_head": "Kelian Dinas"}
    client.post(page(menanga), data={})
    assert own(app, menanga) == {} and "terms" not in profile(app, menanga)
    assert profile(app, menanga).get("postal_code")


def test_a_bad_value_re_renders_the_form_with_its_message_in_indonesian(app, menanga, make_user, login):
    client = login(make_user("village_head", menanga))
    client.get(page(menanga) + "?lang=id")  # the language choice is kept in the session
    too_long = client.post(page(menanga), data={"village_head": "P" * 61, "letter_place": "Amlapura"})
    assert too_long.status_code == 400
    assert "Isian tidak boleh lebih dari 60 karakter." in html(too_long)
    assert 'value="Amlapura"' in html(too_long)  # what was typed is kept
    broken = client.post(page(menanga), data={"hamlet": "Banjar\nDinas"})
    assert broken.status_code == 400 and 'aria-invalid="true"' in html(broken)
    not_an_image = client.post(
        page(menanga),
        data={"logo": (io.BytesIO(b"not a picture"), "logo.png")},
        content_type="multipart/form-data",
    )
    assert not_an_image.status_code == 400 and "PNG atau JPEG" in html(not_an_image)
    huge = client.post(  # a few KB of PNG that would decode to 64 MB of pixels: refused before decoding
        page(menanga),
        data={"logo": (io.BytesIO(png((5000, 4000))), "logo.png")},
        content_type="multipart/form-data",
    )
    assert huge.status_code == 400 and "PNG atau JPEG" in html(huge)
    assert own(app, menanga) == {}


def test_a_logo_is_uploaded_printed_and_removed(app, menanga, make_user, login):
    client = login(make_user("village_secretary", menanga))
    resp = client.post(
        page(menanga), data={"logo": (io.BytesIO(png()), "logo.png")}, content_type="multipart/form-data"
    )
    assert resp.status_code == 302
    logo_id = own(app, menanga)["logo_document_id"]
    with village_session(app, menanga) as s:
        tenant = s.get(Tenant, menanga.id)
        assert terms.letterhead_for(tenant).logo_document_id == uuid.UUID(logo_id)
        assert terms.logo_bytes(tenant, s).startswith(b"\x89PNG")
    assert "remove_logo" in html(client.get(page(menanga)))
    client.post(page(menanga), data={"remove_logo": "y"})
    assert own(app, menanga) == {}


def test_who_may_open_the_page(app, menanga, bebandem, make_user, login, client):
    assert client.get(page(menanga)).status_code == 302  # to the sign-in page
    for role in ("operator", "hamlet_head", "regency_admin"):
        assert login(make_user(role, menanga)).get(page(menanga)).status_code == 403, role
        assert client.post(page(menanga), data={"village_head": "X"}).status_code == 403, role
    assert login(make_user("village_head", bebandem)).get(page(menanga)).status_code == 404
    assert client.post(page(menanga), data={"village_head": "X"}).status_code == 404
    assert login(make_user("platform_admin")).get(page(menanga)).status_code == 200
    assert own(app, menanga) == {}


def test_a_facilitator_may_edit_and_the_change_is_audited(app, menanga, make_user, login):
    facilitator = make_user("facilitator", menanga)
    client = login(facilitator)
    assert client.post(page(menanga), data={"office_name": "Kantor Perbekel Menanga"}).status_code == 302
    with app.app_context():
        event = db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.action == "village.terms_changed")
        ).one()
    assert event.tenant_id == menanga.id and event.actor_id == facilitator.id
    assert event.detail["set"] == {"office_name": "Kantor Perbekel Menanga"}
    assert event.detail["reset"] == [] and event.detail["roles"] == ["facilitator"]
    with app.app_context():
        head = terms.letterhead_for(db.session.get(Tenant, menanga.id))
    assert head.office == "Kantor Perbekel Menanga" and head.office_line == "KANTOR PERBEKEL MENANGA"
    # Saving the same again changes nothing and writes no second record.
    client.post(page(menanga), data={"office_name": "Kantor Perbekel Menanga"})
    with app.app_context():
        count = db.session.scalar(
            db.select(db.func.count(AuditEvent.id)).where(AuditEvent.action == "village.terms_changed")
        )
    assert count == 1


def test_the_form_needs_its_csrf_token(app, menanga, make_user, login, monkeypatch):
    client = login(make_user("village_head", menanga))
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post(page(menanga), data={"village_head": "Kepala Desa"}).status_code == 400
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html(client.get(page(menanga))))
    resp = client.post(page(menanga), data={"village_head": "Kepala Desa", "csrf_token": token.group(1)})
    assert resp.status_code == 302 and own(app, menanga) == {"village_head": "Kepala Desa"}


# -- the API ---------------------------------------------------------------------------------------


def test_the_api_reads_and_changes_the_terms(app, client, menanga, make_user, bearer):
    head = bearer(make_user("village_head", menanga))
    got = client.get(api(menanga), headers=head)
    assert got.status_code == 200
    body = got.get_json()
    assert body["village"] == "Desa" and body["values"]["village_head"] == "Perbekel" and body["own"] == {}
    assert body["defaults"]["office_name"] == "DESA MENANGA"
    assert body["letterhead"]["lines"][0] == "PEMERINTAH KABUPATEN KARANGASEM"
    changed = client.patch(
        api(menanga), json={"village_head": "Kepala Desa", "letter_place": "Rendang"}, headers=head
    )
    assert changed.status_code == 200
    assert changed.get_json()["own"] == {"village_head": "Kepala Desa", "letter_place": "Rendang"}
    assert changed.get_json()["letterhead"]["place"] == "Rendang"
    reset = client.patch(api(menanga), json={"letter_place": None}, headers=head)
    assert reset.get_json()["own"] == {"village_head": "Kepala Desa"}
    assert own(app, menanga) == {"village_head": "Kepala Desa"}


def test_the_api_refuses_bad_values(app, client, menanga, make_user, bearer):
    head = bearer(make_user("village_head", menanga))
    for bad in ({"village_head": ""}, {"hamlet": "x" * 61}, {"hamlet": "a\tb"}, {"colour": "red"}):
        resp = client.patch(api(menanga), json=bad, headers=head)
        assert resp.status_code == 422, bad
        assert resp.get_json()["error"]["code"] == "validation_error"
    with village_session(app, menanga) as s:
        tenant = s.get(Tenant, menanga.id)
        kk = docs.store(
            tenant, docs.NewFile(io.BytesIO(png()), "kk.png"), title="KK", kind="identity", session=s
        )
        kk_id = str(kk.id)
    not_a_logo = client.patch(api(menanga), json={"logo_document_id": kk_id}, headers=head)
    assert not_a_logo.status_code == 400 and not_a_logo.get_json()["error"]["code"] == "invalid_logo"
    nowhere = client.patch(api(menanga), json={"logo_document_id": str(uuid.uuid4())}, headers=head)
    assert nowhere.status_code == 400
    assert own(app, menanga) == {}


def test_who_may_use_the_api(app, client, menanga, bebandem, make_user, bearer):
    operator = bearer(make_user("operator", menanga))
    assert client.get(api(menanga), headers=operator).status_code == 200  # staff may read
    assert client.patch(api(menanga), json={"hamlet": "Dusun"}, headers=operator).status_code == 403
    outsider = bearer(make_user("village_head", bebandem))
    assert client.get(api(menanga), headers=outsider).status_code == 404
    assert client.patch(api(menanga), json={"hamlet": "Dusun"}, headers=outsider).status_code == 404
    assert client.get(api(menanga)).status_code == 401
    resident = bearer(make_user("resident", menanga))
    assert client.get(api(menanga), headers=resident).status_code == 403
    assert own(app, menanga) == {}


def test_a_logo_of_another_village_is_refused(app, client, menanga, bebandem, make_user, bearer):
    with village_session(app, bebandem) as s:
        theirs = docs.store(
            s.get(Tenant, bebandem.id),
            docs.NewFile(io.BytesIO(png()), "l.png"),
            title="L",
            kind="photo",
            session=s,
        )
        theirs_id = str(theirs.id)
    head = bearer(make_user("village_head", menanga))
    resp = client.patch(api(menanga), json={"logo_document_id": theirs_id}, headers=head)
    assert resp.status_code == 400 and own(app, menanga) == {}


def test_the_api_is_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    item = spec["paths"]["/api/v1/desa/{slug}/terms"]
    assert {"get", "patch"} <= set(item)
    assert "village.profile.manage" in item["patch"]["description"] + item["patch"]["summary"]


# -- the service -----------------------------------------------------------------------------------


def test_two_saves_from_stale_objects_keep_both_changes(app, menanga):
    with app.app_context():
        stale = db.session.get(Tenant, menanga.id)
        with village_session(app, menanga) as s:
            terms.update(s.get(Tenant, menanga.id), {"hamlet": "Banjar"}, session=s)
        terms.update(stale, {"letter_place": "Rendang"})  # stale.profile has no hamlet yet
        assert terms.own_values(stale) == {"hamlet": "Banjar", "letter_place": "Rendang"}
    assert own(app, menanga) == {"hamlet": "Banjar", "letter_place": "Rendang"}


def test_the_service_refuses_bad_values_with_a_service_error(app, menanga):
    with app.app_context():
        tenant = db.session.get(Tenant, menanga.id)
        for bad in ({"village_head": ""}, {"office_name": "x" * 121}, {"unknown": "y"}):
            with pytest.raises(ServiceError) as err:
                terms.update(tenant, bad)
            assert err.value.code == "invalid_terms"


def test_a_pillars_old_values_are_imported_once_and_never_over_the_villages_own(app, menanga):
    legacy = {
        "term_village_head": "Kepala Desa",
        "term_hamlet": "Banjar Dinas",  # the Balinese default now: nothing to keep
        "office_name": "",  # empty meant "derived": the default
        "office_address": "Jl. Raya Menanga 1",
        "number_format": "{seq:03}",  # not a term: ignored
    }
    platform = {"letter_place": "Karangasem", "logo_document_id": str(uuid.uuid4())}
    with app.app_context():
        tenant = db.session.get(Tenant, menanga.id)
        assert terms.legacy_changes(tenant, legacy, platform) == {
            "village_head": "Kepala Desa",
            "office_address": "Jl. Raya Menanga 1",
            "letter_place": "Karangasem",  # the platform's value, which the village saw
        }
        terms.update(tenant, {"office_address": "Jl. Baru 2"})
        copied = terms.import_legacy(tenant, legacy, platform)
        assert copied == {"village_head": "Kepala Desa", "letter_place": "Karangasem"}
        assert terms.import_legacy(tenant, legacy, platform) == {}  # idempotent
        assert terms.own_values(tenant)["office_address"] == "Jl. Baru 2"
        imported = db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.action == "village.terms_imported")
        ).all()
    assert len(imported) == 1 and imported[0].detail["keys"] == ["letter_place", "village_head"]


# -- the command line ------------------------------------------------------------------------------


def test_the_command_line_shows_and_sets_the_terms(app, menanga):
    from desacerdas.kit.terms_cli import group

    runner = app.test_cli_runner()
    shown = runner.invoke(group, ["show", "--tenant", menanga.slug])
    assert shown.exit_code == 0 and "village_head = Perbekel  (default)" in shown.output
    assert "PEMERINTAH KABUPATEN KARANGASEM / KECAMATAN RENDANG / DESA MENANGA" in shown.output
    changed = runner.invoke(group, ["set", "--tenant", menanga.slug, "village_head=Kepala Desa", "hamlet="])
    assert changed.exit_code == 0, changed.output
    assert "village_head = Kepala Desa\n" in changed.output
    assert own(app, menanga) == {"village_head": "Kepala Desa"}
    bad = runner.invoke(group, ["set", "--tenant", menanga.slug, "colour=red"])
    assert bad.exit_code == 1 and "KEY=VALUE" in bad.output
    too_long = runner.invoke(group, ["set", "--tenant", menanga.slug, "hamlet=" + "x" * 61])
    assert too_long.exit_code == 1 and "Invalid village terms" in too_long.output
    assert runner.invoke(group, ["show", "--tenant", "nowhere"]).exit_code == 1
