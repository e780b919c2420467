"""Working-day deadlines: weekends and the configured holidays are not counted."""

from __future__ import annotations

from datetime import date

import pytest
from smart_society.complaints import deadlines


def test_friday_filing_skips_the_weekend():
    friday = date(2026, 12, 4)
    assert deadlines.add_working_days(friday, 3) == date(2026, 12, 9)  # Mon, Tue, Wed
    due = deadlines.deadlines_for(friday)
    assert (due.verify, due.answer, due.resolve) == (
        date(2026, 12, 9),
        date(2026, 12, 11),
        date(2026, 12, 24),
    )


def test_holidays_are_skipped():
    monday = date(2026, 12, 21)
    christmas = date(2026, 12, 25)
    assert deadlines.add_working_days(monday, 5) == date(2026, 12, 28)  # the Friday is a weekday
    assert deadlines.add_working_days(monday, 5, {christmas}) == date(2026, 12, 29)


def test_a_weekend_filing_counts_from_monday():
    saturday = date(2026, 12, 5)
    assert deadlines.add_working_days(saturday, 1) == date(2026, 12, 7)
    assert deadlines.working_days_between(saturday, date(2026, 12, 11)) == 5


def test_negative_days_are_a_programming_error():
    with pytest.raises(ValueError):
        deadlines.add_working_days(date(2026, 12, 7), -1)
