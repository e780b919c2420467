"""The browser lane for letters: a resident asks for a letter on a phone, the office processes it,
the resident downloads the PDF and a stranger checks it on the public verification page.

The resident's phone runs with JavaScript switched off the whole way (sign-in, PIN change, the
request form with its photo uploads, the download): the pages must work without it. The office's
staff use ordinary browser contexts. The resident's two pages are also weighed as a phone with an
empty cache loads them (HTML and CSS), like the village home page in ``test_admin_flow``.
"""

from __future__ import annotations

import hashlib
import io
import re
import uuid
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from smart_government.accounts import service as accounts
from smart_government.letters.models import Letter, LetterType
from smart_government.registry import create_family, create_resident
from smart_government.registry.models import Sex
from sqlalchemy import select

from desacerdas.extensions import db
from desacerdas.kit import terms
from desacerdas.services import rollout
from desacerdas.services import tenants as tenant_svc
from desacerdas.tenancy import tenant_session

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
PAGE_BUDGET = 40 * 1024
NIK = "5107011705900001"  # Kecamatan Rendang, born 17-05-1990, male
KK = "5107011203150001"
NAME = "I Wayan Sudarsana"
MASKED = "I W**** S********"
NEW_PIN = "482916"
OFFICE_ADDRESS = "Jl. Raya Menanga No. 1, Rendang, Karangasem 80863"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
    b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _transferred(request) -> int:  # noqa: ANN001 - a Playwright Request
    """Bytes on the wire for one response: headers plus (possibly compressed) body."""
    sizes = request.sizes()
    body = sizes["responseBodySize"]
    if body <= 0:  # not reported (e.g. served from memory): fall back to the decoded body
        response = request.response()
        body = len(response.body()) if response is not None else 0
    return max(sizes["responseHeadersSize"], 0) + body


def _prepare(app, village) -> tuple[str, uuid.UUID]:  # noqa: ANN001
    """Through the services: the pillar on, a hamlet, a resident with a real NIK and an account
    (returns its initial PIN), the office address on the letterhead; and the SKD type's id."""
    with app.app_context():
        tenant = village.tenant()
        hamlet = tenant_svc.add_hamlet(tenant, "Banjar Dinas Kaja").id
        rollout.enable(tenant, "smart_government", override_reason="test")
        terms.update(tenant, {"office_address": OFFICE_ADDRESS})
        db.session.remove()
        tenant = village.tenant()
        with tenant_session(village.id) as s:
            family = create_family(s, kk_number=KK, hamlet_id=hamlet, address="Jl. Raya Kaja 7")
            person = create_resident(
                s,
                nik=NIK,
                name=NAME,
                birth_place="Karangasem",
                birth_date=date(1990, 5, 17),
                sex=Sex.MALE,
                hamlet_id=hamlet,
                family_id=family.id,
                religion="Hindu",
                occupation="Petani",
            )
            _account, pin = accounts.create_account(tenant, s, person, None)
            s.commit()
            skd = s.scalar(select(LetterType.id).where(LetterType.code == "SKD"))
    assert skd is not None, "enabling the pillar seeds the common letter types"
    return pin, skd


def _letter(app, village_id: int, request_id: str) -> Letter:  # noqa: ANN001
    with app.app_context(), tenant_session(village_id) as s:
        letter = s.scalar(select(Letter).where(Letter.request_id == uuid.UUID(request_id)))
        s.expunge_all()
    assert letter is not None
    return letter


def _pdf_text(pdf: bytes) -> str:
    from pypdf import PdfReader

    return " ".join((page.extract_text() or "") for page in PdfReader(io.BytesIO(pdf)).pages)


def _qr_urls(pdf: bytes) -> set[str]:
    """What the QR code(s) printed in the letter say."""
    import zxingcpp
    from pypdf import PdfReader

    images = PdfReader(io.BytesIO(pdf)).pages[0].images
    return {b.text for img in images for b in zxingcpp.read_barcodes(img.image.convert("L"))}


