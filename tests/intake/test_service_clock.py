"""The service clock in working days (issue 9 §2): Thai public holidays, weekends, the agency's
own days off, across Songkran, New Year and the fiscal-year boundary."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from rongrian.intake.models import Category, Complaint
from rongrian.intake.reference import load_reference
from rongrian.intake.service_clock import (
    add_day_off,
    add_working_days,
    due_days,
    is_working_day,
    remove_day_off,
    working_days_between,
)
from rongrian.intake.store import file_complaint
from rongrian.intake.thaidate import fiscal_year_of
from tests.intake.helpers import submission


def _due(session: Session, category: Category) -> date:
    """The completion due day of a case of ``category`` received on 29 September 2026, with
    the days off as filing reads them."""
    return due_days(date(2026, 9, 29), category, load_reference(session).days_off).complete_on


@pytest.mark.parametrize(("start", "count", "due"), [
    # Songkran 13–15 April 2026 (Mon–Wed): filed Friday 10 April, 3 working days.
    (date(2026, 4, 10), 3, date(2026, 4, 20)),
    # New Year: 31 Dec 2026 and 1 Jan 2027 are holidays, 2–3 Jan a weekend.
    (date(2026, 12, 29), 3, date(2027, 1, 5)),
    # A plain weekend: Friday to Monday.
    (date(2026, 11, 6), 1, date(2026, 11, 9)),
    # Across the fiscal year (1 October) and 13 October (King Bhumibol Memorial Day).
    (date(2026, 9, 29), 15, date(2026, 10, 21)),
    (date(2026, 9, 29), 0, date(2026, 9, 29)),
])
def test_due_day_counts_working_days_only(start: date, count: int, due: date) -> None:
    assert add_working_days(start, count) == due
    assert working_days_between(start, due) == count


def test_fiscal_year_boundary_with_an_agency_day_off() -> None:
    start, due = date(2026, 9, 29), date(2026, 10, 21)
    assert fiscal_year_of(start) != fiscal_year_of(due)
    # A day off the Cabinet announced on 1 October pushes the due day by one working day.
    assert add_working_days(start, 15, {date(2026, 10, 1)}) == date(2026, 10, 22)
    assert not is_working_day(date(2026, 10, 1), {date(2026, 10, 1)})
    assert is_working_day(date(2026, 10, 1))


@pytest.mark.parametrize("day", [date(2026, 4, 13), date(2026, 4, 14), date(2026, 4, 15),
                                 date(2027, 1, 1), date(2026, 12, 31), date(2026, 11, 7)])
def test_holidays_and_weekends_are_not_working_days(day: date) -> None:
    assert not is_working_day(day)


@pytest.mark.parametrize("count", [-1, 501])
def test_counts_out_of_range_are_refused(count: int) -> None:
    with pytest.raises(ValueError, match="out of range"):
        add_working_days(date(2026, 1, 5), count)


@given(st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
       st.integers(min_value=1, max_value=60))
def test_due_day_is_a_working_day_that_many_working_days_later(start: date, count: int
                                                               ) -> None:
    due = add_working_days(start, count)
    assert is_working_day(due)
    assert working_days_between(start, due) == count
    assert working_days_between(start, due - timedelta(days=1)) == count - 1


def test_filing_sets_both_clocks_with_the_agencys_days_off(session: Session,
                                                           pepper: bytes) -> None:
    general = session.scalars(select(Category).where(Category.code == "general")).one()
    assert (general.acknowledge_days, general.sla_days) == (3, 15)
    add_day_off(session, date(2026, 10, 1), "วันหยุดพิเศษตามมติคณะรัฐมนตรี")
    receipt = file_complaint(session, pepper, submission(),
                             now=datetime(2026, 9, 29, 9, 0, tzinfo=UTC))
    complaint = session.get(Complaint, receipt.complaint_id)
    assert complaint is not None
    assert (complaint.acknowledge_due_on, complaint.due_on) == (date(2026, 10, 5),
                                                                date(2026, 10, 22))
    assert _due(session, general) == date(2026, 10, 22)
    assert remove_day_off(session, date(2026, 10, 1))
    assert not remove_day_off(session, date(2026, 10, 1))
    assert _due(session, general) == date(2026, 10, 21)
