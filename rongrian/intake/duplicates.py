"""Duplicate-of linking (issue 9 §1): "ซ้ำกับเรื่องเลขที่ 2569/000123".

A member of a case's unit marks the case a duplicate of another case they can see (the
*original*). The duplicate is then finished at once: its status becomes ``closed`` whatever it
was (the workflow's moves are not asked; the status it had is kept in
``Complaint.duplicate_prior_status``), with an internal status entry naming the original and an
automatic reply, in Thai and English, that the complainant reads with their code. Undoing the
link (a member of the duplicate's unit) restores that status, with a status entry and a reply
saying the case is handled on its own again. Both are audited (``case_marked_duplicate`` and
``case_duplicate_undone`` on the duplicate, with both case numbers and statuses; no text).

Rules (the refusals are :class:`DuplicateRefused`, nothing changed):

- no chains: an original is never itself a duplicate (the refusal names *its* original), and a
  case that others duplicate cannot become a duplicate until they are unmarked;
- neither the duplicate nor the original may be finished;
- a case number that is malformed, unknown or in a unit the member does not belong to is refused
  with the same answer (as a case page answers 404 for both).

The complainant of a duplicate (:func:`merged_into`) is told the original's case number and
status (never its content or its code). Their "add information" stays on their own case (their
code opens only its data key) and is open while the original is, and up to the reopen window
after the original finishes (:func:`rongrian.intake.store.check_information_open`); the
original's page lists its duplicates.
Reports count a duplicated complaint once: :data:`COUNTED` is the filter they add.
"""

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from rongrian.intake.audit import actor_of, append_entry
from rongrian.intake.casework import case_for_member, data_keys_of, reply, write_status
from rongrian.intake.errors import InvalidSubmission
from rongrian.intake.keyring import UnlockedAccount, unit_ids_of
from rongrian.intake.models import AuditAction, Complaint, Status
from rongrian.intake.workflow import FINISHED

#: What the report queries add to their ``where``: a duplicate is counted in its original only.
COUNTED: ColumnElement[bool] = Complaint.duplicate_of_id.is_(None)

#: The automatic replies the complainant reads (both languages: the reply is stored once).
JOINED_REPLY = (
    "เรื่องของท่านรวมกับเรื่องเลขที่ {number} ซึ่งเป็นเรื่องเดียวกันที่หน่วยงานรับไว้แล้ว "
    "ท่านติดตามสถานะของเรื่องนั้นได้ที่หน้านี้ด้วยรหัสติดตามเดิมของท่าน "
    "และยังเพิ่มข้อมูลได้ที่หน้านี้\n"
    "Your complaint was joined with case {number}, which is about the same matter. You can "
    "follow that case's status on this page with your own tracking code, and still add "
    "information here."
)
UNDONE_REPLY = (
    "หน่วยงานยกเลิกการรวมเรื่องของท่านกับเรื่องเลขที่ {number} แล้ว "
    "เรื่องของท่านจะได้รับการพิจารณาแยกต่างหาก\n"
    "The agency undid joining your complaint with case {number}: your complaint is handled "
    "on its own again."
)

#: The internal notes of the status entries (staff only).
DUPLICATE_NOTE = "ซ้ำกับเรื่องเลขที่ {number} / duplicate of {number}"
UNDONE_NOTE = "ยกเลิกการรวมกับเรื่องเลขที่ {number} / no longer a duplicate of {number}"

_NUMBER = re.compile(r"^(\d{4})\s*/\s*(\d{1,6})$")
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


class DuplicateRefused(InvalidSubmission):
    """A link that may not be made or undone; nothing changed.

    ``code`` (also ``problems["duplicate"]``): ``malformed`` (not ``2569/000123``),
    ``unknown`` (no such case among the member's units), ``same`` (the case itself),
    ``chain`` (the original is itself a duplicate: ``original`` names its own original),
    ``already_duplicate`` (the case is a duplicate already: ``original`` names its original),
    ``has_duplicates`` (other cases duplicate this one), ``finished`` (the case is finished),
    ``original_finished``, ``not_duplicate`` (undo of a case that is not one).
    """

    def __init__(self, code: str, original: str | None = None) -> None:
        super().__init__({"duplicate": code})
        self.code = code
        self.original = original


@dataclass(frozen=True)
class MergedInto:
    """What the complainant of a duplicate is told: the original's number and status, and the
    day it finished (``None`` while open)."""

    case_number: str
    status: Status
    finished_on: date | None


@dataclass(frozen=True)
class LinkedCase:
    """A case on the other end of a link, as the staff case page lists it."""

    id: uuid.UUID
    case_number: str
    status: Status
    updated_on: date


def normalise_case_number(text: str) -> str:
    """``2569/000123`` from ``2569/123``, ``๒๕๖๙/๑๒๓`` or with spaces; raises
    :class:`DuplicateRefused` (``malformed``) for anything else."""
    match = _NUMBER.match(text.strip().translate(_THAI_DIGITS))
    if match is None:
        raise DuplicateRefused("malformed")
    return f"{match[1]}/{int(match[2]):06d}"


def _visible_case(session: Session, account_id: int, case_number: str) -> Complaint:
    complaint = session.scalars(
        select(Complaint).where(Complaint.case_number == case_number)).first()
    if complaint is None or complaint.unit_id not in unit_ids_of(session, account_id):
        raise DuplicateRefused("unknown")
    return complaint


