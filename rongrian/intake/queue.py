"""The working queue of a unit's cases (issue 9 §1): filters, orderings, paging and markers.

Everything here reads clear columns only (status, category, channel, kind, dates, the officer,
labels, thread entry kinds and positions): no case is decrypted to build the queue, so it is
fast at 10,000 cases and shows nothing a staff member could not see in the case list already.
Counting, filtering, ordering and paging are done in SQL (indexes of migration 0017).

"Unread" (the marker "new from the complainant") is :mod:`rongrian.intake.seen`.

Due markers use the service clock (:mod:`rongrian.intake.service_clock`): a case is *overdue*
when it is open and today is after its completion due day; *due soon* when it is open and due
today or within :data:`DUE_SOON_WORKING_DAYS` working days.
"""

import enum
import math
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Row, Select, and_, case, func, select
from sqlalchemy.orm import Session

from rongrian.intake.keyring import unit_ids_of
from rongrian.intake.models import (
    CaseLabel,
    Category,
    Channel,
    Complaint,
    ComplaintLabel,
    Kind,
    StaffAccount,
    Status,
    Unit,
)
from rongrian.intake.seen import unread, unread_ids
from rongrian.intake.service_clock import add_working_days, agency_days_off
from rongrian.intake.workflow import FINISHED

#: Rows on one page of the queue.
PAGE_SIZE = 50
#: "Due soon" marker: due today or within this many working days.
DUE_SOON_WORKING_DAYS = 3
#: Largest "due within N working days" filter accepted.
MAX_DUE_WITHIN = 60
_OPEN_STATUSES = tuple(status for status in Status if status not in FINISHED)
_FINISHED_STATUSES = tuple(status for status in Status if status in FINISHED)
_CASE_NUMBER = re.compile(r"^(\d{4})\s*/\s*(\d{1,6})$")
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_Query = TypeVar("_Query", bound=Select[*tuple[Any, ...]])


class Tab(enum.StrEnum):
    """Open and finished cases apart (``open`` is the default); ``all`` shows both."""

    OPEN = "open"
    FINISHED = "finished"
    ALL = "all"


class Sort(enum.StrEnum):
    """``due``: earliest due day first (default for open cases); ``newest``/``oldest``: by the
    day received (``newest`` is the default for finished cases and for all)."""

    DUE = "due"
    NEWEST = "newest"
    OLDEST = "oldest"


@dataclass(frozen=True)
class QueueFilter:
    """What the queue shows; every field is an id, an enum member or a number (never case
    content), so the whole filter can travel in the page address.

    ``officer_id`` keeps cases assigned to that account, ``unassigned`` those assigned to no one;
    ``due_within`` (0..:data:`MAX_DUE_WITHIN`) keeps open cases due from today up to that many
    working days ahead; ``overdue`` open cases past their due day; ``unread`` cases with an
    entry from the complainant the viewer has not seen. ``sort`` ``None`` means the tab's
    default. ``page`` counts from 1.
    """

    tab: Tab = Tab.OPEN
    status: Status | None = None
    category_id: int | None = None
    channel: Channel | None = None
    kind: Kind | None = None
    unit_id: int | None = None
    officer_id: int | None = None
    unassigned: bool = False
    overdue: bool = False
    due_within: int | None = None
    unread: bool = False
    label_id: int | None = None
    sort: Sort | None = None
    page: int = 1

    @property
    def ordering(self) -> Sort:
        """The sort in effect: the chosen one, else ``due`` on the open tab and ``newest``
        elsewhere."""
        if self.sort is not None:
            return self.sort
        return Sort.DUE if self.tab is Tab.OPEN else Sort.NEWEST


@dataclass(frozen=True)
class RowLabel:
    """A label shown on a queue row."""

    id: int
    name: str


