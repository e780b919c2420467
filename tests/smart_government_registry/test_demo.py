"""Demo data: a deterministic Balinese village whose every NIK and KK number is valid."""

from __future__ import annotations

import re
from datetime import date

from smart_government.registry.demo import synthesise
from smart_government.registry.models import CivilEvent, Family, Resident, ResidentStatus
from smart_government.registry.statistics import population
from smart_government.registry.validation import check_kk, check_nik
from sqlalchemy import func, select

from desacerdas.cli import cli
from desacerdas.models import Hamlet
from desacerdas.services import rollout
from desacerdas.tenancy import tenant_session

ON = date(2025, 3, 1)
NAME = re.compile(r"^(I|Ni) (Wayan|Putu|Gede|Made|Kadek|Nyoman|Komang|Ketut) \w")


def test_the_same_village_gets_the_same_people():
    first = synthesise("51.07.01", 3, 300, on=ON)
    again = synthesise("51.07.01", 3, 300, on=ON)
    assert [p.name for h in first for p in h.members] == [p.name for h in again for p in h.members]
    assert [p.nik for h in first for p in h.members] == [p.nik for h in again for p in h.members]
    other = synthesise("51.07.06", 3, 300, on=ON)
    assert [p.nik for h in other for p in h.members] != [p.nik for h in first for p in h.members]


def test_names_follow_balinese_conventions_and_numbers_are_valid():
    households = synthesise("51.07.01", 3, 500, on=ON)
    people = [p for h in households for p in h.members]
    assert 500 <= len(people) < 510
    assert len({p.nik for p in people}) == len(people)
    assert len({h.kk_number for h in households}) == len(households)
    for h in households:
        check_kk(h.kk_number)
        assert h.kk_number.startswith("510701")
        children = [p for p in h.members if p.relationship == "Anak"]
        assert children == sorted(children, key=lambda p: p.birth_date)  # eldest first
        if children:
            assert children[0].name.split()[1] in {"Wayan", "Putu", "Gede"}
        if len(children) > 1:
            assert children[1].name.split()[1] in {"Made", "Kadek"}
    for p in people:
        assert check_nik(p.nik, p.birth_date, p.sex) == p.nik
        assert NAME.match(p.name), p.name
        assert p.name.startswith("I ") == (p.sex == "male")
    assert {h.hamlet for h in households} == {0, 1, 2}


def test_the_demo_command_fills_an_empty_village_once(app, menanga):
    with app.app_context():
        rollout.enable(menanga.tenant(), "smart_government", override_reason="test")
    demo = ["plugins", "demo", "smart_government", "--tenant", menanga.slug]
    runner = app.test_cli_runner()
    result = runner.invoke(cli, demo, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    with app.app_context(), tenant_session(menanga.id) as s:
        hamlets = s.scalars(select(Hamlet.name).order_by(Hamlet.name)).all()
        residents = s.scalars(select(Resident)).all()
        families = s.scalar(select(func.count()).select_from(Family))
        events = s.scalars(select(CivilEvent)).all()
        pop = population(s)
    assert hamlets == ["Banjar Dinas Kaja", "Banjar Dinas Kelod", "Banjar Dinas Tengah"]
    assert 300 <= len(residents) < 310 and families > 50
    for r in residents:
        assert check_nik(r.nik, r.birth_date, r.sex) == r.nik and not r.nik_temporary
        assert r.hamlet_id is not None and r.family_id is not None
    assert {e.kind for e in events} >= {"birth", "death"}
    assert pop.by_status["died"] >= 1 and pop.living == sum(pop.by_hamlet.values())
    assert sum(1 for r in residents if r.status == ResidentStatus.LIVING) == pop.living
    again = runner.invoke(cli, demo, catch_exceptions=False)
    assert again.exit_code == 0
    with app.app_context(), tenant_session(menanga.id) as s:
        assert s.scalar(select(func.count()).select_from(Resident)) == len(residents)
