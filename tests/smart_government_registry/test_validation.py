"""NIK and KK checks, each failure with its own message, through the registry service."""

from __future__ import annotations

from datetime import date

import pytest
from smart_government.registry import create_family, create_resident
from smart_government.registry.models import Sex
from smart_government.registry.validation import NumberProblem, check_kk, check_nik

from desacerdas.services import ServiceError

from .conftest import MENANGA_NIK_MAN, MENANGA_NIK_WOMAN

BORN = date(1990, 5, 17)


@pytest.mark.parametrize(
    ("nik", "sex", "message"),
    [
        ("51070117059000", Sex.MALE, "NIK must be exactly 16 digits."),
        ("51070117059000AB", Sex.MALE, "NIK must be exactly 16 digits."),
        ("9999991705900001", Sex.MALE, "NIK starts with 999999, which is not a kecamatan code."),
        ("5107013213900001", Sex.MALE, "Digits 7–12 of the NIK (321390) are not a date."),
        ("5107011705900000", Sex.MALE, "NIK cannot end in 0000."),
        ("5107011805900001", Sex.MALE, "The NIK says born 18-05-90, the record says 17-05-90."),
        (MENANGA_NIK_MAN, Sex.FEMALE, "The NIK's day of birth says male (women add 40)"),
        (MENANGA_NIK_WOMAN, Sex.MALE, "The NIK's day of birth says female (women add 40)"),
    ],
)
def test_a_wrong_nik_is_refused_with_a_specific_message(reg_menanga, village_session, nik, sex, message):
    with village_session(reg_menanga) as s, pytest.raises(ServiceError) as refused:
        create_resident(s, nik=nik, name="I Wayan Uji", birth_date=BORN, sex=sex)
    assert message in refused.value.message
    assert refused.value.code == "invalid_nik" and refused.value.status == 400


def test_a_right_nik_passes_with_spaces_and_dots_removed():
    assert check_nik("5107 0157 0590 0002", BORN, Sex.FEMALE) == MENANGA_NIK_WOMAN
    assert check_nik("5107011705900001") == MENANGA_NIK_MAN


@pytest.mark.parametrize(
    ("kk", "message"),
    [
        ("510701", "The KK number must be exactly 16 digits."),
        ("0000000101200001", "The KK number starts with 000000, which is not a kecamatan code."),
        ("5107013002200001", "Digits 7–12 of the KK number (300220) are not a date."),  # 30 February
        ("5107010101200000", "The KK number cannot end in 0000."),
    ],
)
def test_a_wrong_kk_is_refused_with_a_specific_message(reg_menanga, village_session, kk, message):
    with village_session(reg_menanga) as s, pytest.raises(ServiceError) as refused:
        create_family(s, kk_number=kk)
    assert message in refused.value.message and refused.value.code == "invalid_kk"


def test_a_right_kk_passes():
    assert check_kk("5107013101200001") == "5107013101200001"


def test_number_problem_is_a_value_error():
    with pytest.raises(ValueError, match="exactly 16 digits"):
        check_nik("123")
    assert issubclass(NumberProblem, ValueError)
