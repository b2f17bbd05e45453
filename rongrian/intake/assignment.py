"""Assigning a case to a responsible officer (มอบหมายเจ้าหน้าที่ผู้รับผิดชอบ, ITA) and extending its
completion due day (ขยายระยะเวลา; issue 9 §2).

Both are done by a member of the case's unit, are audited (user names and dates only, never the
reason), and only flush: the caller commits. An extension's reason is an internal thread entry
encrypted under the complaint's current data-key generation; the complainant sees the new date.
"""

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from rongrian.intake.audit import actor_of, append_entry
from rongrian.intake.casework import case_for_member, data_keys_of
from rongrian.intake.errors import InvalidSubmission
from rongrian.intake.keyring import UnlockedAccount
from rongrian.intake.models import (
    AuditAction,
    EventKind,
    StaffAccount,
    UnitMembership,
)
from rongrian.intake.store import LIMITS, append_event, clean_text
from rongrian.intake.workflow import FINISHED


def unit_officers(session: Session, unit_id: int) -> list[StaffAccount]:
    """Active accounts that are members of ``unit_id``, by display name: whom a case of that
    unit may be assigned to."""
    return list(session.scalars(
        select(StaffAccount)
        .join(UnitMembership, UnitMembership.account_id == StaffAccount.id)
        .where(UnitMembership.unit_id == unit_id, StaffAccount.active)
        .order_by(StaffAccount.display_name, StaffAccount.id)
    ))


def assign(
    session: Session, unlocked: UnlockedAccount, complaint_id: uuid.UUID, officer_id: int,
    *, now: datetime | None = None,
) -> None:
    """Make ``officer_id`` the responsible officer of a case of the account's unit (assign or
    reassign). Audited ``case_assigned`` with both user names.

    Raises ``ComplaintNotFound`` or :class:`InvalidSubmission` (``{"officer": "not_member"}``
    when the officer is not an active member of the case's unit; nothing changed).
    """
    now = now or datetime.now(UTC)
    complaint = case_for_member(session, unlocked.account_id, complaint_id)
    officers = {account.id: account for account in unit_officers(session, complaint.unit_id)}
    officer = officers.get(officer_id)
    if officer is None:
        raise InvalidSubmission({"officer": "not_member"})
    if complaint.assigned_to_id == officer_id:
        return
    previous = officers.get(complaint.assigned_to_id or 0)
    append_entry(session, AuditAction.CASE_ASSIGNED, actor_of(session, unlocked.account_id),
                 complaint=complaint, now=now,
                 detail={"to": officer.username,
                         "from": previous.username if previous else None})
    complaint.assigned_to_id = officer_id
    session.flush()


def extend_due(
    session: Session, unlocked: UnlockedAccount, complaint_id: uuid.UUID, new_due: date,
    reason: str, *, now: datetime | None = None,
) -> None:
    """Move the completion due day of an open case of the account's unit to ``new_due``, with
    a reason (encrypted thread entry, staff only). Audited ``due_extended`` with both dates.

    Raises ``ComplaintNotFound``, ``KeyNotGranted`` or :class:`InvalidSubmission` with
    ``{"reason": "required" | "too_long"}``, ``{"due_on": "finished"}`` (a finished case),
    ``{"due_on": "past"}`` (before today) or ``{"due_on": "not_later"}`` (not after the
    current due day). Nothing changes on error.
    """
    now = now or datetime.now(UTC)
    cleaned = clean_text(reason)
    if not cleaned:
        raise InvalidSubmission({"reason": "required"})
    if len(cleaned) > LIMITS["note"]:
        raise InvalidSubmission({"reason": "too_long"})
    complaint = case_for_member(session, unlocked.account_id, complaint_id)
    if complaint.status in FINISHED:
        raise InvalidSubmission({"due_on": "finished"})
    if new_due < now.date():
        raise InvalidSubmission({"due_on": "past"})
    if new_due <= complaint.due_on:
        raise InvalidSubmission({"due_on": "not_later"})
    data_keys = data_keys_of(session, unlocked, complaint)
    previous = complaint.due_on
    append_entry(session, AuditAction.DUE_EXTENDED, actor_of(session, unlocked.account_id),
                 complaint=complaint, now=now,
                 detail={"from": previous.isoformat(), "to": new_due.isoformat()})
    append_event(session, complaint, data_keys, EventKind.EXTENSION,
                 {"note": cleaned, "due_on": new_due.isoformat(),
                  "previous": previous.isoformat()},
                 now=now, actor_id=unlocked.account_id)
    complaint.due_on = new_due
    complaint.updated_on = now.date()
    session.flush()
