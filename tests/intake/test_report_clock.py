"""The period report's working-day clock (one running count for the calendar) counts exactly
what :func:`rongrian.intake.service_clock.working_days_between` counts."""

import random
from datetime import date, timedelta

import pytest

from rongrian.intake.period_report import _Clock
from rongrian.intake.service_clock import working_days_between

FIRST = date(2024, 10, 1)
DAYS_OFF = frozenset({date(2024, 11, 6), date(2024, 12, 24), date(2025, 4, 30)})


@pytest.mark.parametrize("seed", range(5))
def test_the_clock_counts_as_working_days_between(seed: int) -> None:
    generator = random.Random(seed)
    clock = _Clock(FIRST, DAYS_OFF)
    for _ in range(400):
        # received before or after the clock's first day; finished before, on or after it
        start = FIRST + timedelta(days=generator.randrange(-40, 365))
        end = start + timedelta(days=generator.randrange(-3, 120))
        assert clock.between(start, end) == working_days_between(start, end, DAYS_OFF), \
            (start, end)


def test_a_day_off_of_the_agency_is_not_counted() -> None:
    clock = _Clock(FIRST, DAYS_OFF)
    # Tue 5 → Thu 7 Nov 2024: Wednesday is the agency's day off, so only Thursday counts
    assert clock.between(date(2024, 11, 5), date(2024, 11, 7)) == 1
    assert _Clock(FIRST, frozenset()).between(date(2024, 11, 5), date(2024, 11, 7)) == 2
