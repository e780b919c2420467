"""In a real browser: the platform admin invites a village head; the head opens the link on a phone."""

from __future__ import annotations

import os
import re

import pytest

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
NEW = "kata-sandi-perbekel-1"
SHOTS = os.environ.get("DESA_SCREENSHOT_DIR")  # set it to look at the pages (a folder of your own)


def test_admin_invites_and_the_head_finishes_on_a_phone(live_server, browser, make_user, menanga):
    admin = make_user("platform_admin", email="admin-inv@desa.test")
    desk = browser.new_context(base_url=live_server, locale="id-ID")
    page = desk.new_page()
    page.goto("/auth/login")
    page.fill("input[name=login]", admin.email)
    page.fill("input[name=password]", admin.password)
    page.click("main button[type=submit]")
    page.goto(f"/admin/villages/{menanga.slug}")
    page.fill("input[name=invite-name]", "Ni Luh Perbekel")
    page.fill("input[name=invite-email]", "perbekel-inv@desa.test")
    page.select_option("select[name=invite-role]", "village_head")
    page.click("form[action$='/invite'] button[type=submit]")
    assert page.locator("svg.qr").is_visible()
    link = page.locator("input#issued-link").input_value()
    assert "/invitation/" in link
    assert "Undangan untuk Ni Luh Perbekel" in page.content()
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/invitation-admin.png", full_page=True)
    desk.close()

    phone = browser.new_context(base_url=live_server, viewport=PHONE, locale="id-ID", is_mobile=True)
    mobile = phone.new_page()
    mobile.goto(link.replace("http://localhost:8000", live_server))
    assert "Selamat datang di Desa Menanga" in mobile.locator("h1").inner_text()
    width = mobile.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width  # nothing overflows on a phone
    if SHOTS:
        mobile.screenshot(path=f"{SHOTS}/invitation-phone.png", full_page=True)
    mobile.fill("input[name=new]", NEW)
    mobile.fill("input[name=confirm]", NEW)
    mobile.click("main button[type=submit]")
    mobile.wait_for_url(re.compile(rf"/desa/{menanga.slug}/$"))
    assert "Kata sandi Anda sudah disimpan" in mobile.content()
    # The link is spent: opening it again says so, in words.
    mobile.goto(link.replace("http://localhost:8000", live_server))
    assert "sudah dipakai" in mobile.content()
    phone.close()
