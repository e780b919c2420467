"""Social-aid pages: the programmes and their form, proposing a resident, the village deliberation
with its minutes, the handover of a period with its printed list, the import (a dry run first) and
the export; who may open which page (a resident none, a hamlet head their hamlet's candidates, a
facilitator reads only), another village's ids 404, refused forms say why, and the Indonesian
pages show words, not codes."""

from __future__ import annotations

import enum
import io
import re
import uuid
from datetime import date

import pytest
from flask_babel import force_locale
from page_walk import walker
from sg_letter_services.conftest import PDF, logo_png
from smart_society.aid import models as aid_models
from smart_society.aid.views_handover import receipt_prefix
from smart_society.aid.workflow import STATES
from sqlalchemy import func, select

from desacerdas.models import AuditEvent
from desacerdas.tenancy import tenant_session

from .aid_support import NIKS, YEAR, decide, give_niks, programme, propose

PROGRAMME_FORM = {
    "name": "BLT Dana Desa",
    "source": "blt_dd",
    "benefit": "cash",
    "amount": "300000",
    "schedule": "monthly",
    "unit": "family",
    "period_start": f"{YEAR}-01-01",
    "period_end": f"{YEAR}-12-31",
    "quota": "",
    "criteria": "Keluarga miskin ekstrem",
    "excludes": ["pkh", "bpnt"],
    "active": "y",
}


@pytest.fixture
def village(app, sv):  # noqa: ANN001, ANN201
    give_niks(app, sv)
    return sv


def _id_from(location: str, kind: str) -> str:
    found = re.search(rf"/aid/{kind}/([0-9a-f-]{{36}})", location)
    assert found, location
    return found.group(1)


def _recipient(app, village, resident: str = "wayan", **fields):  # noqa: ANN001, ANN202
    pid = programme(app, village, **fields)
    cand, _n = propose(app, village, "head", pid, resident)
    assert decide(app, village, "head", pid, approve=[cand])["approved"] == [cand]
    return pid, cand


def _receipt(prefix: str, **values: object) -> dict[str, object]:
    data = {
        "period": f"{YEAR}-01",
        "received_on": date.today().isoformat(),
        "handed_by": "Kelian Kaja",
        "proof": "signature",
        **values,
    }
    return {f"{prefix}-{k}": v for k, v in data.items()}


# -- who may open what -----------------------------------------------------------------------------


def test_pages_open_to_staff_hamlet_heads_and_facilitators_only(app, village, as_user):
    pid, cand = _recipient(app, village)
    pages = [
        "aid",
        f"aid/programmes/{pid}",
        f"aid/candidates/{cand}",
        f"aid/programmes/{pid}/periods/{YEAR}-01",
    ]
    for who in ("head", "secretary", "operator", "kelian_kaja", "facilitator"):
        client = as_user(village.people[who])
        for path in pages:
            assert client.get(village.page(path)).status_code == 200, (who, path)
    resident = as_user(village.people["wayan"])
    for path in [*pages, "aid/programmes/new", f"aid/programmes/{pid}/export.csv"]:
        assert resident.get(village.page(path)).status_code == 403, path
    forms = {
        "aid/programmes/new": ("head",),
        f"aid/programmes/{pid}/edit": ("head", "operator"),
        f"aid/programmes/{pid}/propose": ("head", "kelian_kaja"),
        f"aid/programmes/{pid}/decide": ("head", "secretary"),
        f"aid/programmes/{pid}/import": ("operator",),
    }
    for path, allowed in forms.items():
        for who in allowed:
            assert as_user(village.people[who]).get(village.page(path)).status_code == 200, (who, path)
    for who, path in (
        ("kelian_kaja", "aid/programmes/new"),
        ("kelian_kaja", f"aid/programmes/{pid}/decide"),
        ("kelian_kaja", f"aid/programmes/{pid}/import"),
        ("kelian_kaja", f"aid/programmes/{pid}/export.csv"),
        ("facilitator", f"aid/programmes/{pid}/propose"),
        ("facilitator", f"aid/programmes/{pid}/edit"),
    ):
        assert as_user(village.people[who]).get(village.page(path)).status_code == 403, (who, path)
    assert app.test_client().get(village.page("aid")).status_code in (302, 303)  # sign in first


