"""Periodic summaries: counts only, by category/unit/channel/status/kind, and timeliness."""

import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from rongrian.intake.casework import change_status
from rongrian.intake.models import Complaint, Status
from rongrian.intake.reporting import parse_period, summarise
from rongrian.intake.store import file_complaint
from tests.intake.helpers import submission, unlock


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, 30, tzinfo=UTC)


def _file(session: Session, pepper: bytes, day: date, **changes: object) -> uuid.UUID:
    """File on ``day`` with the due day pinned to ``day`` + the category's days: these tests
    count cases against their due days (the working-day clock has its own tests,
    ``tests/intake/test_service_clock.py``), so the table below stays readable."""
    complaint_id = file_complaint(session, pepper, submission(**changes),
                                  now=_at(day)).complaint_id
    complaint = session.get_one(Complaint, complaint_id)
    complaint.due_on = day + timedelta(days=complaint.category.sla_days)
    return complaint_id


@pytest.fixture
def filed(session: Session, pepper: bytes) -> Session:
    """Complaints of fiscal year 2568 Q1 (Oct–Dec 2024) with known outcomes, plus neighbours.

    | case | category (SLA) | unit | channel | kind | received | finished | on 31 Dec |
    | a | general (15) | PALAD | web | complaint | 5 Oct | resolved 15 Oct | within |
    | b | general (15) | WORKS | qr | grievance | 5 Oct | resolved 25 Oct | late |
    | c | corruption (60) | AUDIT | web | tip | 5 Oct | — (due 4 Dec) | open overdue |
    | d | suggestion (30) | PALAD | line | suggestion | 20 Dec | — (due 19 Jan) | open |
    | e | compliment (15) | FINANCE | phone | compliment | 1 Nov | rejected 2 Nov | within |
    | f | general (15) | PALAD | web | complaint | 10 Nov | closed 25 Nov = due | within |
    | g | general (15) | PALAD | web | complaint | 5 Jan 2025 (Q2) | — | not in Q1 |
    | h | general (15) | PALAD | web | complaint | 30 Sep 2024 (FY 2567) | — | not in 2568 |
    """
    a = _file(session, pepper, date(2024, 10, 5))
    b = _file(session, pepper, date(2024, 10, 5), unit_code="WORKS", channel="qr",
              kind="grievance")
    _file(session, pepper, date(2024, 10, 5), category_code="corruption", kind="tip")
    _file(session, pepper, date(2024, 12, 20), category_code="suggestion", channel="line",
          kind="suggestion")
    e = _file(session, pepper, date(2024, 11, 1), category_code="compliment",
              unit_code="FINANCE", channel="phone", kind="compliment")
    f = _file(session, pepper, date(2024, 11, 10))
    _file(session, pepper, date(2025, 1, 5))
    _file(session, pepper, date(2024, 9, 30))

    palad, works, finance = (unlock(session, name) for name in ("palad", "works", "finance"))
    moves = [
        (palad, a, Status.IN_PROGRESS, date(2024, 10, 6)),
        (palad, a, Status.RESOLVED, date(2024, 10, 15)),
        (works, b, Status.IN_PROGRESS, date(2024, 10, 6)),
        (works, b, Status.RESOLVED, date(2024, 10, 25)),
        (finance, e, Status.REJECTED, date(2024, 11, 2)),
        (palad, f, Status.SCREENING, date(2024, 11, 12)),
        (palad, f, Status.CLOSED, date(2024, 11, 25)),
    ]
    for who, case_id, status, day in moves:
        change_status(session, who, case_id, status, "", now=_at(day))
    session.flush()
    return session


def test_quarter_counts_match_what_was_filed(filed: Session) -> None:
    summary = summarise(filed, parse_period("2568-Q1"))
    assert summary.total == 6
    assert summary.by_category == Counter(
        {"general": 3, "corruption": 1, "suggestion": 1, "compliment": 1})
    assert summary.by_unit == Counter({"PALAD": 3, "WORKS": 1, "AUDIT": 1, "FINANCE": 1})
    assert summary.by_channel == Counter({"web": 3, "qr": 1, "line": 1, "phone": 1})
    assert summary.by_status == Counter(
        {"resolved": 2, "received": 2, "rejected": 1, "closed": 1})
    assert summary.by_kind == Counter(
        {"complaint": 2, "grievance": 1, "tip": 1, "suggestion": 1, "compliment": 1})
    assert (summary.within_standard, summary.late, summary.open_overdue) == (3, 1, 1)
    for counter in (summary.by_category, summary.by_unit, summary.by_channel,
                    summary.by_status, summary.by_kind):
        assert sum(counter.values()) == summary.total
    assert summary.category_names["general"] == ("เรื่องร้องทุกข์ทั่วไป", "General grievance")
    assert summary.unit_names["WORKS"] == ("กองช่าง", "Public Works Division")


@pytest.mark.parametrize(
    ("label", "total", "open_overdue"),
    [
        ("2568", 7, 3),  # as of 30 Sep 2025: c, d and g are all past due
        ("2568-H1", 7, 3),
        ("2568-Q2", 1, 1),  # g, due 20 Jan
        ("2567-10", 3, 0),  # October 2567 BE = October 2024: a, b, c (c due 4 Dec)
        ("2567-11", 2, 0),
        ("2567-12", 1, 0),  # d, due 19 Jan, is not overdue on 31 Dec
        ("2567", 1, 0),  # h, filed 30 Sep 2024, due 15 Oct
        ("2569", 0, 0),
    ],
)
def test_periods_count_what_was_received_within_them(filed: Session, label: str, total: int,
                                                     open_overdue: int) -> None:
    summary = summarise(filed, parse_period(label))
    assert summary.total == total
    assert summary.open_overdue == open_overdue


@pytest.mark.parametrize(
    ("as_of", "open_overdue"),
    [
        (date(2024, 12, 4), 0),  # c is due on 4 Dec: not late on its due day
        (date(2024, 12, 5), 1),
        (date(2025, 3, 1), 1),  # as_of is capped at the period's end: d is still in time
    ],
)
def test_open_overdue_as_of_a_day(filed: Session, as_of: date, open_overdue: int) -> None:
    summary = summarise(filed, parse_period("2568-Q1"), as_of=as_of)
    assert summary.open_overdue == open_overdue
    assert (summary.within_standard, summary.late) == (3, 1)


def test_a_period_not_yet_over_counts_overdue_as_of_today(session: Session,
                                                          pepper: bytes) -> None:
    """Cases due later than today are not overdue yet, even if due before the period ends."""
    _file(session, pepper, date(2050, 1, 2))  # due 17 Jan 2050, in fiscal year 2593 Q2
    period = parse_period("2593-Q2")
    assert summarise(session, period, as_of=date(2050, 3, 31)).open_overdue == 1
    current = summarise(session, period)
    assert current.total == 1
    assert current.open_overdue == 0


def test_empty_period(session: Session) -> None:
    summary = summarise(session, parse_period("2568-Q1"))
    assert summary.total == 0
    assert not summary.by_category
    assert (summary.within_standard, summary.late, summary.open_overdue) == (0, 0, 0)
