"""The two period reports of ITA (issue 10 §1): ``general`` (every category that is not a
whistleblower category: complaints, grievances, suggestions and compliments, a row each) and
``corruption`` (the whistleblower categories: counts and outcomes only).

For a period (:func:`rongrian.intake.reporting.parse_period`) a report holds the type × outcome
cross-table, counts by channel and unit, the monthly trend of the fiscal year beside the previous
year's, the same period's total a year earlier, days to first answer and to finish (median and
90th percentile), reopened cases and satisfaction, and — ``general`` only — each unit's overdue
cases by case number and age. Counts only, never case content. A case marked a duplicate of
another is left out everywhere (:data:`rongrian.intake.duplicates.COUNTED`): it counts once, in
its original.

Outcomes follow the ITA items (หลักเกณฑ์การประเมิน ITA, O: การจัดการเรื่องร้องเรียน): finished within
the service standard, finished late, in progress within the standard, in progress overdue, not
accepted (rejected). Overdue is judged as of ``as_of`` (today), never later than the period's end.
Days are working days from receipt (Thai public holidays and the agency's own days off:
:func:`rongrian.intake.service_clock.working_days_between`).
"""

import calendar
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from rongrian.intake import counted
from rongrian.intake.duplicates import COUNTED
from rongrian.intake.errors import InvalidPeriod
from rongrian.intake.models import (
    Category,
    Complaint,
    Installation,
    Rating,
    Sensitivity,
    Status,
    Unit,
)
from rongrian.intake.reporting import Period
from rongrian.intake.service_clock import (
    agency_days_off,
    is_working_day,
    working_days_between,
)
from rongrian.intake.thaidate import BE_OFFSET, fiscal_year_bounds, fiscal_year_of
from rongrian.intake.workflow import FINISHED


class ReportKind(StrEnum):
    """Which categories a report covers."""

    GENERAL = "general"
    CORRUPTION = "corruption"


#: The outcome columns, in report order.
OUTCOMES = ("within", "late", "open_in_time", "open_overdue", "rejected")
OUTCOME_NAMES = {
    "within": ("แล้วเสร็จภายในระยะเวลาตามมาตรฐาน", "Finished within the standard"),
    "late": ("แล้วเสร็จเกินระยะเวลาตามมาตรฐาน", "Finished late"),
    "open_in_time": ("อยู่ระหว่างดำเนินการ ภายในกำหนด", "In progress, within the standard"),
    "open_overdue": ("อยู่ระหว่างดำเนินการ เกินกำหนด", "In progress, overdue"),
    "rejected": ("ไม่รับพิจารณา", "Not accepted"),
}


@dataclass(frozen=True)
class Line:
    """A named count: ``code``, Thai and English names, and ``counts`` by column key."""

    code: str
    name_th: str
    name_en: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        """The sum of the line's counts."""
        return sum(self.counts.values())

    def name(self, locale: str) -> str:
        """The name in ``locale`` (``th`` or ``en``)."""
        return self.name_en if locale == "en" else self.name_th


@dataclass(frozen=True)
class Timing:
    """Days (calendar, or working when ``working``) over ``n`` cases: median and 90th
    percentile (nearest rank); ``None`` when no case counts."""

    n: int
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class OverdueCase:
    """An open case past its due day: case number, unit code and age in days since receipt."""

    unit_code: str
    case_number: str
    age_days: int


#: How many overdue cases of each unit the printed reports (DOCX, PDF) list by number, the
#: oldest first; the rest are counted ("และอีก N เรื่อง") and the workbook lists them all, so a
#: year with tens of thousands of overdue cases still prints in a few pages (issue 10 §5).
OVERDUE_LISTED = 30


@dataclass(frozen=True)
class UnitOverdue:
    """One unit's overdue cases in a printed report: ``unit`` (its Thai name), ``count`` of its
    overdue cases, the ``oldest_days`` among them, and ``listed``, its oldest cases up to
    :data:`OVERDUE_LISTED`."""

    unit: str
    count: int
    oldest_days: int
    listed: tuple[OverdueCase, ...]


def overdue_by_unit(report: "Report", listed: int = OVERDUE_LISTED) -> list[UnitOverdue]:
    """``report.overdue`` grouped by unit in report order, each with its ``listed`` oldest
    cases (``report.overdue`` is oldest first within each unit)."""
    names = {line.code: line.name_th for line in report.units}
    groups: dict[str, list[OverdueCase]] = {}
    for overdue in report.overdue:
        groups.setdefault(names.get(overdue.unit_code, overdue.unit_code), []).append(overdue)
    return [UnitOverdue(unit=unit, count=len(cases),
                        oldest_days=max(one.age_days for one in cases),
                        listed=tuple(cases[:listed]))
            for unit, cases in groups.items()]


