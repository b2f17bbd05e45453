"""Retention: finished cases are purged after a period per category (issue 9 §5).

The agency sets each category's period in years (:attr:`Category.retention_years`, default 5,
in the organisation file and on the administrator's category page); ``rongrian maintenance``
purges every finished case whose period since closing (``finished_on``) has passed. A case of a
whistleblower category is never purged while its unit has not released it
(:func:`release`): an investigation of a tip may run for years after the case is closed towards
the complainant, and only the integrity unit knows when it is over.

What a purge deletes: the complaint's content, identity and every key that opens them (the data
key sealed to units, its earlier generations, the tracking-code and complainant-key copies), the
tracking digest (replaced by random bytes: the code finds nothing any more), the thread entries,
the reasons of its moves between units, its attachments (rows and encrypted files on disk), its
notification subscriptions, its e-mail notice address (:mod:`rongrian.intake.notices`) and a
rating's comment. What it keeps: the clear columns of the
complaint row (case number, kind, category, unit, channel, status, dates, referral body, poster),
the transfers' units and dates, a rating's score, so the periodic summaries
(:mod:`rongrian.intake.reporting`) of past periods do not change. Each purged case is an audit
entry (``cases_purged``, by the command line). The audit log itself is append-only and keeps
its entries (they hold no content; an identity reveal's reason stays sealed to the custodian).
"""

import calendar
import contextlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from rongrian.intake.audit import COMMAND_LINE, Actor, actor_of, append_entry
from rongrian.intake.errors import ComplaintNotFound, InvalidTransition
from rongrian.intake.keyring import unit_ids_of
from rongrian.intake.models import (
    Attachment,
    AuditAction,
    CaseEvent,
    CaseTransfer,
    Category,
    Complaint,
    ComplaintKey,
    DataKeyLink,
    EmailNotice,
    NotificationSubscription,
    Rating,
    Sensitivity,
)
from rongrian.intake.workflow import FINISHED

#: Years a finished case is kept when the agency says nothing (issue 9 §5).
DEFAULT_YEARS = 5
#: Longest period an agency may set (a safety bound on typing errors, e.g. 500 for 50).
MAX_YEARS = 100


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (29 February becomes the 28th in a common year)."""
    year = day.year - years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


def purge_day(finished_on: date, years: int) -> date:
    """The first day a case finished on ``finished_on`` may be purged, ``years`` later."""
    year = finished_on.year + years
    return finished_on.replace(
        year=year, day=min(finished_on.day, calendar.monthrange(year, finished_on.month)[1]))


def is_held(complaint: Complaint) -> bool:
    """Whether a whistleblower case still waits for its unit's release."""
    return (complaint.category.sensitivity == Sensitivity.WHISTLEBLOWER
            and not complaint.retention_released)


def due_for_purge(session: Session, today: date) -> list[Complaint]:
    """Finished, not yet purged cases whose category's period since closing has passed on
    ``today`` (whistleblower cases only once released), oldest first."""
    due: list[Complaint] = []
    for category in session.scalars(select(Category).order_by(Category.id)):
        cutoff = years_before(today, category.retention_years)
        query = (select(Complaint)
                 .where(Complaint.category_id == category.id,
                        Complaint.status.in_(FINISHED),
                        Complaint.purged_on.is_(None),
                        Complaint.finished_on.is_not(None),
                        Complaint.finished_on <= cutoff)
                 .order_by(Complaint.finished_on, Complaint.case_number))
        if category.sensitivity == Sensitivity.WHISTLEBLOWER:
            query = query.where(Complaint.retention_released.is_(True))
        due.extend(session.scalars(query))
    return due


@dataclass(frozen=True)
class PurgedCase:
    """What one purge deleted: the thread entries, transfers' reasons and attachment files."""

    case_number: str
    entries: int
    transfers: int
    files: int


def _rows(session: Session, statement: object) -> int:
    result = session.execute(statement)  # type: ignore[call-overload]
    return int(getattr(result, "rowcount", 0) or 0)


