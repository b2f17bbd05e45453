"""Periodic summaries for executives (สรุปสถิติเรื่องร้องเรียนเสนอผู้บริหาร).

ITA asks for summaries monthly, quarterly (by the 25th of the month after the quarter), every six
months and yearly, by fiscal year (ปีงบประมาณ, October–September, years in พ.ศ.). Periods are named
``2568`` (fiscal year), ``2568-Q1``…``Q4``, ``2568-H1``/``H2`` and ``2568-10`` (calendar month in
พ.ศ.). A summary carries counts only, never case content. One grouped query scans the period once,
and one more counts complaints from QR posters and suggestion boxes when the agency has any.
A case marked a duplicate of another counts once, in its original
(:data:`rongrian.intake.duplicates.COUNTED`).
"""

import calendar
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from rongrian.intake.duplicates import COUNTED
from rongrian.intake.errors import InvalidPeriod
from rongrian.intake.models import (
    BoxOpening,
    Category,
    Complaint,
    QrPoster,
    SuggestionBox,
    Unit,
)
from rongrian.intake.thaidate import BE_OFFSET, fiscal_year_bounds
from rongrian.intake.workflow import FINISHED

_PERIOD = re.compile(r"^(?P<year>\d{4})(?:-(?P<part>Q[1-4]|H[12]|\d{2}))?$")


@dataclass(frozen=True)
class Period:
    """A reporting period: ``label`` as parsed, ``kind`` (``year``, ``quarter``, ``half``,
    ``month``), ``fiscal_year`` (พ.ศ.) and the inclusive day range ``start``–``end``."""

    label: str
    kind: str
    fiscal_year: int
    start: date
    end: date


