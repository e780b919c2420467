"""Complaint deadlines in working days, as the national public-complaints service (SP4N-LAPOR!)
sets them: verified within 3 working days, a first answer within 5, resolved within 14 (up to 60
for a complex case, with the reason recorded).

A working day is Monday to Friday and not a holiday. Holidays are a setting
(``complaint_holidays``): the platform admin sets the year's national holidays and joint leave
days once for every village (``desa plugins settings smart_society holidays=…`` at platform level),
a village may give its own list (Nyepi, Galungan…) which then replaces it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

VERIFY_DAYS = 3
ANSWER_DAYS = 5
RESOLVE_DAYS = 14
LONGEST_RESOLVE_DAYS = 60


def is_working_day(day: date, holidays: frozenset[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: date, days: int, holidays: Iterable[date] = ()) -> date:
    """The day ``days`` working days after ``start`` (the filing day itself does not count, so a
    complaint filed on Friday with 3 days is due on Wednesday)."""
    if days < 0:
        raise ValueError("days must be 0 or more")
    off = frozenset(holidays)
    day = start
    left = days
    while left:
        day += timedelta(days=1)
        if is_working_day(day, off):
            left -= 1
    return day


def working_days_between(start: date, end: date, holidays: Iterable[date] = ()) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when ``end`` is not later)."""
    off = frozenset(holidays)
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day, off):
            count += 1
    return count


@dataclass(frozen=True)
class Deadlines:
    verify: date
    answer: date
    resolve: date


def deadlines_for(filed_on: date, holidays: Iterable[date] = ()) -> Deadlines:
    off = frozenset(holidays)
    return Deadlines(
        verify=add_working_days(filed_on, VERIFY_DAYS, off),
        answer=add_working_days(filed_on, ANSWER_DAYS, off),
        resolve=add_working_days(filed_on, RESOLVE_DAYS, off),
    )


def parse_holidays(values: Iterable[str]) -> frozenset[date]:
    """The setting's ISO dates; the settings schema has checked each one already."""
    return frozenset(date.fromisoformat(v) for v in values)