@dataclass(frozen=True)
class QueueRow:
    """One case on the queue: clear fields and its markers, no content."""

    id: uuid.UUID
    case_number: str
    unit_id: int
    category_name_th: str
    category_name_en: str
    unit_name_th: str
    unit_name_en: str
    kind: Kind
    channel: Channel
    status: Status
    received_on: date
    due_on: date
    age_days: int
    assigned_to_id: int | None
    assigned_name: str | None
    overdue: bool
    due_soon: bool
    unread: bool
    mine: bool
    reopened: bool
    labels: tuple[RowLabel, ...] = ()


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue: ``rows`` (at most ``per_page``) of ``total`` matching cases, page
    ``page`` of ``pages`` (at least 1); ``open_total`` and ``finished_total`` count the matching
    cases of each tab, for the tab headings."""

    rows: list[QueueRow]
    total: int
    page: int
    pages: int
    per_page: int
    open_total: int
    finished_total: int

    @property
    def first(self) -> int:
        """Position (from 1) of the first row shown; 0 when there is none."""
        return (self.page - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last(self) -> int:
        """Position of the last row shown; 0 when there is none."""
        return self.first + len(self.rows) - 1 if self.rows else 0


def due_limit(session: Session, today: date, working_days: int) -> date:
    """The ``working_days``-th working day after ``today`` (Thai public holidays and the
    agency's days off skipped; 0 gives ``today``). Raises ``ValueError`` outside
    0..:data:`MAX_DUE_WITHIN`."""
    if not 0 <= working_days <= MAX_DUE_WITHIN:
        raise ValueError(f"working days out of range: {working_days}")
    days_off = agency_days_off(session, today, today + timedelta(days=working_days * 2 + 60))
    return add_working_days(today, working_days, days_off)


def _conditions(session: Session, account_id: int, units: Sequence[int], chosen: QueueFilter,
                today: date) -> list[ColumnElement[bool]]:
    """The WHERE conditions of everything but the tab."""
    wanted = [chosen.unit_id] if chosen.unit_id is not None else list(units)
    where: list[ColumnElement[bool]] = [Complaint.unit_id.in_(wanted)]
    simple = ((Complaint.status, chosen.status), (Complaint.category_id, chosen.category_id),
              (Complaint.channel, chosen.channel), (Complaint.kind, chosen.kind),
              (Complaint.assigned_to_id, chosen.officer_id))
    where += [column == value for column, value in simple if value is not None]
    if chosen.unassigned:
        where.append(Complaint.assigned_to_id.is_(None))
    if chosen.overdue or chosen.due_within is not None:
        where.append(Complaint.status.in_(_OPEN_STATUSES))
    if chosen.overdue:
        where.append(Complaint.due_on < today)
    if chosen.due_within is not None:
        where.append(and_(Complaint.due_on >= today,
                          Complaint.due_on <= due_limit(session, today, chosen.due_within)))
    if chosen.unread:
        where.append(Complaint.id.in_(unread_ids(account_id)))
    if chosen.label_id is not None:  # only while the case is with the label's unit
        where.append(Complaint.id.in_(select(ComplaintLabel.complaint_id).where(
            ComplaintLabel.label_id == chosen.label_id)))
        where.append(Complaint.unit_id == select(CaseLabel.unit_id).where(
            CaseLabel.id == chosen.label_id).scalar_subquery())
    return where


def _tab_condition(tab: Tab) -> ColumnElement[bool] | None:
    if tab is Tab.OPEN:
        return Complaint.status.in_(_OPEN_STATUSES)
    if tab is Tab.FINISHED:
        return Complaint.status.in_(_FINISHED_STATUSES)
    return None


def _ordered(query: _Query, ordering: Sort, *, reverse: bool = False) -> _Query:
    if ordering is Sort.DUE:
        columns = [Complaint.due_on, Complaint.received_on, Complaint.case_number]
        descending = False
    else:
        columns = [Complaint.received_on, Complaint.case_number]
        descending = ordering is Sort.NEWEST
    if descending != reverse:
        return query.order_by(*(column.desc() for column in columns))
    return query.order_by(*columns)


def _page_ids(session: Session, where: list[ColumnElement[bool]], ordering: Sort, total: int,
              page: int, per_page: int) -> list[uuid.UUID]:
    """Ids of page ``page`` in order. A page in the second half is read from the end in the
    reverse order, so the database never sorts more than half the matching cases to skip."""
    offset = (page - 1) * per_page
    if offset <= total // 2:
        return list(session.scalars(_ordered(select(Complaint.id).where(*where), ordering)
                                    .limit(per_page).offset(offset)))
    size = min(per_page, total - offset)
    backwards = _ordered(select(Complaint.id).where(*where), ordering, reverse=True)
    return list(reversed(session.scalars(
        backwards.limit(size).offset(total - offset - size)).all()))


def _tab_totals(session: Session, where: list[ColumnElement[bool]]) -> tuple[int, int]:
    """Matching open and finished cases, in one query."""
    finished = case((Complaint.status.in_(_FINISHED_STATUSES), 1), else_=0)
    counts = {int(flag): int(count) for flag, count in session.execute(
        select(finished, func.count()).select_from(Complaint).where(*where).group_by(finished)
    )}
    return int(counts.get(0, 0)), int(counts.get(1, 0))


def _labels_of(session: Session, rows: Sequence[tuple[uuid.UUID, int]]
               ) -> dict[uuid.UUID, tuple[RowLabel, ...]]:
    """Labels of the listed cases (``(id, unit_id)``), only their current unit's, by name."""
    if not rows:
        return {}
    unit_of = dict(rows)
    found: dict[uuid.UUID, list[RowLabel]] = {}
    for complaint_id, label_id, unit_id, name in session.execute(
        select(ComplaintLabel.complaint_id, CaseLabel.id, CaseLabel.unit_id, CaseLabel.name)
        .join(CaseLabel, CaseLabel.id == ComplaintLabel.label_id)
        .where(ComplaintLabel.complaint_id.in_(list(unit_of)))
        .order_by(CaseLabel.name)
    ):
        if unit_of.get(complaint_id) == unit_id:
            found.setdefault(complaint_id, []).append(RowLabel(label_id, name))
    return {key: tuple(value) for key, value in found.items()}


def _page_rows(session: Session, account_id: int, ids: list[uuid.UUID]
               ) -> list[Row[*tuple[Any, ...]]]:
    """The shown columns of the cases ``ids`` (one page), in that order: the page is chosen
    first on the indexed columns alone, so the joins and the "unread" test run for its rows
    only."""
    if not ids:
        return []
    position = {complaint_id: index for index, complaint_id in enumerate(ids)}
    found = session.execute(
        select(Complaint.id, Complaint.case_number, Complaint.unit_id, Category.name_th,
               Category.name_en, Unit.name_th, Unit.name_en, Complaint.kind, Complaint.channel,
               Complaint.status, Complaint.received_on, Complaint.due_on,
               Complaint.assigned_to_id, StaffAccount.display_name, Complaint.reopened_on,
               unread(account_id))
        .join(Category, Category.id == Complaint.category_id)
        .join(Unit, Unit.id == Complaint.unit_id)
        .outerjoin(StaffAccount, StaffAccount.id == Complaint.assigned_to_id)
        .where(Complaint.id.in_(ids))
    ).all()
    return sorted(found, key=lambda row: position[row.id])


def queue_page(session: Session, account_id: int, chosen: QueueFilter, *,
               today: date | None = None, per_page: int = PAGE_SIZE) -> QueuePage:
    """One page of the cases of ``account_id``'s units matching ``chosen``.

    A page past the last shows the last page. No units: an empty page. Raises ``ValueError``
    for a ``due_within`` outside 0..:data:`MAX_DUE_WITHIN` (the admin layer checks it first).
    """
    today = today or datetime.now(UTC).date()
    units = unit_ids_of(session, account_id)
    if not units or (chosen.unit_id is not None and chosen.unit_id not in units):
        return QueuePage([], 0, 1, 1, per_page, 0, 0)
    where = _conditions(session, account_id, units, chosen, today)
    open_total, finished_total = _tab_totals(session, where)
    total = {Tab.OPEN: open_total, Tab.FINISHED: finished_total}.get(
        chosen.tab, open_total + finished_total)
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, chosen.page), pages)
    tab = _tab_condition(chosen.tab)
    if tab is not None:
        where.append(tab)
    found = _page_rows(session, account_id,
                       _page_ids(session, where, chosen.ordering, total, page, per_page))
    soon = due_limit(session, today, DUE_SOON_WORKING_DAYS)
    labels = _labels_of(session, [(row.id, row.unit_id) for row in found])
    rows = [_row(values, account_id, today, soon, labels.get(values.id, ()))
            for values in found]
    return QueuePage(rows, total, page, pages, per_page, open_total, finished_total)


