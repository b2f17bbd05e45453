"""Fiscal years (ปีงบประมาณ, 1 Oct – 30 Sep, พ.ศ.) and reporting period labels."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rongrian.intake.errors import InvalidPeriod
from rongrian.intake.reporting import parse_period
from rongrian.intake.thaidate import fiscal_year_bounds, fiscal_year_of


@pytest.mark.parametrize(
    ("day", "fiscal_year"),
    [
        (date(2024, 9, 30), 2567),
        (date(2024, 10, 1), 2568),
        (date(2024, 12, 31), 2568),
        (date(2025, 1, 1), 2568),
        (date(2025, 9, 30), 2568),
        (date(2025, 10, 1), 2569),
        (date(2026, 9, 30), 2569),
        (date(2026, 10, 1), 2570),
    ],
)
def test_fiscal_year_of_boundaries(day: date, fiscal_year: int) -> None:
    assert fiscal_year_of(day) == fiscal_year


@pytest.mark.parametrize(
    ("fiscal_year", "first", "last"),
    [
        (2568, date(2024, 10, 1), date(2025, 9, 30)),
        (2569, date(2025, 10, 1), date(2026, 9, 30)),
        (2570, date(2026, 10, 1), date(2027, 9, 30)),
    ],
)
def test_fiscal_year_bounds(fiscal_year: int, first: date, last: date) -> None:
    assert fiscal_year_bounds(fiscal_year) == (first, last)


@given(day=st.dates(min_value=date(1960, 1, 1), max_value=date(2150, 12, 31)))
def test_every_day_lies_within_its_fiscal_year(day: date) -> None:
    first, last = fiscal_year_bounds(fiscal_year_of(day))
    assert first <= day <= last
    assert fiscal_year_of(first - timedelta(days=1)) == fiscal_year_of(day) - 1
    assert fiscal_year_of(last + timedelta(days=1)) == fiscal_year_of(day) + 1


@pytest.mark.parametrize(
    ("label", "kind", "fiscal_year", "start", "end"),
    [
        ("2568", "year", 2568, date(2024, 10, 1), date(2025, 9, 30)),
        ("2568-Q1", "quarter", 2568, date(2024, 10, 1), date(2024, 12, 31)),
        ("2568-Q2", "quarter", 2568, date(2025, 1, 1), date(2025, 3, 31)),
        ("2568-Q3", "quarter", 2568, date(2025, 4, 1), date(2025, 6, 30)),
        ("2568-Q4", "quarter", 2568, date(2025, 7, 1), date(2025, 9, 30)),
        ("2568-H1", "half", 2568, date(2024, 10, 1), date(2025, 3, 31)),
        ("2568-H2", "half", 2568, date(2025, 4, 1), date(2025, 9, 30)),
        # Months are calendar months of the Buddhist-era year (docstring of parse_period):
        # October 2568 BE is October 2025 CE, which belongs to fiscal year 2569.
        ("2568-10", "month", 2569, date(2025, 10, 1), date(2025, 10, 31)),
        ("2568-01", "month", 2568, date(2025, 1, 1), date(2025, 1, 31)),
        ("2568-09", "month", 2568, date(2025, 9, 1), date(2025, 9, 30)),
        ("2567-02", "month", 2567, date(2024, 2, 1), date(2024, 2, 29)),  # leap year
        ("2568-02", "month", 2568, date(2025, 2, 1), date(2025, 2, 28)),
        ("2568-12", "month", 2569, date(2025, 12, 1), date(2025, 12, 31)),
        (" 2568-q1 ", "quarter", 2568, date(2024, 10, 1), date(2024, 12, 31)),
    ],
)
def test_parse_period(label: str, kind: str, fiscal_year: int, start: date, end: date) -> None:
    period = parse_period(label)
    assert (period.kind, period.fiscal_year, period.start, period.end) == (
        kind, fiscal_year, start, end)


@pytest.mark.parametrize("fiscal_year", [2560, 2568, 2570, 2600])
def test_quarters_and_halves_tile_the_fiscal_year(fiscal_year: int) -> None:
    year = parse_period(str(fiscal_year))
    for parts in (["Q1", "Q2", "Q3", "Q4"], ["H1", "H2"]):
        periods = [parse_period(f"{fiscal_year}-{part}") for part in parts]
        assert periods[0].start == year.start
        assert periods[-1].end == year.end
        for before, after in zip(periods, periods[1:], strict=False):
            assert after.start == before.end + timedelta(days=1)


@pytest.mark.parametrize(
    "label",
    ["", "68", "2568-Q5", "2568-13", "2568-00", "abcd", "2568-H3", "2568-Q0", "2568-H0",
     "2568-1", "2568-", "25680", "2568-Q1-", "2568Q1", "1999", "9999", "2568 Q1",
     "2568-Y1", "-2568"],
)
def test_invalid_period_labels_raise(label: str) -> None:
    with pytest.raises(InvalidPeriod):
        parse_period(label)


@given(label=st.text(max_size=12))
def test_parse_period_raises_only_invalid_period(label: str) -> None:
    try:
        period = parse_period(label)
    except InvalidPeriod:
        return
    assert period.start <= period.end