def _staff_context(browser, live_server: str, person):  # noqa: ANN001, ANN202
    """A browser signed in as a staff member through the platform's sign-in page."""
    context = browser.new_context(base_url=live_server, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto("/auth/login")
    page.fill("input[name=login]", person.email)
    page.fill("input[name=password]", person.password)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/auth/login" not in url)
    return context, page


def _weigh(browser, live_server: str, storage_state: dict, path: str) -> tuple[int, list[str]]:
    """(bytes transferred, script sources) of one page opened by a phone with an empty cache."""
    context = browser.new_context(
        base_url=live_server,
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        storage_state=storage_state,
    )
    page = context.new_page()
    finished, failed = [], []
    page.on("requestfinished", lambda request: finished.append(request))
    page.on("requestfailed", lambda request: failed.append(request))
    response = page.goto(path, wait_until="load")
    assert response is not None and response.status == 200, path
    page.wait_for_load_state("networkidle")
    assert not failed, [r.url for r in failed]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], (
        f"{path} is wider than a phone"
    )
    weights = {r.url: _transferred(r) for r in finished}
    scripts = page.eval_on_selector_all("script[src]", "nodes => nodes.map(n => n.src)")
    context.close()
    for url, size in weights.items():
        print(f"  {size:>7} B  {url}")
    total = sum(weights.values())
    print(f"{path}: {len(weights)} responses, {total} bytes transferred ({total / 1024:.1f} KB)")
    assert all(url.startswith(live_server) for url in weights), "a page pulls something from another host"
    assert any(url.endswith(".css") for url in weights), "the stylesheet was not loaded"
    return total, scripts