@dataclass
class Report:
    """One period report (see the module docstring); ``types`` rows are categories with counts
    by :data:`OUTCOMES`; ``trend`` lines are the fiscal year's months (``2568-10``…) with
    ``this`` and ``previous`` year counts."""

    period: Period
    kind: ReportKind
    as_of: date
    types: list[Line] = field(default_factory=list)
    channels: Counter[str] = field(default_factory=Counter)
    units: list[Line] = field(default_factory=list)
    trend: list[Line] = field(default_factory=list)
    previous_total: int = 0
    first_answer: Timing = Timing(0, None, None)
    finish: Timing = Timing(0, None, None)
    working_days: bool = False
    reopened: int = 0
    ratings: int = 0
    rating_mean: float | None = None
    overdue: list[OverdueCase] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Cases received in the period."""
        return sum(line.total for line in self.types)

    def outcome_totals(self) -> dict[str, int]:
        """Each outcome's count over every type."""
        return {key: sum(line.counts[key] for line in self.types) for key in OUTCOMES}


def first_fiscal_year(session: Session) -> int | None:
    """The first fiscal year (พ.ศ.) the agency can report on: that of its installation, or of
    its earliest complaint when cases were entered from before; ``None`` before set-up."""
    installed = session.scalars(select(Installation.created_on)).first()
    earliest = session.scalar(select(func.min(Complaint.received_on)))
    days = [day for day in (installed, earliest) if day is not None]
    return fiscal_year_of(min(days)) if days else None


def check_period(session: Session, period: Period) -> None:
    """Raise :class:`InvalidPeriod` for a period before the agency's first fiscal year."""
    first = first_fiscal_year(session)
    if first is not None and period.fiscal_year < first:
        raise InvalidPeriod(period.label)


def _outcome_counts(as_of: date) -> tuple[ColumnElement[int], ...]:
    """FILTER counts of a group, in this order: all, reopened, rejected, finished (resolved or
    closed), finished by the due day, open past the due day as of ``as_of``. The outcomes
    follow: ``late`` is finished − within (a finished case without a finishing day is late),
    ``open_in_time`` the rest. Plain grouping columns let PostgreSQL aggregate in memory."""
    finished = Complaint.status.in_([Status.RESOLVED, Status.CLOSED])
    return (func.count(), func.count().filter(Complaint.reopen_count != 0),
            func.count().filter(Complaint.status == Status.REJECTED),
            func.count().filter(finished),
            func.count().filter(and_(finished, Complaint.finished_on <= Complaint.due_on)),
            func.count().filter(and_(Complaint.status.not_in(list(FINISHED)),
                                     Complaint.due_on < as_of)))


def _outcomes(n: int, rejected: int, finished: int, within: int, overdue: int
              ) -> dict[str, int]:
    return {"within": within, "late": finished - within,
            "open_in_time": n - rejected - finished - overdue, "open_overdue": overdue,
            "rejected": rejected}


def _categories(session: Session, kind: ReportKind) -> list[Category]:
    corruption = kind is ReportKind.CORRUPTION
    found = session.scalars(select(Category).order_by(Category.position, Category.code)).all()
    return [c for c in found if (c.sensitivity == Sensitivity.WHISTLEBLOWER) == corruption]


def _timing(days: Counter[int]) -> Timing:
    """Median and 90th percentile (nearest rank) of ``days`` (days → how many cases)."""
    return Timing(days.total(), counted.median(days), counted.nearest_rank(days, 0.9))


def build_report(session: Session, period: Period, kind: ReportKind, *,
                 as_of: date | None = None) -> Report:
    """Build the ``kind`` report of ``period``: grouped scans only (cross-table, trend of two
    fiscal years, date pairs for the timings) plus the overdue cases' rows.

    Raises :class:`InvalidPeriod` for a period before the agency's first fiscal year.
    """
    check_period(session, period)
    as_of = min(as_of or datetime.now(UTC).date(), period.end)
    report = Report(period, kind, as_of)
    categories = _categories(session, kind)
    ids = [c.id for c in categories]
    units = {u.id: u for u in session.scalars(select(Unit).order_by(Unit.id))}
    in_period = and_(Complaint.received_on.between(period.start, period.end),
                     Complaint.category_id.in_(ids), COUNTED)  # a duplicate counts once
    rows = session.connection().execute(
        select(Complaint.category_id, Complaint.unit_id, Complaint.channel,
               *_outcome_counts(as_of))
        .where(in_period).group_by(Complaint.category_id, Complaint.unit_id,
                                   Complaint.channel))
    by_type: dict[int, Counter[str]] = {c.id: Counter() for c in categories}
    by_unit: dict[int, Counter[str]] = {}
    for category_id, unit_id, channel, n, reopened, *counts in rows:
        report.reopened += reopened
        outcomes = _outcomes(n, *counts)
        by_type[category_id].update(outcomes)
        by_unit.setdefault(unit_id, Counter()).update(outcomes)
        report.channels[str(channel)] += n
    report.types = [Line(c.code, c.name_th, c.name_en,
                         {key: by_type[c.id][key] for key in OUTCOMES}) for c in categories]
    report.units = [Line(units[uid].code, units[uid].name_th, units[uid].name_en,
                         {key: counts[key] for key in OUTCOMES})
                    for uid, counts in sorted(by_unit.items())]
    _fill_trend(session, report, ids)
    _fill_times(session, report, in_period)
    if kind is ReportKind.GENERAL:
        _fill_overdue(session, report, in_period, units)
    return report