def _add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    return date(day.year + index // 12, index % 12 + 1, 1)


def _month_end(first: date) -> date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def parse_period(label: str) -> Period:
    """Parse a period label; raises :class:`InvalidPeriod` for anything else.

    ``2568`` is fiscal year 2568 (1 Oct 2567 BE – 30 Sep 2568 BE); ``2568-Q1`` is Oct–Dec 2567 BE;
    ``2568-H2`` is Apr–Sep 2568 BE; ``2568-10`` is October 2568 BE (in fiscal year 2569).
    """
    match = _PERIOD.match(label.strip().upper())
    if match is None:
        raise InvalidPeriod(label)
    year = int(match["year"])
    if not 2500 <= year <= 2700:
        raise InvalidPeriod(label)
    part = match["part"]
    first, last = fiscal_year_bounds(year)
    if part is None:
        return Period(label, "year", year, first, last)
    if part[0] in "QH":
        size = 3 if part[0] == "Q" else 6
        start = _add_months(first, size * (int(part[1]) - 1))
        end = _month_end(_add_months(start, size - 1))
        return Period(label, "quarter" if size == 3 else "half", year, start, end)
    month = int(part)
    if not 1 <= month <= 12:
        raise InvalidPeriod(label)
    start = date(year - BE_OFFSET, month, 1)
    return Period(label, "month", year + (1 if month >= 10 else 0), start, _month_end(start))


@dataclass
class Summary:
    """Counts for one period. ``by_*`` map a code (category/unit code, channel, status, kind)
    to a count; ``within_standard``/``late`` count finished cases against their SLA days,
    ``open_overdue`` counts unfinished cases past their due day as of the period's end (or as
    of today for a period that has not ended yet)."""

    period: Period
    total: int = 0
    by_category: Counter[str] = field(default_factory=Counter)
    by_unit: Counter[str] = field(default_factory=Counter)
    by_channel: Counter[str] = field(default_factory=Counter)
    by_status: Counter[str] = field(default_factory=Counter)
    by_kind: Counter[str] = field(default_factory=Counter)
    within_standard: int = 0
    late: int = 0
    open_overdue: int = 0
    category_names: dict[str, tuple[str, str]] = field(default_factory=dict)
    unit_names: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: Complaints filed through each registered QR poster, by poster id (issue 8), and each
    #: poster's place text and unit code.
    by_place: Counter[str] = field(default_factory=Counter)
    place_names: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: Complaints found in each suggestion box, by the box's place (issue 8).
    by_box: Counter[str] = field(default_factory=Counter)


def summarise(session: Session, period: Period, *, as_of: date | None = None) -> Summary:
    """Count the complaints received within ``period`` (one grouped scan of the period, and one
    of its complaints from posters and suggestion boxes).

    Overdue is judged as of ``as_of`` (default today, UTC), never later than the period's end.
    The service-standard classes are FILTER counts over plain grouping columns (a finished case
    without a finishing day counts as late), so PostgreSQL aggregates in memory (issue 10 §5).
    """
    as_of = min(as_of or datetime.now(UTC).date(), period.end)
    finished = Complaint.status.in_(list(FINISHED))
    columns = (Complaint.category_id, Complaint.unit_id, Complaint.channel, Complaint.status,
               Complaint.kind)
    query = (
        select(
            *columns, func.count(), func.count().filter(finished),
            func.count().filter(and_(finished, Complaint.finished_on <= Complaint.due_on)),
            func.count().filter(and_(~finished, Complaint.due_on < as_of)),
        )
        .where(Complaint.received_on.between(period.start, period.end), COUNTED)
        .group_by(*columns)
    )
    found = list(session.scalars(select(Category)))
    categories = {c.id: c.code for c in found}
    units = {u.id: u for u in session.scalars(select(Unit))}
    summary = Summary(period)
    summary.category_names = {c.code: (c.name_th, c.name_en) for c in found}
    summary.unit_names = {u.code: (u.name_th, u.name_en) for u in units.values()}
    for (category_id, unit_id, channel, status, kind, n, done, within,
         overdue) in session.connection().execute(query):
        summary.total += n
        summary.by_category[categories[category_id]] += n
        summary.by_unit[units[unit_id].code] += n
        summary.by_channel[str(channel)] += n
        summary.by_status[str(status)] += n
        summary.by_kind[str(kind)] += n
        summary.within_standard += within
        summary.late += done - within
        summary.open_overdue += overdue
    _count_sources(session, period, summary)
    return summary


def _count_sources(session: Session, period: Period, summary: Summary) -> None:
    """Fill ``summary.by_place`` and ``by_box`` with one grouped scan of the period's complaints
    from a poster or a box; no scan at all while the agency has neither."""
    if all(session.scalar(select(table.id).limit(1)) is None
           for table in (QrPoster, BoxOpening)):
        return
    posters: Counter[str] = Counter()
    openings: Counter[int] = Counter()
    for poster_id, opening_id, n in session.connection().execute(
            select(Complaint.poster_id, Complaint.box_opening_id, func.count())
            .where(Complaint.received_on.between(period.start, period.end), COUNTED,
                   or_(Complaint.poster_id.is_not(None), Complaint.box_opening_id.is_not(None)))
            .group_by(Complaint.poster_id, Complaint.box_opening_id)):
        if poster_id is not None:
            posters[poster_id] += n
        if opening_id is not None:
            openings[opening_id] += n
    _name_places(session, posters, summary)
    _name_boxes(session, openings, summary)


def _name_places(session: Session, counts: Counter[str], summary: Summary) -> None:
    """Fill ``summary.by_place`` and ``place_names`` from complaints counted per poster id."""
    if not counts:
        return
    for poster_id, place, unit_code in session.execute(
            select(QrPoster.id, QrPoster.place, Unit.code)
            .join(Unit, Unit.id == QrPoster.unit_id).where(QrPoster.id.in_(list(counts)))):
        summary.by_place[poster_id] = counts[poster_id]
        summary.place_names[poster_id] = (place, unit_code)


def _name_boxes(session: Session, counts: Counter[int], summary: Summary) -> None:
    """Fill ``summary.by_box`` (by the box's place) from complaints counted per opening."""
    if not counts:
        return
    for opening_id, place in session.execute(
            select(BoxOpening.id, SuggestionBox.place)
            .join(SuggestionBox, SuggestionBox.id == BoxOpening.box_id)
            .where(BoxOpening.id.in_(list(counts)))):
        summary.by_box[place] += counts[opening_id]


def count_boxes(session: Session, period: Period, summary: Summary) -> None:
    """Fill ``summary.by_box``: complaints of ``period`` per suggestion box."""
    query = (
        select(SuggestionBox.place, func.count(Complaint.id))
        .join(BoxOpening, BoxOpening.box_id == SuggestionBox.id)
        .join(Complaint, Complaint.box_opening_id == BoxOpening.id)
        .where(Complaint.received_on.between(period.start, period.end), COUNTED)
        .group_by(SuggestionBox.place)
    )
    for place, n in session.execute(query):
        summary.by_box[place] = n


def count_places(session: Session, period: Period, summary: Summary) -> None:
    """Fill ``summary.by_place``: complaints of ``period`` per registered QR poster."""
    query = (
        select(QrPoster.id, QrPoster.place, Unit.code, func.count(Complaint.id))
        .join(Complaint, Complaint.poster_id == QrPoster.id)
        .join(Unit, Unit.id == QrPoster.unit_id)
        .where(Complaint.received_on.between(period.start, period.end), COUNTED)
        .group_by(QrPoster.id, QrPoster.place, Unit.code)
    )
    for poster_id, place, unit_code, n in session.execute(query):
        summary.by_place[poster_id] = n
        summary.place_names[poster_id] = (place, unit_code)