def test_a_facilitator_reads_with_nik_masked_and_cannot_write(app, village, as_user):
    pid, cand = _recipient(app, village)
    client = as_user(village.people["facilitator"])
    html = client.get(village.page(f"aid/candidates/{cand}")).get_data(as_text=True)
    assert "I Wayan Sudarsana" in html and NIKS["wayan"] not in html and "5107********0001" in html
    assert "End the aid" not in html
    html = client.get(village.page(f"aid/programmes/{pid}/periods/{YEAR}-01")).get_data(as_text=True)
    assert "Record the receipt" not in html and NIKS["wayan"] not in html
    prefix = receipt_prefix(cand)
    assert (
        client.post(village.page(f"aid/candidates/{cand}/receipts"), data=_receipt(prefix)).status_code == 403
    )
    assert (
        client.post(village.page(f"aid/candidates/{cand}/end"), data={"reason": "moved"}).status_code == 403
    )
    assert client.get(village.page(f"aid/programmes/{pid}/decide")).status_code == 403
    staff = (
        as_user(village.people["operator"]).get(village.page(f"aid/candidates/{cand}")).get_data(as_text=True)
    )
    assert NIKS["wayan"] in staff and "End the aid" in staff


def test_a_hamlet_head_sees_and_proposes_in_their_hamlet_only(app, village, as_user):
    pid = programme(app, village, unit="person", excludes=[])
    kaja_cand, _n = propose(app, village, "head", pid, "wayan")
    kelod_cand, _n = propose(app, village, "head", pid, "made")
    kaja = as_user(village.people["kelian_kaja"])
    html = kaja.get(village.page(f"aid/programmes/{pid}")).get_data(as_text=True)
    assert "I Wayan Sudarsana" in html and "I Made Kelod" not in html
    assert "Proposed: 1 ·" in html and "1 person" in html  # the counts are of their hamlet too
    assert "Proposed: 1 ·" in kaja.get(village.page("aid")).get_data(as_text=True)
    assert "Proposed: 2 ·" in as_user(village.people["head"]).get(village.page("aid")).get_data(as_text=True)
    assert kaja.get(village.page(f"aid/candidates/{kelod_cand}")).status_code == 404
    assert kaja.get(village.page(f"aid/candidates/{kaja_cand}")).status_code == 200
    found = kaja.get(village.page(f"aid/programmes/{pid}/propose?q=Made")).get_data(as_text=True)
    assert "I Made Kelod" not in found and "No living resident found." in found
    # posting another hamlet's resident by hand is refused by the service
    resp = kaja.post(
        village.page(f"aid/programmes/{pid}/propose"),
        data={"resident": str(village.residents["made"]), "criteria_met": "Lansia", "q": "Made"},
    )
    assert resp.status_code == 403 and "You propose candidates of your own hamlet only." in resp.text
    kelod = as_user(village.people["kelian_kelod"])
    assert "I Made Kelod" in kelod.get(village.page(f"aid/programmes/{pid}")).get_data(as_text=True)


def test_another_village_does_not_know_the_ids(app, village, sv_b, as_user):
    pid, cand = _recipient(app, village)
    outsider = as_user(sv_b.people["head"])
    for path in (
        f"aid/programmes/{pid}",
        f"aid/programmes/{pid}/edit",
        f"aid/programmes/{pid}/decide",
        f"aid/programmes/{pid}/propose",
        f"aid/programmes/{pid}/import",
        f"aid/programmes/{pid}/export.csv",
        f"aid/programmes/{pid}/periods/{YEAR}-01",
        f"aid/programmes/{pid}/periods/{YEAR}-01.pdf",
        f"aid/candidates/{cand}",
    ):
        assert outsider.get(sv_b.page(path)).status_code == 404, path  # its own village: no such id
        assert outsider.get(village.page(path)).status_code == 404, path  # the other village: none
    prefix = receipt_prefix(cand)
    resp = outsider.post(sv_b.page(f"aid/candidates/{cand}/receipts"), data=_receipt(prefix))
    assert resp.status_code == 404
    assert outsider.post(sv_b.page(f"aid/candidates/{cand}/end"), data={"reason": "moved"}).status_code == 404
    # an unknown period of a known programme is 404 too
    head = as_user(village.people["head"])
    assert head.get(village.page(f"aid/programmes/{pid}/periods/1999-01")).status_code == 404
    assert head.get(village.page(f"aid/programmes/{pid}/periods/1999-01.pdf")).status_code == 404


# -- the whole flow through the pages --------------------------------------------------------------


