"""What each staff member has read of a case: the queue's "new from the complainant" marker
(issue 9 §1).

A staff member has read a case up to the highest thread entry (``CaseEvent.seq``) it held when
they last opened the case page (:class:`~rongrian.intake.models.CaseSeen`, written by
:func:`mark_seen`). An ``information`` or ``reopen`` entry past that is unread *for that staff
member*: a colleague opening the case does not clear the responsible officer's marker, and staff
entries (replies, status changes, extensions) never set it. Only positions are kept, never what
was read.
"""

import uuid

from sqlalchemy import ColumnElement, Select, and_, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rongrian.intake.models import CaseEvent, CaseSeen, Complaint, EventKind

#: Thread entries written by the complainant (what "new from the complainant" looks for).
FROM_COMPLAINANT = (EventKind.INFORMATION, EventKind.REOPEN)


def unread(account_id: int) -> ColumnElement[bool]:
    """True for a case with a complainant's entry past what ``account_id`` has seen."""
    seen = (select(CaseSeen.seen_seq)
            .where(CaseSeen.account_id == account_id,
                   CaseSeen.complaint_id == CaseEvent.complaint_id)
            .correlate(CaseEvent).scalar_subquery())
    return exists().where(CaseEvent.complaint_id == Complaint.id,
                          CaseEvent.kind.in_(FROM_COMPLAINANT),
                          CaseEvent.seq > func.coalesce(seen, 0))


def unread_ids(account_id: int) -> Select[uuid.UUID]:
    """Ids of the cases with a complainant's entry past what ``account_id`` has seen, from the
    complainant's entries alone (index ``ix_case_event_kind``): the filter form of
    :func:`unread`, which tests one case at a time."""
    return (select(CaseEvent.complaint_id)
            .outerjoin(CaseSeen, and_(CaseSeen.account_id == account_id,
                                      CaseSeen.complaint_id == CaseEvent.complaint_id))
            .where(CaseEvent.kind.in_(FROM_COMPLAINANT),
                   CaseEvent.seq > func.coalesce(CaseSeen.seen_seq, 0)))


def mark_seen(session: Session, account_id: int, complaint_id: uuid.UUID) -> None:
    """Record that ``account_id`` has read ``complaint_id``'s thread as it is now (flushed; the
    caller commits). Clears that account's "new from the complainant" marker of the case."""
    last = session.scalar(select(func.max(CaseEvent.seq)).where(
        CaseEvent.complaint_id == complaint_id)) or 0
    seen = session.get(CaseSeen, (account_id, complaint_id))
    if seen is None:
        try:
            with session.begin_nested():  # the same account may open the case twice at once
                session.add(CaseSeen(account_id=account_id, complaint_id=complaint_id,
                                     seen_seq=last))
            return
        except IntegrityError:
            seen = session.get(CaseSeen, (account_id, complaint_id), populate_existing=True)
            if seen is None:
                raise
    if seen.seen_seq < last:
        seen.seen_seq = last
    session.flush()


def has_unread(session: Session, account_id: int, complaint_id: uuid.UUID) -> bool:
    """Whether ``complaint_id`` holds a complainant's entry ``account_id`` has not seen."""
    return bool(session.scalar(select(unread(account_id)).select_from(Complaint).where(
        Complaint.id == complaint_id)))
