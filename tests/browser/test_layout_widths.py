"""The layout in a real browser: the rollout board uses a wide screen (not a ~730 px column) and its
filters show their whole choice; on a 360 px phone no page is wider than the screen."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
CODES = ("51.07.01.2003", "51.07.01.2002", "51.07.06.2003", "51.07.05.2003", "51.07.05.2009")
LONG_NAME = "Ni Kadek Pande Aristiani Widiasanti"

# How wide each filter's select is, and how wide it would be to show its longest choice whole.
SELECT_WIDTHS = """() => [...document.querySelectorAll('#filters select')].map(s => {
  const now = s.getBoundingClientRect().width;
  const probe = s.cloneNode(true);
  probe.style.width = 'auto'; probe.style.minWidth = '0'; probe.style.maxWidth = 'none';
  probe.style.position = 'absolute'; probe.style.visibility = 'hidden';
  document.body.appendChild(probe);
  const whole = probe.getBoundingClientRect().width;
  probe.remove();
  return [s.name, now, whole];
})"""


def _sign_in(page, person) -> None:  # noqa: ANN001
    page.goto("/auth/login")
    page.fill("input[name=login]", person.email)
    page.fill("input[name=password]", person.password)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/auth/?$|/$"))


def test_board_is_wide_and_filters_whole(live_server, browser, make_village, make_user):
    villages = [make_village(code) for code in CODES]
    make_user("facilitator", villages[0], name=LONG_NAME)  # the longest choice of a filter
    admin = make_user("platform_admin")
    context = browser.new_context(base_url=live_server, viewport=DESKTOP, locale="id-ID")
    page = context.new_page()
    _sign_in(page, admin)
    page.goto("/rollout")
    assert page.locator("main").evaluate("m => m.getBoundingClientRect().width") > 1000
    assert page.locator("table.matrix").evaluate("t => t.getBoundingClientRect().width") > 1000
    widths = page.evaluate(SELECT_WIDTHS)
    assert {name for name, _now, _whole in widths} == {"regency", "district", "facilitator"}
    for name, now, whole in widths:
        assert now + 0.5 >= whole, f"the {name} filter is cut: {now:.0f} px shown, {whole:.0f} px needed"
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
    # a label/value list: every value starts at the same place, right of its label
    page.goto(f"/admin/villages/{villages[0].slug}")
    lefts = page.locator("dl.facts dd").evaluate_all("dds => dds.map(d => d.getBoundingClientRect().left)")
    labels = page.locator("dl.facts dt").evaluate_all("dts => dts.map(d => d.getBoundingClientRect().right)")
    assert len(lefts) >= 3 and max(lefts) - min(lefts) < 1 and max(labels) <= min(lefts) + 1
    context.close()


def test_phone_pages_do_not_overflow(live_server, browser, make_village, make_user):
    village = make_village(CODES[0])
    for code in CODES[1:3]:
        make_village(code)
    head = make_user("village_head", village)
    admin = make_user("platform_admin")
    context = browser.new_context(base_url=live_server, viewport=PHONE, locale="id-ID", is_mobile=True)
    page = context.new_page()
    page.goto("/")
    assert page.locator("#sign-in").is_visible()  # the start page's sign-in link, on a phone too
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _sign_in(page, head)
    # the village's menu is one line that scrolls sideways: the page starts right below it
    page.goto(f"/desa/{village.slug}/pillars")
    menu = page.locator("nav.main")
    assert menu.evaluate("n => n.getBoundingClientRect().height") < 60
    assert menu.evaluate("n => n.scrollWidth > n.clientWidth")
    for path in (
        f"/desa/{village.slug}/pillars",
        f"/desa/{village.slug}/settings/terms",
        f"/desa/{village.slug}/",
    ):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} is {width} px wide on a {PHONE['width']} px phone"
    _sign_in(page, admin)
    for path in ("/rollout", "/admin/audit", "/admin/villages"):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} is {width} px wide on a {PHONE['width']} px phone"
    # the board's matrix scrolls inside its own box, the village column stays in view
    page.goto("/rollout")
    box = page.locator("#matrix")
    assert box.evaluate("b => b.scrollWidth > b.clientWidth")
    assert (
        page.locator("table.matrix tbody th").first.evaluate("c => getComputedStyle(c).position") == "sticky"
    )
    context.close()
