"""NIK and KK numbers: the checks a registry clerk would make, each with a specific message.

A NIK is 16 digits: 6 digits of the kecamatan where it was issued (a real Kemendagri district
code), 6 digits of the birth date as DDMMYY (women add 40 to the day), 4 digits of serial (never
0000). A KK number has the same district prefix and serial rules; its middle digits are the
issue date.
"""

from __future__ import annotations

from datetime import date

from desacerdas.services.i18n import _
from desacerdas.services.regions import is_district_code

from .models import Sex

TEMPORARY_PREFIX = "T"  # temporary numbers look like T + 15 digits: never a valid NIK


class NumberProblem(ValueError):
    """A NIK or KK number that cannot be right, with a message a clerk understands."""


def clean_number(number: str | None) -> str:
    """A NIK or KK number as typed (``5107 0117 …``, ``51.07.01…``) without its spaces and dots."""
    return (number or "").strip().replace(" ", "").replace(".", "")


def _digits(number: str, label: str) -> str:
    number = clean_number(number)
    if not number.isdigit() or len(number) != 16:
        raise NumberProblem(_("%(label)s must be exactly 16 digits.", label=label))
    if not is_district_code(number[:6]):
        raise NumberProblem(
            _("%(label)s starts with %(code)s, which is not a kecamatan code.", label=label, code=number[:6])
        )
    if number[12:] == "0000":
        raise NumberProblem(_("%(label)s cannot end in 0000.", label=label))
    return number


def birth_date_in_nik(nik: str) -> tuple[int, int, int, bool]:
    """``(day, month, two-digit year, is_female)`` encoded in a NIK."""
    day, month, year = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    return (day - 40, month, year, True) if day > 40 else (day, month, year, False)


def check_nik(nik: str, birth_date: date | None = None, sex: Sex | None = None) -> str:
    """The cleaned NIK, or NumberProblem saying exactly what is wrong."""
    nik = _digits(nik, "NIK")
    day, month, year, female = birth_date_in_nik(nik)
    try:
        date(2000 + year, month, day)  # any leap year century works for the day/month check
    except ValueError:
        raise NumberProblem(_("Digits 7–12 of the NIK (%(part)s) are not a date.", part=nik[6:12])) from None
    if birth_date is not None and (day, month, year) != (
        birth_date.day,
        birth_date.month,
        birth_date.year % 100,
    ):
        raise NumberProblem(
            _(
                "The NIK says born %(nik)s, the record says %(record)s.",
                nik=f"{day:02d}-{month:02d}-{year:02d}",
                record=birth_date.strftime("%d-%m-%y"),
            )
        )
    if sex is not None and female != (sex == Sex.FEMALE):
        raise NumberProblem(
            _(
                "The NIK's day of birth says %(nik_sex)s (women add 40), the record says otherwise.",
                nik_sex=_("female") if female else _("male"),
            )
        )
    return nik


def check_kk(kk: str) -> str:
    """The cleaned KK number, or NumberProblem."""
    kk = _digits(kk, _("The KK number"))
    day, month, year = int(kk[6:8]), int(kk[8:10]), int(kk[10:12])
    try:
        date(2000 + year, month, day)
    except ValueError:
        raise NumberProblem(
            _("Digits 7–12 of the KK number (%(part)s) are not a date.", part=kk[6:12])
        ) from None
    return kk


def is_temporary(number: str) -> bool:
    return (number or "").startswith(TEMPORARY_PREFIX)
