"""Social aid: exclusion rules between programmes, the same programme twice, and the decision
holding back a candidate in conflict (service level, in one village)."""

from __future__ import annotations

import pytest
from smart_society.aid import service

from desacerdas.services import ServiceError

from .aid_support import decide, give_niks, programme, propose, run


@pytest.fixture
def village(app, sv):  # noqa: ANN001, ANN201
    give_niks(app, sv)
    return sv


def test_blt_excludes_a_family_receiving_pkh(app, village) -> None:  # noqa: ANN001
    pkh = programme(app, village, name="PKH", source="pkh", schedule="quarterly", excludes=[])
    blt = programme(app, village)
    cand, conflicts = propose(app, village, "head", pkh, "wayan")
    assert conflicts == 0
    assert decide(app, village, "head", pkh, approve=[cand])["approved"] == [cand]
    # kadek is in wayan's family: BLT-DD (families) excludes PKH
    blt_cand, conflicts = propose(app, village, "head", blt, "kadek")
    assert conflicts == 1
    out = decide(app, village, "head", blt, approve=[blt_cand])
    assert out["approved"] == [] and out["held"] == [(blt_cand, "conflict")]
    # made is on no family card: a family programme cannot take him
    with pytest.raises(ServiceError) as err:
        propose(app, village, "head", blt, "made")
    assert err.value.code == "no_family"


def test_same_programme_twice_is_refused(app, village) -> None:  # noqa: ANN001
    blt = programme(app, village)
    propose(app, village, "head", blt, "wayan")
    with pytest.raises(ServiceError) as err:
        propose(app, village, "head", blt, "kadek")  # the same family
    assert err.value.code == "already_in"


def test_hamlet_head_proposes_in_own_hamlet_only(app, village) -> None:  # noqa: ANN001
    blt = programme(app, village, unit="person", excludes=[])
    propose(app, village, "kelian_kaja", blt, "wayan")
    with pytest.raises(ServiceError) as err:
        propose(app, village, "kelian_kaja", blt, "made")
    assert err.value.status == 403


def test_programme_needs_valid_fields(app, village) -> None:  # noqa: ANN001
    with pytest.raises(ServiceError):
        programme(app, village, amount=None)
    with pytest.raises(ServiceError):
        programme(app, village, excludes=["nonsense"])
    with pytest.raises(ServiceError) as err:
        programme(app, village, who="kelian_kaja")
    assert err.value.status == 403
    assert run(app, village, "head", lambda s, t, u: 1) == 1
    _ = service