def _row(values: Row[*tuple[Any, ...]], account_id: int, today: date, soon: date,
         labels: tuple[RowLabel, ...]) -> QueueRow:
    (complaint_id, number, unit_id, category_th, category_en, unit_th, unit_en, kind, channel,
     status, received_on, due_on, assigned_to_id, assigned_name, reopened_on, unread) = values
    still_open = status not in FINISHED
    return QueueRow(
        id=complaint_id, case_number=number, unit_id=unit_id,
        category_name_th=category_th, category_name_en=category_en,
        unit_name_th=unit_th, unit_name_en=unit_en, kind=kind, channel=channel, status=status,
        received_on=received_on, due_on=due_on, age_days=(today - received_on).days,
        assigned_to_id=assigned_to_id, assigned_name=assigned_name,
        overdue=still_open and today > due_on,
        due_soon=still_open and today <= due_on <= soon,
        unread=bool(unread), mine=assigned_to_id == account_id,
        reopened=still_open and reopened_on is not None, labels=labels,
    )


def normalise_case_number(text: str) -> str | None:
    """``2569/000123`` from what a staff member typed (``2569/123``, ``๒๕๖๙/๑๒๓``, spaces
    around the slash); ``None`` when it is not a case number."""
    match = _CASE_NUMBER.match(text.strip().translate(_THAI_DIGITS))
    if match is None:
        return None
    return f"{match.group(1)}/{int(match.group(2)):06d}"


def find_case(session: Session, account_id: int, case_number: str) -> uuid.UUID | None:
    """The id of the case numbered ``case_number`` (normalised) if it is routed to one of
    ``account_id``'s units; ``None`` otherwise (another unit's case looks the same as none)."""
    units = unit_ids_of(session, account_id)
    if not units:
        return None
    return session.scalar(select(Complaint.id).where(
        Complaint.case_number == case_number, Complaint.unit_id.in_(units)))


__all__ = [
    "DUE_SOON_WORKING_DAYS",
    "MAX_DUE_WITHIN",
    "PAGE_SIZE",
    "QueueFilter",
    "QueuePage",
    "QueueRow",
    "RowLabel",
    "Sort",
    "Tab",
    "due_limit",
    "find_case",
    "normalise_case_number",
    "queue_page",
]
