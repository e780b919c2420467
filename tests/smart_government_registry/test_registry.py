"""Residents, families, temporary numbers, civil events, search and the hamlet head's scope."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from smart_government.registry import (
    create_family,
    create_resident,
    get_resident,
    normalise_name,
    record_event,
    replace_temporary_nik,
    search,
    update_resident,
)
from smart_government.registry.models import CivilEvent, EventKind, Resident, ResidentStatus, Sex
from smart_government.registry.statistics import monthly_events, years_before
from sqlalchemy import select

from desacerdas.extensions import db
from desacerdas.kit.access import scope_for
from desacerdas.models import AuditEvent, User
from desacerdas.services import ServiceError

from .conftest import MENANGA_NIK_MAN, MENANGA_NIK_WOMAN


def hamlet_scope_for(user: User, tenant):  # noqa: ANN001, ANN201
    """What the registry's own ``hamlet_scope_for`` answered, now the kit's access: the one hamlet
    the user sees (None: the whole village), a refusal (403) when the registry is not theirs."""
    return scope_for(user, tenant, "smart_government.residents.view").staff_hamlet()


BORN = date(1990, 5, 17)


def resident(s, **fields) -> Resident:  # noqa: ANN001
    fields.setdefault("name", "I Wayan Uji")
    fields.setdefault("birth_date", BORN)
    fields.setdefault("sex", Sex.MALE)
    return create_resident(s, **fields)


def names(s, **filters) -> list[str]:  # noqa: ANN001, ANN003
    return [r.name for r in s.scalars(search(s, **filters))]


# -- numbers -----------------------------------------------------------------------------------------


def test_nik_is_unique_per_village_but_not_across_villages(reg_menanga, reg_bebandem, village_session):
    with village_session(reg_menanga) as s:
        first = resident(s, nik=MENANGA_NIK_MAN, hamlet_id=reg_menanga.kaja)
        s.commit()
        assert first.nik == MENANGA_NIK_MAN and not first.nik_temporary
        with pytest.raises(ServiceError) as refused:
            resident(s, nik=MENANGA_NIK_MAN, name="I Made Lain")
        assert refused.value.status == 409 and refused.value.code == "duplicate_nik"
        assert f"NIK {MENANGA_NIK_MAN} is already registered" in refused.value.message
    with village_session(reg_bebandem) as s:  # the same person may be registered in another village
        assert resident(s, nik=MENANGA_NIK_MAN).nik == MENANGA_NIK_MAN
        s.commit()


def test_kk_is_unique_per_village_and_a_family_without_kk_gets_a_temporary_number(
    reg_menanga, village_session
):
    with village_session(reg_menanga) as s:
        family = create_family(s, kk_number="5107013101200001", hamlet_id=reg_menanga.kaja)
        with pytest.raises(ServiceError) as refused:
            create_family(s, kk_number="5107013101200001")
        assert refused.value.status == 409
        temporary = create_family(s)
        assert (
            temporary.kk_temporary and temporary.kk_number.startswith("T") and len(temporary.kk_number) == 16
        )
        member = resident(s, family_id=family.id)
        assert member.family_id == family.id
        with pytest.raises(ServiceError, match="No such family"):
            resident(s, name="I Made Lain", family_id=uuid.uuid4())


def test_a_resident_without_nik_gets_a_temporary_number_replaced_later(reg_menanga, village_session):
    with village_session(reg_menanga) as s:
        newcomer = resident(s, name="Ni Made Baru", sex=Sex.FEMALE)
        other = resident(s, name="Ni Nyoman Lain", sex=Sex.FEMALE)
        assert newcomer.nik_temporary and newcomer.nik.startswith("T") and newcomer.nik[1:].isdigit()
        assert len(newcomer.nik) == 16 and newcomer.nik != other.nik
        with pytest.raises(ServiceError, match="women add 40"):
            replace_temporary_nik(newcomer, MENANGA_NIK_MAN)
        replace_temporary_nik(newcomer, MENANGA_NIK_WOMAN)
        assert newcomer.nik == MENANGA_NIK_WOMAN and not newcomer.nik_temporary
        with pytest.raises(ServiceError) as refused:  # the same person registered twice
            replace_temporary_nik(other, MENANGA_NIK_WOMAN)
        assert refused.value.status == 409
        assert "already belongs to Ni Made Baru (born 17-05-1990)" in refused.value.message
        with pytest.raises(ServiceError, match="already has a real NIK"):
            replace_temporary_nik(newcomer, MENANGA_NIK_WOMAN)
        s.commit()
        actions = set(s.scalars(select(AuditEvent.action).where(AuditEvent.tenant_id == reg_menanga.id)))
    assert {"smart_government.resident.created", "smart_government.resident.nik_replaced"} <= actions


def test_the_hamlet_must_be_one_of_the_village(reg_menanga, reg_bebandem, village_session):
    with village_session(reg_menanga) as s:
        with pytest.raises(ServiceError, match="hamlet does not exist"):
            resident(s, hamlet_id=reg_bebandem.kaja)
        with pytest.raises(ServiceError, match="needs a name"):
            resident(s, name="  ")
        with pytest.raises(ServiceError, match="Unknown fields: status"):
            resident(s, status="died")


def test_update_checks_the_nik_again_and_refills_the_search_name(reg_menanga, village_session):
    with village_session(reg_menanga) as s:
        person = resident(s, nik=MENANGA_NIK_MAN)
        with pytest.raises(ServiceError, match="The NIK says born 17-05-90, the record says 18-05-90"):
            update_resident(person, birth_date=date(1990, 5, 18))
        update_resident(
            person, name="I Wayan Úji Baru", occupation="Petani/pekebun", hamlet_id=reg_menanga.kelod
        )
        assert person.name_search == "i wayan uji baru" and person.hamlet_id == reg_menanga.kelod
        s.commit()
        audit = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "smart_government.resident.updated")
        ).one()
    assert audit.detail["fields"] == ["hamlet_id", "name", "occupation"]


# -- civil events --------------------------------------------------------------------------------------


def test_events_change_the_status_and_are_counted_by_event_date(reg_menanga, village_session):
    with village_session(reg_menanga) as s:
        a, b, c = resident(s, name="A"), resident(s, name="B"), resident(s, name="C")
        # Died in January, reported in February: the January report counts it.
        record_event(a, EventKind.DEATH, date(2024, 1, 30), date(2024, 2, 3), note="sakit")
        record_event(b, "move_out", date(2024, 2, 10), date(2024, 2, 11))
        record_event(c, EventKind.MISSING, date(2024, 2, 12), date(2024, 2, 12))
        record_event(c, EventKind.MOVE_IN, date(2024, 2, 20), date(2024, 2, 21))
        record_event(b, EventKind.CORRECTION, date(2024, 2, 25), date(2024, 2, 25), note="ejaan nama")
        s.commit()
        assert (a.status, b.status, c.status) == (
            ResidentStatus.DIED,
            ResidentStatus.MOVED_OUT,
            ResidentStatus.LIVING,
        )
        january, february = monthly_events(s, 2024, 1), monthly_events(s, 2024, 2)
        assert january["death"] == 1 and february["death"] == 0
        assert february == {
            "birth": 0,
            "death": 0,
            "move_in": 1,
            "move_out": 1,
            "missing": 1,
            "correction": 1,
        }
        assert monthly_events(s, 2024, 12)["death"] == 0
        with pytest.raises(ServiceError) as refused:
            record_event(a, EventKind.MOVE_OUT, date(2024, 3, 1), date(2024, 3, 1))
        assert refused.value.status == 409
        with pytest.raises(ServiceError, match="after it was reported"):
            record_event(b, EventKind.MOVE_IN, date(2024, 3, 2), date(2024, 3, 1))
        with pytest.raises(ServiceError, match="before the resident was born"):
            record_event(b, EventKind.MOVE_IN, date(1980, 3, 2), date(2024, 3, 1))
        assert len(s.scalars(select(CivilEvent)).all()) == 5


# -- search ----------------------------------------------------------------------------------------------


def test_normalise_name_removes_case_accents_and_extra_spaces():
    assert normalise_name("  Ni  Kadék ÁYU ") == "ni kadek ayu"


def test_search_by_partial_name_ignores_case_and_accents(reg_menanga, village_session):
    with village_session(reg_menanga) as s:
        resident(s, name="Ni Kadék Ayu", sex=Sex.FEMALE, nik=MENANGA_NIK_WOMAN)
        resident(s, name="I Wayan Kadek")
        resident(s, name="I Made Sudarma")
        s.commit()
        assert names(s, q="kadek") == ["I Wayan Kadek", "Ni Kadék Ayu"]
        assert names(s, q="KADÉK ayu") == ["Ni Kadék Ayu"]
        assert names(s, q="dar") == ["I Made Sudarma"]
        assert names(s, q="5107 0157") == ["Ni Kadék Ayu"]  # the start of a NIK
        assert names(s, nik=MENANGA_NIK_WOMAN) == ["Ni Kadék Ayu"]
        assert names(s, q="100%") == []  # wildcards are text


def test_search_filters_and_sorting(reg_menanga, village_session):
    today = date.today()
    with village_session(reg_menanga) as s:
        resident(s, name="Baby", birth_date=years_before(today, 2), hamlet_id=reg_menanga.kaja)
        resident(
            s, name="Child", birth_date=years_before(today, 5), sex=Sex.FEMALE, hamlet_id=reg_menanga.kaja
        )
        resident(s, name="Adult", birth_date=years_before(today, 40), hamlet_id=reg_menanga.kelod)
        elder = resident(s, name="Elder", birth_date=years_before(today, 60), sex=Sex.FEMALE)
        record_event(elder, EventKind.DEATH, today, today)
        s.commit()
        assert names(s, age_band="0-4") == ["Baby"]
        assert names(s, age_band="5-14") == ["Child"]  # 5 today
        assert names(s, age_band="60+") == ["Elder"]
        assert names(s, hamlet_id=reg_menanga.kaja) == ["Baby", "Child"]
        assert names(s, hamlet_id=str(reg_menanga.kelod)) == ["Adult"]
        assert names(s, sex="female") == ["Child", "Elder"]
        assert names(s, status="died") == ["Elder"]
        assert names(s, status=ResidentStatus.LIVING, sort="birth_date") == ["Adult", "Child", "Baby"]
        assert names(s, sort="nik")[0] in {"Adult", "Baby", "Child", "Elder"}
        assert names(s, family_id=uuid.uuid4()) == []
        for bad in ({"age_band": "3-7"}, {"sort": "secret"}, {"sex": "x"}, {"status": "gone"}):
            with pytest.raises(ServiceError):
                search(s, **bad)


# -- hamlet heads -----------------------------------------------------------------------------------


def test_a_hamlet_head_sees_and_edits_only_their_hamlet(
    app, reg_menanga, make_user, menanga, village_session
):
    head = make_user("hamlet_head", menanga, hamlet_id=reg_menanga.kelod)
    operator = make_user("operator", menanga)
    outsider = make_user("resident", menanga)
    with app.app_context():
        tenant = menanga.tenant()
        assert hamlet_scope_for(db.session.get(User, head.id), tenant) == reg_menanga.kelod
        assert hamlet_scope_for(db.session.get(User, operator.id), tenant) is None
        with pytest.raises(ServiceError) as refused:
            hamlet_scope_for(db.session.get(User, outsider.id), tenant)
        assert refused.value.status == 403
    scope = reg_menanga.kelod
    with village_session(reg_menanga) as s:
        kaja = resident(s, name="Kaja", hamlet_id=reg_menanga.kaja)
        kelod = resident(s, name="Kelod", hamlet_scope=scope)  # defaults to the head's hamlet
        assert kelod.hamlet_id == scope
        with pytest.raises(ServiceError) as refused:
            resident(s, name="Elsewhere", hamlet_id=reg_menanga.kaja, hamlet_scope=scope)
        assert refused.value.status == 403
        s.commit()
        assert names(s, hamlet_scope=scope) == ["Kelod"]
        assert names(s, hamlet_scope=scope, hamlet_id=reg_menanga.kaja) == []
        for attempt in (
            lambda: get_resident(s, kaja.id, hamlet_scope=scope),
            lambda: update_resident(kaja, phone="0812", hamlet_scope=scope),
            lambda: record_event(kaja, EventKind.DEATH, date(2024, 1, 1), hamlet_scope=scope),
            lambda: replace_temporary_nik(kaja, MENANGA_NIK_MAN, hamlet_scope=scope),
        ):
            with pytest.raises(ServiceError) as hidden:
                attempt()
            assert hidden.value.status == 404
        with pytest.raises(ServiceError) as refused:  # nor move their resident out of their hamlet
            update_resident(kelod, hamlet_id=reg_menanga.kaja, hamlet_scope=scope)
        assert refused.value.status == 403
        update_resident(kelod, phone="0812", hamlet_scope=scope)
        assert get_resident(s, kelod.id, hamlet_scope=scope).phone == "0812"


def test_one_village_cannot_see_another_villages_residents(reg_menanga, reg_bebandem, village_session):
    with village_session(reg_menanga) as s:
        menanga_id = resident(s, name="Warga Menanga", nik=MENANGA_NIK_MAN).id
        s.commit()
    with village_session(reg_bebandem) as s:
        assert names(s) == [] and names(s, nik=MENANGA_NIK_MAN) == []
        assert s.scalars(select(Resident)).all() == []
        with pytest.raises(ServiceError) as hidden:
            get_resident(s, menanga_id)
        assert hidden.value.status == 404
