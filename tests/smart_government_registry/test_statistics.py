"""One query layer: the statistics screens and the indicators give the same figures."""

from __future__ import annotations

from datetime import date

import pytest
from smart_government.registry import create_family, create_resident, record_event
from smart_government.registry.models import EventKind, Sex
from smart_government.registry.statistics import (
    NOT_RECORDED,
    period_range,
    population,
    pyramid_bands,
    years_before,
)

from desacerdas.models import Tenant
from desacerdas.plugin_system.indicators import for_village
from desacerdas.plugin_system.state import enabled_for
from desacerdas.services import ServiceError

ON = date(2024, 6, 30)


def add(s, name, age, sex=Sex.MALE, **fields):  # noqa: ANN001, ANN003, ANN201
    return create_resident(s, name=name, birth_date=years_before(ON, age), sex=sex, **fields)


@pytest.fixture
def registry(reg_menanga, village_session):  # noqa: ANN201
    """Six people in two families and two hamlets; one died in March 2024, one moved out in May."""
    with village_session(reg_menanga) as s:
        kaja = create_family(s, hamlet_id=reg_menanga.kaja)
        kelod = create_family(s, hamlet_id=reg_menanga.kelod)
        fam = {"family_id": kaja.id, "hamlet_id": reg_menanga.kaja}
        add(s, "I Wayan A", 45, religion="Hindu", marital_status="Kawin", education="SLTA", **fam)
        add(s, "Ni Made B", 41, Sex.FEMALE, religion="Hindu", marital_status="Kawin", **fam)
        baby = add(s, "I Putu C", 0, religion="Hindu", **fam)
        grandma = add(s, "Ni Ketut D", 82, Sex.FEMALE, religion="Hindu", **fam)
        lone = add(s, "I Nyoman E", 30, religion="Islam", family_id=kelod.id, hamlet_id=reg_menanga.kelod)
        add(s, "Ni Komang F", 7, Sex.FEMALE)  # no family, no hamlet recorded
        record_event(baby, EventKind.BIRTH, baby.birth_date, ON)
        record_event(grandma, EventKind.DEATH, date(2024, 3, 5), ON)
        record_event(lone, EventKind.MOVE_OUT, date(2024, 5, 20), ON)
        s.commit()
    return reg_menanga


def test_population_totals_breakdowns_and_pyramid(registry, village_session):
    with village_session(registry) as s:
        pop = population(s, ON)
    assert pop.total == 6 and pop.living == 4
    assert pop.by_status == {"living": 4, "died": 1, "moved_out": 1, "missing": 0}
    assert pop.by_sex == {"male": 2, "female": 2}
    assert pop.by_sex_status[("female", "died")] == 1
    assert pop.by_hamlet == {"Banjar Dinas Kaja": 3, "Banjar Dinas Kelod": 0, NOT_RECORDED: 1}
    assert pop.by_religion == {"Hindu": 3, NOT_RECORDED: 1}
    assert pop.by_marital_status == {"Kawin": 2, NOT_RECORDED: 2}
    assert pop.by_education == {NOT_RECORDED: 3, "SLTA": 1}
    assert pop.households == 1  # the Kelod family's only member moved out
    bands = {band: (m, f) for band, m, f in pop.pyramid}
    assert [b for b, _m, _f in pop.pyramid] == pyramid_bands() and pyramid_bands()[-1] == "75+"
    assert bands["0-4"] == (1, 0) and bands["5-9"] == (0, 1) and bands["40-44"] == (0, 1)
    assert bands["45-49"] == (1, 0) and bands["75+"] == (0, 0)  # grandma died
    assert sum(m + f for _b, m, f in pop.pyramid) == pop.living


def test_a_hamlet_head_gets_the_same_figures_for_their_hamlet(registry, village_session):
    with village_session(registry) as s:
        pop = population(s, ON, hamlet_scope=registry.kelod)
    assert pop.total == 1 and pop.living == 0 and pop.by_hamlet == {"Banjar Dinas Kelod": 0}


@pytest.mark.parametrize(
    ("period", "births", "deaths", "move_outs"), [("2024", 1, 1, 1), ("2024-03", 0, 1, 0), ("2023", 0, 0, 0)]
)
def test_indicators_agree_with_the_statistics(registry, village_session, period, births, deaths, move_outs):
    with village_session(registry) as s:
        tenant = s.get(Tenant, registry.id)
        figures = {i.key: i for i in for_village(tenant, enabled_for(registry.id), s, period)}
        pop = population(s, ON)  # counts do not depend on the day ages are taken
    assert figures["smart_government.population"].value == pop.living == 4
    assert figures["smart_government.population_male"].value == pop.by_sex["male"]
    assert figures["smart_government.population_female"].value == pop.by_sex["female"]
    assert figures["smart_government.households"].value == pop.households
    assert figures["smart_government.births"].value == births
    assert figures["smart_government.deaths"].value == deaths
    assert figures["smart_government.move_outs"].value == move_outs
    assert figures["smart_government.move_ins"].value == 0
    series = dict(figures["smart_government.population"].series)
    assert sum(series.values()) == pop.living and "0-4 male" in series and "75+ female" in series
    assert dict(figures["smart_government.population_by_hamlet"].series)["Banjar Dinas Kaja"] == 3
    assert figures["core.hamlets"].value == 2  # the core's figures come along


def test_a_period_must_be_a_year_or_a_month():
    assert period_range("2024-12") == (date(2024, 12, 1), date(2025, 1, 1))
    assert period_range("2024") == (date(2024, 1, 1), date(2025, 1, 1))
    for bad in ("2024-13", "24", "2024/01", ""):
        with pytest.raises(ServiceError, match="YYYY or YYYY-MM"):
            period_range(bad)