def _has_duplicates(session: Session, complaint_id: uuid.UUID) -> bool:
    return session.scalar(select(Complaint.id).where(
        Complaint.duplicate_of_id == complaint_id).limit(1)) is not None


def check_link(session: Session, account_id: int, complaint: Complaint, original_text: str
               ) -> Complaint:
    """The original ``original_text`` names, if ``complaint`` may be marked its duplicate.
    Raises :class:`DuplicateRefused` (see its codes), checked before anything is written."""
    if complaint.duplicate_of_id is not None:
        raise DuplicateRefused("already_duplicate", complaint.duplicate_of.case_number
                               if complaint.duplicate_of else None)
    if complaint.status in FINISHED:
        raise DuplicateRefused("finished")
    if _has_duplicates(session, complaint.id):
        raise DuplicateRefused("has_duplicates")
    original = _visible_case(session, account_id, normalise_case_number(original_text))
    if original.id == complaint.id:
        raise DuplicateRefused("same")
    if original.duplicate_of is not None:
        raise DuplicateRefused("chain", original.duplicate_of.case_number)
    if original.status in FINISHED:
        raise DuplicateRefused("original_finished")
    return original


def _set_status(session: Session, unlocked: UnlockedAccount, complaint: Complaint,
                target: Status, note: str, now: datetime) -> None:
    """Write the status entry (internal ``note``), queue the complainant's notification and
    set the status columns, outside the workflow's moves."""
    write_status(session, unlocked.account_id, complaint,
                 data_keys_of(session, unlocked, complaint), target, note, now)


def mark_duplicate(session: Session, unlocked: UnlockedAccount, complaint_id: uuid.UUID,
                   original_number: str, *, now: datetime | None = None) -> Complaint:
    """Mark the case ``complaint_id`` (of the account's units) a duplicate of the case numbered
    ``original_number`` and close it with the automatic reply; return the original. Flushes;
    the caller commits.

    Raises ``ComplaintNotFound`` (the duplicate is not the account's to see), ``KeyNotGranted``
    or :class:`DuplicateRefused`.
    """
    now = now or datetime.now(UTC)
    complaint = case_for_member(session, unlocked.account_id, complaint_id)
    original = check_link(session, unlocked.account_id, complaint, original_number)
    prior = complaint.status
    append_entry(session, AuditAction.CASE_MARKED_DUPLICATE,
                 actor_of(session, unlocked.account_id), complaint=complaint, now=now,
                 detail={"original": original.case_number, "from": prior.value,
                         "to": Status.CLOSED.value})
    _set_status(session, unlocked, complaint, Status.CLOSED,
                DUPLICATE_NOTE.format(number=original.case_number), now)
    complaint.duplicate_of_id = original.id
    complaint.duplicate_prior_status = prior
    session.flush()
    reply(session, unlocked, complaint.id, JOINED_REPLY.format(number=original.case_number),
          now=now)
    return original


def undo_duplicate(session: Session, unlocked: UnlockedAccount, complaint_id: uuid.UUID, *,
                   now: datetime | None = None) -> None:
    """Undo the link of the duplicate ``complaint_id`` (of the account's units): it gets back
    the status it had, with a reply saying so. Flushes; the caller commits.

    Raises ``ComplaintNotFound``, ``KeyNotGranted`` or :class:`DuplicateRefused`
    (``not_duplicate``).
    """
    now = now or datetime.now(UTC)
    complaint = case_for_member(session, unlocked.account_id, complaint_id)
    original = complaint.duplicate_of
    if original is None:
        raise DuplicateRefused("not_duplicate")
    restored = complaint.duplicate_prior_status or Status.IN_PROGRESS
    append_entry(session, AuditAction.CASE_DUPLICATE_UNDONE,
                 actor_of(session, unlocked.account_id), complaint=complaint, now=now,
                 detail={"original": original.case_number, "from": complaint.status.value,
                         "to": restored.value})
    _set_status(session, unlocked, complaint, restored,
                UNDONE_NOTE.format(number=original.case_number), now)
    complaint.duplicate_of_id = None
    complaint.duplicate_prior_status = None
    session.flush()
    reply(session, unlocked, complaint.id, UNDONE_REPLY.format(number=original.case_number),
          now=now)


def duplicates_of(session: Session, complaint_id: uuid.UUID) -> list[LinkedCase]:
    """The cases marked duplicates of ``complaint_id``, by case number (clear columns only)."""
    rows = session.scalars(select(Complaint).where(Complaint.duplicate_of_id == complaint_id)
                           .order_by(Complaint.case_number))
    return [LinkedCase(row.id, row.case_number, row.status, row.updated_on) for row in rows]


def original_of(complaint: Complaint) -> LinkedCase | None:
    """The original of a duplicate, or ``None``."""
    original = complaint.duplicate_of
    if original is None:
        return None
    return LinkedCase(original.id, original.case_number, original.status, original.updated_on)


def merged_into(complaint: Complaint) -> MergedInto | None:
    """What the complainant of ``complaint`` is told when it is a duplicate, else ``None``."""
    original = complaint.duplicate_of
    if original is None:
        return None
    return MergedInto(original.case_number, original.status, original.finished_on)

