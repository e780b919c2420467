"""The browser lane: a platform admin provisions a village through the pages and a phone opens it.

It also weighs the village home page as a phone on a slow connection would load it: every response
the page pulls in (HTML, CSS, JS, fonts, images) must add up to less than 100 KB.
"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

CODE = "51.07.04.2007"  # Desa Seraya Barat, Kecamatan Karangasem
PHONE = {"width": 360, "height": 740}
HOME_BUDGET = 100 * 1024


def _transferred(request) -> int:  # noqa: ANN001 - a Playwright Request
    """Bytes on the wire for one response: headers plus (possibly compressed) body."""
    sizes = request.sizes()
    body = sizes["responseBodySize"]
    if body <= 0:  # not reported (e.g. served from memory): fall back to the decoded body
        response = request.response()
        body = len(response.body()) if response is not None else 0
    return max(sizes["responseHeadersSize"], 0) + body


def test_admin_provisions_a_village_and_a_phone_opens_it(live_server, browser, make_user, screenshots):
    admin = make_user("platform_admin", email="admin@desa.test")

    context = browser.new_context(base_url=live_server, locale="id-ID")
    page = context.new_page()

    # Anonymous: the admin page sends us to sign in, and back afterwards.
    page.goto("/admin/villages")
    assert "/auth/login" in page.url
    page.fill("input[name=login]", admin.email)
    page.fill("input[name=password]", admin.password)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/admin/villages$"))
    assert page.evaluate("document.documentElement.lang") == "id"  # the platform's default language

    # Provision by code from the list page (the form is folded away once villages exist).
    if not page.locator("details.box").evaluate("details => details.open"):
        page.click("details.box summary")
    page.fill("input[name=code]", CODE)
    page.click("details.box button[type=submit]")
    page.wait_for_url(re.compile(r"/admin/villages/seraya-barat$"))
    assert "Seraya Barat" in page.locator("h1").inner_text()
    assert "51.07.04.2007" in page.locator(".flash.success").inner_text()
    facts = page.locator("dl.facts").inner_text()
    assert CODE in facts and "Kabupaten Karangasem" in facts and "Bali" in facts

    # A malformed code is refused on the page, with the reason next to the field.
    page.goto("/admin/villages/new")
    page.fill("input[name=code]", "51.07")
    page.click("main button[type=submit]")
    assert "'51.07'" in page.locator(".field.invalid .error").inner_text()

    # Switch the language: Indonesian is the default, English is one link away and sticks.
    page.goto("/admin/villages/seraya-barat")
    assert page.evaluate("document.documentElement.lang") == "id"
    page.click("nav.langs a[hreflang=en]")
    page.wait_for_url(re.compile(r"lang=en"))
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.locator("h1").inner_text().startswith("Seraya Barat")
    page.goto("/admin/villages")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.locator("h1").inner_text() == "Villages"
    cookies = context.storage_state()
    context.close()

    # A phone with an empty cache opens the village's home page (same session, same language).
    phone = browser.new_context(
        base_url=live_server,
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        storage_state=cookies,
    )
    page = phone.new_page()
    finished = []
    page.on("requestfinished", lambda request: finished.append(request))
    failed = []
    page.on("requestfailed", lambda request: failed.append(request))
    response = page.goto("/desa/seraya-barat/", wait_until="load")
    assert response is not None and response.status == 200
    page.wait_for_load_state("networkidle")
    assert not failed, [r.url for r in failed]
    assert page.evaluate("document.documentElement.lang") == "en"
    assert "Seraya Barat" in page.locator("h1").inner_text()

    weights = {r.url: _transferred(r) for r in finished}
    total = sum(weights.values())
    for url, size in weights.items():
        print(f"  {size:>7} B  {url}")
    print(f"village home page: {len(weights)} responses, {total} bytes transferred ({total / 1024:.1f} KB)")
    assert any(url.endswith(".css") for url in weights), "the stylesheet was not loaded"
    assert total < HOME_BUDGET, f"home page weighs {total} bytes"

    # Fits the phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=screenshots / "desa-home.png", full_page=True)
    phone.close()