def test_a_resident_requests_a_letter_on_a_phone_and_a_stranger_verifies_it(
    app, live_server, browser, menanga, make_user, screenshots
):
    pin, skd = _prepare(app, menanga)
    operator = make_user("operator", menanga, name="Kadek Operator")
    head = make_user("village_head", menanga, name="I Nyoman Perbekel")
    base = f"/desa/{menanga.slug}/smart_government"

    # -- the resident's phone, JavaScript off: sign in with NIK and the PIN from the office ---------
    phone = browser.new_context(
        base_url=live_server,
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        java_script_enabled=False,
    )
    page = phone.new_page()
    page.goto(f"{base}/masuk")
    assert page.locator("html").get_attribute("lang") == "id"  # the platform's default language
    page.fill("input[name=nik]", NIK)
    page.fill("input[name=pin]", pin)
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/smart_government/pin$"))  # a PIN set by the office is changed first
    page.fill("input[name=current]", pin)
    page.fill("input[name=new]", NEW_PIN)
    page.fill("input[name=confirm]", NEW_PIN)
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/smart_government/akun$"))
    expect(page.locator(".flash.success")).to_be_visible()

    # "My letters" from the menu, then "Request a letter", then the SKD.
    page.click(f"nav.main a[href='{base}/letters/mine']")
    page.wait_for_url(re.compile(r"/letters/mine$"))
    expect(page.locator("ul.my-letters")).to_have_count(0)  # nothing asked yet
    page.click(f"main a.button[href='{base}/letters/request']")
    page.wait_for_url(re.compile(r"/letters/request$"))
    page.click(f"ul.letter-types a[href*='type={skd}']")
    page.wait_for_url(re.compile(rf"type={skd}$"))
    assert page.locator("h2").inner_text() == "Surat Keterangan Domisili"

    # Sending it without the photos is refused next to the fields, and what was typed stays.
    page.fill("input[name=purpose]", "Melamar pekerjaan")
    page.click("main form button[type=submit]")
    expect(page.locator(".flash.error")).to_be_visible()
    expect(page.locator(".field.invalid input[name=attachment_ktp]")).to_have_count(1)
    assert page.input_value("input[name=purpose]") == "Melamar pekerjaan"
    page.set_input_files(
        "input[name=attachment_ktp]", {"name": "ktp.png", "mimeType": "image/png", "buffer": PNG}
    )
    page.set_input_files(
        "input[name=attachment_kk]", {"name": "kk.png", "mimeType": "image/png", "buffer": PNG}
    )
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/letters/requests/[0-9a-f-]{36}$"))
    request_id = page.url.rsplit("/", 1)[1]
    request_path = f"{base}/letters/requests/{request_id}"
    expect(page.locator("main p .status")).to_have_class(re.compile(r"\bstatus-submitted\b"))

    page.click(f"main a[href='{base}/letters/mine']")
    page.wait_for_url(re.compile(r"/letters/mine$"))
    mine = page.locator("ul.my-letters > li")
    expect(mine).to_have_count(1)
    expect(mine.locator(".status")).to_have_class(re.compile(r"\bstatus-submitted\b"))
    assert "Melamar pekerjaan" in mine.inner_text()
    mine.locator("details summary").click()
    expect(mine.locator("ol.timeline > li")).to_have_count(1)
    expect(mine.locator("a[href$='/pdf']")).to_have_count(0)  # no letter yet

    # -- the office: the operator verifies, the village head signs, the operator issues ----------
    office, desk = _staff_context(browser, live_server, operator)
    desk.goto(f"{base}/letters/requests")
    expect(desk.locator("#count")).to_contain_text("1")
    desk.click(f"ul.letter-requests a[href='{request_path}']")
    desk.wait_for_url(re.compile(rf"{request_id}$"))
    assert NIK in desk.locator("dl.facts").inner_text()  # staff see the NIK
    expect(desk.locator("main ul a[href$='/attachments/ktp']")).to_have_count(1)
    expect(desk.locator("form.action-sign")).to_have_count(0)  # not before it is verified
    desk.click("form.action-verify button[type=submit]")
    expect(desk.locator("main p .status")).to_have_class(re.compile(r"\bstatus-verified\b"))
    expect(desk.locator("form.action-issue")).to_have_count(0)  # not before it is signed

    chief, head_page = _staff_context(browser, live_server, head)
    head_page.goto(request_path)
    sign = head_page.locator("form.action-sign")
    expect(sign).to_have_count(1)
    expect(sign.locator("select[name=prefix]")).to_have_count(0)  # the head signs plainly
    sign.locator("button[type=submit]").click()
    expect(head_page.locator("main p .status")).to_have_class(re.compile(r"\bstatus-signed\b"))
    assert "I Nyoman Perbekel" in head_page.locator("dl.facts").inner_text()
    chief.close()

    desk.goto(request_path)
    desk.click("form.action-issue button[type=submit]")
    expect(desk.locator("main p .status")).to_have_class(re.compile(r"\bstatus-issued\b"))
    letter = _letter(app, menanga.id, request_id)
    expect(desk.locator("section.letter dl.facts")).to_contain_text(letter.number)
    expect(desk.locator("section.letter code.hash")).to_have_text(letter.sha256)
    office.close()

    # -- the resident again: the letter is issued; download the PDF -------------------------------
    page.goto(f"{base}/letters/mine")
    mine = page.locator("ul.my-letters > li")
    expect(mine.locator(".status")).to_have_class(re.compile(r"\bstatus-issued\b"))
    assert letter.number in mine.inner_text()
    mine.locator("details summary").click()
    expect(mine.locator("ol.timeline > li")).to_have_count(4)  # submitted, verified, signed, issued
    page.screenshot(path=screenshots / "desa-my-letters.png", full_page=True)
    with page.expect_download() as download:
        mine.locator("a[href$='/pdf']").click()
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    assert hashlib.sha256(pdf).hexdigest() == letter.sha256
    printed = " ".join(_pdf_text(pdf).split())
    assert OFFICE_ADDRESS in printed and letter.number in printed and NAME in printed  # the office's setting

    # The QR code printed on the letter leads to this village's public verification page.
    verify_path = f"{base}/verify/{letter.token}"
    assert _qr_urls(pdf) == {f"{live_server}{verify_path}"}
    page.goto(request_path)
    expect(page.locator(f"section.letter a[href='{verify_path}']")).to_have_count(1)
    resident_state = phone.storage_state()
    phone.close()

    # -- a stranger (a bank, a school) without an account checks the letter -----------------------
    stranger = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    check = stranger.new_page()
    response = check.goto(f"{live_server}{verify_path}")
    assert response is not None and response.status == 200
    facts = check.locator("dl.facts").inner_text()
    assert letter.number in facts and MASKED in facts
    assert NAME not in check.content() and NIK not in check.content()
    expect(check.locator(".verify-valid")).to_be_visible()
    check.set_input_files(
        "input[name=file]", {"name": "surat.pdf", "mimeType": "application/pdf", "buffer": pdf}
    )
    check.click("main form button[type=submit]")
    expect(check.locator(".verify-match")).to_be_visible()
    check.screenshot(path=screenshots / "desa-letter-verify.png", full_page=True)
    # A changed copy is not the issued letter.
    check.set_input_files(
        "input[name=file]", {"name": "surat.pdf", "mimeType": "application/pdf", "buffer": pdf + b"%x"}
    )
    check.click("main form button[type=submit]")
    expect(check.locator(".verify-mismatch")).to_be_visible()
    expect(check.locator(".verify-match")).to_have_count(0)
    stranger.close()

    # -- the weight of the resident's pages on a phone with an empty cache ------------------------
    for path in (f"{base}/letters/mine", f"{base}/letters/request?type={skd}"):
        total, scripts = _weigh(browser, live_server, resident_state, path)
        assert total < PAGE_BUDGET, f"{path} weighs {total} bytes"
        assert [s for s in scripts if urlsplit(s).netloc != urlsplit(live_server).netloc] == []
