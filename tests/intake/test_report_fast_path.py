"""The reports' grouped SQL (issue 10 §5: counts, outcomes and working-day timings grouped in the
database) gives exactly what a straightforward per-case computation gives, on a seeded year
with the awkward cases added: duplicates, days off of the agency, cases never answered, finished
cases without a finishing day, reopened and rated cases."""

import math
import random
import statistics
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from rongrian.intake.models import (
    Category,
    Complaint,
    DayOff,
    Installation,
    Rating,
    Sensitivity,
    Status,
    Unit,
)
from rongrian.intake.period_report import (
    Line,
    OverdueCase,
    Report,
    ReportKind,
    Timing,
    build_report,
    previous_year,
)
from rongrian.intake.reporting import Period, parse_period, summarise
from rongrian.intake.service_clock import agency_days_off, working_days_between
from rongrian.intake.thaidate import BE_OFFSET, fiscal_year_bounds
from tests.intake.report_seed import AS_OF, seed_year

PERIODS = ["2568", "2568-H1", "2568-Q3", "2568-03"]


@pytest.fixture
def cases(session: Session) -> list[Complaint]:
    """Three hundred seeded cases over fiscal years 2567–2568, with the awkward ones added."""
    session.execute(update(Installation).values(created_on=date(2023, 10, 1)))
    seed_year(session, count=300, seed=7)
    generator = random.Random(7)
    found = list(session.scalars(select(Complaint).order_by(Complaint.case_number)))
    for complaint in found[::9]:  # never answered
        complaint.acknowledged_on = None
    for complaint in found[1::13]:  # finished, but the finishing day was never written down
        complaint.status, complaint.finished_on = Status.CLOSED, None
    for complaint in found[2::11]:
        complaint.duplicate_of_id = found[0].id
    for complaint in found[3::5]:
        session.add(Rating(complaint_id=complaint.id, score=generator.randint(1, 5),
                           rated_on=complaint.received_on, comment=b"x"))
    units = list(session.scalars(select(Unit.id)))
    for complaint in found[4::3]:  # spread the cases over the units
        complaint.unit_id = generator.choice(units)
    for day in (date(2024, 11, 6), date(2025, 2, 14), date(2025, 7, 1)):
        session.add(DayOff(day=day, name="วันหยุดของหน่วยงาน"))
    session.flush()
    return found


def _nearest_rank(values: list[int], share: float) -> float | None:
    ordered = sorted(values)
    return float(ordered[max(0, math.ceil(share * len(ordered)) - 1)]) if ordered else None


def _timing(values: list[int]) -> Timing:
    median = float(statistics.median(values)) if values else None
    return Timing(len(values), median, _nearest_rank(values, 0.9))


def _outcome(case: Complaint, as_of: date) -> str:
    if case.status == Status.REJECTED:
        return "rejected"
    if case.status in (Status.RESOLVED, Status.CLOSED):
        done = case.finished_on is not None and case.finished_on <= case.due_on
        return "within" if done else "late"
    return "open_overdue" if case.due_on < as_of else "open_in_time"


def _month_counts(cases: list[Complaint], year: int, month: int) -> int:
    return sum(1 for c in cases if (c.received_on.year, c.received_on.month) == (year, month))


