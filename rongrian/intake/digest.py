"""What the daily digest tells each member of each unit (issue 9 §2): counts and case numbers.

For a day ``D`` (the day the digest is sent; dates are UTC days like the rest of the system),
each active member of each active unit who has an e-mail address and has not opted out gets one
digest per unit holding four lists of that unit's cases:

- **new**: received from the unit's previous digest day up to the day before ``D`` (only the day
  before ``D`` when the unit never had a digest, and never more than :data:`MAX_NEW_DAYS` back),
  so a digest that runs on working days only covers the weekend on Monday;
- **due soon**: open cases whose completion due day is ``D`` or one of the next
  ``DUE_SOON_WORKING_DAYS`` (3) working days: the queue's own "due soon" marker
  (:mod:`rongrian.intake.queue`; Thai public holidays and the agency's days off skipped);
- **overdue**: open cases whose completion due day is before ``D``;
- **assigned to you**: open cases of the unit assigned to the member.

Only cases received before ``D`` count; statuses are the current ones. Whistleblower cases (a
whistleblower category, or a tip) are counted but their case numbers are never listed: an e-mail
crosses relays and mailboxes the agency does not control, and a list would tell a reader of the
mailbox which numbers are tips and when they came (issue 10: tip numbers only to the integrity
unit, and there only in the system). Nothing else of a case (category, text, complainant) is
read. What was sent is recorded per day, unit and member (:class:`DigestDelivery`, counts only),
so a second run the same day sends only what is missing.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from rongrian.intake.models import (
    Category,
    Complaint,
    DigestDelivery,
    Kind,
    Sensitivity,
    StaffAccount,
    Unit,
    UnitMembership,
)
from rongrian.intake.queue import DUE_SOON_WORKING_DAYS, due_limit
from rongrian.intake.workflow import FINISHED

#: Case numbers listed per list; the rest are counted ("and N more").
MAX_LISTED = 50
#: Furthest back "new" reaches when the unit's previous digest is older (a stopped timer).
MAX_NEW_DAYS = 31


@dataclass(frozen=True)
class CaseNumbers:
    """One list of a digest: ``count`` cases, of which ``numbers`` (sorted, at most
    :data:`MAX_LISTED`) may be shown and ``whistleblower`` are counted without their numbers."""

    count: int = 0
    numbers: tuple[str, ...] = ()
    whistleblower: int = 0

    @property
    def more(self) -> int:
        """Listable cases left out past :data:`MAX_LISTED`."""
        return self.count - self.whistleblower - len(self.numbers)


@dataclass(frozen=True)
class Recipient:
    """A member who gets the digest: account id, user name, display name, e-mail address."""

    account_id: int
    username: str
    display_name: str
    email: str


@dataclass(frozen=True)
class MemberDigest:
    """One member's digest of one unit for ``day``: "new" covers ``new_since`` to the day
    before ``day``; "due soon" runs to ``due_soon_until`` (inclusive)."""

    day: date
    unit_id: int
    unit_code: str
    unit_name_th: str
    unit_name_en: str
    recipient: Recipient
    new_since: date
    due_soon_until: date
    new: CaseNumbers
    due_soon: CaseNumbers
    overdue: CaseNumbers
    assigned: CaseNumbers

    def is_empty(self) -> bool:
        """Whether every list is empty (nothing is e-mailed then)."""
        return not (self.new.count or self.due_soon.count or self.overdue.count
                    or self.assigned.count)


@dataclass(frozen=True)
class UnitPlan:
    """A unit's digests for a day: ``digests`` still to send, ``done`` members already recorded
    that day, ``no_address`` active members without an address or who opted out."""

    unit_code: str
    unit_name_th: str
    unit_name_en: str
    digests: list[MemberDigest]
    done: int
    no_address: int


_Row = tuple[str, bool]  # (case number, whistleblower)


def _listed(rows: list[_Row]) -> CaseNumbers:
    shown = sorted(number for number, secret in rows if not secret)
    return CaseNumbers(len(rows), tuple(shown[:MAX_LISTED]),
                       sum(1 for _, secret in rows if secret))


def _whistleblower() -> ColumnElement[bool]:
    return or_(Category.sensitivity == Sensitivity.WHISTLEBLOWER, Complaint.kind == Kind.TIP)


def new_since(session: Session, unit_id: int, day: date) -> date:
    """First receiving day of the "new" list of ``unit_id``'s digest of ``day``: the unit's
    previous digest day, else the day before (at most :data:`MAX_NEW_DAYS` back)."""
    previous = session.scalar(select(func.max(DigestDelivery.day)).where(
        DigestDelivery.unit_id == unit_id, DigestDelivery.day < day))
    if previous is None:
        return day - timedelta(days=1)
    return max(previous, day - timedelta(days=MAX_NEW_DAYS))


def _members(session: Session, unit_id: int) -> list[StaffAccount]:
    return list(session.scalars(
        select(StaffAccount).join(UnitMembership, UnitMembership.account_id == StaffAccount.id)
        .where(UnitMembership.unit_id == unit_id, StaffAccount.active)
        .order_by(StaffAccount.username)))


def _unit_plan(session: Session, unit: Unit, day: date) -> UnitPlan | None:
    members = _members(session, unit.id)
    if not members:
        return None
    done = set(session.scalars(select(DigestDelivery.account_id).where(
        DigestDelivery.day == day, DigestDelivery.unit_id == unit.id)))
    wanted = [m for m in members if m.email and m.email_digest]
    since = new_since(session, unit.id, day)
    until = due_limit(session, day, DUE_SOON_WORKING_DAYS)
    wb = _whistleblower().label("wb")
    new = [(n, bool(s)) for n, s in session.execute(
        select(Complaint.case_number, wb).join(Category, Category.id == Complaint.category_id)
        .where(Complaint.unit_id == unit.id, Complaint.received_on >= since,
               Complaint.received_on < day))]
    open_rows = session.execute(
        select(Complaint.case_number, Complaint.due_on, Complaint.assigned_to_id, wb)
        .join(Category, Category.id == Complaint.category_id)
        .where(Complaint.unit_id == unit.id, Complaint.status.not_in(list(FINISHED)),
               Complaint.received_on < day)).all()
    due_soon = _listed([(n, bool(s)) for n, due, _, s in open_rows if day <= due <= until])
    overdue = _listed([(n, bool(s)) for n, due, _, s in open_rows if due < day])
    digests = [
        MemberDigest(day, unit.id, unit.code, unit.name_th, unit.name_en,
                     Recipient(m.id, m.username, m.display_name, m.email or ""),
                     since, until, _listed(new), due_soon, overdue,
                     _listed([(n, bool(s)) for n, _, who, s in open_rows if who == m.id]))
        for m in wanted if m.id not in done]
    return UnitPlan(unit.code, unit.name_th, unit.name_en, digests,
                    done=len(done), no_address=len(members) - len(wanted))


def plan(session: Session, day: date) -> list[UnitPlan]:
    """Every active unit with active members, by unit code, with the digests of ``day`` not
    recorded yet. Reads only clear columns (case number, dates, status, assignment, category
    sensitivity); never a case's content."""
    plans = []
    for unit in session.scalars(select(Unit).where(Unit.active).order_by(Unit.code)):
        unit_plan = _unit_plan(session, unit, day)
        if unit_plan is not None:
            plans.append(unit_plan)
    return plans


def record(session: Session, digest: MemberDigest, *, emailed: bool, now: datetime) -> None:
    """Record ``digest`` as done for its day (``emailed``: a message went out; false: it was
    empty and nothing was sent). Flushes; the caller commits right after the relay accepted."""
    session.add(DigestDelivery(
        day=digest.day, unit_id=digest.unit_id, account_id=digest.recipient.account_id,
        sent_at=now, emailed=emailed, new_count=digest.new.count,
        due_soon_count=digest.due_soon.count, overdue_count=digest.overdue.count,
        assigned_count=digest.assigned.count))
    session.flush()


__all__ = [
    "DUE_SOON_WORKING_DAYS",
    "MAX_LISTED",
    "MAX_NEW_DAYS",
    "CaseNumbers",
    "MemberDigest",
    "Recipient",
    "UnitPlan",
    "new_since",
    "plan",
    "record",
]