def _fill_trend(session: Session, report: Report, ids: list[int]) -> None:
    year = report.period.fiscal_year
    start, _ = fiscal_year_bounds(year - 1)
    _, end = fiscal_year_bounds(year)
    counts: Counter[tuple[int, int]] = Counter()  # by (year, month); grouped by day in SQL
    for day, n in session.connection().execute(
            select(Complaint.received_on, func.count())
            .where(Complaint.received_on.between(start, end), Complaint.category_id.in_(ids),
                   COUNTED)
            .group_by(Complaint.received_on)):
        counts[(day.year, day.month)] += n
    first, _ = fiscal_year_bounds(year)
    for offset in range(12):
        index = first.month - 1 + offset
        y, m = first.year + index // 12, index % 12 + 1
        label = f"{y + BE_OFFSET}-{m:02d}"
        report.trend.append(Line(label, label, label,
                                 {"this": counts[(y, m)], "previous": counts[(y - 1, m)]}))
    # a period is whole months of one fiscal year, so the same months a year earlier lie in
    # the previous fiscal year, which the trend counted already
    prev_start, prev_end = previous_year(report.period)
    report.previous_total = sum(n for (y, m), n in counts.items()
                                if prev_start <= date(y, m, 1) <= prev_end)


def previous_year(period: Period) -> tuple[date, date]:
    """The same period a year earlier, as an inclusive day range (month ends kept)."""
    end = period.end
    last = calendar.monthrange(end.year - 1, end.month)[1]
    return period.start.replace(year=period.start.year - 1), date(end.year - 1, end.month, last)


def _fill_times(session: Session, report: Report, in_period: ColumnElement[bool]) -> None:
    """Days to first answer and to finish, from the distinct (received, answered, finished)
    days counted in SQL (a fiscal year: tens of thousands of groups, not a million rows); a
    rejected case has not "finished" in this sense."""
    working = agency_days_off(session, report.period.start, datetime.now(UTC).date())
    clock = _Clock(report.period.start, working)
    report.working_days = True
    finished = case((Complaint.status.in_([Status.RESOLVED, Status.CLOSED]),
                     Complaint.finished_on), else_=None)
    answers: Counter[int] = Counter()
    finishes: Counter[int] = Counter()
    for received, answered, done, n in session.connection().execute(
            select(Complaint.received_on, Complaint.acknowledged_on, finished, func.count())
            .where(in_period)
            .group_by(Complaint.received_on, Complaint.acknowledged_on, finished)):
        if answered is not None:
            answers[clock.between(received, answered)] += n
        if done is not None:
            finishes[clock.between(received, done)] += n
    report.first_answer, report.finish = _timing(answers), _timing(finishes)
    ratings, total = session.connection().execute(
        select(func.count(Rating.score), func.sum(Rating.score))
        .join(Complaint, Complaint.id == Rating.complaint_id).where(in_period)).one()
    report.ratings = int(ratings)
    report.rating_mean = round(int(total) / ratings, 2) if ratings else None


class _Clock:
    """:func:`working_days_between` from a running count of working days since ``first``, made
    once for the calendar instead of once per case (a fiscal year: 300,000 cases, 365 days)."""

    def __init__(self, first: date, days_off: frozenset[date]) -> None:
        self.first, self.days_off = first, days_off
        self.running = [0]  # working days after ``first`` up to and including first + index

    def between(self, start: date, end: date) -> int:
        if end <= start:
            return 0
        if start < self.first:
            return working_days_between(start, end, self.days_off)
        last = (end - self.first).days
        while len(self.running) <= last:
            day = self.first + timedelta(days=len(self.running))
            self.running.append(self.running[-1] + is_working_day(day, self.days_off))
        return self.running[last] - self.running[(start - self.first).days]


def _fill_overdue(session: Session, report: Report, in_period: ColumnElement[bool],
                  units: dict[int, Unit]) -> None:
    codes = {unit_id: unit.code for unit_id, unit in units.items()}
    as_of = report.as_of
    rows = session.connection().execute(
        select(Complaint.unit_id, Complaint.case_number, Complaint.received_on)
        .where(in_period, Complaint.status.not_in(list(FINISHED)), Complaint.due_on < as_of)
        .order_by(Complaint.unit_id, Complaint.received_on, Complaint.case_number)).all()
    report.overdue = [OverdueCase(codes[unit_id], number, (as_of - received).days)
                      for unit_id, number, received in rows]


__all__ = [
    "OUTCOMES",
    "OUTCOME_NAMES",
    "Line",
    "OverdueCase",
    "Report",
    "ReportKind",
    "Timing",
    "build_report",
    "check_period",
    "previous_year",
    "first_fiscal_year",
]
