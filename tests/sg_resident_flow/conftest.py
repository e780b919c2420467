"""The resident's way through the pillar (issue 13, "Resident flow"): the letter villages of
``sg_letter_services`` in their own Balinese words (Perbekel, Banjar Dinas, Kelian Banjar Dinas),
and the registration villages of ``sg_resident_accounts``."""

from __future__ import annotations

import pytest
from sg_letter_services.conftest import (  # noqa: F401 - fixtures re-exported
    _generous_verify_limit,
    as_user,
    configure,
    lv,
    lv_b,
)
from sg_resident_accounts.conftest import open_account, va, vb  # noqa: F401 - fixtures re-exported

BALI_TERMS = {
    "term_village_head": "Perbekel",
    "term_hamlet": "Banjar Dinas",
    "term_hamlet_head": "Kelian Banjar Dinas",
}


@pytest.fixture
def bali(app, lv):  # noqa: ANN001, ANN201, F811 - a LetterVillage
    """Menanga's letter village with the words Bali uses (the letter tests set the generic ones)."""
    configure(app, lv.id, BALI_TERMS)
    return lv