def test_from_a_new_programme_to_a_handover_through_the_pages(app, village, as_user):
    head = as_user(village.people["head"])
    resp = head.post(village.page("aid/programmes/new"), data=PROGRAMME_FORM)
    assert resp.status_code == 303, resp.text[:3000]
    pid = _id_from(resp.headers["Location"], "programmes")
    html = head.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Programme BLT Dana Desa saved." in html and "Rp 300.000" in html
    assert "BPNT (Kemensos), PKH (Kemensos)" in html and "BLT-DD (village funds)" in html
    assert "BLT Dana Desa" in head.get(village.page("aid?source=blt_dd")).get_data(as_text=True)
    none = head.get(village.page("aid?source=pkh")).get_data(as_text=True)
    assert "No programme matches the filter." in none

    # the hamlet head finds Wayan by name and proposes him
    kaja = as_user(village.people["kelian_kaja"])
    url = village.page(f"aid/programmes/{pid}/propose")
    found = kaja.get(url + "?q=wayan").get_data(as_text=True)
    assert "I Wayan Sudarsana" in found and NIKS["wayan"] in found
    by_nik = kaja.get(url + f"?q={NIKS['wayan']}").get_data(as_text=True)
    assert "I Wayan Sudarsana" in by_nik
    resp = kaja.post(
        url,
        data={
            "resident": str(village.residents["wayan"]),
            "criteria_met": "Kehilangan pekerjaan",
            "q": "wayan",
        },
    )
    assert resp.status_code == 303, resp.text[:3000]
    cand = _id_from(resp.headers["Location"], "candidates")
    html = kaja.get(resp.headers["Location"]).get_data(as_text=True)
    assert "I Wayan Sudarsana is proposed for BLT Dana Desa." in html and "Proposed" in html
    assert "Kehilangan pekerjaan" in html and "No conflict found." in html

    # the Musdes approves him, with its minutes as a PDF
    url = village.page(f"aid/programmes/{pid}/decide")
    page = head.get(url).get_data(as_text=True)
    assert "I Wayan Sudarsana" in page and f"choice-{cand}" in page
    resp = head.post(
        url,
        data={
            "held_on": date.today().isoformat(),
            "decree_number": "141/01/KEP/DS",
            "note": "Musdes khusus",
            "minutes": (io.BytesIO(PDF), "berita-acara.pdf"),
            f"choice-{cand}": "approve",
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 303, resp.text[:3000]
    html = head.get(resp.headers["Location"]).get_data(as_text=True)
    assert "1 approved, 0 refused" in html and "SK 141/01/KEP/DS" in html
    minutes = re.search(r'href="([^"]+/documents/[0-9a-f-]{36}/download)"', html)
    assert minutes, html
    doc = head.get(minutes.group(1))
    assert doc.status_code == 200 and doc.data.startswith(b"%PDF")
    assert "Recipient" in head.get(village.page(f"aid/candidates/{cand}")).get_data(as_text=True)

    # the hamlet head records the January handover on the period's page
    period = village.page(f"aid/programmes/{pid}/periods/{YEAR}-01")
    page = kaja.get(period).get_data(as_text=True)
    prefix = receipt_prefix(uuid.UUID(cand))
    assert f'name="{prefix}-handed_by"' in page and "Not received yet" in page
    resp = kaja.post(
        village.page(f"aid/candidates/{cand}/receipts"),
        data=_receipt(prefix, received_on=f"{YEAR}-01-10"),
        content_type="multipart/form-data",
    )
    assert resp.status_code == 303, resp.text[:3000]
    page = kaja.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Receipt of I Wayan Sudarsana recorded." in page and "Rp 300.000" in page
    assert "handed over by Kelian Kaja" in page and f'name="{prefix}-handed_by"' not in page
    pdf = kaja.get(village.page(f"aid/programmes/{pid}/periods/{YEAR}-01.pdf"))
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.headers["Content-Disposition"].startswith("inline")
    assert pdf.headers["Cache-Control"] == "no-store"
    html = kaja.get(village.page(f"aid/candidates/{cand}")).get_data(as_text=True)
    assert "January" in html and "Kelian Kaja" in html

    # the export lists him in Indonesian words
    csv = head.get(village.page(f"aid/programmes/{pid}/export.csv"))
    assert csv.status_code == 200 and csv.headers["Cache-Control"] == "no-store"
    text = csv.get_data(as_text=True)
    with app.test_request_context(), force_locale("id"):
        recipient = str(STATES["recipient"])
    assert text.startswith("NIK,Nama,No KK,Banjar/Dusun,Status") and NIKS["wayan"] in text
    assert f",{recipient},BLT Dana Desa," in text
    xlsx = head.get(village.page(f"aid/programmes/{pid}/export.xlsx"))
    assert xlsx.status_code == 200 and xlsx.data.startswith(b"PK")
    assert head.get(village.page(f"aid/programmes/{pid}/export.pdf")).status_code == 404
    with app.app_context(), tenant_session(village.id) as s:  # NIKs left the platform: audited
        exported = select(func.count()).where(AuditEvent.action == "smart_society.aid.list_exported")
        assert s.scalar(exported) == 2

    # the staff end his aid: he moved away
    resp = head.post(
        village.page(f"aid/candidates/{cand}/end"),
        data={"reason": "moved", "ended_on": date.today().isoformat(), "note": ""},
    )
    assert resp.status_code == 303
    html = head.get(resp.headers["Location"]).get_data(as_text=True)
    assert "The aid of I Wayan Sudarsana ended." in html and "Moved away" in html and "Ended" in html
    assert ">moved<" not in html


def test_the_ministry_list_is_checked_then_imported(app, village, as_user):
    pid = programme(app, village, name="PKH", source="pkh", schedule="quarterly", unit="person", excludes=[])
    operator = as_user(village.people["operator"])
    url = village.page(f"aid/programmes/{pid}/import")
    listing = f"NIK,NAMA\n{NIKS['made']},I Made Kelod\n12345,Salah\n5107019999999999,Tidak Ada\n".encode()
    resp = operator.post(
        url, data={"file": (io.BytesIO(listing), "pkh.csv")}, content_type="multipart/form-data"
    )
    assert resp.status_code == 200, resp.text[:3000]
    html = resp.get_data(as_text=True)
    assert "Check of the file" in html and "Can be imported" in html and "Not a valid row" in html
    assert "Not in the registry" in html and "A NIK has 16 digits." in html
    assert "I Made Kelod" not in operator.get(village.page(f"aid/programmes/{pid}")).get_data(as_text=True)
    with app.app_context(), tenant_session(village.id) as s:  # the checks' audit event is kept
        checked = select(func.count()).where(AuditEvent.action == "aid.ledger_checked")
        assert s.scalar(checked) == 1
    resp = operator.post(
        url,
        data={"file": (io.BytesIO(listing), "pkh.csv"), "apply": "y"},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 303, resp.text[:3000]
    html = operator.get(resp.headers["Location"]).get_data(as_text=True)
    assert "1 recipient imported." in html and "2 rows were not imported" in html
    assert "I Made Kelod" in html and "Recipient" in html
    # a file without a NIK column, or no file at all, says why
    resp = operator.post(
        url, data={"file": (io.BytesIO(b"NAMA\nI Made\n"), "x.csv")}, content_type="multipart/form-data"
    )
    assert resp.status_code == 400 and "The file needs a NIK column." in resp.text
    resp = operator.post(url, data={}, content_type="multipart/form-data")
    assert resp.status_code == 400 and "Choose a file to upload." in resp.text


# -- conflicts in words ----------------------------------------------------------------------------


def test_a_conflict_is_named_in_words_and_another_village_by_source_and_period_only(
    app, village, sv_b, as_user
):
    pkh = programme(app, village, name="PKH", source="pkh", schedule="quarterly", excludes=[])
    cand, _n = propose(app, village, "head", pkh, "wayan")
    decide(app, village, "head", pkh, approve=[cand])
    blt = programme(app, village)
    head = as_user(village.people["head"])
    resp = head.post(
        village.page(f"aid/programmes/{blt}/propose"),
        data={"resident": str(village.residents["kadek"]), "criteria_met": "Janda", "q": "kadek"},
    )
    assert resp.status_code == 303
    html = head.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Conflict found for Ni Kadek Ayu" in html
    assert "Receives aid that excludes this one: PKH · PKH (Kemensos)," in html
    programme_page = head.get(village.page(f"aid/programmes/{blt}")).get_data(as_text=True)
    assert "1 open conflict" in programme_page
    # the deliberation holds her back, in words
    kadek = _id_from(resp.headers["Location"], "candidates")
    resp = head.post(
        village.page(f"aid/programmes/{blt}/decide"),
        data={"held_on": date.today().isoformat(), f"choice-{kadek}": "approve"},
    )
    assert resp.status_code == 303
    html = head.get(resp.headers["Location"]).get_data(as_text=True)
    assert "1 candidate held back, still proposed: Ni Kadek Ayu (receives aid that conflicts" in html

    # Made receives a secret-named programme in the other village (the same NIK there)
    give_niks(app, sv_b, {"made": NIKS["made"]})
    other = programme(
        app, sv_b, name="Bantuan Rahasia Bebandem", source="regency", unit="person", excludes=[]
    )
    there, _n = propose(app, sv_b, "head", other, "made")
    decide(app, sv_b, "head", other, approve=[there])
    person = programme(app, village, name="BLT Lansia", unit="person", source="regency", excludes=[])
    resp = head.post(
        village.page(f"aid/programmes/{person}/propose"),
        data={"resident": str(village.residents["made"]), "criteria_met": "Lansia", "q": "made"},
    )
    assert resp.status_code == 303
    html = head.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Receives aid in another village: Regency," in html
    assert "Rahasia" not in html and "Bebandem" not in html


# -- refused forms ---------------------------------------------------------------------------------


def test_refused_forms_say_why_with_400(app, village, as_user):
    head = as_user(village.people["head"])
    url = village.page("aid/programmes/new")
    resp = head.post(url, data={**PROGRAMME_FORM, "name": ""})
    assert resp.status_code == 400 and "Give the programme a name." in resp.text
    resp = head.post(url, data={**PROGRAMME_FORM, "period_end": f"{YEAR - 1}-12-31"})
    assert resp.status_code == 400 and "The period ends before it starts." in resp.text
    resp = head.post(url, data={**PROGRAMME_FORM, "amount": "banyak"})
    assert resp.status_code == 400 and "Give a whole number." in resp.text
    resp = head.post(url, data={**PROGRAMME_FORM, "source": "lottery"})
    assert resp.status_code == 400 and "Choose where the aid comes from." in resp.text
    assert head.post(url, data=PROGRAMME_FORM).status_code == 303
    resp = head.post(url, data=PROGRAMME_FORM)
    assert resp.status_code == 409 and "already has a programme of that name and period" in resp.text

    pid, cand = _recipient(app, village, name="BLT 2", unit="person", excludes=[])
    other, _n = propose(app, village, "head", pid, "made")
    decide_url = village.page(f"aid/programmes/{pid}/decide")
    resp = head.post(decide_url, data={"held_on": date.today().isoformat()})
    assert resp.status_code == 400 and "Choose at least one candidate to approve or refuse." in resp.text
    resp = head.post(decide_url, data={"held_on": date.today().isoformat(), f"choice-{other}": "refuse"})
    assert resp.status_code == 400 and "Give the reason of each refusal" in resp.text
    assert 'value="refuse" checked' in resp.text  # the choices made stay chosen
    resp = head.post(decide_url, data={"held_on": "", f"choice-{other}": "approve"})
    assert resp.status_code == 400 and "Give a date." in resp.text
    resp = head.post(
        decide_url,
        data={
            "held_on": date.today().isoformat(),
            f"choice-{other}": "approve",
            "minutes": (io.BytesIO(b"just some text"), "minutes.txt"),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code in (400, 415) and 'class="flash error"' in resp.text
    assert "Proposed" in head.get(village.page(f"aid/candidates/{other}")).get_data(as_text=True)

    prefix = receipt_prefix(cand)
    receipts = village.page(f"aid/candidates/{cand}/receipts")
    resp = head.post(receipts, data=_receipt(prefix, proof="photo"), content_type="multipart/form-data")
    assert resp.status_code == 400 and "Add the photo of the handover." in resp.text
    resp = head.post(receipts, data=_receipt(prefix, handed_by=""), content_type="multipart/form-data")
    assert resp.status_code == 400 and "Say who handed the aid over." in resp.text
    resp = head.post(receipts, data=_receipt(prefix, received_on=f"{YEAR + 1}-01-01"))
    assert resp.status_code == 400 and "The day of receipt is in the future." in resp.text
    assert head.post(receipts, data=_receipt(prefix)).status_code == 303
    resp = head.post(receipts, data=_receipt(prefix))
    assert resp.status_code == 409 and "already received the aid of this period" in resp.text
    # with a photo as the proof, the photo is a document of the village
    photo = {
        **_receipt(prefix, period=f"{YEAR}-02", proof="photo"),
        f"{prefix}-photo": (io.BytesIO(logo_png()), "serah.png"),
    }
    resp = head.post(receipts, data=photo, content_type="multipart/form-data")
    assert resp.status_code == 303, resp.text[:3000]
    page = head.get(resp.headers["Location"]).get_data(as_text=True)
    shown = re.search(r'href="([^"]+/documents/[0-9a-f-]{36}/download)">Photo<', page)
    assert shown and head.get(shown.group(1)).data.startswith(
        b"\xff\xd8"
    )  # re-encoded small, without metadata

    end = village.page(f"aid/candidates/{cand}/end")
    resp = head.post(end, data={"reason": "", "ended_on": date.today().isoformat()})
    assert resp.status_code == 400 and "Say why the aid ends." in resp.text
    resp = head.post(end, data={"reason": "moved", "ended_on": "kemarin"})
    assert resp.status_code == 400 and "Give a date." in resp.text
    # a candidate cannot end: the page offers nothing and the service says why
    resp = head.post(
        village.page(f"aid/candidates/{other}/end"),
        data={"reason": "moved", "ended_on": date.today().isoformat()},
    )
    assert resp.status_code == 409
    propose_url = village.page(f"aid/programmes/{pid}/propose")
    resp = head.post(propose_url, data={"resident": "", "criteria_met": "x"})
    assert resp.status_code == 400 and "Choose a resident." in resp.text
    resp = head.post(propose_url, data={"resident": str(village.residents["made"]), "criteria_met": "x"})
    assert resp.status_code == 409 and "already a candidate or recipient of this programme" in resp.text
    assert head.get(village.page("aid?source=lottery")).status_code == 400
    assert head.get(village.page(f"aid/programmes/{pid}?status=nonsense")).status_code == 400


# -- words, not codes ------------------------------------------------------------------------------


def _aid_codes() -> set[str]:
    values: set[str] = set()
    for item in vars(aid_models).values():
        if isinstance(item, type) and issubclass(item, enum.Enum) and item is not enum.Enum:
            values |= {str(m.value) for m in item}
    return values


def test_indonesian_pages_read_in_words(app, village, as_user):
    pid, cand = _recipient(app, village)
    client = as_user(village.people["head"])
    client.get("/?lang=id")
    with app.app_context():
        walker.codes()
        translated = "Handovers by period" in walker.english_msgids()
    codes = _aid_codes()
    findings = walker.Findings()
    for path in (
        "aid",
        f"aid/programmes/{pid}",
        f"aid/candidates/{cand}",
        f"aid/programmes/{pid}/periods/{YEAR}-01",
        f"aid/programmes/{pid}/decide",
        "aid/programmes/new",
    ):
        resp = client.get(village.page(path))
        assert resp.status_code == 200, path
        assert '<html lang="id">' in resp.text
        page = walker.parse(path, 200, resp.text, "id")
        walker.check(page, "id", 0, findings)
        for text in [*page.texts, *page.attrs]:
            assert text.strip() not in codes, (path, text)
            assert not re.search(r"\b(blt_dd|one_off|not_eligible|same_programme|other_village)\b", text)
    if not translated:  # the catalogue does not have the aid pages' words yet: codes only
        for url in list(findings.problems):
            findings.problems[url] = [
                p for p in findings.problems[url] if not p.startswith(("English", "untranslated"))
            ]
            if not findings.problems[url]:
                del findings.problems[url]
    assert not findings.problems, findings.report()


def test_forms_carry_their_csrf_token(app, village, as_user, monkeypatch):
    pid, cand = _recipient(app, village)
    kaja = as_user(village.people["kelian_kaja"])
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    prefix = receipt_prefix(cand)
    page = kaja.get(village.page(f"aid/programmes/{pid}/periods/{YEAR}-01")).get_data(as_text=True)
    token = re.search(rf'name="{prefix}-csrf_token" type="hidden" value="([^"]+)"', page)
    assert token, page
    url = village.page(f"aid/candidates/{cand}/receipts")
    assert kaja.post(url, data=_receipt(prefix)).status_code == 400  # without the token: nothing
    resp = kaja.post(url, data={**_receipt(prefix), f"{prefix}-csrf_token": token.group(1)})
    assert resp.status_code == 303
