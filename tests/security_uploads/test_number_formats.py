"""A letter-number format cannot make the server build a huge string: widths and the whole
number's length are bounded in the kit's numbering service (``desacerdas.kit.numbering``), which
every pillar's numbers use; the live preview answers 400 with the reason, at once."""

from __future__ import annotations

import time
from datetime import date

import pytest
from sg_letter_services.conftest import prepare

from desacerdas.kit import numbering


@pytest.fixture
def lv(app, menanga):  # noqa: ANN001, ANN201
    return prepare(app, menanga)


@pytest.mark.parametrize(
    "fmt",
    [
        "{seq:0100000000}",  # the probe: 100 MB of zeros
        "{seq:>100000000}",
        "{year:.100000000}",
        "{type_code:x<99999999}/{seq}",
        "{seq:020}{seq:020}{seq:020}{seq:020}{seq:020}{seq:020}{seq:020}",  # 140 characters
        "{seq}" + "/" * 200,
    ],
)
def test_the_live_preview_refuses_huge_widths_at_once(lv, login, fmt):
    head = login(lv.people["head"])
    started = time.monotonic()
    resp = head.get(lv.page("letters/settings/preview"), query_string={"format": fmt})
    assert resp.status_code == 400 and time.monotonic() - started < 2
    assert resp.get_json()["preview"] is None and resp.get_json()["error"]
    assert len(resp.get_data()) < 2000


def test_the_settings_form_refuses_them_too_and_keeps_nothing(lv, login):
    head = login(lv.people["head"])
    resp = head.post(lv.page("letters/settings"), data={"number_format": "{seq:0100000000}", "preview": "1"})
    assert resp.status_code == 400 and "widths of more than" in resp.get_data(as_text=True)


def test_every_pillar_gets_the_bound_from_the_kit():
    with pytest.raises(numbering.NumberFormatError, match="widths of more than"):
        numbering.NumberFormat("{seq:0100000000}")
    assert numbering.MAX_FIELD_WIDTH <= 20 and numbering.MAX_NUMBER_LENGTH <= 120
    assert numbering.NumberFormat("{seq:020}").render(
        seq=7, when=date(2026, 1, 1), village_code="1"
    ) == "7".zfill(20)
