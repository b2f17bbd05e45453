"""The service clock in working days (มาตรฐานระยะเวลา; issue 9 §2).

A working day is a Monday to Friday that is neither a Thai public holiday (the ``holidays``
package's ``holidays.Thailand``, which follows the Cabinet's announced public holidays and their
substitution days) nor one of the agency's own days off (:class:`~rongrian.intake.models.DayOff`,
e.g. a special holiday the Cabinet announced after the package was released).

Counting rule (the usual reading of "answer within N working days", พ.ร.ฎ. ว่าด้วยหลักเกณฑ์และ
วิธีการบริหารกิจการบ้านเมืองที่ดี พ.ศ. 2546 มาตรา 38 and the agencies' citizen manuals): the day
of filing does not count; the due day is the N-th working day after it. So a complaint filed on
Friday 10 April 2026 with a 3-working-day acknowledgement clock is due on Monday 20 April 2026
(13–15 April are Songkran, 16–17 and 20 count).

Two clocks per category: acknowledgement (``Category.acknowledge_days``, default
:data:`DEFAULT_ACKNOWLEDGE_DAYS`; met by the first reply to the complainant) and completion
(``Category.sla_days``, read as working days; default :data:`DEFAULT_COMPLETION_DAYS`; met when
the case reaches a finished status).

Public names for reports: :func:`working_days_between` (how long a case took in working days),
:func:`is_working_day`, :func:`agency_days_off`.
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Protocol

from holidays.countries.thailand import Thailand
from sqlalchemy import select
from sqlalchemy.orm import Session

from rongrian.intake.models import DayOff

DEFAULT_ACKNOWLEDGE_DAYS = 3
DEFAULT_COMPLETION_DAYS = 15
#: Longest clock accepted, in working days (about two years): bounds the day-by-day count.
MAX_WORKING_DAYS = 500
_SATURDAY = 5


@lru_cache(maxsize=64)
def thai_public_holidays(year: int) -> frozenset[date]:
    """Thai public holidays of ``year`` (CE) from ``holidays.Thailand`` (public category)."""
    calendar: Mapping[date, str] = Thailand(years=year)  # type: ignore[no-untyped-call]
    return frozenset(calendar.keys())


def is_working_day(day: date, days_off: Collection[date] = ()) -> bool:
    """Whether ``day`` is a working day: Monday–Friday, not a Thai public holiday, not in
    ``days_off`` (the agency's own)."""
    return (day.weekday() < _SATURDAY and day not in thai_public_holidays(day.year)
            and day not in days_off)


def add_working_days(start: date, count: int, days_off: Collection[date] = ()) -> date:
    """The ``count``-th working day after ``start`` (``start`` itself never counts; ``count``
    0 gives ``start``). Raises ``ValueError`` for a count outside 0..:data:`MAX_WORKING_DAYS`.
    """
    if not 0 <= count <= MAX_WORKING_DAYS:
        raise ValueError(f"working days out of range: {count}")
    day = start
    left = count
    while left:
        day += timedelta(days=1)
        if is_working_day(day, days_off):
            left -= 1
    return day


def working_days_between(start: date, end: date, days_off: Collection[date] = ()) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when ``end <= start``): how
    many working days a case filed on ``start`` and finished on ``end`` took."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day, days_off)
    return count


def agency_days_off(session: Session, start: date, end: date) -> frozenset[date]:
    """The agency's own days off from ``start`` to ``end`` inclusive."""
    return frozenset(session.scalars(
        select(DayOff.day).where(DayOff.day >= start, DayOff.day <= end)))


@dataclass(frozen=True)
class DueDays:
    """A case's two due days: first answer to the complainant, and completion."""

    acknowledge_on: date
    complete_on: date


class ServiceDays(Protocol):
    """What a category says of its service times (``Category`` or ``CategoryFacts``)."""

    @property
    def acknowledge_days(self) -> int | None: ...

    @property
    def sla_days(self) -> int | None: ...


def due_days(received_on: date, category: ServiceDays, days_off: Collection[date]) -> DueDays:
    """Both due days of a case of ``category`` received on ``received_on``, skipping weekends,
    Thai public holidays and ``days_off`` (the agency's own)."""
    acknowledge = category.acknowledge_days or DEFAULT_ACKNOWLEDGE_DAYS
    complete = category.sla_days or DEFAULT_COMPLETION_DAYS
    return DueDays(add_working_days(received_on, acknowledge, days_off),
                   add_working_days(received_on, complete, days_off))


def list_days_off(session: Session, *, since: date | None = None) -> list[DayOff]:
    """The agency's days off in date order (from ``since`` when given)."""
    query = select(DayOff).order_by(DayOff.day)
    if since is not None:
        query = query.where(DayOff.day >= since)
    return list(session.scalars(query))


def add_day_off(session: Session, day: date, name: str) -> DayOff:
    """Add (or rename) an agency day off; flushed, the caller audits and commits. Due days
    already set are not moved: the day counts for cases filed from now on."""
    row = session.get(DayOff, day)
    if row is None:
        row = DayOff(day=day, name=name[:200])
        session.add(row)
    else:
        row.name = name[:200]
    session.flush()
    return row


def remove_day_off(session: Session, day: date) -> bool:
    """Remove an agency day off; whether there was one."""
    row = session.get(DayOff, day)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True
