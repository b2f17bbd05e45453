"""The two period reports (issue 10 §1), on a seeded year of cases with known outcomes."""

from collections import Counter
from datetime import date

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from rongrian.intake.errors import InvalidPeriod
from rongrian.intake.models import Installation
from rongrian.intake.period_report import OUTCOMES, ReportKind, build_report, previous_year
from rongrian.intake.reporting import parse_period
from tests.intake.report_seed import AS_OF, Seeded, expected, outcome, seed_year

PERIODS = ["2568", "2568-H1", "2568-H2", "2568-Q1", "2568-Q3", "2568-03", "2567-10"]


@pytest.fixture
def seeded(session: Session) -> list[Seeded]:
    session.execute(update(Installation).values(created_on=date(2023, 10, 1)))
    return seed_year(session)


@pytest.mark.parametrize("label", PERIODS)
@pytest.mark.parametrize("kind", list(ReportKind))
def test_type_by_outcome_matches_the_known_outcomes(session: Session, seeded: list[Seeded],
                                                    label: str, kind: ReportKind) -> None:
    period = parse_period(label)
    report = build_report(session, period, kind, as_of=AS_OF)
    wanted = expected(seeded, period.start, period.end, kind is ReportKind.CORRUPTION)
    got = {line.code: Counter({k: n for k, n in line.counts.items() if n})
           for line in report.types if line.total}
    assert got == wanted
    codes = {line.code for line in report.types}
    if kind is ReportKind.GENERAL:  # suggestions and compliments have rows of their own
        assert {"general", "road", "suggestion", "compliment"} <= codes
        assert "corruption" not in codes
    else:
        assert {"corruption", "procurement"} <= codes
        assert not codes & {"general", "suggestion"}
        assert report.overdue == []  # never case numbers in the corruption report
    assert report.total == sum(sum(c.values()) for c in wanted.values())


@pytest.mark.parametrize("label", ["2568", "2568-H1", "2568-Q2"])
def test_trend_and_the_same_period_a_year_earlier(session: Session, seeded: list[Seeded],
                                                  label: str) -> None:
    period = parse_period(label)
    report = build_report(session, period, ReportKind.GENERAL, as_of=AS_OF)
    general = [case for case in seeded if not case.whistleblower]
    months = Counter((c.received.year, c.received.month) for c in general)
    assert [line.code for line in report.trend][:3] == ["2567-10", "2567-11", "2567-12"]
    for line in report.trend:
        year, month = int(line.code[:4]) - 543, int(line.code[5:])
        assert line.counts == {"this": months[(year, month)],
                               "previous": months[(year - 1, month)]}
    start, end = previous_year(period)
    assert report.previous_total == sum(1 for c in general if start <= c.received <= end)


def test_overdue_cases_by_unit_with_their_age(session: Session, seeded: list[Seeded]) -> None:
    period = parse_period("2568-H2")
    report = build_report(session, period, ReportKind.GENERAL, as_of=AS_OF)
    wanted = {(c.case_number, (AS_OF - c.received).days) for c in seeded
              if not c.whistleblower and period.start <= c.received <= period.end
              and outcome(c, AS_OF) == "open_overdue"}
    assert wanted
    assert {(case.case_number, case.age_days) for case in report.overdue} == wanted


def test_times_reopened_and_no_ratings(session: Session, seeded: list[Seeded]) -> None:
    report = build_report(session, parse_period("2568"), ReportKind.GENERAL, as_of=AS_OF)
    assert report.working_days
    assert report.first_answer.n == report.total
    assert report.first_answer.median is not None
    assert report.first_answer.p90 is not None
    assert 0 <= report.first_answer.median <= report.first_answer.p90 <= 5
    finished = sum(1 for line in report.types for key in ("within", "late")
                   for _ in range(line.counts[key]))
    assert report.finish.n == finished
    assert report.ratings == 0
    assert report.rating_mean is None


@pytest.mark.parametrize("label", ["2566", "2566-Q4", "2566-09"])
def test_a_period_before_the_agency_is_refused(session: Session, seeded: list[Seeded],
                                               label: str) -> None:
    with pytest.raises(InvalidPeriod):
        build_report(session, parse_period(label), ReportKind.GENERAL)


@pytest.mark.parametrize("label", ["2569-Q5", "2569-13", "2569-H3", "2569-00", "25691"])
def test_periods_that_do_not_exist(label: str) -> None:
    with pytest.raises(InvalidPeriod):
        parse_period(label)


def test_outcome_columns() -> None:
    assert OUTCOMES == ("within", "late", "open_in_time", "open_overdue", "rejected")