def purge_case(session: Session, complaint: Complaint, attachments_dir: Path, today: date
               ) -> PurgedCase:
    """Delete ``complaint``'s content, identity, keys, thread, transfer reasons, attachments
    and notifications; keep its clear columns (see the module's docstring). Audited
    (``cases_purged``). The attachment files are deleted at once (a failed commit then leaves a
    case that the next run finishes purging). Flushed; the caller commits."""
    files = list(session.scalars(select(Attachment.storage_name)
                                 .where(Attachment.complaint_id == complaint.id)))
    session.execute(delete(Attachment).where(Attachment.complaint_id == complaint.id))
    entries = _rows(session, delete(CaseEvent)
                            .where(CaseEvent.complaint_id == complaint.id))
    transfers = _rows(session, update(CaseTransfer)
                              .where(CaseTransfer.complaint_id == complaint.id)
                              .values(reason=b""))
    session.execute(delete(ComplaintKey).where(ComplaintKey.complaint_id == complaint.id))
    session.execute(delete(DataKeyLink).where(DataKeyLink.complaint_id == complaint.id))
    session.execute(delete(NotificationSubscription)
                    .where(NotificationSubscription.complaint_id == complaint.id))
    session.execute(delete(EmailNotice).where(EmailNotice.complaint_id == complaint.id))
    session.execute(update(Rating).where(Rating.complaint_id == complaint.id)
                    .values(comment=b""))
    complaint.content = b""
    complaint.identity = b""
    complaint.identity_key_custodian = b""
    complaint.identity_key_recovery = b""
    complaint.tracking_wrapped_key = b""
    complaint.tracking_digest = secrets.token_bytes(32)
    complaint.complainant_public_key = None
    complaint.complainant_wrapped_key = None
    complaint.complainant_sealed_data_key = None
    complaint.purged_on = today
    removed = 0
    for name in files:
        with contextlib.suppress(FileNotFoundError):
            (attachments_dir / name).unlink()
            removed += 1
    append_entry(session, AuditAction.CASES_PURGED, Actor(None, COMMAND_LINE),
                 complaint=complaint, detail={
                     "finished_on": complaint.finished_on.isoformat()
                     if complaint.finished_on else None,
                     "years": complaint.category.retention_years,
                     "entries": entries, "files": removed})
    session.flush()
    return PurgedCase(complaint.case_number, entries, transfers, removed)


def purge_finished(session: Session, attachments_dir: Path, today: date) -> dict[str, int]:
    """Purge every case :func:`due_for_purge` on ``today``; return counts
    (``purged_cases``, ``purged_entries``, ``purged_files``). Flushed; the caller commits
    (``rongrian maintenance`` does, with its own summary entry)."""
    counts = {"purged_cases": 0, "purged_entries": 0, "purged_files": 0}
    for complaint in due_for_purge(session, today):
        done = purge_case(session, complaint, attachments_dir, today)
        counts["purged_cases"] += 1
        counts["purged_entries"] += done.entries
        counts["purged_files"] += done.files
    return counts


def release(session: Session, account_id: int, complaint_id: uuid.UUID) -> Complaint:
    """A member of the case's unit releases a finished whistleblower case for retention (the
    investigation is over): from then on its category's period applies. Audited
    (``retention_released``). Raises :class:`ComplaintNotFound` (not there, or another unit's)
    and :class:`InvalidTransition` (not finished, not a whistleblower case, or released
    already). Flushed; the caller commits."""
    complaint = session.get(Complaint, complaint_id)
    if complaint is None or complaint.unit_id not in unit_ids_of(session, account_id):
        raise ComplaintNotFound
    if complaint.status not in FINISHED or not is_held(complaint):
        raise InvalidTransition
    complaint.retention_released = True
    append_entry(session, AuditAction.RETENTION_RELEASED, actor_of(session, account_id),
                 complaint=complaint)
    session.flush()
    return complaint
