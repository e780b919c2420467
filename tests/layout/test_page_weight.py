"""The pages H7 lays out stay within the budget: under 30 KB of HTML plus the CSS they link, on a
full page (25 villages × the six pillars on the rollout board)."""

from __future__ import annotations

import re

from lokal import wilayah

BUDGET = 30 * 1024


def _weight(client, path: str) -> int:  # noqa: ANN001
    html = client.get(path).get_data()
    css = sum(
        len(client.get(href.decode()).get_data())
        for href in re.findall(rb'<link rel="stylesheet" href="([^"]+)"', html)
    )
    return len(html) + css


def test_full_board_page_within_budget(client, make_village, make_user, login):
    codes = [w.code for d in ("51.07.01", "51.07.02", "51.07.05") for w in wilayah.list_wilayah(d)][:25]
    assert len(codes) == 25
    for code in codes:
        make_village(code)
    login(make_user("platform_admin"))
    for path in ("/rollout?lang=id", "/rollout?lang=en", "/rollout?regency=51.07&lang=id"):
        assert _weight(client, path) < BUDGET, path


def test_village_pages_within_budget(client, menanga, make_user, login):
    login(make_user("village_head", menanga))
    for path in ("/", f"/desa/{menanga.slug}/pillars", f"/desa/{menanga.slug}/settings/terms"):
        assert _weight(client, path) < BUDGET, path
