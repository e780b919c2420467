"""A village gets ready by itself, in a real browser and without any command line: the platform
admin invites the village head from the admin page; the head opens the link on a phone, sets a
password, adds a hamlet, invites an operator and a hamlet head, follows the readiness links to set
the letterhead, and enables Smart Government once every check is green."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from desacerdas.extensions import db
from desacerdas.models import Membership, Role, Tenant, User
from desacerdas.plugin_system.state import enabled_for

pytestmark = pytest.mark.browser

CODE = "51.07.01.2005"  # a Karangasem village of the test list, not Menanga or Bebandem
PHONE = {"width": 360, "height": 740}
PASSWORD = "perbekel baru 2026"  # noqa: S105 - a test account


def _link_on(page) -> str:  # noqa: ANN001 - a Playwright Page
    """The invitation link shown once on the page that issued it (admin or members page)."""
    field = page.locator("input[readonly][value*='/invitation/']").first
    link = field.get_attribute("value")
    assert link and "/invitation/" in link
    assert page.locator("svg").count() >= 1  # the QR code beside it
    return link


def _path(link: str) -> str:
    """The link's path: the live server's host differs from the one the link was built for."""
    return urlsplit(link).path


def _fits(page) -> None:  # noqa: ANN001
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1, page.url


def test_a_new_village_head_gets_the_village_ready(
    live_server, browser, make_user, make_village, app, tmp_path
):
    admin = make_user("platform_admin", email="admin-ready@desa.test")
    village = make_village(CODE)
    slug = village.slug

    # 1. The platform admin invites the village head from the village's admin page (desktop).
    desk = browser.new_context(base_url=live_server, locale="id-ID")
    page = desk.new_page()
    page.goto("/auth/login")
    page.fill("input[name=login]", admin.email)
    page.fill("input[name=password]", admin.password)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/auth/|/admin/|/$"))
    page.goto(f"/admin/villages/{slug}")
    page.fill("input[name='invite-name']", "Perbekel Baru")
    page.fill("input[name='invite-email']", "perbekel-baru@desa.test")
    page.select_option("select[name='invite-role']", Role.VILLAGE_HEAD.value)
    page.locator("form[action$='/invite'] button[type=submit]").click()
    page.wait_for_load_state()
    link = _link_on(page)
    desk.close()

    # 2. The head opens the link on a phone and chooses a password: signed in, in the village.
    phone = browser.new_context(
        base_url=live_server, locale="id-ID", viewport=PHONE, is_mobile=True, has_touch=True
    )
    page = phone.new_page()
    page.goto(_path(link))
    assert page.evaluate("document.documentElement.lang") == "id"
    page.fill("input[name=new]", PASSWORD)
    page.fill("input[name=confirm]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(rf"/desa/{slug}/"))
    _fits(page)

    # 3. The readiness list of the pillar says what is missing and links to each page.
    page.goto(f"/desa/{slug}/pillars/smart_government/enable")
    assert page.locator(f"a[href='/desa/{slug}/hamlets']").count() >= 1
    assert page.locator(f"a[href='/desa/{slug}/members']").count() >= 1
    _fits(page)

    # 4. Add a hamlet, following the link.
    page.locator(f"a[href='/desa/{slug}/hamlets']").first.click()
    page.wait_for_url(re.compile(rf"/desa/{slug}/hamlets$"))
    page.fill("input[name=name]", "Banjar Dinas Kaja")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(rf"/desa/{slug}/hamlets$"))
    assert "Banjar Dinas Kaja" in page.locator("main").inner_text()
    phone.close()

    # 5. On a desktop, the head invites an operator and a hamlet head on the members page.
    desk = browser.new_context(base_url=live_server, locale="id-ID")
    page = desk.new_page()
    page.goto("/auth/login")
    page.fill("input[name=login]", "perbekel-baru@desa.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"/desa/{slug}/pillars/smart_government/enable")
    page.locator(f"a[href='/desa/{slug}/members']").first.click()
    page.wait_for_url(re.compile(rf"/desa/{slug}/members$"))
    assert "Perbekel Baru" in page.locator("main").inner_text()
    page.click(f"a[href='/desa/{slug}/members/invite']")
    page.fill("input[name=name]", "Wayan Operator")
    page.fill("input[name=email]", "wayan-operator@desa.test")
    page.select_option("select[name=role]", Role.OPERATOR.value)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    operator_link = _link_on(page)
    page.click(f"a[href='/desa/{slug}/members/invite']")
    page.fill("input[name=name]", "Kelian Kaja")
    page.fill("input[name=phone]", "081299990001")
    page.select_option("select[name=role]", Role.HAMLET_HEAD.value)
    page.select_option("select[name=hamlet]", label="Banjar Dinas Kaja")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    hamlet_head_link = _link_on(page)
    page.screenshot(path=str(tmp_path / "invited.png"), full_page=True)
    assert operator_link != hamlet_head_link
    page.goto(f"/desa/{slug}/members")
    listing = page.locator("main").inner_text()
    assert "Wayan Operator" in listing and "Kelian Kaja" in listing
    assert "Operator desa" in listing and "Kelian Banjar Dinas" in listing  # roles in words
    assert "hamlet_head" not in listing and "village_head" not in listing

    # 6. The letterhead: follow the check's link, fill in the office address.
    page.goto(f"/desa/{slug}/pillars/smart_government/enable")
    page.locator(f"a[href='/desa/{slug}/settings/terms']").first.click()
    page.wait_for_url(re.compile(rf"/desa/{slug}/settings/terms"))
    page.fill("textarea[name=office_address], input[name=office_address]", "Jalan Raya Desa No. 1")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()

    # 7. Every check is green: the head enables the pillar.
    page.goto(f"/desa/{slug}/pillars/smart_government/enable")
    assert page.locator("li.failed, li:has-text('✗')").count() == 0, page.locator("main").inner_text()
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    with app.app_context():
        assert "smart_government" in enabled_for(village.id)
        tenant = db.session.get(Tenant, village.id)
        roles = {
            (u.email or u.phone, m.role.value)
            for m, u in db.session.query(Membership, User)
            .join(User)
            .filter(Membership.tenant_id == tenant.id)
        }
    assert ("wayan-operator@desa.test", "operator") in roles
    assert ("+6281299990001", "hamlet_head") in roles
    assert ("perbekel-baru@desa.test", "village_head") in roles

    # 8. The invited operator opens their link on a phone and lands in the village.
    desk.close()
    phone = browser.new_context(base_url=live_server, locale="id-ID", viewport=PHONE, is_mobile=True)
    page = phone.new_page()
    page.goto(_path(operator_link))
    page.fill("input[name=new]", "operator baru 2026")
    page.fill("input[name=confirm]", "operator baru 2026")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(rf"/desa/{slug}/"))
    page.goto(f"/desa/{slug}/smart_government/")
    assert page.locator("h1").count() == 1
    _fits(page)
    # The operator reads the members page on the phone (no invite button: that is the head's).
    page.goto(f"/desa/{slug}/members")
    assert "Wayan Operator" in page.locator("main").inner_text()
    assert page.locator(f"a[href='/desa/{slug}/members/invite']").count() == 0
    _fits(page)
    page.screenshot(path=str(tmp_path / "members-phone.png"), full_page=True)
    phone.close()
