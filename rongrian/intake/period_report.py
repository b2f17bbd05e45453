"""The two period reports of ITA (issue 10 §1): ``general`` (every category that is not a
whistleblower category: complaints, grievances, suggestions and compliments, a row each) and
``corruption`` (the whistleblower categories: counts and outcomes only).

For a period (:func:`rongrian.intake.reporting.parse_period`) a report holds the type × outcome
cross-table, counts by channel and unit, the monthly trend of the fiscal year beside the previous
year's, the same period's total a year earlier, days to first answer and to finish (median and
90th percentile), reopened cases and satisfaction, and — ``general`` only — each unit's overdue
cases by case number and age. Counts only, never case content.

Outcomes follow the ITA items (หลักเกณฑ์การประเมิน ITA, O: การจัดการเรื่องร้องเรียน): finished within
the service standard, finished late, in progress within the standard, in progress overdue, not
accepted (rejected). Overdue is judged as of ``as_of`` (today), never later than the period's end.
Days are working days from receipt (Thai public holidays and the agency's own days off:
:func:`rongrian.intake.service_clock.working_days_between`).
"""

import calendar
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, case, extract, func, select
from sqlalchemy.orm import Session

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
from rongrian.intake.service_clock import agency_days_off, working_days_between
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


def _outcome(as_of: date) -> ColumnElement[str]:
    finished = Complaint.status.in_([Status.RESOLVED, Status.CLOSED])
    return case(
        (Complaint.status == Status.REJECTED, "rejected"),
        (and_(finished, Complaint.finished_on <= Complaint.due_on), "within"),
        (finished, "late"),
        (Complaint.due_on < as_of, "open_overdue"),
        else_="open_in_time",
    )


def _categories(session: Session, kind: ReportKind) -> list[Category]:
    corruption = kind is ReportKind.CORRUPTION
    found = session.scalars(select(Category).order_by(Category.position, Category.code)).all()
    return [c for c in found if (c.sensitivity == Sensitivity.WHISTLEBLOWER) == corruption]


def _percentile(values: list[int], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return float(ordered[max(0, math.ceil(share * len(ordered)) - 1)])


def _median(values: list[int]) -> float | None:
    if not values:
        return None
    ordered, middle = sorted(values), len(values) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2


def _timing(values: list[int]) -> Timing:
    return Timing(len(values), _median(values), _percentile(values, 0.9))


def build_report(session: Session, period: Period, kind: ReportKind, *,
                 as_of: date | None = None) -> Report:
    """Build the ``kind`` report of ``period`` (two grouped scans plus the timing rows).

    Raises :class:`InvalidPeriod` for a period before the agency's first fiscal year.
    """
    check_period(session, period)
    as_of = min(as_of or datetime.now(UTC).date(), period.end)
    report = Report(period, kind, as_of)
    categories = _categories(session, kind)
    ids = [c.id for c in categories]
    units = {u.id: u for u in session.scalars(select(Unit).order_by(Unit.id))}
    outcome = _outcome(as_of)
    in_period = and_(Complaint.received_on.between(period.start, period.end),
                     Complaint.category_id.in_(ids))
    rows = session.execute(
        select(Complaint.category_id, Complaint.unit_id, Complaint.channel,
               outcome.label("outcome"), func.count())
        .where(in_period).group_by(Complaint.category_id, Complaint.unit_id,
                                   Complaint.channel, outcome))
    by_type: dict[int, Counter[str]] = {c.id: Counter() for c in categories}
    by_unit: dict[int, Counter[str]] = {}
    for category_id, unit_id, channel, result, n in rows:
        by_type[category_id][result] += n
        by_unit.setdefault(unit_id, Counter())[result] += n
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
    month = extract("month", Complaint.received_on)
    calendar_year = extract("year", Complaint.received_on)
    counts: Counter[tuple[int, int]] = Counter()
    for y, m, n in session.execute(
            select(calendar_year, month, func.count())
            .where(Complaint.received_on.between(start, end), Complaint.category_id.in_(ids))
            .group_by(calendar_year, month)):
        counts[(int(y), int(m))] = n
    first, _ = fiscal_year_bounds(year)
    for offset in range(12):
        index = first.month - 1 + offset
        y, m = first.year + index // 12, index % 12 + 1
        label = f"{y + BE_OFFSET}-{m:02d}"
        report.trend.append(Line(label, label, label,
                                 {"this": counts[(y, m)], "previous": counts[(y - 1, m)]}))
    prev_start, prev_end = previous_year(report.period)
    report.previous_total = session.scalar(
        select(func.count()).select_from(Complaint)
        .where(Complaint.received_on.between(prev_start, prev_end),
               Complaint.category_id.in_(ids))) or 0


def previous_year(period: Period) -> tuple[date, date]:
    """The same period a year earlier, as an inclusive day range (month ends kept)."""
    end = period.end
    last = calendar.monthrange(end.year - 1, end.month)[1]
    return period.start.replace(year=period.start.year - 1), date(end.year - 1, end.month, last)


def _fill_times(session: Session, report: Report, in_period: ColumnElement[bool]) -> None:
    working = agency_days_off(session, report.period.start, datetime.now(UTC).date())
    report.working_days = True
    answers: list[int] = []
    finishes: list[int] = []
    for received, answered, finished, status, reopened in session.execute(
            select(Complaint.received_on, Complaint.acknowledged_on, Complaint.finished_on,
                   Complaint.status, Complaint.reopen_count).where(in_period)):
        if answered is not None:
            answers.append(_days(received, answered, working))
        if finished is not None and status in FINISHED and status != Status.REJECTED:
            finishes.append(_days(received, finished, working))
        report.reopened += 1 if reopened else 0
    report.first_answer, report.finish = _timing(answers), _timing(finishes)
    scores = list(session.scalars(
        select(Rating.score).join(Complaint, Complaint.id == Rating.complaint_id)
        .where(in_period)))
    report.ratings = len(scores)
    report.rating_mean = round(sum(scores) / len(scores), 2) if scores else None


def _days(start: date, end: date, days_off: frozenset[date]) -> int:
    return working_days_between(start, end, days_off)


def _fill_overdue(session: Session, report: Report, in_period: ColumnElement[bool],
                  units: dict[int, Unit]) -> None:
    for unit_id, number, received in session.execute(
            select(Complaint.unit_id, Complaint.case_number, Complaint.received_on)
            .where(in_period, Complaint.status.not_in(list(FINISHED)),
                   Complaint.due_on < report.as_of)
            .order_by(Complaint.unit_id, Complaint.received_on, Complaint.case_number)):
        report.overdue.append(OverdueCase(units[unit_id].code, number,
                                          (report.as_of - received).days))


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