def slow_report(session: Session, period: Period, kind: ReportKind, as_of: date) -> Report:
    """The report computed case by case, in Python, from every row."""
    whistleblower = kind is ReportKind.CORRUPTION
    categories = [c for c in session.scalars(select(Category)
                                             .order_by(Category.position, Category.code))
                  if (c.sensitivity == Sensitivity.WHISTLEBLOWER) == whistleblower]
    units = {u.id: u for u in session.scalars(select(Unit))}
    ids = {c.id for c in categories}
    counted = [c for c in session.scalars(select(Complaint))
               if c.duplicate_of_id is None and c.category_id in ids]
    chosen = [c for c in counted if period.start <= c.received_on <= period.end]
    report = Report(period, kind, as_of, working_days=True)
    by_type: dict[int, Counter[str]] = {c.id: Counter() for c in categories}
    by_unit: dict[int, Counter[str]] = {}
    for case in chosen:
        by_type[case.category_id][_outcome(case, as_of)] += 1
        by_unit.setdefault(case.unit_id, Counter())[_outcome(case, as_of)] += 1
        report.channels[str(case.channel)] += 1
    keys = ("within", "late", "open_in_time", "open_overdue", "rejected")
    report.types = [Line(c.code, c.name_th, c.name_en, {k: by_type[c.id][k] for k in keys})
                    for c in categories]
    report.units = [Line(units[u].code, units[u].name_th, units[u].name_en,
                         {k: by_unit[u][k] for k in keys}) for u in sorted(by_unit)]
    first, _ = fiscal_year_bounds(period.fiscal_year)
    for offset in range(12):
        day = date(first.year + (first.month - 1 + offset) // 12,
                   (first.month - 1 + offset) % 12 + 1, 1)
        label = f"{day.year + BE_OFFSET}-{day.month:02d}"
        report.trend.append(Line(label, label, label, {
            "this": _month_counts(counted, day.year, day.month),
            "previous": _month_counts(counted, day.year - 1, day.month)}))
    start, end = previous_year(period)
    report.previous_total = sum(1 for c in counted if start <= c.received_on <= end)
    days_off = agency_days_off(session, period.start, datetime.now(UTC).date())
    report.first_answer = _timing([working_days_between(c.received_on, c.acknowledged_on,
                                                        days_off)
                                   for c in chosen if c.acknowledged_on is not None])
    report.finish = _timing([working_days_between(c.received_on, c.finished_on, days_off)
                             for c in chosen if c.finished_on is not None
                             and c.status in (Status.RESOLVED, Status.CLOSED)])
    report.reopened = sum(1 for c in chosen if c.reopen_count)
    scores = [r.score for r in session.scalars(select(Rating))
              if r.complaint_id in {c.id for c in chosen}]
    report.ratings = len(scores)
    report.rating_mean = round(sum(scores) / len(scores), 2) if scores else None
    if kind is ReportKind.GENERAL:
        overdue = sorted((c for c in chosen if _outcome(c, as_of) == "open_overdue"),
                         key=lambda c: (c.unit_id, c.received_on, c.case_number))
        report.overdue = [OverdueCase(units[c.unit_id].code, c.case_number,
                                      (as_of - c.received_on).days) for c in overdue]
    return report


@pytest.mark.parametrize("label", PERIODS)
@pytest.mark.parametrize("kind", list(ReportKind))
def test_the_grouped_report_equals_the_case_by_case_one(session: Session, cases: list[Complaint],
                                                        label: str, kind: ReportKind) -> None:
    period = parse_period(label)
    as_of = min(AS_OF, period.end)
    fast = build_report(session, period, kind, as_of=AS_OF)
    slow = slow_report(session, period, kind, as_of)
    assert fast.total > 0
    assert fast == slow


def test_the_seed_has_the_awkward_cases(session: Session, cases: list[Complaint]) -> None:
    fast = build_report(session, parse_period("2568"), ReportKind.GENERAL, as_of=AS_OF)
    assert fast.ratings
    assert fast.reopened
    assert fast.overdue
    assert fast.first_answer.n < fast.total  # some were never answered
    assert fast.outcome_totals()["late"] > 0


@pytest.mark.parametrize("label", PERIODS)
def test_the_summary_equals_the_case_by_case_counts(session: Session, cases: list[Complaint],
                                                    label: str) -> None:
    period = parse_period(label)
    summary = summarise(session, period, as_of=AS_OF)
    as_of = min(AS_OF, period.end)
    codes = {c.id: c.code for c in session.scalars(select(Category))}
    units = {u.id: u.code for u in session.scalars(select(Unit))}
    chosen = [c for c in cases if c.duplicate_of_id is None
              and period.start <= c.received_on <= period.end]
    assert summary.total == len(chosen) > 0
    assert summary.by_category == Counter(codes[c.category_id] for c in chosen)
    assert summary.by_unit == Counter(units[c.unit_id] for c in chosen)
    assert summary.by_channel == Counter(str(c.channel) for c in chosen)
    assert summary.by_status == Counter(str(c.status) for c in chosen)
    assert summary.by_kind == Counter(str(c.kind) for c in chosen)
    finished = [c for c in chosen if c.status in (Status.RESOLVED, Status.CLOSED,
                                                  Status.REJECTED)]
    within = sum(1 for c in finished if c.finished_on is not None and c.finished_on <= c.due_on)
    assert (summary.within_standard, summary.late) == (within, len(finished) - within)
    assert summary.open_overdue == sum(1 for c in chosen if c not in finished
                                       and c.due_on < as_of)


def test_a_wide_spread_of_days_keeps_the_median_and_percentile(session: Session,
                                                              cases: list[Complaint]) -> None:
    """Many cases on few distinct days: the grouped counts still give the middle of the
    sorted list (an even count: the mean of the two middle values)."""
    for complaint in cases:
        complaint.acknowledged_on = complaint.received_on + timedelta(days=1)
    session.flush()
    period = parse_period("2568")
    fast = build_report(session, period, ReportKind.GENERAL, as_of=AS_OF)
    assert fast.first_answer == slow_report(session, period, ReportKind.GENERAL,
                                            AS_OF).first_answer
